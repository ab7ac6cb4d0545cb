"""An :class:`~phaselab.data.augment.AugmentConfig` applied by TensorFlow ops to a whole batch: :class:`GraphAugmenter`.

:class:`~phaselab.data.augment.SoundPreprocessor` runs NumPy/SciPy one clip at a time
inside ``tf.numpy_function``: readable, but one process makes a few hundred clips a second
and holds the GIL. Here every step is a TensorFlow op on a batch ``(b, n)`` of clips
(the perturbations in :mod:`phaselab.data.perturb_graph`; noise, mixing, phase rotation,
normalisation and padding below), with one parameter per clip, so that
:func:`phaselab.data.pipeline.make_dataset` (``augment_path="graph"``) augments a whole
batch in one graph call, in parallel with training, with no Python per clip.

Why plain ``tf`` ops on ``tf.data`` batches, not Keras preprocessing layers: the steps
need FFTs of odd sizes, ``tf.signal`` framing, stateless random ops keyed by seed and
element, and per-clip selection of the clips a step applies to; ``keras.ops`` has no
stateless random ops with an explicit key and no rfft of a given length on every
backend, and on other backends the NumPy path serves anyway. A step with probability ``p``
runs on the chosen clips only (gathered and scattered back) where it is rare (tilt,
reverberation, background noise, silence, phase rotation); the frequent steps (speed,
pitch, formants) run on the whole batch and keep the chosen rows (``tf.where``), which keeps
their shapes static for their XLA-compiled parts. :func:`noise_segment`,
:func:`coloured_noise` (the graph twin of :func:`phaselab.signal.noise.coloured_noise`),
:func:`add_noise`, :func:`mix_at_snr`, :func:`rotate_phase` (the analytic signal by one FFT
pair), :func:`normalize` and :func:`pad` do the NumPy twins' arithmetic.

The random draws cannot be NumPy's (``np.random.Generator`` is not a TF op): every batch
draws from stateless TF generators keyed by ``(seed, first element id of the batch)``, so
a batch is fixed by the seed and its place in the stream, whichever thread makes it.
``benchmarks/speed/bench_data.py`` times the graph path against the NumPy one, step by step.

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

from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from phaselab import SAMPLE_RATE
from phaselab.constants import CLIP_SAMPLES
from phaselab.data.augment import AugmentConfig
from phaselab.data.channel_graph import reverberate, shift_time, tilt_spectrum
from phaselab.data.perturb_graph import (
    _check_batch,
    _per_clip,
    change_speed,
    shift_pitch,
    warp_formants,
)

__all__ = ["GraphAugmenter", "add_noise", "coloured_noise", "mix_at_snr", "noise_segment", "normalize", "pad", "rotate_phase"]



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
        Standard normal noise (NumPy's :func:`~phaselab.signal.noise.coloured_noise` draws it from its generator).
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
