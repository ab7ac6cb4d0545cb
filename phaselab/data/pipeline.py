"""Pipelines that feed Keras ``fit`` / ``evaluate`` with raw 1 s clips.

Under the TensorFlow backend they are ``tf.data`` pipelines. Training (:func:`make_dataset`)::

    counter of epochs -> flat_map(the sampler's index batches of that epoch, flattened)
      -> map(decode-or-cache + augment, parallel)   tf.numpy_function, AUTOTUNE
      -> batch -> one-hot labels -> prefetch

Under another Keras backend (JAX, PyTorch) the same NumPy functions fill a
:class:`keras.utils.PyDataset` (batches made by a pool of threads, in order) that gives the same batches for the same seed.

The WAVs are decoded once, up front, into one float32 array (``cache=True``, a thread
pool of :func:`phaselab.signal.audio.read_wav`; 64 kB per clip), so an epoch never touches the
disk. Every element gets its own generator ``np.random.default_rng([seed, element])``,
``element`` counting the elements from the start, so the batches are the same whatever
thread augments which clip and however many run at once.

Evaluation (:func:`make_eval_dataset`) has no augmentation, no silence clips and keeps the
clips' order, with a final short batch; every clip gets
:meth:`~phaselab.data.augment.SoundPreprocessor.finish` (normalisation and padding), as in
training and in :mod:`phaselab.training.inference`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import lru_cache
from typing import Any, Protocol

import keras
import numpy as np

from phaselab.constants import CLIP_SAMPLES, MODEL_SAMPLES
from phaselab.data.augment import AugmentConfig, SoundPreprocessor, splice_words
from phaselab.data.labels import CLASSES, COMMANDS, SILENCE, UNKNOWN
from phaselab.data.sampler import ClassBalancedSampler
from phaselab.signal.audio import read_wav

__all__ = ["make_dataset", "make_eval_dataset", "make_array_dataset", "decode_clips", "class_indices", "class_weights",
           "splice_partners"]


class ClipLike(Protocol):
    """What the pipelines read of a clip: :class:`phaselab.data.speech_commands.Clip` has both."""

    path: Any
    label: str


SILENCE_ITEM = -1
"""Index the sampler stream uses for "cut a silence clip from background noise"."""


def decode_clips(paths: Sequence[Any], length: int = CLIP_SAMPLES, workers: int = 8) -> np.ndarray:
    """Read WAVs into one array, in parallel threads (the GIL is released while reading).

    Parameters
    ----------
    paths : sequence of path-like
    length : int
        Every clip is cropped or zero-padded at the end to this many samples.
    workers : int
        Reader threads.

    Returns
    -------
    np.ndarray, shape (len(paths), length), float32

    Raises
    ------
    ValueError
        From :func:`phaselab.signal.audio.read_wav`, naming the first bad file.
    """
    out = np.empty((len(paths), length), dtype=np.float32)

    def read(i: int) -> None:
        out[i] = read_wav(paths[i], length=length)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(read, range(len(paths))))
    return out


def class_indices(clips: Sequence[ClipLike], classes: Sequence[str]) -> np.ndarray:
    """Index in ``classes`` of every clip's label, shape (n,) int64; a foreign label raises naming the clip."""
    lookup = {name: i for i, name in enumerate(classes)}
    indices = np.empty(len(clips), dtype=np.int64)
    for i, clip in enumerate(clips):
        if clip.label not in lookup:
            raise ValueError(f"{clip.path}: label {clip.label!r} is not one of the classes {list(classes)}")
        indices[i] = lookup[clip.label]
    return indices


def class_weights(
    labels: np.ndarray,
    n_classes: int,
    balanced: bool,
    silence: int | None,
    silence_fraction: float,
    scale: Sequence[float] | None = None,
) -> np.ndarray:
    """Share of each class in a training batch.

    Parameters
    ----------
    labels : np.ndarray, shape (n,) int
        Class of every real clip.
    n_classes : int
    balanced : bool
        True: every class with clips gets the same share; False: shares follow the clip counts.
    silence : int or None
        Class index of generated silence clips; None when none are generated.
    silence_fraction : float
        Share of generated (and real) silence when ``silence`` is given; the other classes
        share the rest.
    scale : sequence of float, shape (n_classes,), optional
        Multiplies each class's share (before the silence share is set aside), e.g. to
        give ``unknown`` several times a command's share in balanced batches.

    Returns
    -------
    np.ndarray, shape (n_classes,), float64, summing to 1
    """
    counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
    base = (counts > 0).astype(np.float64) if balanced else counts
    if scale is not None:
        scale = np.asarray(scale, dtype=np.float64)
        if scale.shape != (n_classes,) or (scale < 0).any():
            raise ValueError(f"scale must hold {n_classes} non-negative factors, got {scale.tolist()}")
        base = base * scale
    if silence is None:
        return base / base.sum()
    base[silence] = 0.0
    if base.sum() == 0:
        raise ValueError("the training clips must include some that are not silence")
    weights = (1.0 - silence_fraction) * base / base.sum()
    weights[silence] += silence_fraction
    return weights


