"""The callbacks of the training loop: history, best model, weight averaging, checkpoints, NaN guard.

Each is a ``keras.callbacks.Callback`` that writes through :mod:`phaselab.training.rundir`, so a
run killed between two epochs resumes from the last one that finished.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from phaselab.atomic import atomic_path, json_ready, write_text
from phaselab.training.losses import Tensor
from phaselab.training.rundir import (
    HISTORY_CSV,
    HISTORY_JSON,
    _save_model,
    read_history,
)
from phaselab.training.scores import classification_scores

__all__ = ["ValidationScores", "HistoryLog", "BestModel", "StopOnNonFiniteLoss", "NonFiniteLoss", "AveragedWeights", "EpochCheckpoint"]


BEST_MONITOR = "val_macro_f1"
"""The log key that picks :data:`BEST_FILE` (larger is better)."""


class HistoryLog(keras.callbacks.Callback):
    """Write ``history.csv`` and ``history.json`` after every epoch, one row per epoch.

    Rows are keyed by the 1-based epoch: when a resumed run trains epoch ``k`` again,
    its row replaces the old one and later rows are dropped, so every epoch appears
    once. Both files are rewritten atomically.
    NaN scores (a class absent from the validation split) are written as ``null``/empty.
    Each row also holds ``seconds``: the epoch's wall-clock time, from its first batch to
    the end of the callbacks listed before this one (the validation scores included).
    Keep it before :class:`EpochCheckpoint` in the list, so an epoch is logged before it
    is backed up.

    Parameters
    ----------
    run_dir : path-like
        The run directory.
    """

    def __init__(self, run_dir: str | os.PathLike) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.rows: list[dict[str, Any]] = []
        self._started = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._started = time.perf_counter()

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        history = read_history(self.run_dir)
        epochs = history.get("epoch", [])
        self.rows = [{key: values[i] for key, values in history.items()} for i in range(len(epochs))]

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        row = {"epoch": epoch + 1, **{key: json_ready(float(value)) for key, value in (logs or {}).items()},
               "seconds": round(time.perf_counter() - self._started, 3)}
        self.rows = [r for r in self.rows if r["epoch"] < epoch + 1] + [row]
        keys = list(dict.fromkeys(key for r in self.rows for key in r))
        history = {key: [r.get(key) for r in self.rows] for key in keys}
        write_text(self.run_dir / HISTORY_JSON, json.dumps(history, indent=1) + "\n")
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        write_text(self.run_dir / HISTORY_CSV, buffer.getvalue())


class NonFiniteLoss(ValueError):
    """The training loss became NaN or infinite (raised by :class:`StopOnNonFiniteLoss`)."""


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stop training at the first batch whose loss is NaN or infinite, before the epoch ends.

    Unlike ``keras.callbacks.TerminateOnNaN``, which lets the epoch end (and so the
    callbacks that save its models and backup run, with weights that are NaN), this raises
    :class:`NonFiniteLoss` from the batch: nothing of the broken epoch is written, and the
    run directory keeps the files of the epochs before it.

    Parameters
    ----------
    where : str
        Named in the message (e.g. the run directory).
    """

    def __init__(self, where: str = "training") -> None:
        super().__init__()
        self.where = where
        self.epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            raise NonFiniteLoss(
                f"{self.where}: the training loss became {float(loss)} at epoch {self.epoch + 1}, batch {batch + 1}; "
                "training stopped and nothing of that epoch was saved (the files of the epochs before are kept); "
                "try a lower learning rate")


class BestModel(keras.callbacks.Callback):
    """Save the whole model (atomically) whenever ``logs[monitor]`` beats the best so far.

    Parameters
    ----------
    path : path-like
        A ``.keras`` file.
    monitor : str
        Log key, larger is better (NaN never counts as better).
    best : float
        The value to beat (e.g. the best of the epochs before a resume).
    """

    def __init__(self, path: str | os.PathLike, monitor: str = BEST_MONITOR, best: float = -math.inf) -> None:
        super().__init__()
        self.path = Path(path)
        self.monitor = monitor
        self.best = best

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        value = (logs or {}).get(self.monitor)
        if value is not None and not math.isnan(value) and value > self.best:
            self.best = float(value)
            _save_model(self.model, self.path)


