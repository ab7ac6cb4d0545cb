r"""Instantaneous frequency: the time derivative of the STFT phase.

For frame ``q``, bin ``k`` of an STFT with hop ``H``, FFT size ``K`` and sample rate ``f_s``:

.. math:: \Delta f[q, k] = \frac{f_s}{2\pi H}\,
          \operatorname{wrap}\Big(\varphi[q, k] - \varphi[q-1, k] - \frac{2\pi k H}{K}\Big)

It does not depend on where the phase is measured from (:mod:`phaselab.signal.stft`): a fixed
turn per bin cancels in the difference.

A steady sinusoid of frequency ``f`` turns the phase of every bin near it by
``2 pi f hop / sr`` radians per frame. Subtracting what the bin's own centre
frequency ``f_k`` would give and wrapping the rest to ``[-pi, pi)`` (the phase
vocoder's heterodyne trick) leaves the frequency deviation ``f - f_k`` in Hz,
unambiguous within ``+-sr / (2 hop)``. The raw phase looks like noise; its time
derivative shows the harmonics as smooth lines.
"""

from __future__ import annotations

import numpy as np

from phaselab import SAMPLE_RATE
from phaselab.signal.kernels import wrap_angle
from phaselab.signal.stft import bin_frequencies

__all__ = ["frequency_deviation"]


def frequency_deviation(spec: np.ndarray, frame_step: int = 64, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Instantaneous frequency of every bin, as a deviation from the bin's centre.

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex
        STFT from :func:`phaselab.signal.stft.stft` (either framing), ``bins = fft_length // 2 + 1``.
    frame_step : int
        Hop between frames, in samples.
    sr : int
        Sample rate, in Hz.

    Returns
    -------
    np.ndarray, shape (frames - 1, bins), float64
        ``f - f_k`` in Hz between consecutive frames, in ``[-sr / (2 frame_step), sr / (2 frame_step))``.
    """
    spec = np.asarray(spec)
    if spec.ndim != 2 or not np.iscomplexobj(spec):
        raise ValueError(f"frequency_deviation expects a complex (frames, bins) STFT, got {spec.dtype} {spec.shape}")
    if spec.shape[0] < 2:
        raise ValueError(f"need at least 2 frames to differentiate the phase, got {spec.shape[0]}")
    centres = bin_frequencies(2 * (spec.shape[1] - 1), sr)
    advance = np.angle(spec[1:] * np.conj(spec[:-1]))
    expected = 2 * np.pi * centres * frame_step / sr
    return wrap_angle(advance - expected) * sr / (2 * np.pi * frame_step)
