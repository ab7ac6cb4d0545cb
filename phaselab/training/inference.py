"""Scoring a trained model on a Speech Commands tree, and recognising single clips.

Both preprocess clips exactly as training's validation does
(:func:`phaselab.data.pipeline.make_eval_dataset`): read at 16 kHz, cropped or padded to
one second (:func:`phaselab.data.pipeline.decode_clips`), then
:meth:`phaselab.data.augment.SoundPreprocessor.finish` (mean subtraction, damped RMS
normalisation, zero-padding to the model's input length), with the ``damping`` of the
run's ``config.json`` when the model sits in a run directory.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import keras
import numpy as np

from phaselab.constants import CLIP_SAMPLES
from phaselab.data.augment import AugmentConfig, SoundPreprocessor
from phaselab.data.labels import CLASSES
from phaselab.data.pipeline import decode_clips, make_eval_dataset
from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
from phaselab.signal.audio import fit_length, read_wav
from phaselab.training.config import TrainConfig
from phaselab.training.rejection import decide, false_alarms, gate, wav_files
from phaselab.training.rundir import CONFIG_FILE, MODEL_FILE, load_model
from phaselab.training.scores import classification_scores

__all__ = [
    "evaluate",
    "predict",
    "forward",
    "Prediction",
    "format_scores",
    "EVAL_SPLITS",
]

def forward(model: keras.Model, inputs: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """The model's outputs for an array of inputs, computed batch by batch by calling the model.

    For the small, repeated inferences of a chapter or a study (a clip at a time, a few
    models in turn). ``model.predict`` builds a graph (a ``tf.function``) for every new model
    and every new batch shape, such as the last, shorter batch; a chapter that scores several
    models in turn then traces graphs call after call, and TensorFlow warns about the
    retracing. Calling the model runs the same layers (``training=False``) without a graph.

    Parameters
    ----------
    model : keras.Model
    inputs : np.ndarray, shape (n, ...)
    batch_size : int
        Inputs per call.

    Returns
    -------
    np.ndarray, shape (n, ...) of the model's output, float32

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> forward(model, np.zeros((5, 3), np.float32), batch_size=2).shape
    (5, 2)
    """
    _check_batch_size(batch_size)
    inputs = np.asarray(inputs, dtype=np.float32)
    outputs = [keras.ops.convert_to_numpy(model(inputs[start : start + batch_size], training=False))
               for start in range(0, len(inputs), batch_size)]
    if not outputs:
        raise ValueError("forward needs at least one input")
    return np.concatenate(outputs).astype(np.float32, copy=False)


EVAL_SPLITS: tuple[str, ...] = ("test", "validation", "all")
"""Splits :func:`evaluate` accepts (``all``: every clip, for trees without list files)."""

@dataclass(frozen=True)
class Prediction:
    """The best guesses for one clip.

    Attributes
    ----------
    path : Path
        The WAV file.
    top : list of (str, float)
        ``(class, probability)`` pairs, most probable first.
    """

    path: Path
    top: list[tuple[str, float]]


def _load(model: keras.Model | str | os.PathLike) -> tuple[keras.Model, AugmentConfig, str]:
    """The model, its preprocessing settings and a name for it.

    ``damping`` comes from the run's ``config.json`` when the model sits in a run directory
    (the default otherwise); ``length`` is the model's input length.
    """
    if isinstance(model, keras.Model):
        network, augment, name = model, AugmentConfig(), model.name
    else:
        path = Path(model)
        network = load_model(path)
        name = str(path / MODEL_FILE if path.is_dir() else path)
        config_path = Path(name).parent / CONFIG_FILE
        augment = TrainConfig.load(config_path).augment_config() if config_path.is_file() else AugmentConfig()
    if network.output_shape[-1] != len(CLASSES):
        raise ValueError(f"{name}: the model outputs {network.output_shape[-1]} classes, expected {len(CLASSES)}")
    length = network.input_shape[-1]
    return network, augment if length is None else replace(augment, length=length), name


def evaluate(
    model: keras.Model | str | os.PathLike,
    data_root: str | os.PathLike | None = None,
    split: str = "test",
    batch_size: int = 64,
    threshold: float = 0.0,
    everyday: Sequence[str | os.PathLike] = (),
    other_words: Sequence[str | os.PathLike] = (),
    speech: Callable[[np.ndarray], np.ndarray] | None = None,
    speech_floor: float = 0.0,
) -> dict[str, Any]:
    """Score a model on one split of a Speech Commands tree.

    The tree may be the official set, the bundled mini set, or any folder of word folders
    (``split="all"``): command words are their own class, clips in a ``_silence_`` folder
    are ``silence``, every other word is ``unknown``.

    Parameters
    ----------
    model : keras.Model, or path of a ``.keras`` file or run directory
    data_root : path-like or "synthetic", optional
        See :func:`phaselab.data.speech_commands.resolve_data_root`.
    split : {"test", "validation", "all"}
    batch_size : int
        Clips per forward pass.
    threshold : float in [0, 1)
        A command less probable than this counts as "no command" (:func:`decide`); 0 is the
        plain arg-max (:func:`phaselab.training.rejection.decide`).
    everyday, other_words : sequence of path-like
        WAV files or folders of non-speech sounds, and of spoken words that are no command:
        their false-alarm rates are measured too
        (:func:`phaselab.training.rejection.false_alarms`).
    speech : callable, optional
        A speech gate in front of the model (:func:`phaselab.training.rejection.gate`), e.g.
        ``phaselab.studies.detector.everyday_scores``: maps clips, shape (n, 16000), to speech scores,
        shape (n,); a clip or window scored below ``speech_floor`` is ``silence``.
    speech_floor : float
        The gate's floor (``speech_floor`` is reported with the scores when there is a gate).

    Returns
    -------
    dict
        ``model``, ``data``, ``split``, ``classes``, ``threshold`` and the keys of
        :func:`phaselab.training.scores.classification_scores` (``n``, ``accuracy``, ``f1``,
        ``macro_f1``, ``command_recall``, ``false_alarm_rate`` (of the split's ``unknown``
        words), ``confusion``, ``support``); with ``everyday`` or ``other_words``, also
        ``everyday_false_alarms`` / ``other_words_false_alarms``: ``false_alarms``'s
        ``n``, ``rate`` and ``commands``.

    Raises
    ------
    ValueError
        Unknown split, a tree without that split, an empty split, or an unreadable clip
        (the message names the file).
    """
    for paths in (everyday, other_words):
        if paths:
            wav_files(paths)  # a wrong path is refused before the scoring, not after it
    loaded = _load(model)
    scores = _score(loaded, SpeechCommands(resolve_data_root(data_root)), split, batch_size, threshold, speech,
                    speech_floor)
    for key, paths in (("everyday", everyday), ("other_words", other_words)):
        if paths:
            found = false_alarms(model, paths, threshold, batch_size, speech, speech_floor)
            scores[f"{key}_false_alarms"] = {k: found[k] for k in ("n", "rate", "interval", "commands")}
    return scores


def _finite(probabilities: np.ndarray, paths: Sequence[Any], name: str) -> np.ndarray:
    """``probabilities``, unless a row holds NaN or infinity: then a ValueError naming the model and a clip."""
    bad = np.flatnonzero(~np.isfinite(probabilities).all(axis=1))
    if bad.size:
        raise ValueError(f"{name}: the model outputs NaN or infinite probabilities for {bad.size} of "
                         f"{len(probabilities)} clips (the first: {paths[bad[0]]}); are its weights broken?")
    return probabilities


def _check_batch_size(batch_size: int) -> None:
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number of at least 1, got {batch_size}")


def _probabilities(
    loaded: tuple[keras.Model, AugmentConfig, str], tree: SpeechCommands, split: str, batch_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """The true classes and the model's class probabilities, every clip of one split, for a model loaded by :func:`_load`."""
    if split not in EVAL_SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {', '.join(EVAL_SPLITS)}")
    _check_batch_size(batch_size)
    clips = tree.clips(split)
    if not clips:
        raise ValueError(f"{tree.root}: the {split!r} split holds no clips")
    network, augment, name = loaded
    data = make_eval_dataset(clips, CLASSES, batch_size, length=augment.length, damping=augment.damping)
    truth = np.array([CLASSES.index(clip.label) for clip in clips])
    probabilities = np.asarray(network.predict(data, verbose=0), dtype=np.float32)
    return truth, _finite(probabilities, [clip.path for clip in clips], name)


