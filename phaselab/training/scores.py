"""Scores of the keyword task: accuracy, per-word F1 and command recall, intervals over seeds and of rates, ROC AUC.

The scores come from scikit-learn (``accuracy_score``, ``f1_score``, ``recall_score``,
``confusion_matrix``, ``roc_auc_score``); this module only gathers them under the names the
trainer logs. Macro F1 over the 12 classes is the headline score, because accuracy misleads
when ``unknown`` dominates.

Notebook: ``04_3d_cnn_training.ipynb``
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    recall_score,
    roc_auc_score,
)

from phaselab.data.labels import COMMANDS, UNKNOWN

__all__ = ["classification_scores", "word_f1_history", "format_word_f1", "mean_sd", "format_mean_sd", "roc_auc", "seed_interval", "rate_interval"]


def classification_scores(y_true: Iterable[int], y_pred: Iterable[int], classes: Sequence[str]) -> dict[str, Any]:
    r"""Accuracy, per-class F1, macro F1, command recall and the confusion matrix.

    For class ``c`` with ``TP_c`` clips of ``c`` predicted ``c``, ``FP_c`` clips of other classes
    predicted ``c`` and ``FN_c`` clips of ``c`` predicted otherwise:

    .. math::

        F_1(c) = \frac{2\,TP_c}{2\,TP_c + FP_c + FN_c}, \qquad
        \text{macro } F_1 = \frac{1}{|C|} \sum_{c \in C} F_1(c), \qquad
        \text{false-alarm rate} = \frac{\#\{\text{non-command clips predicted as a command}\}}{\#\{\text{non-command clips}\}}

    (``C``: the classes whose F1 is defined). Every class counts the same in the macro F1, however
    many clips it has; the false-alarm rate is the error a user of a voice interface notices.

    Parameters
    ----------
    y_true, y_pred : sequences of int, shape (n,)
        True and predicted class indices into ``classes``.
    classes : sequence of str
        The class names, in index order.

    Returns
    -------
    dict
        ``accuracy``: share of clips classified right; ``f1``: {class: F1}, NaN for a class
        that is neither present nor predicted; ``macro_f1``: mean F1 over the classes that
        are not NaN; ``command_recall``: share of the clips of command words (yes, no, ...
        go) recognised as their word (NaN if there is none); ``false_alarm_rate``: share of
        the ``unknown`` clips (words that are not commands) taken for a command (NaN if
        there is none, or no class is called ``unknown``), ``false_alarm_interval`` its 95 %
        interval (:func:`rate_interval`); ``confusion``: list of rows,
        ``confusion[i][j]`` = clips of class i predicted as class j; ``support``:
        {class: clips}; ``n``: number of clips.
    """
    y_true = np.asarray(list(y_true), dtype=np.int64)
    y_pred = np.asarray(list(y_pred), dtype=np.int64)
    if y_true.shape != y_pred.shape or y_true.ndim != 1 or y_true.size == 0:
        raise ValueError(f"expected two non-empty index arrays of the same shape (n,), got {y_true.shape} and {y_pred.shape}")
    labels = np.arange(len(classes))
    f1 = f1_score(y_true, y_pred, labels=labels, average=None, zero_division=np.nan)
    commands = [i for i, name in enumerate(classes) if name in COMMANDS]
    has_commands = bool(commands) and bool(np.isin(y_true, commands).any())
    unknown = list(classes).index(UNKNOWN) if UNKNOWN in classes else None
    others = y_true == unknown if unknown is not None else np.zeros_like(y_true, dtype=bool)
    alarms = int(np.isin(y_pred[others], commands).sum())
    false_alarms = alarms / int(others.sum()) if others.any() else math.nan
    return {
        "n": int(y_true.size),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "f1": {name: float(value) for name, value in zip(classes, f1)},
        "macro_f1": float(np.nanmean(f1)) if not np.isnan(f1).all() else math.nan,
        "command_recall": (
            float(recall_score(y_true, y_pred, labels=commands, average="micro")) if has_commands else math.nan
        ),
        "false_alarm_rate": false_alarms,
        "false_alarm_interval": list(rate_interval(alarms, int(others.sum()))),
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "support": {name: int(np.sum(y_true == i)) for i, name in enumerate(classes)},
    }


def word_f1_history(history: dict[str, list], classes: Sequence[str], prefix: str = "val_") -> np.ndarray:
    """The per-class F1 of every epoch, as logged by :class:`ValidationScores`.

    Parameters
    ----------
    history : dict
        As in a run's ``history.json``: ``{prefix}f1_<class>`` lists, one value per epoch
        (None or NaN for a class neither present nor predicted).
    classes : sequence of str
        The classes to gather, in the order of the result's columns.
    prefix : str
        Prefix of the log keys.

    Returns
    -------
    np.ndarray, shape (epochs, classes)
        F1 per epoch and class, NaN where undefined.

    Raises
    ------
    KeyError
        If the history lacks a class's key (naming it).
    """
    columns = []
    for name in classes:
        key = f"{prefix}f1_{name}"
        if key not in history:
            raise KeyError(f"the history has no {key!r}; was it written by ValidationScores with prefix {prefix!r}?")
        columns.append([math.nan if value is None else float(value) for value in history[key]])
    return np.array(columns, dtype=np.float64).T.reshape(-1, len(columns))


def format_word_f1(history: dict[str, list], classes: Sequence[str], every: int = 1) -> str:
    """Per-class validation F1 per epoch as a plain-text table (rows: epochs; ``-``: undefined).

    The original study printed such a list of per-word F1 after every epoch. ``every``
    keeps every ``every``-th epoch and the last one.
    """
    table = word_f1_history(history, classes)
    epochs = list(history.get("epoch", range(1, len(table) + 1)))
    keep = sorted({*range(0, len(table), max(1, every)), len(table) - 1}) if len(table) else []
    width = max(5, *(len(name) for name in classes)) + 1
    lines = ["epoch" + "".join(f"{name:>{width}}" for name in classes)]
    for i in keep:
        cells = "".join(f"{'-' if math.isnan(v) else f'{v:.2f}':>{width}}" for v in table[i])
        lines.append(f"{epochs[i]:>5}{cells}")
    return "\n".join(lines)


def roc_auc(scores: Iterable[float], positive: Iterable[bool]) -> float:
    """Area under the ROC curve: the chance that a random positive scores above a random negative (ties count half).

    Parameters
    ----------
    scores : iterable of float, shape (n,)
    positive : iterable of bool, shape (n,)

    Returns
    -------
    float
        In [0, 1]; 0.5 is chance. NaN if either class is empty.

    Examples
    --------
    >>> roc_auc([0.9, 0.8, 0.3, 0.1], [True, False, True, False])
    0.75
    """
    scores, positive = np.asarray(list(scores), dtype=np.float64), np.asarray(list(positive), dtype=bool)
    if positive.all() or not positive.any():
        return float("nan")
    return float(roc_auc_score(positive, scores))


def seed_interval(differences: Iterable[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean of paired per-seed differences and its Student's t interval: is a difference larger than seed noise?

    Parameters
    ----------
    differences : iterable of float
        One difference per seed (e.g. a model's score minus the baseline's, same seed, same clips).
    level : float
        Coverage of the interval.

    Returns
    -------
    (mean, low, high)
        ``low`` and ``high`` are NaN for fewer than two seeds.

    Examples
    --------
    >>> [round(v, 3) for v in seed_interval([0.02, 0.04, 0.03])]
    [0.03, 0.005, 0.055]
    """
    from scipy import stats

    values = np.asarray(list(differences), dtype=np.float64)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values)))
    return mean, mean - half, mean + half


