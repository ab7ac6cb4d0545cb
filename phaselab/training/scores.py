"""Losses and scores of the keyword task: the damped log loss, per-word F1, confusion matrices.

The scores come from scikit-learn (``accuracy_score``, ``f1_score``, ``recall_score``,
``confusion_matrix``); this module only gathers them under the names the trainer logs
and draws them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import keras
import numpy as np
from sklearn.metrics import (
    ConfusionMatrixDisplay,
    accuracy_score,
    confusion_matrix,
    f1_score,
    recall_score,
    roc_auc_score,
)

from phaselab.data.labels import COMMANDS, UNKNOWN

__all__ = [
    "DAMPING_EPSILON",
    "LOSSES",
    "damped_log_loss",
    "get_loss",
    "classification_scores",
    "ValidationScores",
    "plot_confusion_matrix",
    "word_f1_history",
    "plot_word_f1",
    "format_word_f1",
    "mean_sd",
    "roc_auc",
    "seed_interval",
]

Tensor = Any
"""A tensor of the Keras backend in use."""

DAMPING_EPSILON = 1e-4
"""Predictions are clipped into ``[eps, 1 - eps]`` by :func:`damped_log_loss`."""


@keras.saving.register_keras_serializable(package="phaselab")
def damped_log_loss(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """The original study's loss: binary log loss of clipped predictions, averaged over classes.

    ``p`` is clipped into ``[1e-4, 1 - 1e-4]`` (:data:`DAMPING_EPSILON`), so one confident
    mistake costs at most ``-log(1e-4) ~ 9.2`` per class instead of infinity; then
    ``-(y log p + (1 - y) log(1 - p))`` is averaged over the classes. Keras averages the
    result over the batch.

    Parameters
    ----------
    y_true : tensor, shape (batch, classes)
        One-hot (or soft) targets.
    y_pred : tensor, shape (batch, classes)
        Predicted probabilities (softmax output); float16 predictions are cast to float32.

    Returns
    -------
    tensor, shape (batch,), float32
        The loss of each example, in nats.
    """
    y_pred = keras.ops.clip(keras.ops.cast(y_pred, "float32"), DAMPING_EPSILON, 1.0 - DAMPING_EPSILON)
    y_true = keras.ops.cast(y_true, "float32")
    losses = -(y_true * keras.ops.log(y_pred) + (1.0 - y_true) * keras.ops.log(1.0 - y_pred))
    return keras.ops.mean(losses, axis=-1)


LOSSES: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "damped_log_loss": damped_log_loss,
    "categorical_crossentropy": keras.losses.categorical_crossentropy,
}
"""The losses the trainer offers, by name; each returns one value per example."""


def get_loss(name: str) -> Callable[[Tensor, Tensor], Tensor]:
    """The loss function called ``name`` (a key of :data:`LOSSES`)."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; expected one of {', '.join(LOSSES)}") from None