def _score(
    loaded: tuple[keras.Model, AugmentConfig, str], tree: SpeechCommands, split: str, batch_size: int,
    threshold: float = 0.0, speech: Callable[[np.ndarray], np.ndarray] | None = None, speech_floor: float = 0.0,
) -> dict[str, Any]:
    """:func:`evaluate` for a model already loaded by :func:`_load`."""
    truth, probabilities = _probabilities(loaded, tree, split, batch_size)
    gated = {}
    if speech is not None:
        clips = np.stack([fit_length(read_wav(clip.path), CLIP_SAMPLES) for clip in tree.clips(split)])
        probabilities, gated = gate(probabilities, speech(clips), speech_floor), {"speech_floor": speech_floor}
    scores = classification_scores(truth, decide(probabilities, threshold), CLASSES)
    return {"model": loaded[2], "data": str(tree.root), "split": split, "classes": list(CLASSES),
            "threshold": threshold, **gated, **scores}


def predict(
    model: keras.Model | str | os.PathLike, wav_paths: Sequence[str | os.PathLike], top: int = 3, batch_size: int = 64
) -> list[Prediction]:
    """The ``top`` most probable classes of each clip.

    Parameters
    ----------
    model : keras.Model, or path of a ``.keras`` file or run directory
    wav_paths : sequence of path-like
        WAV files (any rate, mono or stereo; see :func:`phaselab.signal.audio.read_wav`).
    top : int
        Classes to return per clip.
    batch_size : int
        Clips per forward pass.

    Returns
    -------
    list of Prediction
        One per file, in order.

    Raises
    ------
    ValueError
        A missing, empty or broken WAV file (the message names it).
    """
    if not 1 <= top <= len(CLASSES):
        raise ValueError(f"top must be between 1 and {len(CLASSES)}, got {top}")
    paths = [Path(p) for p in wav_paths]
    if not paths:
        raise ValueError("predict needs at least one WAV file")
    _check_batch_size(batch_size)
    network, augment, name = _load(model)
    preprocessor = SoundPreprocessor(augment)
    audio = np.stack([preprocessor.finish(clip) for clip in decode_clips(paths)])
    probabilities = np.asarray(network.predict(audio, batch_size=batch_size, verbose=0), dtype=np.float32)
    _finite(probabilities, paths, name)
    predictions = []
    for path, row in zip(paths, probabilities):
        best = np.argsort(-row, kind="stable")[:top]
        predictions.append(Prediction(path, [(CLASSES[i], float(row[i])) for i in best]))
    return predictions