def rate_interval(count: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a share ``count / n``: how far a rate measured on few clips can be trusted.

    A false-alarm rate of 6 in 36 words is 0.167, but 36 words cannot tell it from 0.10: the
    interval says so. Wilson's interval stays inside [0, 1] and keeps its coverage for small ``n``
    and rates near 0, where the normal approximation fails.

    Parameters
    ----------
    count : int
        Clips counted (e.g. taken for a command), ``0 <= count <= n``.
    n : int
        Clips in all; NaN bounds for ``n = 0``.
    level : float
        Coverage of the interval.

    Returns
    -------
    (low, high)
        Bounds of the share, in [0, 1].

    Examples
    --------
    >>> [round(v, 3) for v in rate_interval(6, 36)]
    [0.079, 0.319]
    >>> [round(v, 3) for v in rate_interval(0, 60)]
    [0.0, 0.06]
    """
    from scipy import stats

    if not 0 <= count <= n:
        raise ValueError(f"count must be between 0 and n, got {count} of {n}")
    if n == 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + level / 2))
    share = count / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_sd(values: Iterable[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``) of scores over seeds or runs: the one seed rule.

    Parameters
    ----------
    values : iterable of float
        At least one value.

    Returns
    -------
    (float, float)
        The mean, and the standard deviation: NaN for a single value (no spread measured).

    Examples
    --------
    >>> mean_sd([0.5])
    (0.5, nan)
    """
    array = np.asarray(list(values), dtype=np.float64)
    if array.size == 0:
        raise ValueError("mean_sd needs at least one value")
    return float(array.mean()), float(array.std(ddof=1)) if array.size > 1 else math.nan


def format_mean_sd(mean: float | None, sd: float | None, spec: str = ".3f") -> str:
    """``"mean ± sd"``, a table cell of scores over seeds; the mean alone where no spread was measured (one seed).

    ``None`` (a NaN read back from JSON) counts as NaN; a NaN mean prints ``n/a``.

    Examples
    --------
    >>> format_mean_sd(*mean_sd([0.7, 0.9])), format_mean_sd(*mean_sd([0.5])), format_mean_sd(12.0, 3.0, ".0f")
    ('0.800 ± 0.141', '0.500', '12 ± 3')
    """
    if mean is None or math.isnan(mean):
        return "n/a"
    return f"{mean:{spec}}" + ("" if sd is None or math.isnan(sd) else f" ± {sd:{spec}}")