class AveragedWeights(keras.callbacks.Callback):
    """Run ``callbacks`` with the optimizer's averaged weights in the model.

    An optimizer built with ``use_ema=True`` keeps an exponential moving average of the
    trainable weights. At the end of every epoch this callback swaps the average into the
    model (and the current weights into the optimizer's average slots), runs the
    ``on_epoch_end`` of the callbacks it wraps -- so validation scores, logs and the best
    model are those of the averaged model -- and swaps back, so training continues from
    the raw weights and a callback listed after this one (e.g. :class:`EpochCheckpoint`)
    sees the optimizer's state as it is. Other hooks are passed on unchanged. Keras itself
    puts the average into the model when ``fit`` ends.

    Parameters
    ----------
    callbacks : list of keras.callbacks.Callback
        Run in order, with the same ``logs`` dict (keys one adds are seen by the next).
    """

    def __init__(self, callbacks: list[keras.callbacks.Callback]) -> None:
        super().__init__()
        self.callbacks = list(callbacks)

    def set_model(self, model: keras.Model) -> None:
        super().set_model(model)
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        super().set_params(params)
        for callback in self.callbacks:
            callback.set_params(params)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        for callback in self.callbacks:
            callback.on_train_begin(logs)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.swap()
        try:
            for callback in self.callbacks:
                callback.on_epoch_end(epoch, logs)
        finally:
            self.swap()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        for callback in self.callbacks:
            callback.on_train_end(logs)

    def swap(self) -> None:
        """Exchange the model's trainable weights with the optimizer's averages of them."""
        optimizer = getattr(self.model.optimizer, "inner_optimizer", self.model.optimizer)  # LossScaleOptimizer
        if not getattr(optimizer, "use_ema", False):
            raise ValueError("AveragedWeights needs an optimizer built with use_ema=True")
        for variable, average in zip(optimizer._trainable_variables, optimizer._model_variables_moving_average):
            current = keras.ops.convert_to_numpy(variable)
            variable.assign(average)
            average.assign(current)


def _seed_states(model: keras.Model) -> list[keras.Variable]:
    """The state variables of the model's seed generators (dropout masks and the like), in order."""
    return [v for v in model.non_trainable_variables if v.path.endswith("seed_generator_state")]


class EpochCheckpoint(keras.callbacks.Callback):
    """Back up the weights and optimizer state after every epoch, for :meth:`restore`.

    After epoch ``k`` (1-based) the state goes to ``DIR/epoch-000k.weights.h5`` (written
    under a temporary name, then renamed); then ``DIR/state.json`` is replaced atomically by
    ``{"epoch": k, "weights": "epoch-000k.weights.h5", "seed_states": [...]}``, and older
    weight files are deleted. Whenever the process dies, ``state.json`` names a complete
    file of the epoch it states. ``seed_states`` are the states of the model's random seed
    generators (e.g. of its dropout layers), which Keras does not count as weights: restored
    with the weights, they make a resumed run draw the dropout masks an uninterrupted run
    would have drawn.

    Parameters
    ----------
    directory : path-like
        Where the backup lives (created when first needed).
    """

    STATE = "state.json"

    def __init__(self, directory: str | os.PathLike) -> None:
        super().__init__()
        self.directory = Path(directory)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"epoch-{epoch + 1:04d}.weights.h5"
        with atomic_path(self.directory / name) as tmp:
            self.model.save_weights(tmp)
        seeds = [keras.ops.convert_to_numpy(v).tolist() for v in _seed_states(self.model)]
        state = {"epoch": epoch + 1, "weights": name, "seed_states": seeds}
        write_text(self.directory / self.STATE, json.dumps(state) + "\n")
        for old in self.directory.glob("*.weights.h5"):
            if old.name != name:
                old.unlink()

    def _state(self) -> tuple[int, Path | None, list]:
        """Epochs finished, weights file and seed states of the backup; ``(0, None, [])`` if none."""
        state_path = self.directory / self.STATE
        if not state_path.is_file():
            return 0, None, []
        try:
            state = json.loads(state_path.read_text(encoding="utf-8"))
            return int(state["epoch"]), self.directory / state["weights"], list(state.get("seed_states", []))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{state_path}: unreadable training backup ({exc})") from exc

    def finished_epochs(self) -> int:
        """Epochs the backup has finished (0 if there is none)."""
        return self._state()[0]

    def restore(self, model: keras.Model) -> int:
        """Load the last backup into a compiled ``model``; returns the epochs it had finished (0 if none)."""
        epoch, weights, seeds = self._state()
        if weights is None:
            return 0
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        try:
            model.load_weights(weights)
        except OSError as exc:
            raise ValueError(f"{weights}: the training backup is damaged ({exc}); this run cannot resume from it, "
                             "train into a new directory") from exc
        except ValueError as exc:  # e.g. a run started by an older phaselab that built the model differently
            raise ValueError(f"{weights}: the backup does not fit the model this run's config builds now (was "
                             f"the run started with another phaselab version?); nothing was changed. {exc}") from exc
        variables = _seed_states(model)
        if seeds and len(seeds) != len(variables):
            raise ValueError(f"{self.directory / self.STATE}: {len(seeds)} seed states for a model with {len(variables)}")
        for variable, value in zip(variables, seeds):
            variable.assign(np.asarray(value, dtype=keras.backend.standardize_dtype(variable.dtype)))
        return epoch


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
        several replicas, which would run the batch on every replica and return every
        replica's copy of the predictions.

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
        for audio, target in self.data:  # called, not predict_on_batch: no graph traced per model and batch shape
            probabilities.append(np.asarray(keras.ops.convert_to_numpy(model(audio, training=False)), np.float32))
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
