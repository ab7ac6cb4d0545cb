"""Plots of a training run: learning curves, per-word F1 over epochs, the confusion matrix.

Notebook: ``04_3d_cnn_training.ipynb``
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import (
    ConfusionMatrixDisplay,
)

from phaselab.data.labels import COMMANDS
from phaselab.training.scores import word_f1_history

__all__ = ["plot_confusion_matrix", "plot_word_f1", "plot_learning_curves"]


def plot_learning_curves(history: dict[str, list], title: str = "") -> Any:
    """Loss, accuracy and macro F1 per epoch, training and validation.

    Parameters
    ----------
    history : dict
        As in ``history.json``: ``epoch`` plus ``loss``, ``accuracy``, ``val_loss``,
        ``val_accuracy``, ``val_macro_f1`` (the keys present are drawn).
    title : str
        Figure title.

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figure, axes = plt.subplots(1, 3, figsize=(12, 3.5))
    epochs = history.get("epoch", [])
    panels = (("loss", ("loss", "val_loss")), ("accuracy", ("accuracy", "val_accuracy")), ("macro F1", ("val_macro_f1",)))
    for ax, (name, keys) in zip(axes, panels):
        for key in keys:
            if key in history:
                values = [np.nan if v is None else v for v in history[key]]
                ax.plot(epochs, values, marker="o", label="validation" if key.startswith("val_") else "training")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


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
