"""How orderly is the phase? Coherence of the phase advance from frame to frame.

A steady partial of frequency ``f`` turns the phase of the bins around it by the same
``2 pi f hop / sr`` every frame, so the *second* difference of the phase along time,
``psi = phi[t + lag] - 2 phi[t] + phi[t - lag]``, is close to 0 -- whatever ``f`` is.
For noise, the phases of frames that share few samples are unrelated and ``psi`` is
spread over the whole circle. The energy-weighted mean resultant length of
``exp(i psi)`` (:func:`advance_coherence`) measures this in one number: 1 when every
loud bin advances steadily, near 0 for noise. In a phased-spectrogram movie, a coherent
bin is a bright spot that steps steadily through the phase slices.

The lag matters: with the usual hop of a quarter window, neighbouring frames share
three quarters of their samples, so even white noise advances its phase almost steadily
from one frame to the next (lag 1). Frames half a window apart (lag 2 at
``frame_step = frame_length / 4``) share too little for noise to look orderly.

Neighbouring *bins*, on the other hand, always look alike: the window leaks every
frequency into a few bins, so the phase advances of adjacent bins agree for noise too
(:func:`neighbour_coherence`). What sets a vowel apart is the steadiness in time.

Pooling the phase over a band of bins (:func:`band_resultant`) only keeps it when the bins
of one partial agree, which depends on where the phase is measured from: see
:mod:`phaselab.signal.stft`.
"""

from __future__ import annotations

import numpy as np

from phaselab import SAMPLE_RATE
from phaselab.signal.bands import mel_filterbank
from phaselab.signal.stft import bin_frequencies

__all__ = ["phase_acceleration", "loud_frames", "low_frequency_share", "advance_coherence", "neighbour_coherence",
           "band_resultant"]


def phase_acceleration(spec: np.ndarray, lag: int = 2) -> np.ndarray:
    """Second difference of the STFT phase along time, wrapped to (-pi, pi].

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex
        STFT, time-major.
    lag : int
        Distance in frames between the three frames compared.

    Returns
    -------
    np.ndarray, shape (frames - 2 lag, bins), float64
        ``psi[t - lag] = phi[t + lag] - 2 phi[t] + phi[t - lag]`` in radians.
    """
    spec = np.asarray(spec)
    if lag < 1:
        raise ValueError(f"lag must be at least 1 frame, got {lag}")
    if spec.ndim != 2 or not np.iscomplexobj(spec) or spec.shape[0] <= 2 * lag:
        raise ValueError(f"need a complex (frames > 2 lag = {2 * lag}, bins) STFT, got {spec.dtype} {spec.shape}")
    return np.angle(spec[2 * lag :] * np.conj(spec[lag:-lag]) ** 2 * spec[: -2 * lag])


def loud_frames(spec: np.ndarray, within_db: float = 10.0) -> np.ndarray:
    """Frames whose energy is within ``within_db`` decibels of the loudest frame.

    In a spoken word these are the vowels.

    Returns
    -------
    np.ndarray, shape (frames,), bool
    """
    energy = np.sum(np.abs(spec) ** 2, axis=1)
    return energy >= energy.max() * 10 ** (-within_db / 10)


