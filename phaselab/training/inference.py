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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import keras
import numpy as np

from phaselab.data.augment import AugmentConfig, SoundPreprocessor
from phaselab.data.labels import CLASSES
from phaselab.data.pipeline import decode_clips, make_eval_dataset
from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
from phaselab.training.config import TrainConfig
from phaselab.training.rundir import CONFIG_FILE, MODEL_FILE, load_model
from phaselab.training.scores import classification_scores, mean_sd

__all__ = [
    "evaluate",
    "split_probabilities",
    "score_voices",
    "summarise_runs",
    "format_run_summary",
    "summarise_juries",
    "format_jury_summary",
    "predict",
    "forward",
    "Prediction",
    "format_scores",
    "EVAL_SPLITS",
    "VOICE_SPLITS",
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

VOICE_SPLITS: dict[str, str] = {"train voices": "validation", "held-out voices": "test"}
"""What each split of the bundled set measures: its validation speakers use the training
speakers' voices (accents); its test speakers use two voices no training speaker has."""


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
) -> dict[str, Any]:
    """Score a model on one split of a Speech Commands tree.

    The tree may be the official set, the bundled mini set, or any folder of word folders
    (``split="all"``): command words are their own class, clips in a ``_silence_`` folder
    are ``silence``, every other word is ``unknown``.

    Parameters
    ----------
    model : keras.Model, or path of a ``.keras`` file or run directory
    data_root : path-like or "mini", optional
        See :func:`phaselab.data.speech_commands.resolve_data_root`.
    split : {"test", "validation", "all"}
    batch_size : int
        Clips per forward pass.

    Returns
    -------
    dict
        ``model``, ``data``, ``split``, ``classes`` and the keys of
        :func:`phaselab.training.scores.classification_scores` (``n``, ``accuracy``, ``f1``,
        ``macro_f1``, ``command_recall``, ``confusion``, ``support``).

    Raises
    ------
    ValueError
        Unknown split, a tree without that split, an empty split, or an unreadable clip
        (the message names the file).
    """
    return _score(_load(model), SpeechCommands(resolve_data_root(data_root)), split, batch_size)


def split_probabilities(
    model: keras.Model | str | os.PathLike,
    data_root: str | os.PathLike | None = None,
    split: str = "test",
    batch_size: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """The model's class probabilities for every clip of one split, with the true classes.

    What :func:`evaluate` scores, kept per clip: average the probabilities of several
    models to score them as an ensemble.

    Parameters
    ----------
    model, data_root, split, batch_size
        As in :func:`evaluate`.

    Returns
    -------
    truth : np.ndarray, shape (n,), int
        Index in :data:`phaselab.data.labels.CLASSES` of each clip's class, in the order of
        :meth:`SpeechCommands.clips`.
    probabilities : np.ndarray, shape (n, len(CLASSES)), float32
    """
    return _probabilities(_load(model), SpeechCommands(resolve_data_root(data_root)), split, batch_size)


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
    """:func:`split_probabilities` for a model already loaded by :func:`_load`."""
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
    loaded: tuple[keras.Model, AugmentConfig, str], tree: SpeechCommands, split: str, batch_size: int
) -> dict[str, Any]:
    """:func:`evaluate` for a model already loaded by :func:`_load`."""
    truth, probabilities = _probabilities(loaded, tree, split, batch_size)
    scores = classification_scores(truth, probabilities.argmax(axis=1), CLASSES)
    return {"model": loaded[2], "data": str(tree.root), "split": split, "classes": list(CLASSES), **scores}


def score_voices(
    model: keras.Model | str | os.PathLike, data_root: str | os.PathLike | None = "mini", batch_size: int = 64
) -> dict[str, dict[str, Any]]:
    """:func:`evaluate` on the validation and test splits, keyed as in :data:`VOICE_SPLITS`.

    On the bundled set the two keys mean what they say (see ``data/README.md``); on another
    tree they are simply its validation and test splits.

    Returns
    -------
    dict
        ``{"train voices": scores, "held-out voices": scores}``.
    """
    loaded, tree = _load(model), SpeechCommands(resolve_data_root(data_root))
    return {name: _score(loaded, tree, split, batch_size) for name, split in VOICE_SPLITS.items()}


_SUMMARY_SCORES = (("train_voices", "macro_f1"), ("heldout_voices", "macro_f1"),
                   ("train_voices", "command_recall"), ("heldout_voices", "command_recall"))