def format_scores(scores: dict[str, Any]) -> str:
    """A plain-text report of :func:`evaluate`'s result: summary lines and a per-class table."""
    def number(value: float) -> str:
        return "  n/a" if value is None or math.isnan(value) else f"{value:.3f}"

    def interval(bounds: list[float] | None) -> str:
        return "" if not bounds or math.isnan(bounds[0]) else f" (95 % interval {bounds[0]:.3f}-{bounds[1]:.3f})"

    lines = [
        f"{scores['model']} on the {scores['split']} split of {scores['data']} ({scores['n']} clips)",
        f"accuracy {number(scores['accuracy'])}   macro F1 {number(scores['macro_f1'])}   "
        f"command-word recall {number(scores['command_recall'])}   "
        f"false alarms {number(scores.get('false_alarm_rate', math.nan))}{interval(scores.get('false_alarm_interval'))} "
        "(other words taken for a command)"
        + (f"   confidence threshold {scores['threshold']:g}" if scores.get("threshold") else "")
        + (f"   speech gate floor {scores['speech_floor']:g}" if "speech_floor" in scores else ""),
    ]
    for key, what in (("everyday", "everyday sounds"), ("other_words", "other spoken words")):
        found = scores.get(f"{key}_false_alarms")
        if found:
            most = ", ".join(f"{word} {count}" for word, count in list(found["commands"].items())[:4])
            lines.append(f"{what} taken for a command: {number(found['rate'])}{interval(found.get('interval'))} "
                         f"of {found['n']} one-second windows"
                         + (f" ({most})" if most else ""))
    lines += [
        "",
        f"{'class':<10}{'F1':>7}{'clips':>8}",
    ]
    lines += [f"{name:<10}{number(scores['f1'][name]):>7}{scores['support'][name]:>8}" for name in scores["classes"]]
    return "\n".join(lines)
