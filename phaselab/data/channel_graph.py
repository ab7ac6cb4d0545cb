"""The room and the channel as TensorFlow ops on a batch ``(b, n)``: spectral tilt, reverberation, time shift.

Graph twins of :func:`phaselab.data.perturb.tilt_spectrum`, :func:`~phaselab.data.perturb.reverberate`
and :func:`~phaselab.data.perturb.shift_time`:

- :func:`tilt_spectrum` -- the first-order IIR filter's impulse response decays as 0.67**t
  (corner 1 kHz), so its first 64 taps are it to 1e-11; applied as one FFT product.
- :func:`reverberate` -- the same response (direct path plus decaying noise, scaled to
  the DRR) from the same noise, convolved by FFT.
- :func:`shift_time` -- the same arithmetic.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import tensorflow as tf
from scipy.signal import lfilter

from phaselab import SAMPLE_RATE
from phaselab.data.perturb import _SIXTY_DB
from phaselab.data.perturb_graph import _check_batch, _per_clip, _take_rows

__all__ = ["reverberate", "shift_time", "tilt_spectrum"]


_TILT_TAPS = 64


def _tilt_responses() -> tuple[np.ndarray, np.ndarray]:
    """Impulse responses (64,) of the shelf's two parts: ``b = gain * (1, -1) + k (1, 1)`` over ``a``."""
    k = np.tan(np.pi * 1000.0 / SAMPLE_RATE)
    a = np.array([1.0 + k, k - 1.0])
    impulse = np.zeros(_TILT_TAPS)
    impulse[0] = 1.0
    gain_part = lfilter(np.array([1.0, -1.0]) / a[0], a / a[0], impulse)
    flat_part = lfilter(np.array([k, k]) / a[0], a / a[0], impulse)
    return gain_part, flat_part


_TILT_GAIN, _TILT_FLAT = _tilt_responses()


def _fft_size(n: int) -> int:
    return 1 << max(0, math.ceil(math.log2(n)))


def _rfft(x: tf.Tensor, size: int) -> tf.Tensor:
    """``tf.signal.rfft(x, [size])`` with the zero-padding made explicit (TF skips it for an empty batch)."""
    return tf.signal.rfft(tf.pad(x, [[0, 0], [0, size - int(x.shape[1])]]))


def tilt_spectrum(audio: Any, gain_db: Any) -> tf.Tensor:
    """First-order high shelf: gain 1 at DC, ``gain_db`` at Nyquist, corner 1 kHz (:func:`~phaselab.data.perturb.tilt_spectrum`).

    Parameters
    ----------
    audio : tf.Tensor, shape (b, n), float32
    gain_db : float or tf.Tensor, shape (b,)

    Returns
    -------
    tf.Tensor, shape (b, n), float32

    Examples
    --------
    >>> x = tf.ones((1, 16000))
    >>> round(float(tilt_spectrum(x, 6.0)[0, -1]), 4)  # DC passes unchanged
    1.0
    """
    audio = _check_batch(audio, "tilt_spectrum")
    n = int(audio.shape[1])
    size = _fft_size(n + _TILT_TAPS)
    gain = 10.0 ** (_per_clip(gain_db, audio) / 20.0)
    gain_part = tf.constant(np.fft.rfft(_TILT_GAIN, size), tf.complex64)
    flat_part = tf.constant(np.fft.rfft(_TILT_FLAT, size), tf.complex64)
    response = tf.complex(gain, 0.0)[:, None] * gain_part[None] + flat_part[None]
    return tf.signal.irfft(_rfft(audio, size) * response, [size])[:, :n]


def reverberate(audio: Any, rt60: Any, drr_db: Any, tail_noise: Any) -> tf.Tensor:
    """Convolve every clip with a synthetic room (:func:`phaselab.data.perturb.reverberate`).

    Parameters
    ----------
    audio : tf.Tensor, shape (b, n), float32
    rt60 : float or tf.Tensor, shape (b,)
        Reverberation time in seconds; the tail has ``max(2, int(rt60 * 16000)) - 1`` samples.
    drr_db : float or tf.Tensor, shape (b,)
        Direct-to-reverberant ratio in dB.
    tail_noise : tf.Tensor, shape (b, t), float32
        Standard normal noise; the first samples of each row make the tail (``t`` at least
        the longest tail; NumPy draws ``rng.standard_normal(len(tail))`` for it).

    Returns
    -------
    tf.Tensor, shape (b, n), float32

    Examples
    --------
    >>> x = tf.one_hot([0], 16000)
    >>> y = reverberate(x, 0.2, 6.0, tf.random.stateless_normal((1, 3200), seed=(1, 2)))
    >>> round(float(tf.reduce_sum(y[0, 1:] ** 2)), 3)  # the tail's energy: 10**(-6 / 10)
    0.251
    """
    audio = _check_batch(audio, "reverberate")
    n = int(audio.shape[1])
    tail_noise = tf.convert_to_tensor(tail_noise, tf.float32)
    taps = int(tail_noise.shape[1])
    rt60 = _per_clip(rt60, audio)
    drr_db = _per_clip(drr_db, audio)
    tail_length = tf.maximum(2, tf.cast(rt60 * SAMPLE_RATE, tf.int32)) - 1  # int() truncates, as tf.cast
    t = tf.range(1, taps + 1, dtype=tf.float32)[None, :] / SAMPLE_RATE
    inside = tf.range(taps)[None, :] < tail_length[:, None]
    tail = tf.where(inside, tail_noise * tf.exp(-_SIXTY_DB * t / rt60[:, None]), 0.0)
    energy = tf.reduce_sum(tail**2, axis=1, keepdims=True)
    tail *= tf.sqrt(10.0 ** (-drr_db[:, None] / 10.0) / energy)
    response = tf.concat([tf.ones_like(tail[:, :1]), tail], axis=1)
    size = _fft_size(n + taps)
    wet = tf.signal.irfft(_rfft(audio, size) * _rfft(response, size), [size])
    return wet[:, :n]


def shift_time(audio: Any, shift: Any) -> tf.Tensor:
    """Delay (``shift > 0``) or advance every clip by its ``shift`` in samples, filling with zeros.

    Returns
    -------
    tf.Tensor, shape (b, n), float32

    Examples
    --------
    >>> shift_time(tf.constant([[1.0, 2.0, 3.0]]), 1).numpy().tolist()
    [[0.0, 1.0, 2.0]]
    """
    audio = _check_batch(audio, "shift_time")
    shift = _per_clip(shift, audio, tf.int32)
    n = tf.shape(audio)[1]
    source = tf.range(n)[None, :] - shift[:, None]
    inside = (source >= 0) & (source < n)
    return tf.where(inside, _take_rows(audio, source), 0.0)
