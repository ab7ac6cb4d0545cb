"""Losses of the keyword task: the damped log loss of the original study, and the name table.

Notebook: ``04_3d_cnn_training.ipynb``
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras

__all__ = ["DAMPING_EPSILON", "LOSSES", "damped_log_loss", "get_loss"]


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
