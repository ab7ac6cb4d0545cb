"""Saying "no command": a confidence threshold, and how often sounds and words that are none are taken for one.

A keyword model always names one of its 12 classes. On sounds it never heard (music, a bird)
and words it was never taught it often names a command. This module measures that -- the
**false-alarm rate**, the share of 1 s windows of such material taken for a command
(:func:`false_alarms`, over :func:`sound_windows` of WAV files or folders) -- and offers the
simplest remedy, a **confidence threshold** (:func:`decide`: a command less probable than it
counts as no command), chosen on a validation split for what it may cost in macro F1
(:func:`choose_threshold`). A **speech gate** in front of the model (:func:`gate`: a clip that a
voice-activity detector scores below a floor is ``silence``) answers music and animals, which the
model was never taught to reject; :func:`choose_gate` sets its floor and the threshold on validation.

``phaselab evaluate --threshold T --everyday DIR --other-words DIR`` reports both;
``benchmarks/experiments/false_alarms.py`` measures the shipped model.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from phaselab.constants import CLIP_SAMPLES
from phaselab.data.labels import CLASSES, COMMANDS, SILENCE, UNKNOWN
from phaselab.training.scores import classification_scores, rate_interval

if TYPE_CHECKING:
    import keras

__all__ = ["decide", "choose_threshold", "gate", "choose_gate", "wav_files", "sound_windows", "false_alarms", "count_false_alarms"]


_COMMAND_INDICES = np.array([CLASSES.index(name) for name in COMMANDS])
_NO_COMMAND = np.array([CLASSES.index(UNKNOWN), CLASSES.index(SILENCE)])


def decide(probabilities: np.ndarray, threshold: float | np.ndarray = 0.0) -> np.ndarray:
    """The class chosen for each clip: the most probable, unless it is a command below ``threshold``.

    A command whose probability does not exceed ``threshold`` gives way to "no command": the
    more probable of ``unknown`` and ``silence``. ``threshold=0`` is the plain arg-max.

    Parameters
    ----------
    probabilities : np.ndarray, shape (n, len(CLASSES))
    threshold : float in [0, 1), or np.ndarray, shape (len(CLASSES),)
        One threshold for every command, or one per class (indexed as ``CLASSES``; the entries
        of ``unknown`` and ``silence`` are not used).

    Returns
    -------
    np.ndarray, shape (n,), int
        Indices into :data:`phaselab.data.labels.CLASSES`.

    Examples
    --------
    >>> p = np.zeros((2, len(CLASSES))); p[:, 0] = [0.9, 0.4]; p[:, -2] = [0.1, 0.35]; p[:, -1] = [0.0, 0.25]
    >>> [CLASSES[i] for i in decide(p, 0.5)]
    ['yes', 'unknown']
    >>> t = np.zeros(len(CLASSES)); t[1] = 0.95          # only "no" must be 95 % sure: both "yes" stay
    >>> [CLASSES[i] for i in decide(p, t)]
    ['yes', 'yes']
    """
    limits = np.asarray(threshold, dtype=float)
    if limits.shape not in ((), (len(CLASSES),)) or not np.all((limits >= 0) & (limits < 1)):
        raise ValueError(f"threshold must be at least 0 and below 1, one value or one per class, got {threshold}")
    probabilities = np.asarray(probabilities)
    best = probabilities.argmax(axis=1)
    per_clip = limits if limits.ndim == 0 else limits[best]
    unsure = np.isin(best, _COMMAND_INDICES) & (probabilities.max(axis=1) <= per_clip)
    if limits.any() and unsure.any():
        best = best.copy()
        best[unsure] = _NO_COMMAND[probabilities[unsure][:, _NO_COMMAND].argmax(axis=1)]
    return best


def choose_threshold(
    truth: np.ndarray, probabilities: np.ndarray, max_loss: float = 0.005,
    candidates: Sequence[float] = tuple(np.round(np.arange(0.0, 1.0, 0.01), 2)),
) -> dict[str, float]:
    """The highest confidence threshold that costs at most ``max_loss`` macro F1 on the clips given.

    Meant for a validation split (never the test split): a command is said only when the
    model is at least this sure (:func:`decide`), which keeps it quieter on sounds and words
    that are not commands, at a cost in recall measured here.

    Parameters
    ----------
    truth : np.ndarray, shape (n,), int
    probabilities : np.ndarray, shape (n, len(CLASSES))
        Class probabilities, one row per clip, as the model returns them.
    max_loss : float
        Macro F1 the threshold may cost, against the plain arg-max.
    candidates : sequence of float
        Thresholds tried, each in [0, 1).

    Returns
    -------
    dict
        ``threshold``, ``macro_f1`` (with it), ``macro_f1_argmax`` (without), ``max_loss``.

    Examples
    --------
    Two "yes" the model is sure of, and an unknown word it takes for "yes" with probability 0.6:
    from 0.6 on the unknown word is right (macro F1 0.4 -> 1.0); from 0.9 on, a "yes" is lost too
    (0.67), from 0.95 on both (0.25, below the arg-max's 0.4):

    >>> truth = np.array([0, 0, 10])
    >>> p = np.zeros((3, len(CLASSES))); p[:, 0] = [0.9, 0.95, 0.6]; p[:, 10] = 1 - p[:, 0]
    >>> choose_threshold(truth, p, max_loss=0.0)
    {'threshold': 0.94, 'macro_f1': 0.666..., 'macro_f1_argmax': 0.4, 'max_loss': 0.0}
    """
    truth = np.asarray(truth)
    def macro(threshold: float) -> float:
        return classification_scores(truth, decide(probabilities, threshold), CLASSES)["macro_f1"]

    base = macro(0.0)
    best = max((t for t in candidates if macro(t) >= base - max_loss - 1e-12), default=0.0)
    return {"threshold": float(best), "macro_f1": macro(best), "macro_f1_argmax": base, "max_loss": max_loss}


def gate(probabilities: np.ndarray, speech: np.ndarray, floor: float) -> np.ndarray:
    """The class probabilities with every clip whose speech score is below ``floor`` made certain ``silence``.

    A keyword model names one of its classes for any sound; a voice-activity detector in front of it
    (Silero VAD, :func:`phaselab.studies.anchors.silero_scores`) says whether anyone speaks at all.
    ``floor=0`` lets everything through. :func:`decide` then applies the confidence threshold.

    Parameters
    ----------
    probabilities : np.ndarray, shape (n, len(CLASSES))
    speech : np.ndarray, shape (n,)
        Speech score of each clip, in [0, 1].
    floor : float in [0, 1]

    Returns
    -------
    np.ndarray, shape (n, len(CLASSES)), a copy.

    Examples
    --------
    >>> p = np.zeros((2, len(CLASSES))); p[:, 0] = 1
    >>> [CLASSES[i] for i in decide(gate(p, np.array([0.9, 0.2]), 0.5))]
    ['yes', 'silence']
    """
    probabilities = np.array(probabilities, dtype=np.float32)
    speech = np.asarray(speech)
    if speech.shape != probabilities.shape[:1]:
        raise ValueError(f"one speech score per clip: {speech.shape} scores for {len(probabilities)} clips")
    quiet = speech < floor
    probabilities[quiet] = 0
    probabilities[quiet, CLASSES.index(SILENCE)] = 1
    return probabilities


def choose_gate(
    truth: np.ndarray, probabilities: np.ndarray, speech: np.ndarray, max_loss: float = 0.01,
    floors: Sequence[float] = tuple(np.round(np.arange(0.0, 1.0, 0.05), 2)),
) -> dict[str, float]:
    """The speech gate's floor and the confidence threshold, each allowed half of ``max_loss`` macro F1 on the clips given.

    Meant for a validation split. First the highest floor of :func:`gate` that costs at most
    ``max_loss / 2`` against the plain arg-max, then, on the gated probabilities, the highest
    threshold of :func:`choose_threshold` that keeps the total loss within ``max_loss``. Validation
    speakers hold no music, so the budget, not the false alarms, sets both.

    Parameters
    ----------
    truth : np.ndarray, shape (n,), int
    probabilities : np.ndarray, shape (n, len(CLASSES))
    speech : np.ndarray, shape (n,)
        Speech score of each clip, in [0, 1].
    max_loss : float
        Macro F1 the gate and the threshold together may cost.
    floors : sequence of float
        Floors tried.

    Returns
    -------
    dict
        ``floor``, ``threshold``, ``macro_f1`` (with both), ``macro_f1_argmax`` (with neither), ``max_loss``.

    Examples
    --------
    Two "yes" and a noise the model takes for "yes" (0.6), which the detector scores 0.1:

    >>> truth = np.array([0, 0, CLASSES.index("silence")])
    >>> p = np.zeros((3, len(CLASSES))); p[:, 0] = [0.9, 0.9, 0.6]; p[:, -1] = 1 - p[:, 0]
    >>> choose_gate(truth, p, np.array([0.9, 0.8, 0.1]), max_loss=0.0, floors=(0.0, 0.5))
    {'floor': 0.5, 'threshold': 0.89, 'macro_f1': 1.0, 'macro_f1_argmax': 0.4, 'max_loss': 0.0}
    """
    truth = np.asarray(truth)
    def macro(p: np.ndarray) -> float:
        return classification_scores(truth, decide(p), CLASSES)["macro_f1"]

    base = macro(np.asarray(probabilities))
    floor = max((f for f in floors if macro(gate(probabilities, speech, f)) >= base - max_loss / 2 - 1e-12), default=0.0)
    gated = gate(probabilities, speech, floor)
    threshold = choose_threshold(truth, gated, max_loss=max(max_loss - (base - macro(gated)), 0.0))
    return {"floor": float(floor), "threshold": threshold["threshold"], "macro_f1": threshold["macro_f1"],
            "macro_f1_argmax": base, "max_loss": max_loss}


def wav_files(paths: Sequence[str | os.PathLike]) -> list[Path]:
    """The WAV files named, or held by the folders named (searched recursively), in sorted order.

    Raises
    ------
    ValueError
        A path that does not exist, or no WAV file at all.
    """
    files: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            files += sorted(p for p in item.rglob("*") if p.suffix.lower() == ".wav" and p.is_file())
        elif item.is_file():
            files.append(item)
        else:
            raise ValueError(f"{item}: no such file or folder")
    if not files:
        raise ValueError(f"no WAV file in {', '.join(map(str, paths)) or 'nothing'}")
    return files


def sound_windows(paths: Sequence[str | os.PathLike], min_seconds: float = 0.5) -> tuple[np.ndarray, list[str]]:
    """Consecutive 1 s windows of WAV recordings: what a keyword model would hear of them.

    A file is cut into windows of one second from its start; a last piece of at least
    ``min_seconds`` is kept, zero-padded (a file shorter than that is one zero-padded window).
    So a folder of single words gives one window per word, a long recording many.

    Parameters
    ----------
    paths : sequence of path-like
        WAV files or folders of them (see :func:`wav_files`).
    min_seconds : float
        Shortest last piece kept, in seconds.

    Returns
    -------
    windows : np.ndarray, shape (n, 16000), float32
    sources : list of str
        ``file@seconds`` of each window.
    """
    from phaselab.signal.audio import fit_length, read_wav

    windows, sources = [], []
    for path in wav_files(paths):
        audio = read_wav(path)
        starts = range(0, max(len(audio) - int(min_seconds * CLIP_SAMPLES), 0) + 1, CLIP_SAMPLES)
        for start in starts:
            windows.append(fit_length(audio[start:start + CLIP_SAMPLES], CLIP_SAMPLES))
            sources.append(f"{path.name}@{start // CLIP_SAMPLES}")
    return np.stack(windows), sources


def false_alarms(
    model: keras.Model | str | os.PathLike, paths: Sequence[str | os.PathLike], threshold: float = 0.0,
    batch_size: int = 64, speech: Callable[[np.ndarray], np.ndarray] | None = None, floor: float = 0.0,
) -> dict[str, Any]:
    """The share of 1 s windows of sounds that are no command (everyday sounds, other words) taken for a command.

    Parameters
    ----------
    model : keras.Model, or path of a ``.keras`` file or run directory
        (preprocessing as in :mod:`phaselab.training.inference`).
    paths : sequence of path-like
        WAV files or folders of them, cut by :func:`sound_windows`.
    threshold : float
        As in :func:`decide`.
    batch_size : int
        Windows per forward pass.
    speech : callable, optional
        A speech gate in front of the model (:func:`gate`): maps the windows, shape (n, 16000), to
        speech scores, shape (n,); a window scored below ``floor`` is ``silence``.
    floor : float
        The gate's floor.

    Returns
    -------
    dict
        ``n`` (windows), ``rate`` (share taken for a command), ``commands`` ({command: windows
        taken for it}, the most frequent first), ``threshold``, ``probabilities`` (array, shape
        (n, len(CLASSES)), gated if ``speech`` is given, for re-deciding with another threshold)
        and ``sources``.
    """
    from phaselab.data.augment import SoundPreprocessor
    from phaselab.training.inference import _check_batch_size, _finite, _load

    _check_batch_size(batch_size)
    network, augment, name = _load(model)
    windows, sources = sound_windows(paths)
    preprocessor = SoundPreprocessor(augment)
    audio = np.stack([preprocessor.finish(w) for w in windows])
    probabilities = _finite(np.asarray(network.predict(audio, batch_size=batch_size, verbose=0), dtype=np.float32),
                            sources, name)
    if speech is not None:
        probabilities = gate(probabilities, speech(windows), floor)
    return {**count_false_alarms(probabilities, threshold), "probabilities": probabilities, "sources": sources}


def count_false_alarms(probabilities: np.ndarray, threshold: float | np.ndarray = 0.0) -> dict[str, Any]:
    """How many windows of material that holds no command are taken for one, from the model's probabilities.

    Parameters
    ----------
    probabilities : np.ndarray, shape (n, len(CLASSES))
    threshold : float or np.ndarray, shape (len(CLASSES),)
        As in :func:`decide`.

    Returns
    -------
    dict
        ``n``, ``rate`` (share taken for a command), ``interval`` (its 95 % interval,
        :func:`phaselab.training.scores.rate_interval`), ``threshold`` (a float or a list) and ``commands``
        ({command: windows}, the most frequent first).

    Examples
    --------
    >>> p = np.zeros((4, len(CLASSES))); p[:2, 1] = [0.9, 0.55]; p[:2, 10] = [0.1, 0.45]; p[2:, 11] = 1
    >>> found = count_false_alarms(p)
    >>> found["n"], found["rate"], found["commands"], count_false_alarms(p, 0.6)["rate"]
    (4, 0.5, {'no': 2}, 0.25)
    >>> [round(v, 2) for v in found["interval"]]                   # 2 of 4 windows say little
    [0.15, 0.85]
    """
    chosen = decide(probabilities, threshold)
    said = chosen[np.isin(chosen, _COMMAND_INDICES)]
    names, counts = np.unique([CLASSES[i] for i in said], return_counts=True)
    order = np.argsort(-counts, kind="stable")
    limits = np.asarray(threshold, dtype=float)
    return {"n": int(len(chosen)), "rate": float(len(said) / len(chosen)),
            "interval": list(rate_interval(len(said), len(chosen))),
            "threshold": float(limits) if limits.ndim == 0 else limits.tolist(),
            "commands": {str(names[i]): int(counts[i]) for i in order}}
