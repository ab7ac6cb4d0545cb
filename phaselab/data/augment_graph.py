"""The augmentations of :mod:`phaselab.data.augment` as TensorFlow ops on a whole batch.

:class:`~phaselab.data.augment.SoundPreprocessor` runs NumPy/SciPy one clip at a time
inside ``tf.numpy_function``: readable, but one process makes a few hundred clips a second
and holds the GIL. Here every step of an :class:`~phaselab.data.augment.AugmentConfig` is a
TensorFlow op on a batch ``(b, n)`` of clips, with one parameter per clip, so that
:func:`phaselab.data.pipeline.make_dataset` (``augment_path="graph"``) augments a whole
batch in one graph call, in parallel with training, with no Python per clip.

Why plain ``tf`` ops on ``tf.data`` batches, not Keras preprocessing layers: the steps
need FFTs of odd sizes, ``tf.signal`` framing, stateless random ops keyed by seed and
element, and per-clip selection of the clips a step applies to; ``keras.ops`` has no
stateless random ops with an explicit key and no rfft of a given length on every
backend, and on other backends the NumPy path serves anyway. The ops do not change
shape with their parameters (a clip stays ``n`` samples), so they batch. A step with
probability ``p`` runs on the chosen clips only (gathered and scattered back) where it is
rare (tilt, reverberation, background noise, silence, phase rotation); the 80 % steps
(speed, pitch, formants) run on the whole batch and keep the chosen rows (``tf.where``), which keeps their shapes static
for their XLA-compiled parts (gathers and fused element-wise work: XLA compiles once per
shape; TensorFlow's own FFTs, trigonometry and matrix products are faster outside XLA on
a CPU, so those stay outside).

How each step matches its NumPy twin (``tests/data/test_augment_graph.py`` checks each,
for fixed parameters; the tolerances are stated there):

- :func:`change_speed` -- the same output positions as ``resample_poly`` + ``fit_length``
  + ``fit_centered`` (the ratio as the same fraction of denominator <= 64, the same
  centring and zero-padding), but Keys' cubic interpolation (4 taps) instead of the
  Kaiser windowed sinc (about 20 taps, 40 ms a clip in a previous TF attempt): within
  50 dB SNR of the NumPy output on speech (the top of the band differs; the kernel
  attenuates slightly above ~5 kHz and does not anti-alias a speed-up).
- :func:`shift_pitch` -- *not* WSOLA: WSOLA chooses every frame after the previous one
  (a sequential argmax over 75 frames, each a 257-lag correlation), which a batch cannot
  share. Here a phase vocoder moves every STFT bin ``k`` to ``k * ratio`` (magnitude by
  linear interpolation, phase advanced at the scaled instantaneous frequency, cumulated
  over frames), on the STFT of :func:`warp_formants`. Same duration, pitch and formants
  moved by the same ratio as NumPy's; it matches in a spectral sense only: a tone's peak
  frequency within 0.5 %, the clip's long-term spectrum within a few dB (the test states
  the bounds), not sample by sample.
- :func:`warp_formants` -- exact up to float32 rounding: the same frames, the same
  cepstral "true envelope" with the same iterations, written as matrix products with the
  40 kept cepstral cosines (cheaper than two FFTs per iteration), the same warp by linear
  interpolation, the same weighted overlap-add. :class:`GraphAugmenter` warps on the
  pitch shift's STFT (``shift_pitch(x, semitones, formants=...)``, a shift of 0 for clips
  without one): one STFT and one inversion instead of two of each; for a clip that gets
  the warp alone that is the same warp (relative error < 1e-3, the vocoder's rounding);
  for one that gets both, the envelope is that of the shifted STFT, not of the
  re-analysed shifted clip.
- :func:`tilt_spectrum` -- the first-order IIR filter's impulse response decays as 0.67**t
  (corner 1 kHz), so its first 64 taps are it to 1e-11; applied as one FFT product.
- :func:`reverberate` -- the same response (direct path plus decaying noise, scaled to
  the DRR) from the same noise, convolved by FFT.
- :func:`shift_time`, :func:`noise_segment`, :func:`coloured_noise`, :func:`add_noise`,
  :func:`mix_at_snr`, :func:`rotate_phase` (the analytic signal by one FFT pair),
  :func:`normalize`, :func:`pad` -- the same arithmetic.

The random draws cannot be NumPy's (``np.random.Generator`` is not a TF op): every batch
draws from stateless TF generators keyed by ``(seed, first element id of the batch)``, so
a batch is fixed by the seed and its place in the stream, whichever thread makes it.

Examples
--------
>>> import numpy as np
>>> from phaselab.data.augment import AugmentConfig
>>> augmenter = GraphAugmenter(AugmentConfig(silence_fraction=0.0))
>>> clips = np.zeros((4, 16000), np.float32); clips[:, ::100] = 1.0
>>> out = augmenter(clips, seed=(0, 0))
>>> tuple(out.shape), out.dtype.name
((4, 16384), 'float32')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf
from scipy.signal import lfilter
from scipy.signal.windows import hann

from phaselab import SAMPLE_RATE
from phaselab.data.augment import _SIXTY_DB, CLIP_SAMPLES, AugmentConfig

__all__ = [
    "GraphAugmenter",
    "add_noise",
    "change_speed",
    "coloured_noise",
    "cubic_interpolate",
    "mix_at_snr",
    "noise_segment",
    "normalize",
    "pad",
    "reverberate",
    "rotate_phase",
    "shift_pitch",
    "shift_time",
    "tilt_spectrum",
    "warp_formants",
]

_FRAME = 512
_HOP = 128
_CEPSTRA = 40
_TILT_TAPS = 64


def _check_batch(audio: Any, name: str) -> tf.Tensor:
    audio = tf.convert_to_tensor(audio, dtype=tf.float32)
    if audio.shape.rank != 2:
        raise ValueError(f"{name} expects a batch of clips of shape (b, n), got shape {audio.shape}")
    return audio


def _per_clip(value: Any, audio: tf.Tensor, dtype: tf.DType = tf.float32) -> tf.Tensor:
    """A parameter as one value per clip, shape (b,)."""
    value = tf.convert_to_tensor(value, dtype=dtype)
    return tf.broadcast_to(value, tf.shape(audio)[:1]) if value.shape.rank == 0 else value


@tf.function(jit_compile=True, reduce_retracing=True)
def _take(flat: tf.Tensor, index: tf.Tensor) -> tf.Tensor:
    """``flat[index]`` under XLA: four times faster than ``tf.gather`` on a CPU."""
    return tf.gather(flat, index)


def _take_rows(padded: tf.Tensor, index: tf.Tensor) -> tf.Tensor:
    """``padded[b, index[b, m]]`` for every clip ``b``: (b, L) and int32 (b, m) -> (b, m)."""
    width = tf.shape(padded)[1]
    offset = tf.range(tf.shape(padded)[0], dtype=tf.int32)[:, None] * width
    return _take(tf.reshape(padded, [-1]), tf.clip_by_value(index, 0, width - 1) + offset)


def cubic_interpolate(audio: Any, start: Any, frac: Any) -> tf.Tensor:
    """Keys' cubic convolution (a = -1/2) at positions ``start + frac``; zero outside the clip.

    Parameters
    ----------
    audio : tf.Tensor, shape (b, n), float32
    start : tf.Tensor, shape (b, m), int32
        Sample at or before each position.
    frac : tf.Tensor, shape (b, m), float32
        Fraction in [0, 1) past ``start``.

    Returns
    -------
    tf.Tensor, shape (b, m), float32

    Examples
    --------
    >>> x = tf.constant([[0.0, 1.0, 2.0, 3.0, 4.0]])
    >>> cubic_interpolate(x, tf.constant([[1, 2]]), tf.constant([[0.5, 0.0]])).numpy().tolist()
    [[1.5, 2.0]]
    """
    audio = _check_batch(audio, "cubic_interpolate")
    margin = 2
    padded = tf.pad(audio, [[0, 0], [margin, margin + 1]])
    base = start + margin
    f = tf.cast(frac, tf.float32)
    f2, f3 = f * f, f * f * f
    weights = (-0.5 * f3 + f2 - 0.5 * f, 1.5 * f3 - 2.5 * f2 + 1.0, -1.5 * f3 + 2.0 * f2 + 0.5 * f, 0.5 * f3 - 0.5 * f2)
    out = tf.zeros_like(f)
    for k, w in zip((-1, 0, 1, 2), weights):
        out += w * _take_rows(padded, base + k)
    return out


def _limit_denominator(ratio: tf.Tensor, max_denominator: int = 64) -> tuple[tf.Tensor, tf.Tensor]:
    """``Fraction(ratio).limit_denominator(64)`` per clip: (numerator, denominator), int64 (b,)."""
    q = tf.range(1, max_denominator + 1, dtype=tf.float64)
    p = tf.maximum(tf.round(ratio[:, None] * q), 1.0)  # tf.round: half to even, as Python's round
    best = tf.argmin(tf.abs(p / q - ratio[:, None]), axis=1, output_type=tf.int32)  # first: lowest terms
    return tf.cast(tf.gather(p, best, batch_dims=1), tf.int64), tf.cast(tf.gather(q, best), tf.int64)


def change_speed(audio: Any, factor: Any) -> tf.Tensor:
    """Play every clip ``factor`` times faster, centred in its length (:func:`phaselab.data.augment.change_speed`).

    Parameters
    ----------
    audio : tf.Tensor, shape (b, n), float32
    factor : float or tf.Tensor, shape (b,)
        Speed factors (> 0).

    Returns
    -------
    tf.Tensor, shape (b, n), float32

    Examples
    --------
    >>> x = tf.sin(tf.range(16000, dtype=tf.float32) * 0.1)[None]
    >>> tuple(change_speed(x, 1.1).shape)
    (1, 16000)
    """
    audio = _check_batch(audio, "change_speed")
    factor = _per_clip(factor, audio, tf.float64)
    n = tf.shape(audio, out_type=tf.int64)[1]
    ratio = 1.0 / factor
    up, down = _limit_denominator(ratio)
    produced = tf.cast(tf.round(tf.cast(n, tf.float64) * ratio), tf.int64)  # fit_length(round(n * ratio))
    filtered = (n * up + down - 1) // down  # resample_poly's output length; fit_length pads beyond it
    shift = tf.truncatediv(produced - n, tf.constant(2, tf.int64))  # fit_centered: crop excess // 2, or pad (-excess) // 2 first
    as_int = lambda v: tf.cast(v, tf.int32)  # noqa: E731  (j * down < 2**31 for clips up to 30 million samples)
    return _speed_kernel(audio, as_int(up), as_int(down), as_int(shift), as_int(tf.minimum(produced, filtered)))


@tf.function(jit_compile=True, reduce_retracing=True)
def _speed_kernel(audio: tf.Tensor, up: tf.Tensor, down: tf.Tensor, shift: tf.Tensor, end: tf.Tensor) -> tf.Tensor:
    """Output ``m`` of every clip: input position ``(m + shift) * down / up``, zero unless ``0 <= m + shift < end``."""
    j = tf.range(tf.shape(audio)[1])[None, :] + shift[:, None]
    position = j * down[:, None]
    start = tf.math.floordiv(position, up[:, None])
    frac = tf.cast(position - start * up[:, None], tf.float32) / tf.cast(up[:, None], tf.float32)
    valid = (j >= 0) & (j < end[:, None])
    return tf.where(valid, cubic_interpolate(audio, start, frac), 0.0)


def _frames(audio: tf.Tensor) -> tf.Tensor:
    """Hann-windowed frames (b, frames, 512) of the clips zero-padded by 512 at both ends (as NumPy's ``_frames``)."""
    padded = tf.pad(audio, [[0, 0], [_FRAME, _FRAME]])
    return tf.signal.frame(padded, _FRAME, _HOP) * tf.constant(hann(_FRAME, sym=False), tf.float32)


def _overlap_add(frames: tf.Tensor, length: int) -> tf.Tensor:
    """Invert :func:`_frames` (Hann synthesis window, weighted overlap-add): (b, frames, 512) -> (b, length)."""
    window = hann(_FRAME, sym=False)
    n_frames = int(frames.shape[1])
    weight = np.zeros((n_frames - 1) * _HOP + _FRAME)
    for i in range(n_frames):
        weight[i * _HOP : i * _HOP + _FRAME] += window**2
    out = tf.signal.overlap_and_add(frames * tf.constant(window, tf.float32), _HOP)
    return out[:, _FRAME : _FRAME + length] / tf.constant(weight[_FRAME : _FRAME + length], tf.float32)


def _cepstral_bases() -> tuple[np.ndarray, np.ndarray]:
    """Analysis (257, 40) and synthesis (40, 257) matrices of NumPy's ``smooth`` (irfft, keep 40 quefrencies, rfft)."""
    bins = _FRAME // 2 + 1
    k = np.arange(bins)[:, None]
    q = np.arange(_CEPSTRA)[None, :]
    cos = np.cos(2 * np.pi * k * q / _FRAME)
    bin_weight = np.where((k == 0) | (k == bins - 1), 1.0, 2.0)
    analysis = bin_weight * cos / _FRAME
    synthesis = (np.where(q == 0, 1.0, 2.0) * cos).T
    return analysis, synthesis


_ANALYSIS, _SYNTHESIS = _cepstral_bases()


def _envelope_warp(magnitude: tf.Tensor, factor: tf.Tensor, end_factor: tf.Tensor | None, iterations: int = 5
                   ) -> tf.Tensor:
    """The gain (b, frames, bins) by which :func:`warp_formants` multiplies an STFT of this magnitude."""
    log_magnitude = tf.math.log(magnitude + 1e-9)
    analysis = tf.constant(_ANALYSIS, tf.float32)
    synthesis = tf.constant(_SYNTHESIS, tf.float32)
    cepstrum = tf.matmul(log_magnitude, analysis)
    envelope = tf.matmul(cepstrum, synthesis)
    for _ in range(iterations):
        cepstrum = tf.matmul(tf.maximum(log_magnitude, envelope), analysis)
        envelope = tf.matmul(cepstrum, synthesis)
    k = tf.range(_BINS, dtype=tf.float32)
    if end_factor is None:
        source = tf.minimum(k[None, :] / factor[:, None], _BINS - 1.0)  # (b, bins)
        low = tf.floor(source)
        frac = source - low
        low = tf.cast(low, tf.int32)
        high = tf.minimum(low + 1, _BINS - 1)
        # linear interpolation of the envelope = the same interpolation of the synthesis cosines
        warp = (tf.gather(synthesis, low, axis=1) * (1.0 - frac) + tf.gather(synthesis, high, axis=1) * frac)
        warped = tf.matmul(cepstrum, tf.transpose(warp, [1, 0, 2]))  # (b, frames, 40) x (b, 40, bins)
    else:
        n_frames = int(magnitude.shape[1])
        steps = tf.linspace(0.0, 1.0, n_frames)
        factors = factor[:, None, None] + (end_factor - factor)[:, None, None] * steps[None, :, None]
        source = tf.minimum(k / factors, _BINS - 1.0)  # (b, frames, bins)
        low = tf.floor(source)
        frac = source - low
        low = tf.cast(low, tf.int32)
        high = tf.minimum(low + 1, _BINS - 1)
        warped = (tf.gather(envelope, low, batch_dims=2) * (1.0 - frac)
                  + tf.gather(envelope, high, batch_dims=2) * frac)
    return tf.exp(warped - envelope)


def warp_formants(audio: Any, factor: Any, end_factor: Any = None, iterations: int = 5) -> tf.Tensor:
    """Move the formants by ``factor`` (gliding to ``end_factor``), keeping pitch and phase.

    The algorithm of :func:`phaselab.data.augment.warp_formants` with its defaults (frames
    of 512, hop 128, 40 cepstral coefficients), batched: the smoothing "irfft, keep the
    first 40 quefrencies, rfft" is the product with the 40 kept cosines.

    Parameters
    ----------
    audio : tf.Tensor, shape (b, n), float32
    factor : float or tf.Tensor, shape (b,)
    end_factor : float or tf.Tensor, shape (b,), optional
        None: ``factor`` throughout (one warp matrix per clip instead of an interpolation per frame).
    iterations : int

    Returns
    -------
    tf.Tensor, shape (b, n), float32

    Examples
    --------
    >>> x = tf.random.stateless_normal((2, 16000), seed=(0, 0))
    >>> float(tf.reduce_max(tf.abs(warp_formants(x, 1.0) - x))) < 1e-4
    True
    """
    audio = _check_batch(audio, "warp_formants")
    factor = _per_clip(factor, audio)
    end_factor = None if end_factor is None else _per_clip(end_factor, audio)
    spec = tf.signal.rfft(_frames(audio))
    spec *= tf.complex(_envelope_warp(tf.abs(spec), factor, end_factor, iterations), 0.0)
    return _overlap_add(tf.signal.irfft(spec, fft_length=[_FRAME]), int(audio.shape[1]))


def _wrap(phase: tf.Tensor) -> tf.Tensor:
    return phase - 2.0 * np.pi * tf.round(phase / (2.0 * np.pi))


_BINS = _FRAME // 2 + 1
_EXPECTED = 2.0 * np.pi * _HOP * np.arange(_BINS) / _FRAME
"""Phase advance per hop of every bin's centre frequency, radians."""
_SIGN = (-1.0) ** np.arange(_BINS)
"""(-1)**k: the phases about the frame's middle (a zero-phase window), where a partial's bins agree."""


@tf.function(jit_compile=True, reduce_retracing=True)
def _vocoder(real: tf.Tensor, imag: tf.Tensor, phase: tf.Tensor, ratio: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Magnitude and phase (b, frames, bins) of the pitch-shifted STFT, from the zero-phase STFT's parts.

    Bin ``k`` takes the magnitude at ``k / ratio`` and ``ratio`` times the unwrapped phase
    advance of the nearest bin ``j``: ``t * 2 pi j / 4`` (the centre frequency over ``t``
    hops, reduced modulo ``2 pi`` before float32 rounding matters) plus the cumulated
    deviations (bounded).
    """
    deviation = _wrap(phase[:, 1:] - phase[:, :-1] - _EXPECTED)
    n = int(phase.shape[1]) - 1
    cumulated = tf.concat([tf.zeros_like(phase[:, :1]), tf.math.cumsum(deviation, axis=1)], axis=1)
    magnitude = tf.sqrt(real * real + imag * imag)
    source = tf.range(_BINS, dtype=tf.float32)[None, :] / ratio[:, None]  # (b, bins)
    inside = source <= _BINS - 1.0
    low = tf.minimum(tf.floor(source), _BINS - 1.0)
    frac = tf.minimum(source - low, 1.0)[:, None]
    low = tf.cast(low, tf.int32)
    high = tf.minimum(low + 1, _BINS - 1)
    index = tf.cast(tf.minimum(tf.round(source), _BINS - 1.0), tf.int32)  # the nearest bin

    def along_bins(values: tf.Tensor, index: tf.Tensor) -> tf.Tensor:
        return tf.gather(values, index, axis=2, batch_dims=1)

    new_magnitude = along_bins(magnitude, low) * (1.0 - frac) + along_bins(magnitude, high) * frac
    new_magnitude = tf.where(inside[:, None], new_magnitude, 0.0)
    # turns of the centre frequency over t hops, ratio * j * t / 4, modulo 1: the part j * t / 4 in
    # integers, the rest, (ratio - 1) * j * t / 4 (below 2000 turns), in float32
    steps = tf.range(n + 1)[None, :, None] * index[:, None, :]  # j * t, (b, frames, bins)
    whole = tf.cast(steps % 4, tf.float32) / 4.0
    rest = (ratio - 1.0)[:, None, None] * tf.cast(steps, tf.float32) / 4.0
    turns = whole + rest - tf.floor(rest)
    centre = 2.0 * np.pi * (turns - tf.floor(turns))
    new_phase = along_bins(phase[:, :1], index) + centre + ratio[:, None, None] * along_bins(cumulated, index)
    return new_magnitude, new_phase


def _pitch_shift(spec: tf.Tensor, ratio: tf.Tensor, factor: tf.Tensor | None, end_factor: tf.Tensor | None
                 ) -> tf.Tensor:
    """The STFT of :func:`shift_pitch`'s output from that of its input, (b, frames, bins) complex64."""
    sign = tf.constant(_SIGN, tf.float32)
    real, imag = tf.math.real(spec) * sign, tf.math.imag(spec) * sign
    phase = tf.atan2(imag, real)  # tf.math.angle is ten times slower
    magnitude, new_phase = _vocoder(real, imag, phase, ratio)
    if factor is not None:
        magnitude *= _envelope_warp(magnitude, factor, end_factor)
    magnitude *= sign
    return tf.complex(magnitude * tf.cos(new_phase), magnitude * tf.sin(new_phase))


def shift_pitch(audio: Any, semitones: Any, formants: Any = None, formants_end: Any = None) -> tf.Tensor:
    """Raise (or lower) the pitch by ``semitones`` keeping the duration: a phase-vocoder bin shift.

    Every STFT bin ``k`` (frames of 512, hop 128, Hann) takes the magnitude at bin
    ``k / ratio`` (linear interpolation; zero above the top bin) and a phase that advances
    from frame to frame at ``ratio`` times the instantaneous frequency of the nearest
    source bin, ``ratio = 2**(semitones / 12)``; a weighted overlap-add inverts the STFT.
    Like :func:`phaselab.data.augment.shift_pitch` (WSOLA, then resampling) it moves pitch
    and formants by ``ratio`` and keeps the duration, but it is a different algorithm: the
    outputs agree in spectrum, not sample by sample (module docstring).

    Parameters
    ----------
    audio : tf.Tensor, shape (b, n), float32
    semitones : float or tf.Tensor, shape (b,)
        0 leaves a clip as it is (to float32 rounding: relative error about 1e-5).
    formants : float or tf.Tensor, shape (b,), optional
        Then also :func:`warp_formants` by these factors, on the shifted STFT (one STFT and
        one inversion for both steps instead of two of each; the envelope is that of the
        shifted STFT rather than of the re-analysed shifted clip).
    formants_end : float or tf.Tensor, shape (b,), optional
        The ``end_factor`` of that warp.

    Returns
    -------
    tf.Tensor, shape (b, n), float32

    Examples
    --------
    >>> x = tf.sin(2 * np.pi * 300 * tf.range(16000, dtype=tf.float32) / 16000)[None]
    >>> y = shift_pitch(x, 12.0)[0].numpy()
    >>> int(np.argmax(np.abs(np.fft.rfft(y))))  # 600 Hz on a 1 Hz grid
    600
    """
    audio = _check_batch(audio, "shift_pitch")
    ratio = 2.0 ** (_per_clip(semitones, audio) / 12.0)
    factor = None if formants is None else _per_clip(formants, audio)
    end = None if formants_end is None else _per_clip(formants_end, audio)
    spec = _pitch_shift(tf.signal.rfft(_frames(audio)), ratio, factor, end)
    return _overlap_add(tf.signal.irfft(spec, fft_length=[_FRAME]), int(audio.shape[1]))


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
    """First-order high shelf: gain 1 at DC, ``gain_db`` at Nyquist, corner 1 kHz (:func:`~phaselab.data.augment.tilt_spectrum`).

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
    """Convolve every clip with a synthetic room (:func:`phaselab.data.augment.reverberate`).

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


def noise_segment(bank: tf.Tensor, offsets: tf.Tensor, lengths: tf.Tensor, which: tf.Tensor, start: tf.Tensor,
                  length: int = CLIP_SAMPLES) -> tf.Tensor:
    """Cuts of noise recordings stored end to end in ``bank``, tiled where a recording is shorter.

    Parameters
    ----------
    bank : tf.Tensor, shape (total,), float32
        The recordings, concatenated.
    offsets, lengths : tf.Tensor, shape (recordings,), int32
        Where each recording starts in ``bank`` and its samples.
    which, start : tf.Tensor, shape (b,), int32
        Recording of each cut and its first sample (in the tiled recording, as
        :func:`phaselab.data.augment.noise_segment`).

    Returns
    -------
    tf.Tensor, shape (b, length), float32

    Examples
    --------
    >>> bank = tf.range(5, dtype=tf.float32)
    >>> noise_segment(bank, tf.constant([0, 2]), tf.constant([2, 3]), tf.constant([1]), tf.constant([2]), 4).numpy()
    array([[4., 2., 3., 4.]], dtype=float32)
    """
    size = tf.gather(lengths, which)
    index = tf.gather(offsets, which)[:, None] + (start[:, None] + tf.range(length)[None, :]) % size[:, None]
    return tf.gather(bank, index)  # not XLA's: the batch is the chosen clips, of changing size


def coloured_noise(normal: Any, exponent: Any) -> tf.Tensor:
    """Noise with power spectrum ``~ 1 / f**exponent``, mean 0 and peak 1, from white ``normal`` noise.

    Parameters
    ----------
    normal : tf.Tensor, shape (b, n), float32
        Standard normal noise (NumPy's :func:`~phaselab.data.augment.coloured_noise` draws it from its generator).
    exponent : float or tf.Tensor, shape (b,)

    Returns
    -------
    tf.Tensor, shape (b, n), float32

    Examples
    --------
    >>> noise = coloured_noise(tf.random.stateless_normal((1, 1000), seed=(0, 1)), 1.0)
    >>> float(tf.reduce_max(tf.abs(noise)))
    1.0
    """
    normal = _check_batch(normal, "coloured_noise")
    n = int(normal.shape[1])
    exponent = _per_clip(exponent, normal)
    freqs = np.fft.rfftfreq(n)
    freqs[0] = freqs[1] if n > 1 else 1.0
    scale = tf.constant(freqs, tf.float32)[None, :] ** (-exponent[:, None] / 2.0)
    noise = tf.signal.irfft(tf.signal.rfft(normal) * tf.complex(scale, 0.0), [n])
    noise -= tf.reduce_mean(noise, axis=1, keepdims=True)
    return noise / (tf.reduce_max(tf.abs(noise), axis=1, keepdims=True) + 1e-12)


def add_noise(audio: Any, noise: Any, magnitude: Any) -> tf.Tensor:
    """``audio + magnitude * noise`` per clip. Shapes (b, n), (b, n), (b,) -> (b, n).

    Examples
    --------
    >>> add_noise(tf.zeros((1, 2)), tf.ones((1, 2)), 0.5).numpy().tolist()
    [[0.5, 0.5]]
    """
    audio = _check_batch(audio, "add_noise")
    return audio + _per_clip(magnitude, audio)[:, None] * noise


def mix_at_snr(audio: Any, noise: Any, snr_db: Any) -> tf.Tensor:
    """``audio`` plus ``noise`` scaled to ``snr_db`` dB below its RMS (:func:`~phaselab.data.augment.mix_at_snr`).

    Shapes (b, n), (b, n), (b,) -> (b, n); a silent noise or an infinite SNR adds nothing.

    Examples
    --------
    >>> y = mix_at_snr(tf.ones((1, 4)), tf.constant([[1.0, -1.0, 1.0, -1.0]]), 20.0)
    >>> np.round(y.numpy().astype(float), 3).tolist()
    [[1.1, 0.9, 1.1, 0.9]]
    """
    audio = _check_batch(audio, "mix_at_snr")
    snr_db = _per_clip(snr_db, audio)
    signal_rms = tf.sqrt(tf.reduce_mean(tf.square(audio), axis=1))
    noise_rms = tf.sqrt(tf.reduce_mean(tf.square(noise), axis=1))
    ok = (noise_rms > 0) & tf.math.is_finite(snr_db)
    scale = tf.where(ok, signal_rms / tf.where(ok, noise_rms, 1.0) / 10.0 ** (tf.where(ok, snr_db, 0.0) / 20.0), 0.0)
    return audio + noise * scale[:, None]


def rotate_phase(audio: Any, theta: Any) -> tf.Tensor:
    """Rotate the phase of every frequency component by ``theta`` (:func:`~phaselab.data.augment.rotate_phase`).

    ``Re(e^{i theta} (x + i H[x]))``: the rfft times ``e^{i theta}``, and ``cos theta`` at DC
    and Nyquist (whose analytic signal is real). Shapes (b, n), (b,) -> (b, n).

    Examples
    --------
    >>> x = tf.cos(2 * np.pi * 5 * tf.range(100, dtype=tf.float32) / 100)[None]
    >>> y = rotate_phase(x, np.pi / 2).numpy()  # cos -> -sin
    >>> bool(np.allclose(y, -np.sin(2 * np.pi * 5 * np.arange(100) / 100), atol=1e-5))
    True
    """
    audio = _check_batch(audio, "rotate_phase")
    n = int(audio.shape[1])
    theta = _per_clip(theta, audio)
    bins = n // 2 + 1
    k = tf.range(bins)
    edge = (k == 0) | ((k == bins - 1) & (n % 2 == 0))
    real = tf.where(edge[None, :], tf.cos(theta)[:, None], tf.cos(theta)[:, None] * tf.ones([1, bins]))
    imag = tf.where(edge[None, :], 0.0, tf.sin(theta)[:, None] * tf.ones([1, bins]))
    return tf.signal.irfft(tf.signal.rfft(audio) * tf.complex(real, imag), [n])


def normalize(audio: Any, damping: float = 1e-3) -> tf.Tensor:
    """``(x - mean) / (rms + damping)`` per clip (:func:`~phaselab.data.augment.normalize`). Shape (b, n).

    Examples
    --------
    >>> y = normalize(tf.constant([[1.0, 3.0]]), damping=0.0)
    >>> y.numpy().tolist()
    [[-1.0, 1.0]]
    """
    audio = _check_batch(audio, "normalize")
    centred = audio - tf.reduce_mean(audio, axis=1, keepdims=True)
    rms = tf.sqrt(tf.reduce_mean(tf.square(centred), axis=1, keepdims=True))
    return centred / (rms + damping)


def pad(audio: Any, length: int) -> tf.Tensor:
    """Zero-pad (or crop) the end of every clip to ``length`` samples. Shape (b, n) -> (b, length).

    Examples
    --------
    >>> pad(tf.ones((1, 2)), 3).numpy().tolist()
    [[1.0, 1.0, 0.0]]
    """
    audio = _check_batch(audio, "pad")
    n = int(audio.shape[1])
    if n >= length:
        return audio[:, :length]
    return tf.pad(audio, [[0, 0], [0, length - n]])


def _on_chosen(audio: tf.Tensor, chosen: tf.Tensor, step: Any, *parameters: tf.Tensor) -> tf.Tensor:
    """``step`` applied to the chosen rows only (gathered, then scattered back): for the rarer steps."""
    rows = tf.where(chosen)
    take = lambda values: tf.gather(values, rows[:, 0])  # noqa: E731
    return tf.tensor_scatter_nd_update(audio, rows, step(take(audio), *map(take, parameters)))


class GraphAugmenter:
    """Applies an :class:`~phaselab.data.augment.AugmentConfig` to a batch of 1 s clips, as TF ops.

    The graph twin of :class:`~phaselab.data.augment.SoundPreprocessor`: the same steps in
    the same order with the same probabilities and ranges, drawn from stateless TF random
    ops keyed by ``seed`` instead of NumPy's generator (so the same seed gives other, but
    again reproducible, clips).

    Parameters
    ----------
    config : AugmentConfig
    noises : sequence of np.ndarray, shape (m,)
        Background-noise recordings at 16 kHz; empty: coloured noise (random exponent in [0, 2]).

    Examples
    --------
    >>> augmenter = GraphAugmenter(AugmentConfig())
    >>> clips = np.random.default_rng(0).standard_normal((3, 16000)).astype(np.float32)
    >>> a = augmenter(clips, seed=(1, 7), silence=[False, False, True])
    >>> b = augmenter(clips, seed=(1, 7), silence=[False, False, True])
    >>> bool(np.array_equal(a, b)), tuple(a.shape)
    (True, (3, 16384))
    """

    _DRAWS = 24

    def __init__(self, config: AugmentConfig, noises: Sequence[np.ndarray] = ()) -> None:
        self.config = config
        noises = [np.asarray(n, dtype=np.float32) for n in noises]
        for i, noise in enumerate(noises):
            if noise.ndim != 1 or len(noise) == 0:
                raise ValueError(f"noise recording {i} must be a non-empty mono array, got shape {noise.shape}")
        self._n_noises = len(noises)
        if noises:
            lengths = np.array([len(n) for n in noises])
            self._bank = tf.constant(np.concatenate(noises))
            self._offsets = tf.constant(np.concatenate([[0], np.cumsum(lengths)[:-1]]), tf.int32)
            self._lengths = tf.constant(lengths, tf.int32)
            tiled = np.where(lengths < CLIP_SAMPLES, -(-CLIP_SAMPLES // lengths) * lengths, lengths)
            self._starts = tf.constant(tiled - CLIP_SAMPLES + 1, tf.float32)  # choices of a cut's first sample
        self._tail = max(2, int(config.rt60_range[1] * SAMPLE_RATE)) - 1

    def _noise(self, u_which: tf.Tensor, u_start: tf.Tensor, normal_seed: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
        if self._n_noises:
            which = tf.minimum(tf.cast(u_which * self._n_noises, tf.int32), self._n_noises - 1)
            choices = tf.gather(self._starts, which)
            start = tf.minimum(tf.cast(u_start * choices, tf.int32), tf.cast(choices, tf.int32) - 1)
            return noise_segment(self._bank, self._offsets, self._lengths, which, start)
        normal = tf.random.stateless_normal([b, CLIP_SAMPLES], seed=normal_seed)
        return coloured_noise(normal, 2.0 * u_which)

    def __call__(self, audio: Any, seed: Any, silence: Any = None) -> tf.Tensor:
        """Augment a batch of clips (cropped or padded to 1 s first), then normalise and pad them.

        Parameters
        ----------
        audio : array or tf.Tensor, shape (b, n), float32
            Clips at 16 kHz (rows of silence items are ignored).
        seed : tf.Tensor or pair of int, shape (2,)
            Key of every random draw of this batch (the pipeline passes ``(seed, first element id)``).
        silence : array or tf.Tensor of bool, shape (b,), optional
            Rows to replace by a silence clip: background noise at a random gain in [0, 1].

        Returns
        -------
        tf.Tensor, shape (b, config.length), float32
        """
        c = self.config
        x = _check_batch(audio, "GraphAugmenter")
        n = int(x.shape[1]) if x.shape[1] is not None else None
        if n is None:
            raise ValueError("GraphAugmenter needs clips of a static length")
        x = pad(x, CLIP_SAMPLES)
        b = tf.shape(x)[0]
        seed = tf.cast(tf.convert_to_tensor(seed), tf.int64)
        keys = tf.random.experimental.stateless_split(seed, 3)
        u = tf.random.stateless_uniform([b, self._DRAWS], seed=keys[0], dtype=tf.float32)
        u64 = tf.random.stateless_uniform([b, 4], seed=keys[1], dtype=tf.float64)

        def draw(column: int, low: float, high: float) -> tf.Tensor:
            return low + (high - low) * u[:, column]

        def chosen(column: int, fraction: float) -> tf.Tensor:
            return u[:, column] < fraction

        if c.speed_fraction > 0:
            low, high = c.speed_range
            factor = low + (high - low) * u64[:, 0]
            x = tf.where(chosen(0, c.speed_fraction)[:, None], change_speed(x, factor), x)
        pitch, formants = chosen(1, c.pitch_fraction), chosen(3, c.formant_fraction)
        factor = draw(4, *c.formant_range)
        end = None
        if c.formant_glide > 0:
            end = tf.where(chosen(5, c.formant_glide), draw(6, *c.formant_range), factor)
        if c.pitch_fraction > 0 and c.formant_fraction > 0:  # one STFT for both
            semitones = tf.where(pitch, draw(2, *c.pitch_range), 0.0)
            shifted = shift_pitch(x, semitones, tf.where(formants, factor, 1.0),
                                  None if end is None else tf.where(formants, end, 1.0))
            x = tf.where((pitch | formants)[:, None], shifted, x)
        elif c.pitch_fraction > 0:
            x = tf.where(pitch[:, None], shift_pitch(x, draw(2, *c.pitch_range)), x)
        elif c.formant_fraction > 0:
            x = tf.where(formants[:, None], warp_formants(x, factor, end), x)
        if c.tilt_fraction > 0:
            x = _on_chosen(x, chosen(7, c.tilt_fraction), tilt_spectrum, draw(8, *c.tilt_range))
        if c.reverb_fraction > 0:
            noise = tf.random.stateless_normal([b, self._tail], seed=keys[2])
            x = _on_chosen(x, chosen(9, c.reverb_fraction), reverberate, draw(10, *c.rt60_range),
                           draw(11, *c.drr_range), noise)
        if c.shift_ms > 0:
            limit = int(c.shift_ms * SAMPLE_RATE / 1000)
            shift = tf.minimum(tf.cast(tf.floor(u[:, 12] * (2 * limit + 1)), tf.int32), 2 * limit) - limit
            x = shift_time(x, shift)
        noise_seed = tf.random.experimental.stateless_fold_in(keys[2], 1)
        silence_seed = tf.random.experimental.stateless_fold_in(keys[2], 2)

        def noise(rows: tf.Tensor, which: tf.Tensor, start: tf.Tensor, key: tf.Tensor) -> tf.Tensor:
            return self._noise(which, start, key, tf.shape(rows)[0])

        if c.noise_fraction > 0:
            mix = mix_at_snr if c.noise_snr else add_noise

            def noisy(rows: tf.Tensor, which: tf.Tensor, start: tf.Tensor, level: tf.Tensor) -> tf.Tensor:
                return mix(rows, noise(rows, which, start, noise_seed), level)

            x = _on_chosen(x, chosen(15, c.noise_fraction), noisy, u[:, 13], u[:, 14], draw(16, *c.noise_range))
        if c.phase_fraction > 0:
            x = _on_chosen(x, chosen(17, c.phase_fraction), rotate_phase, draw(18, 0.0, 2.0 * np.pi))
        if silence is not None:
            def quiet(rows: tf.Tensor, which: tf.Tensor, start: tf.Tensor, gain: tf.Tensor) -> tf.Tensor:
                return noise(rows, which, start, silence_seed) * gain[:, None]

            x = _on_chosen(x, tf.convert_to_tensor(silence, tf.bool), quiet, u[:, 13], u[:, 14], u[:, 19])
        return pad(normalize(x, c.damping), c.length)