def splice_partners(clips: Sequence[ClipLike]) -> dict[int, np.ndarray]:
    """For each ``unknown`` clip, the command clips it may be spliced with: its speaker's, else every command clip.

    Returns
    -------
    dict
        Clip index -> indices of command clips (``AugmentConfig.splice_fraction``); empty without commands.

    Examples
    --------
    >>> from phaselab.data.speech_commands import Clip
    >>> clips = [Clip("a.wav", "yes", "yes", "s1"), Clip("b.wav", "dog", "unknown", "s1"),
    ...          Clip("c.wav", "no", "no", "s2"), Clip("d.wav", "cat", "unknown", "s3")]
    >>> {i: v.tolist() for i, v in splice_partners(clips).items()}
    {1: [0], 3: [0, 2]}
    """
    commands = np.array([i for i, clip in enumerate(clips) if clip.label in COMMANDS], dtype=np.int64)
    if not len(commands):
        return {}
    by_speaker: dict[str, list[int]] = {}
    for i in commands:
        by_speaker.setdefault(getattr(clips[i], "speaker", ""), []).append(int(i))
    return {i: np.array(by_speaker.get(getattr(clip, "speaker", ""), commands), dtype=np.int64)
            for i, clip in enumerate(clips) if clip.label == UNKNOWN}


def _element_function(preprocessor: SoundPreprocessor, cache: np.ndarray | None, paths: Sequence[Any], seed: int,
                      partners: dict[int, np.ndarray] | None = None):
    """The NumPy function behind the parallel map: (index, element id) -> clip (length,) float32."""
    fraction = preprocessor.config.splice_fraction if partners else 0.0

    def read(index: int) -> np.ndarray:
        return cache[index] if cache is not None else read_wav(paths[index], length=CLIP_SAMPLES)

    def load(index: np.int64, element: np.int64) -> np.ndarray:
        rng = np.random.default_rng([seed, int(element)])
        if index == SILENCE_ITEM:
            return preprocessor.silence(rng)
        audio = read(int(index))
        if fraction > 0 and int(index) in partners and rng.random() < fraction:  # no draw at 0: old runs replay
            options = partners[int(index)]
            other = read(int(options[rng.integers(len(options))]))
            audio = splice_words(audio, other, rng) if rng.random() < 0.5 else splice_words(other, audio, rng)
        return preprocessor(audio, rng)

    return load


