r"""Throwing the phase away and getting it back: random phase, zero phase, Griffin-Lim.

Every STFT here is in ``"full"`` framing with the phase measured from the window's centre
(:data:`phaselab.signal.stft.PHASE_REFERENCE`), so that :func:`phaselab.signal.stft.istft`
inverts it exactly. With ``X = STFT(x)``, noise ``n`` and ``ISTFT`` the least-squares inverse:

.. math::

    x_{\text{random}} = \operatorname{ISTFT}\big(|X|\, e^{i \angle N}\big),\ N = \operatorname{STFT}(n);
    \qquad x_{\text{zero}} = \operatorname{ISTFT}\big(|X|\big).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from phaselab.signal.stft import PHASE_REFERENCE, PhaseReference, istft, stft

__all__ = ["randomize_phase", "zero_phase", "griffin_lim", "spectral_convergence", "GriffinLimResult"]


def spectral_convergence(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Relative distance between two magnitude spectrograms.

    ``|| |X| - |Y| ||_F / || |X| ||_F`` (0 for identical magnitudes).

    Parameters
    ----------
    reference : np.ndarray, shape (frames, bins)
        Target magnitude (or complex STFT: its magnitude is used).
    estimate : np.ndarray, shape (frames, bins)
        Magnitude (or complex STFT) to compare with it.

    Returns
    -------
    float
    """
    reference, estimate = np.abs(reference), np.abs(estimate)
    if reference.shape != estimate.shape:
        raise ValueError(f"shapes differ: {reference.shape} and {estimate.shape}")
    norm = np.linalg.norm(reference)
    if norm == 0:
        raise ValueError("the reference magnitude is all zero")
    return float(np.linalg.norm(reference - estimate) / norm)


def _with_phase(audio: np.ndarray, phase: np.ndarray, frame_length: int, frame_step: int,
                reference: PhaseReference = PHASE_REFERENCE) -> np.ndarray:
    spec = stft(audio, frame_length, frame_step, framing="full", reference=reference)
    return istft(np.abs(spec) * phase, len(audio), frame_length, frame_step, reference=reference).astype(np.float32)


def randomize_phase(
    audio: np.ndarray, rng: np.random.Generator, frame_length: int = 512, frame_step: int = 128
) -> np.ndarray:
    """Keep the magnitude of a clip, take the phase of white noise.

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        The clip.
    rng : np.random.Generator
        Source of the white noise whose STFT phase replaces the clip's.
    frame_length, frame_step : int
        STFT window and hop, in samples.

    Returns
    -------
    np.ndarray, shape (n,), float32
        The "choir": the same magnitude spectrogram (up to the STFT's consistency),
        a different waveform.

    Examples
    --------
    >>> import numpy as np
    >>> from phaselab.paths import data_dir
    >>> from phaselab.signal.audio import read_wav
    >>> marvin = read_wav(data_dir() / "samples" / "marvin.wav")
    >>> choir = randomize_phase(marvin, rng=np.random.default_rng(0))
    >>> choir.shape == marvin.shape
    True

    Notebook: ``01_phase_randomization.ipynb``
    """
    noise = rng.standard_normal(len(audio))
    noise_spec = stft(noise, frame_length, frame_step, framing="full")
    return _with_phase(audio, np.exp(1j * np.angle(noise_spec)), frame_length, frame_step)


def zero_phase(audio: np.ndarray, frame_length: int = 512, frame_step: int = 128,
               reference: PhaseReference = PHASE_REFERENCE) -> np.ndarray:
    """Keep the magnitude of a clip and set every STFT phase to zero.

    A frame whose bins all have phase zero (measured from the window's centre) is a
    symmetric pulse centred in its window, so the result is a train of pulses one hop apart,
    each at a frame's centre, shaped by that frame's magnitude: a buzz at the frame rate.
    With ``reference="start"`` each pulse sits at its frame's first sample instead, where the
    window is zero, so most of it is windowed away.

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
    frame_length, frame_step : int
        STFT window and hop, in samples.
    reference : {"centre", "start"}
        Where the zeroed phase is measured from.

    Returns
    -------
    np.ndarray, shape (n,), float32
        A buzzy clip with a pulse at every frame's centre.

    Examples
    --------
    >>> from phaselab.paths import data_dir
    >>> from phaselab.signal.audio import read_wav
    >>> marvin = read_wav(data_dir() / "samples" / "marvin.wav")
    >>> buzz = zero_phase(marvin)
    >>> bool(np.sum(buzz**2) > 10 * np.sum(zero_phase(marvin, reference="start")**2))
    True

    Notebook: ``01_phase_randomization.ipynb``
    """
    return _with_phase(audio, np.ones(1), frame_length, frame_step, reference)


class GriffinLimResult(NamedTuple):
    """What :func:`griffin_lim` returns."""

    audio: np.ndarray
    """The reconstructed clip, shape (length,), float32."""
    convergence: np.ndarray
    """Spectral convergence after each iteration, shape (n_iter,)."""


def griffin_lim(
    magnitude: np.ndarray,
    length: int,
    n_iter: int = 100,
    momentum: float = 0.99,
    frame_length: int = 512,
    frame_step: int = 128,
    rng: np.random.Generator | None = None,
) -> GriffinLimResult:
    r"""Fast Griffin-Lim: find a phase consistent with a magnitude.

    Alternates the projection on consistent STFTs (ISTFT then STFT) with the
    projection on the given magnitude, with the momentum term of Perraudin, Balazs and
    Søndergaard (2013), "A fast Griffin-Lim algorithm". ``momentum=0`` is the original
    Griffin-Lim (1984). With target magnitude ``A``, ``P_C(c) = STFT(ISTFT(c))`` and
    ``P_A(c) = A e^{i angle c}``, iteration ``n`` is

    .. math::

        t_n = P_C(c_{n-1}),\qquad c_n = P_A\big(t_n + \alpha\,(t_n - t_{n-1})\big),

    and the clip is ``ISTFT(c_N)``.

    Parameters
    ----------
    magnitude : np.ndarray, shape (frames, bins)
        Target magnitude, from ``np.abs(stft(audio, ..., framing="full"))``.
    length : int
        Number of samples of the clip to rebuild.
    n_iter : int
        Iterations.
    momentum : float
        Momentum ``alpha`` in [0, 1); 0.99 is the value the paper recommends.
    frame_length, frame_step : int
        STFT window and hop, in samples.
    rng : np.random.Generator, optional
        Draws the random initial phase (default: a generator seeded with 0).

    Returns
    -------
    GriffinLimResult
        ``audio`` of shape (length,) and the spectral convergence per iteration.
    """
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    if n_iter < 1:
        raise ValueError(f"n_iter must be at least 1, got {n_iter}")
    rng = rng or np.random.default_rng(0)
    magnitude = np.asarray(magnitude, dtype=np.float64)
    spec = magnitude * np.exp(2j * np.pi * rng.random(magnitude.shape))
    previous = np.zeros_like(spec)
    convergence = np.empty(n_iter)
    for i in range(n_iter):
        consistent = stft(istft(spec, length, frame_length, frame_step), frame_length, frame_step, framing="full")
        convergence[i] = spectral_convergence(magnitude, consistent)
        accelerated = consistent + momentum * (consistent - previous)
        previous = consistent
        spec = magnitude * np.exp(1j * np.angle(accelerated))
    audio = istft(spec, length, frame_length, frame_step).astype(np.float32)
    return GriffinLimResult(audio, convergence)
