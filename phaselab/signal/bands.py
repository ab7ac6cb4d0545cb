"""Coarse spectral envelopes: STFT energy summed over mel-spaced frequency bands.

A magnitude spectrogram at full STFT resolution is sensitive to how the frames of a
modified STFT interfere when it is inverted; its energy in broad bands (a few hundred
Hz wide, one ~30 ms frame long) is what the ear's coarse loudness pattern follows.
"""

from __future__ import annotations

import numpy as np

from phaselab import SAMPLE_RATE
from phaselab.signal.stft import bin_frequencies

__all__ = ["hz_to_mel", "mel_to_hz", "mel_band_edges", "band_energies", "mel_filterbank"]


def hz_to_mel(freq: np.ndarray | float) -> np.ndarray:
    """Mel value of frequencies in Hz (O'Shaughnessy's formula ``2595 log10(1 + f / 700)``)."""
    return 2595.0 * np.log10(1.0 + np.asarray(freq, dtype=np.float64) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """Frequency in Hz of mel values (inverse of :func:`hz_to_mel`)."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_band_edges(n_bands: int, fmin: float = 0.0, fmax: float = SAMPLE_RATE / 2) -> np.ndarray:
    """Edges of ``n_bands`` bands equally spaced on the mel scale.

    Returns
    -------
    np.ndarray, shape (n_bands + 1,)
        Band edges in Hz, from ``fmin`` to ``fmax``.
    """
    if n_bands < 1:
        raise ValueError(f"n_bands must be at least 1, got {n_bands}")
    if not 0 <= fmin < fmax:
        raise ValueError(f"need 0 <= fmin < fmax, got fmin={fmin} and fmax={fmax}")
    return mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_bands + 1))


def band_energies(
    magnitude: np.ndarray, sr: int = SAMPLE_RATE, n_bands: int = 24, fmin: float = 0.0, fmax: float | None = None
) -> np.ndarray:
    """Energy of every frame in mel-spaced frequency bands.

    Parameters
    ----------
    magnitude : np.ndarray, shape (frames, bins)
        Magnitude spectrogram (or complex STFT: its magnitude is used) with
        ``bins = fft_length // 2 + 1``.
    sr : int
        Sample rate of the clip, in Hz.
    n_bands : int
        Number of bands; each STFT bin belongs to exactly one band.
    fmin, fmax : float
        Frequency range covered, in Hz (``fmax`` defaults to ``sr / 2``); bins outside
        it are left out.

    Returns
    -------
    np.ndarray, shape (frames, n_bands), float64
        Sum of ``|X|^2`` over the bins of each band (same units as ``|X|^2``).
    """
    magnitude = np.abs(np.asarray(magnitude))
    if magnitude.ndim != 2:
        raise ValueError(f"band_energies expects a (frames, bins) spectrogram, got shape {magnitude.shape}")
    edges = mel_band_edges(n_bands, fmin, sr / 2 if fmax is None else fmax)
    freqs = bin_frequencies(2 * (magnitude.shape[1] - 1), sr)
    band = np.searchsorted(edges, freqs, side="right") - 1
    band[freqs == edges[-1]] = n_bands - 1  # the top edge belongs to the last band
    inside = (band >= 0) & (band < n_bands)
    if np.any(np.bincount(band[inside], minlength=n_bands) == 0):
        raise ValueError(
            f"some of the {n_bands} bands hold no STFT bin at this resolution "
            f"({magnitude.shape[1]} bins); use fewer bands or a longer FFT"
        )
    membership = np.zeros((magnitude.shape[1], n_bands))
    membership[np.flatnonzero(inside), band[inside]] = 1.0
    return (magnitude**2) @ membership


def mel_filterbank(
    n_bands: int, fft_length: int, sr: int = SAMPLE_RATE, fmin: float = 20.0, fmax: float | None = None
) -> np.ndarray:
    """Triangular filters on the mel scale, as a matrix to multiply STFT magnitudes by.

    Filter ``b`` rises linearly from centre ``b - 1`` to centre ``b`` and falls to centre
    ``b + 1``, the ``n_bands + 2`` centres equally spaced in mel from ``fmin`` to ``fmax``
    (peak 1, no area normalisation). Unlike the disjoint bands of :func:`band_energies`,
    neighbouring filters overlap, so the output changes smoothly as a formant moves:
    the features keyword spotters use (log-mel).

    Parameters
    ----------
    n_bands : int
        Number of filters.
    fft_length : int
        FFT size; the STFT has ``fft_length // 2 + 1`` bins.
    sr : int
        Sample rate in Hz.
    fmin, fmax : float
        Frequency range in Hz (``fmax`` defaults to ``sr / 2``).

    Returns
    -------
    np.ndarray, shape (fft_length // 2 + 1, n_bands), float32

    Examples
    --------
    >>> fb = mel_filterbank(40, 512)
    >>> fb.shape, float(fb.max()) <= 1.0, bool((fb.sum(axis=0) > 0).all())
    ((257, 40), True, True)
    """
    fmax = sr / 2 if fmax is None else fmax
    centres = mel_band_edges(n_bands + 1, fmin, fmax)  # n_bands + 2 points
    freqs = bin_frequencies(fft_length, sr)
    lower, centre, upper = centres[:-2, None], centres[1:-1, None], centres[2:, None]
    rise = (freqs[None, :] - lower) / (centre - lower)
    fall = (upper - freqs[None, :]) / (upper - centre)
    weights = np.clip(np.minimum(rise, fall), 0.0, None)
    if np.any(weights.sum(axis=1) == 0):
        raise ValueError(f"some of the {n_bands} mel filters hold no STFT bin; use fewer bands or a longer FFT")
    return weights.T.astype(np.float32)