def _map_elements(dataset: Any, load, length: int) -> Any:
    """Map a ``tf.data`` dataset of (index, element id, label) to (clip, label) with ``load`` in parallel, order kept."""
    import tensorflow as tf

    def apply(index: Any, element: Any, label: Any) -> tuple[Any, Any]:
        audio = tf.numpy_function(load, [index, element], tf.float32, stateful=False)
        return tf.ensure_shape(audio, (length,)), label

    return dataset.map(apply, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


class _Batches(keras.utils.PyDataset):
    """Batches for backends other than TensorFlow: batch ``i`` is ``batch(i)``, made in worker threads.

    ``batch(i)`` returns ``(audio (b, length) float32, labels (b,) int)``; the labels become
    one-hot ``(b, classes)`` float32. ``count`` None: endless.
    """

    def __init__(self, batch, count: int | None, classes: int) -> None:
        super().__init__(workers=max(1, min(16, os.cpu_count() or 1)), use_multiprocessing=False, max_queue_size=32)
        self._batch, self._count, self._classes = batch, count, classes

    @property
    def num_batches(self) -> int | None:
        return self._count

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if self._count is not None and not 0 <= index < self._count:
            raise IndexError(index)
        audio, labels = self._batch(index)
        return audio, np.eye(self._classes, dtype=np.float32)[labels]


def _is_tensorflow() -> bool:
    return keras.backend.backend() == "tensorflow"


def make_dataset(
    clips: Sequence[ClipLike],
    classes: Sequence[str] = CLASSES,
    batch_size: int = 32,
    augment: AugmentConfig | None = AugmentConfig(),
    noises: Sequence[np.ndarray] = (),
    seed: int = 0,
    balanced: bool = True,
    unknown_weight: float = 1.0,
    cache: bool = True,
    repeat: bool = True,
    batches_per_epoch: int | None = None,
    first_epoch: int = 0,
) -> Any:
    """A training dataset of augmented clips in class-balanced batches.

    Parameters
    ----------
    clips : sequence of Clip
        Training clips (``.path``, ``.label`` one of ``classes``).
    classes : sequence of str
        Class names, in the order of the one-hot columns.
    batch_size : int
    augment : AugmentConfig or None
        What :class:`SoundPreprocessor` does; None: nothing but normalisation and padding
        (``AugmentConfig.none()``), and no silence clips.
    noises : sequence of np.ndarray
        Background-noise recordings for noise and silence (synthetic noise if empty).
    seed : int
        Fixes batch order and every augmentation.
    balanced : bool
        True: every class (with clips) equally often in each batch; False: each class as
        often as it has clips. Either way ``augment.silence_fraction`` of each batch is
        silence (class ``silence``) cut from the noises.
    unknown_weight : float
        Multiplies the share of class ``unknown`` (if it is one of ``classes``): with
        ``balanced``, 3.0 gives ``unknown`` three times a command's share.
    cache : bool
        Decode every WAV once, up front (True), or read each clip again each time it is drawn.
    repeat : bool
        True: batches without end (give Keras ``steps_per_epoch``); False: one epoch.
    batches_per_epoch : int, optional
        Default ``ceil(len(clips) / batch_size)``.
    first_epoch : int
        The (0-based) epoch the stream starts with: a training run resumed after ``k``
        epochs passes ``k`` and gets the very batches an uninterrupted run sees from epoch
        ``k`` on.

    Returns
    -------
    tf.data.Dataset, or keras.utils.PyDataset under another Keras backend
        Of ``(audio, labels)``: float32 ``(batch_size, augment.length)`` and one-hot
        float32 ``(batch_size, len(classes))``. Every batch is full.

    Notes
    -----
    Drop an iterator of an endless dataset (``del iterator``) before the interpreter exits:
    if its prefetching threads are still inside an augmentation at exit, TensorFlow aborts
    the process ("terminate called without an active exception", exit status 134).
    ``Model.fit`` drops its iterator when it returns.
    """
    if not clips:
        raise ValueError("make_dataset needs at least one clip")
    config = augment if augment is not None else AugmentConfig.none()
    labels = class_indices(clips, classes)
    silence = None
    if config.silence_fraction > 0:
        if SILENCE not in classes:
            raise ValueError(f"silence_fraction is {config.silence_fraction} but {SILENCE!r} is not a class")
        silence = list(classes).index(SILENCE)
    scale = [unknown_weight if name == UNKNOWN else 1.0 for name in classes]
    weights = class_weights(labels, len(classes), balanced, silence, config.silence_fraction, scale)
    items = labels if silence is None else np.append(labels, silence)  # the last item stands for silence
    sampler = ClassBalancedSampler(items, batch_size, seed, weights, batches_per_epoch or -(-len(clips) // batch_size))
    paths = [clip.path for clip in clips]
    audio = decode_clips(paths) if cache else None
    partners = splice_partners(clips) if config.splice_fraction > 0 else None
    load = _element_function(SoundPreprocessor(config, noises), audio, paths, seed, partners)

    per_epoch = sampler.batches_per_epoch * batch_size

    def epoch_stream(epoch: np.int64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        batch = sampler.epoch(int(epoch)).reshape(-1)
        index = np.where(batch == len(clips), SILENCE_ITEM, batch)
        elements = np.arange(int(epoch) * per_epoch, (int(epoch) + 1) * per_epoch, dtype=np.int64)
        return index, elements, items[batch]

    if first_epoch < 0:
        raise ValueError(f"first_epoch must be >= 0, got {first_epoch}")
    if not _is_tensorflow():
        steps = sampler.batches_per_epoch
        cached_stream = lru_cache(maxsize=2)(epoch_stream)  # the worker threads work on one or two epochs

        def batch(i: int) -> tuple[np.ndarray, np.ndarray]:
            epoch, step = divmod(first_epoch * steps + i, steps)
            index, elements, labels = (a[step * batch_size:(step + 1) * batch_size] for a in cached_stream(epoch))
            return np.stack([load(*pair) for pair in zip(index, elements)]), labels

        return _Batches(batch, None if repeat else steps, len(classes))

    import tensorflow as tf

    def epoch_dataset(epoch: Any) -> Any:
        arrays = tf.numpy_function(epoch_stream, [epoch], [tf.int64] * 3, stateful=False)
        return tf.data.Dataset.from_tensor_slices(tuple(tf.ensure_shape(a, (per_epoch,)) for a in arrays))

    epochs = tf.data.Dataset.counter(first_epoch) if repeat else tf.data.Dataset.range(first_epoch, first_epoch + 1)
    dataset = _map_elements(epochs.flat_map(epoch_dataset), load, config.length)
    dataset = dataset.batch(batch_size, drop_remainder=True)
    return dataset.map(lambda x, y: (x, tf.one_hot(y, len(classes)))).prefetch(tf.data.AUTOTUNE)


def make_eval_dataset(
    clips: Sequence[ClipLike],
    classes: Sequence[str] = CLASSES,
    batch_size: int = 32,
    length: int = MODEL_SAMPLES,
    damping: float = AugmentConfig.damping,
    cache: bool = True,
) -> Any:
    """An evaluation dataset: every clip once, in order, normalised and padded, not augmented.

    Parameters
    ----------
    clips : sequence of Clip
    classes : sequence of str
    batch_size : int
        The last batch holds the remainder.
    length, damping : int, float
        Of :class:`AugmentConfig`: must match the training run's.
    cache : bool
        Decode every WAV up front (True) or when its batch is made.

    Returns
    -------
    tf.data.Dataset, or keras.utils.PyDataset under another Keras backend
        Of ``(audio (b, length) float32, one-hot labels (b, len(classes)) float32)``.
    """
    if not clips:
        raise ValueError("make_eval_dataset needs at least one clip")
    labels = class_indices(clips, classes)
    paths = [clip.path for clip in clips]
    audio = decode_clips(paths) if cache else None
    preprocessor = SoundPreprocessor(replace(AugmentConfig.none(), length=length, damping=damping))
    load = _element_function(preprocessor, audio, paths, seed=0)
    index = np.arange(len(clips), dtype=np.int64)
    if not _is_tensorflow():
        def batch(i: int) -> tuple[np.ndarray, np.ndarray]:
            chosen = index[i * batch_size:(i + 1) * batch_size]
            return np.stack([load(j, j) for j in chosen]), labels[chosen]

        return _Batches(batch, -(-len(clips) // batch_size), len(classes))

    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((index, index, labels))
    dataset = _map_elements(dataset, load, length).batch(batch_size)
    return dataset.map(lambda x, y: (x, tf.one_hot(y, len(classes)))).prefetch(tf.data.AUTOTUNE)


def make_array_dataset(
    audio: np.ndarray, labels: np.ndarray, n_classes: int, batch_size: int = 32, seed: int = 0, first_epoch: int = 0
) -> tuple[keras.utils.PyDataset, int]:
    """Endless training batches of examples held in memory, reshuffled every epoch.

    Epoch ``e`` deals ``np.random.default_rng([seed, e]).permutation(n)`` in full batches (the
    remainder is left out; one batch of all ``n`` if ``n < batch_size``), so a run resumed at
    epoch ``e`` sees the batches an uninterrupted one would.

    Parameters
    ----------
    audio : np.ndarray, shape (n, samples)
    labels : np.ndarray, shape (n,), int
        Class indices below ``n_classes``.
    n_classes, batch_size, seed, first_epoch : int

    Returns
    -------
    dataset : keras.utils.PyDataset
        Of ``(audio (b, samples) float32, one-hot (b, n_classes) float32)``, for any backend.
    steps : int
        Batches per epoch.

    Examples
    --------
    >>> data, steps = make_array_dataset(np.zeros((5, 8)), np.array([0, 1, 0, 1, 1]), 2, batch_size=2)
    >>> steps, data[0][0].shape, data[0][1].shape
    (2, (2, 8), (2, 2))
    """
    audio, labels = np.asarray(audio, np.float32), np.asarray(labels, np.int64)
    if audio.ndim != 2 or len(audio) != len(labels) or not len(audio):
        raise ValueError(f"need audio (n, samples) and n labels, n > 0; got {audio.shape} and {labels.shape}")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"labels must be class indices 0..{n_classes - 1}, got {labels.min()}..{labels.max()}")
    size = min(batch_size, len(audio))
    steps = len(audio) // size

    def batch(i: int) -> tuple[np.ndarray, np.ndarray]:
        epoch, step = divmod(first_epoch * steps + i, steps)
        chosen = np.random.default_rng([seed, epoch]).permutation(len(audio))[step * size:(step + 1) * size]
        return audio[chosen], labels[chosen]

    return _Batches(batch, None, n_classes), steps