def classification_scores(y_true: Iterable[int], y_pred: Iterable[int], classes: Sequence[str]) -> dict[str, Any]:
    """Accuracy, per-class F1, macro F1, command recall and the confusion matrix.

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
        there is none, or no class is called ``unknown``); ``confusion``: list of rows,
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
    false_alarms = float(np.isin(y_pred[others], commands).mean()) if others.any() else math.nan
    return {
        "n": int(y_true.size),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "f1": {name: float(value) for name, value in zip(classes, f1)},
        "macro_f1": float(np.nanmean(f1)) if not np.isnan(f1).all() else math.nan,
        "command_recall": (
            float(recall_score(y_true, y_pred, labels=commands, average="micro")) if has_commands else math.nan
        ),
        "false_alarm_rate": false_alarms,
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "support": {name: int(np.sum(y_true == i)) for i, name in enumerate(classes)},
    }


class ValidationScores(keras.callbacks.Callback):
    """Score the model on held-out data after every epoch, into the epoch's logs.

    Adds ``{prefix}loss``, ``{prefix}accuracy``, ``{prefix}f1_<class>`` for every class
    and ``{prefix}macro_f1`` to the logs, so :class:`keras.callbacks.History`, the
    progress bar and later callbacks (checkpoints, CSV logs) see them. One pass over
    ``data`` per epoch: the model predicts each batch, the scores come from
    :func:`classification_scores`.

    Parameters
    ----------
    data : iterable of (audio, one-hot) batches
        E.g. a finite ``tf.data.Dataset`` or :class:`keras.utils.PyDataset`; shapes (batch, samples) and (batch, classes).
    classes : sequence of str
        Class names, in the model's output order.
    loss : callable, optional
        Per-example loss ``loss(y_true, y_pred)`` for ``{prefix}loss``; omitted if None.
    prefix : str
        Prefix of the log keys.
    twin : keras.Model, optional
        Predict with this model, after copying the trained model's weights into it at every
        score: a one-device twin of a model trained under a ``tf.distribute`` strategy of
        several replicas, whose own ``predict_on_batch`` runs the batch on every replica
        and returns every replica's copy of the predictions.

    Attributes
    ----------
    last_scores : dict or None
        :func:`classification_scores` of the last epoch.
    """

    def __init__(
        self,
        data: Iterable,
        classes: Sequence[str],
        loss: Callable[[Tensor, Tensor], Tensor] | None = None,
        prefix: str = "val_",
        twin: keras.Model | None = None,
    ) -> None:
        super().__init__()
        self.data = data
        self.twin = twin
        self.classes = tuple(classes)
        self.loss = loss
        self.prefix = prefix
        self.last_scores: dict[str, Any] | None = None

    def predict(self) -> tuple[np.ndarray, np.ndarray]:
        """One pass over the data: one-hot targets and predicted probabilities, both (n, classes)."""
        targets, probabilities = [], []
        model = self.model
        if self.twin is not None:
            self.twin.set_weights(model.get_weights())
            model = self.twin
        for audio, target in self.data:
            probabilities.append(np.asarray(model.predict_on_batch(audio), dtype=np.float32))
            targets.append(np.asarray(target, dtype=np.float32))
        if not targets:
            raise ValueError("the validation data is empty")
        return np.concatenate(targets), np.concatenate(probabilities)

    def score(self) -> dict[str, Any]:
        """Score the model on the data now: :func:`classification_scores`, plus ``loss`` if a loss is set."""
        targets, probabilities = self.predict()
        scores = classification_scores(targets.argmax(axis=1), probabilities.argmax(axis=1), self.classes)
        if self.loss is not None:
            scores["loss"] = float(np.mean(keras.ops.convert_to_numpy(self.loss(targets, probabilities))))
        self.last_scores = scores
        return scores

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        scores = self.score()
        new = {"loss": scores["loss"]} if "loss" in scores else {}
        new["accuracy"] = scores["accuracy"]
        new.update({f"f1_{name}": value for name, value in scores["f1"].items()})
        new["macro_f1"] = scores["macro_f1"]
        if logs is not None:
            logs.update({self.prefix + key: value for key, value in new.items()})


def plot_confusion_matrix(confusion: Sequence[Sequence[int]], classes: Sequence[str], ax: Any = None, title: str = "") -> Any:
    """Draw a confusion matrix (rows: true class, columns: predicted) with scikit-learn's display.

    Parameters
    ----------
    confusion : array-like, shape (classes, classes)
        Counts, as in ``classification_scores(...)["confusion"]``.
    classes : sequence of str
        Class names.
    ax : matplotlib Axes, optional
        Where to draw; a new figure if None.
    title : str
        Axes title.

    Returns
    -------
    matplotlib Figure
    """
    display = ConfusionMatrixDisplay(np.asarray(confusion), display_labels=list(classes))
    display.plot(ax=ax, xticks_rotation="vertical", colorbar=False, values_format="d", cmap="Blues")
    if title:
        display.ax_.set_title(title)
    display.figure_.tight_layout()
    return display.figure_


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


def plot_word_f1(history: dict[str, list], classes: Sequence[str], title: str = "") -> Any:
    """Per-class validation F1 per epoch: a heat map (classes x epochs) beside macro F1 curves.

    Parameters
    ----------
    history : dict
        As for :func:`word_f1_history`, plus ``epoch`` and optionally ``val_macro_f1``.
    classes : sequence of str
        Rows of the heat map, top to bottom.
    title : str
        Figure title.

    Returns
    -------
    matplotlib Figure
        Undefined F1 (a class with no clip and no prediction) is left blank.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    table = word_f1_history(history, classes)
    epochs = np.asarray(history.get("epoch", np.arange(1, len(table) + 1)))
    figure, (heat, curves) = plt.subplots(1, 2, figsize=(12, 4), width_ratios=(3, 2), layout="constrained")
    image = heat.imshow(table.T, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest",
                        extent=(epochs[0] - 0.5, epochs[-1] + 0.5, len(classes) - 0.5, -0.5))
    heat.set_yticks(range(len(classes)), list(classes))
    heat.set_xlabel("epoch")
    figure.colorbar(image, ax=heat, label="validation F1")
    commands = [i for i, name in enumerate(classes) if name in COMMANDS]
    for i in commands:
        curves.plot(epochs, table[:, i], color="0.75", linewidth=0.8)
    if "val_macro_f1" in history:
        macro = [math.nan if v is None else v for v in history["val_macro_f1"]]
        curves.plot(epochs, macro, color="C3", linewidth=2, label="macro F1 (all classes)")
    curves.plot([], [], color="0.75", linewidth=0.8, label="each command word")
    for ax in (heat, curves):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    curves.set_xlabel("epoch")
    curves.set_ylabel("validation F1")
    curves.set_ylim(-0.02, 1.02)
    curves.grid(alpha=0.3)
    curves.legend(loc="lower right")
    if title:
        figure.suptitle(title)
    return figure


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


def mean_sd(values: Iterable[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``) of scores over seeds or runs.

    Parameters
    ----------
    values : iterable of float
        At least one value.

    Returns
    -------
    (float, float)
        The mean, and the standard deviation: 0.0 for a single value (no spread measured).
    """
    array = np.asarray(list(values), dtype=np.float64)
    if array.size == 0:
        raise ValueError("mean_sd needs at least one value")
    return float(array.mean()), float(array.std(ddof=1)) if array.size > 1 else 0.0
