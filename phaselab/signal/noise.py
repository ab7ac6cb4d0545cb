"""Coloured noise: Gaussian noise whose power spectrum falls as ``1 / f**exponent``.

One generator for all of phaselab: the synthetic set's background recordings
(:mod:`phaselab.data.synth`), the augmentation's stand-in for background noise
(:mod:`phaselab.data.augment`) and chapter 06's shaped-noise task
(:mod:`phaselab.studies.speech_noise`).

Notebook: ``06_speech_or_noise.ipynb``
"""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = ["coloured_noise"]


def coloured_noise(length: int, exponent: float, rng: np.random.Generator,
                   normalise: Literal["peak", "rms"] = "peak", dtype: type = np.float32) -> np.ndarray:
    """Gaussian noise with power spectral density ``~ 1 / f**exponent``, DC removed.

    The spectrum of white Gaussian noise is multiplied by ``f ** (-exponent / 2)`` (the DC bin
    set to zero) and transformed back: 0 gives white, 1 pink, 2 brown (red), -1 blue noise.

    Parameters
    ----------
    length : int
        Number of samples.
    exponent : float
        How fast the power spectrum falls, in powers of frequency.
    rng : np.random.Generator
    normalise : {"peak", "rms"}
        Scale to a largest magnitude of 1 (for mixing at a drawn level) or to an RMS of 1.
    dtype : numpy dtype
        Of the result (float32 by default; the synthetic set's recordings use float64).

    Returns
    -------
    np.ndarray, shape (length,)
        Zero-mean noise.

    Examples
    --------
    >>> import numpy as np
    >>> noise = coloured_noise(16000, 1.0, np.random.default_rng(0))
    >>> noise.shape, noise.dtype, float(np.abs(noise).max())
    ((16000,), dtype('float32'), 1.0)
    >>> round(float(np.sqrt(np.mean(coloured_noise(4096, 2.0, np.random.default_rng(0), "rms") ** 2))), 6)
    1.0
    """
    if normalise not in ("peak", "rms"):
        raise ValueError(f"normalise must be 'peak' or 'rms', got {normalise!r}")
    spectrum = np.fft.rfft(rng.standard_normal(length))
    freqs = np.fft.rfftfreq(length)
    gain = np.zeros_like(freqs)
    gain[1:] = freqs[1:] ** (-exponent / 2.0)
    noise = np.fft.irfft(spectrum * gain, n=length)
    if normalise == "rms":
        noise = noise / np.sqrt(np.mean(noise**2))
    else:
        noise = noise / (np.abs(noise).max() + 1e-12)
    return noise.astype(dtype)