def summarise_runs(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and spread over seeds of each model's scores on train voices and held-out voices.

    Parameters
    ----------
    rows : sequence of dict
        One per run, as ``benchmarks/experiments/keyword_models.py`` writes them: ``model``, ``seed``,
        ``params``, ``mflops``, ``train_seconds`` and ``train_voices`` / ``heldout_voices``
        dicts holding ``macro_f1`` and ``command_recall``.

    Returns
    -------
    list of dict
        One per model, in order of first appearance: ``model``, ``seeds`` (list),
        ``params``, ``mflops``, ``minutes`` (mean training time), and for each of
        ``train_voices_macro_f1``, ``heldout_voices_macro_f1``, ``train_voices_command_recall``,
        ``heldout_voices_command_recall`` the mean and ``..._sd`` (sample standard
        deviation; NaN with one seed).
    """
    if not rows:
        raise ValueError("no runs to summarise")
    summary = []
    for model in dict.fromkeys(row["model"] for row in rows):
        runs = [row for row in rows if row["model"] == model]
        entry = {"model": model, "seeds": [row["seed"] for row in runs], "params": runs[0]["params"],
                 "mflops": runs[0]["mflops"], "minutes": float(np.mean([r["train_seconds"] for r in runs])) / 60}
        for split, score in _SUMMARY_SCORES:
            mean, sd = mean_sd(row[split][score] for row in runs)
            entry[f"{split}_{score}"], entry[f"{split}_{score}_sd"] = mean, sd if len(runs) > 1 else math.nan
        summary.append(entry)
    return summary


def format_run_summary(summary: Sequence[dict[str, Any]]) -> str:
    """A plain-text table of :func:`summarise_runs`: mean ± sd over seeds per model."""
    def cell(entry: dict[str, Any], key: str) -> str:
        sd = entry[f"{key}_sd"]
        return f"{entry[key]:.3f}" + ("" if math.isnan(sd) else f" ± {sd:.3f}")

    header = (f"{'model':<13}{'seeds':>6}{'params':>11}{'MFLOPs':>8}{'minutes':>9}  "
              f"{'macro F1: train voices':>23}{'held-out voices':>17}  "
              f"{'command recall: train':>22}{'held-out':>15}")
    lines = [header]
    for e in summary:
        scores = [cell(e, f"{split}_{score}") for split, score in _SUMMARY_SCORES]
        lines.append(f"{e['model']:<13}{len(e['seeds']):>6}{e['params']:>11,}{e['mflops']:>8.0f}{e['minutes']:>9.1f}  "
                     f"{scores[0]:>23}{scores[1]:>17}  {scores[2]:>22}{scores[3]:>15}")
    return "\n".join(lines)


def summarise_juries(
    items: Sequence[dict[str, Any]], juries: Sequence[str], target: float = 0.9
) -> list[dict[str, Any]]:
    """Macro F1 of runs (or ensembles) of each model and recipe, as judged by several test sets.

    Parameters
    ----------
    items : sequence of dict
        One per run or ensemble, as ``benchmarks/experiments/heldout_voices.py`` writes them: ``model``,
        ``recipe`` and, for each name in ``juries``, a dict holding ``macro_f1``.
    juries : sequence of str
        Keys of the test sets (e.g. ``("bundled_test", "heldout_40")``).
    target : float
        A macro F1 to count the items reaching, on the last jury.

    Returns
    -------
    list of dict
        One per (model, recipe), in order of first appearance: ``model``, ``recipe``, ``n``,
        for each jury ``<jury>`` (mean macro F1), ``<jury>_sd`` (sample sd; NaN for one item),
        ``<jury>_min`` and ``<jury>_max``, ``target`` and ``reached`` (items with macro F1 >=
        ``target`` on the last jury).
    """
    if not items:
        raise ValueError("nothing to summarise")
    summary = []
    for key in dict.fromkeys((item["model"], item["recipe"]) for item in items):
        group = [item for item in items if (item["model"], item["recipe"]) == key]
        entry: dict[str, Any] = {"model": key[0], "recipe": key[1], "n": len(group)}
        for jury in juries:
            values = [item[jury]["macro_f1"] for item in group]
            mean, sd = mean_sd(values)
            entry.update({jury: mean, f"{jury}_sd": sd if len(group) > 1 else math.nan,
                          f"{jury}_min": min(values), f"{jury}_max": max(values)})
        entry["target"], entry["reached"] = target, sum(item[juries[-1]]["macro_f1"] >= target for item in group)
        summary.append(entry)
    return summary


def format_jury_summary(summary: Sequence[dict[str, Any]], juries: dict[str, str]) -> str:
    """A plain-text table of :func:`summarise_juries`; ``juries`` maps each key to a column title."""
    header = f"{'model':<12} {'recipe':<42}{'n':>3}" + "".join(f"{title:>28}" for title in juries.values())
    header += f"  >= {summary[0]['target']:g} (last)" if summary else ""
    lines = [header]
    for e in summary:
        cells = []
        for jury in juries:
            sd = "" if math.isnan(e[f"{jury}_sd"]) else f" ± {e[f'{jury}_sd']:.3f}"
            cells.append(f"{e[jury]:.3f}{sd} [{e[f'{jury}_min']:.2f}-{e[f'{jury}_max']:.2f}]")
        lines.append(f"{e['model']:<12} {e['recipe'][:42]:<42}{e['n']:>3}" + "".join(f"{c:>28}" for c in cells)
                     + f"  {e['reached']:>5} of {e['n']}")
    return "\n".join(lines)


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

    lines = [
        f"{scores['model']} on the {scores['split']} split of {scores['data']} ({scores['n']} clips)",
        f"accuracy {number(scores['accuracy'])}   macro F1 {number(scores['macro_f1'])}   "
        f"command-word recall {number(scores['command_recall'])}   "
        f"false alarms {number(scores.get('false_alarm_rate', math.nan))} (other words taken for a command)",
        "",
        f"{'class':<10}{'F1':>7}{'clips':>8}",
    ]
    lines += [f"{name:<10}{number(scores['f1'][name]):>7}{scores['support'][name]:>8}" for name in scores["classes"]]
    return "\n".join(lines)