def low_frequency_share(spec: np.ndarray, cutoff_hz: float = 1000.0, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Fraction of each frame's energy below ``cutoff_hz``.

    Vowels put most of their energy below 1 kHz (the first formant and the low
    harmonics); hissing consonants such as "sh" put almost none there.

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex
        STFT with ``bins = fft_length // 2 + 1``.
    cutoff_hz : float
        Edge of the low band, in Hz.
    sr : int
        Sample rate, in Hz.

    Returns
    -------
    np.ndarray, shape (frames,), float64
        In [0, 1]; 0 for a silent frame.
    """
    energy = np.abs(np.asarray(spec)) ** 2
    low = energy[:, bin_frequencies(2 * (energy.shape[1] - 1), sr) < cutoff_hz].sum(axis=1)
    total = energy.sum(axis=1)
    return np.divide(low, total, out=np.zeros_like(total), where=total > 0)


def advance_coherence(spec: np.ndarray, frames: np.ndarray | None = None, lag: int = 2) -> float:
    """Energy-weighted coherence of the phase advance, in [0, 1].

    ``|sum w exp(i psi)| / sum w`` over all bins of the chosen frames, with ``psi``
    from :func:`phase_acceleration` and ``w`` the energy ``|z[t]|^2`` of the middle frame.

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex
        STFT, time-major.
    frames : np.ndarray, shape (frames,), bool, optional
        The frames ``t`` to use as middle frames (e.g. :func:`loud_frames`); the first
        and last ``lag`` frames are never used. Default: all.
    lag : int
        Distance in frames between the frames compared (see the module docstring).

    Returns
    -------
    float
        1 for a perfectly steady phase advance; about ``1 / sqrt(number of bins used)``
        (weighted) for random phase.
    """
    psi = phase_acceleration(spec, lag)
    weights = np.abs(np.asarray(spec)[lag:-lag]) ** 2
    if frames is not None:
        frames = np.asarray(frames, dtype=bool)
        if frames.shape != (spec.shape[0],):
            raise ValueError(f"frames must be a boolean mask of shape ({spec.shape[0]},), got {frames.shape}")
        psi, weights = psi[frames[lag:-lag]], weights[frames[lag:-lag]]
    return _weighted_resultant(np.exp(1j * psi), weights)


def _weighted_resultant(phasors: np.ndarray, weights: np.ndarray) -> float:
    total = weights.sum()
    if total == 0:
        raise ValueError("the chosen frames are silent: no energy to weight the phase advance with")
    unit = phasors / np.maximum(np.abs(phasors), np.finfo(float).tiny)
    return float(np.abs(np.sum(weights * unit)) / total)


def neighbour_coherence(spec: np.ndarray, frames: np.ndarray | None = None, lag: int = 2) -> float:
    """Energy-weighted agreement of the phase advance of adjacent bins, in [0, 1].

    With ``a[t, k] = phi[t, k] - phi[t - lag, k]`` the phase advance of bin ``k`` over
    ``lag`` frames, returns ``|sum w exp(i (a[t, k + 1] - a[t, k]))| / sum w``, with
    ``w = |z[t, k] z[t, k + 1]|``: 1 when neighbouring bins turn in step.

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex
        STFT, time-major.
    frames : np.ndarray, shape (frames,), bool, optional
        The frames ``t`` used (the first ``lag`` frames never are). Default: all.
    lag : int
        Frames over which the advance is taken.

    Returns
    -------
    float
    """
    spec = np.asarray(spec)
    if lag < 1 or spec.ndim != 2 or spec.shape[0] <= lag:
        raise ValueError(f"need lag >= 1 and a (frames > lag, bins) STFT, got lag {lag} and shape {spec.shape}")
    advance = spec[lag:] * np.conj(spec[:-lag])
    advance = advance / np.maximum(np.abs(advance), np.finfo(float).tiny)
    phasors = advance[:, 1:] * np.conj(advance[:, :-1])
    weights = np.abs(spec[lag:, 1:] * spec[lag:, :-1])
    if frames is not None:
        frames = np.asarray(frames, dtype=bool)
        if frames.shape != (spec.shape[0],):
            raise ValueError(f"frames must be a boolean mask of shape ({spec.shape[0]},), got {frames.shape}")
        phasors, weights = phasors[frames[lag:]], weights[frames[lag:]]
    return _weighted_resultant(phasors, weights)


def band_resultant(spec: np.ndarray, n_bands: int = 40, loudest: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    r"""How much of each mel band's phase survives an average over the band's bins.

    The ``|z|``-weighted resultant length of the phase over band ``m`` (filter ``M[:, m]`` of
    :func:`phaselab.signal.bands.mel_filterbank`) in frame ``q``:

    .. math:: R[q, m] = \frac{\big|\sum_k M_{km}\, z[q, k]\big|}{\sum_k M_{km}\, |z[q, k]|}
              = \frac{\big|\sum_k M_{km} |z_k| e^{i\varphi_k}\big|}{\sum_k M_{km} |z_k|}

    1 when every bin of the band has the same phase, near 0 when they cancel. It is the
    length of the mel-pooled ``cos_sin`` feature (:class:`phaselab.nn.features.PhaseFeatures`
    with ``n_mels``).

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex
        STFT; ``bins = fft_length // 2 + 1``.
    n_bands : int
        Mel bands.
    loudest : float
        Share of band-frames, by band energy ``sum_k M_km |z_k|``, marked loud.

    Returns
    -------
    resultant : np.ndarray, shape (frames, n_bands), float64
        ``R`` (0 where a band is silent).
    loud : np.ndarray, shape (frames, n_bands), bool
        The loudest ``loudest`` share of band-frames.

    Examples
    --------
    >>> from phaselab.paths import data_dir
    >>> from phaselab.signal.audio import read_wav
    >>> from phaselab.signal.stft import stft
    >>> marvin = read_wav(data_dir() / "samples" / "marvin.wav")
    >>> centre, loud = band_resultant(stft(marvin, 512, 160))
    >>> start, _ = band_resultant(stft(marvin, 512, 160, reference="start"))
    >>> bool(np.median(centre[loud]) > 0.7 > 0.3 > np.median(start[loud]))
    True

    Notebook: ``05_phase_encodings_compared.ipynb``
    """
    spec = np.asarray(spec)
    filters = mel_filterbank(n_bands, 2 * (spec.shape[-1] - 1))
    energy = np.abs(spec) @ filters
    pooled = np.abs(spec @ filters)
    resultant = np.divide(pooled, energy, out=np.zeros_like(energy), where=energy > 0)
    loud = energy >= np.quantile(energy, 1.0 - loudest)
    return resultant, loud
