"""Speed, pitch and formants (the voice perturbations of :mod:`phaselab.data.perturb`) as TensorFlow ops on a batch ``(b, n)``.

The room and the channel (tilt, reverberation, time shift) are in :mod:`phaselab.data.channel_graph`.

Each op takes one parameter per clip and keeps a clip's length, so it batches; how each matches
its NumPy twin (``tests/data/test_augment_graph.py`` checks each, for fixed parameters; the
tolerances are stated there):

- :func:`change_speed` -- the same output positions as ``resample_poly`` + ``fit_length``
  + ``fit_centered`` (the ratio as the same fraction of denominator <= 64, the same
  centring and zero-padding), but Keys' cubic interpolation (4 taps) instead of the
  Kaiser windowed sinc (about 20 taps, which was too slow as a TF op): close to the NumPy
  output on speech (the top of the band differs; the kernel attenuates slightly above
  ~5 kHz and does not anti-alias a speed-up).
- :func:`shift_pitch` -- *not* WSOLA: WSOLA chooses every frame after the previous one
  (a sequential argmax over 75 frames, each a 257-lag correlation), which a batch cannot
  share. Here a phase vocoder moves every STFT bin ``k`` to ``k * ratio`` (magnitude by
  linear interpolation, phase advanced at the scaled instantaneous frequency, cumulated
  over frames), on the STFT of :func:`warp_formants`. Same duration, pitch and formants
  moved by the same ratio as NumPy's; it matches in a spectral sense only (a tone's peak
  frequency, the clip's long-term spectrum), not sample by sample.
- :func:`warp_formants` -- exact up to float32 rounding: the same frames, the same
  cepstral "true envelope" with the same iterations, written as matrix products with the
  40 kept cepstral cosines (cheaper than two FFTs per iteration), the same warp by linear
  interpolation, the same weighted overlap-add. ``shift_pitch(x, semitones, formants=...)``
  warps on the pitch shift's STFT: one STFT and one inversion instead of two of each; for a
  clip that gets the warp alone that is the same warp (up to the vocoder's rounding); for
  one that gets both, the envelope is that of the shifted STFT, not of the re-analysed
  shifted clip.

Gathers and fused element-wise work are XLA-compiled (once per shape); TensorFlow's own FFTs,
trigonometry and matrix products stay outside XLA, where they are faster on a CPU.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf
from scipy.signal.windows import hann

__all__ = ["change_speed", "cubic_interpolate", "shift_pitch", "warp_formants"]


_FRAME = 512


_HOP = 128


_CEPSTRA = 40


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
    """Play every clip ``factor`` times faster, centred in its length (:func:`phaselab.data.perturb.change_speed`).

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

    The algorithm of :func:`phaselab.data.perturb.warp_formants` with its defaults (frames
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
    Like :func:`phaselab.data.perturb.shift_pitch` (WSOLA, then resampling) it moves pitch
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
