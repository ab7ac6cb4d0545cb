"""Training a keyword model into a run directory that survives being killed.

A *run directory* holds everything about one training run::

    RUN/
        config.json            the TrainConfig (written before epoch 1; a resumed run must match it)
        history.csv            one row per finished epoch (1-based), rewritten atomically
        history.json           the same, as {"epoch": [...], "loss": [...], ...}
        backup/                weights + optimizer state after the last finished epoch
        best.keras             the model of the epoch with the best validation macro F1
        model.keras            the model after the last epoch (written last)
        learning_curves.png    loss, accuracy and macro F1 per epoch
        confusion_matrix.png   validation confusion matrix of the final model

With ``TrainConfig.weight_average`` both ``.keras`` models hold the moving average of the weights,
which is then also what the validation scores of every epoch measure.

Every file is written under a temporary name (``.part-NAME``) and renamed, so a run
killed at any moment leaves no half-written file under a real name (and resuming deletes
the temporaries). ``train(..., resume=True)`` continues a killed run from its
last finished epoch (at most one epoch is lost); without ``resume`` a non-empty run
directory is refused rather than overwritten. (Keras's ``BackupAndRestore`` does the same
job but writes its weights and then its epoch counter in place: a kill between the two,
or during either, leaves a backup it cannot restore or restores to the wrong epoch.
:class:`EpochCheckpoint` writes a new weights file, then names it in ``state.json`` with
one atomic rename.) A resumed run's data stream starts at the epoch it resumes from
(``make_dataset(first_epoch=...)``), so it trains on the batches an uninterrupted run
would have seen.

Hardware options (fields of :class:`TrainConfig`):

``mixed_precision``
    ``keras.mixed_precision.set_global_policy("mixed_float16")`` while the model is built
    (its layers keep the policy; the global one is restored afterwards): float16 compute
    with float32 weights, and dynamic loss scaling (Keras wraps the optimizer in a
    ``LossScaleOptimizer``). Pays off on GPUs with tensor cores (Volta or newer); on a
    CPU it is slower. The saved model keeps the policy.
``jit_compile``
    Compile the training and prediction steps with XLA (``model.compile(jit_compile=True)``).
    Usually faster on GPUs once compiled; the first epoch pays the compilation.
Several devices (``train(..., devices=...)``, ``phaselab train --devices``; :func:`make_strategy`)
    ``"auto"`` (the default): a ``MultiWorkerMirroredStrategy`` if ``TF_CONFIG`` names a
    cluster, else a ``MirroredStrategy`` when more than one GPU is visible, else one device.
    ``"one"``, ``"mirrored"`` (every GPU, or every logical CPU device when there is no GPU)
    and ``"multiworker"`` choose explicitly. Each replica holds a copy of the model and gets
    an equal share of every batch; ``batch_size`` is the *global* batch (e.g. 64 on 2 GPUs =
    32 per GPU) and must split evenly. BatchNormalization takes its statistics over the
    global batch (``synchronized``), so a run on N devices follows the run on one up to
    floating-point rounding (dropout masks, drawn per replica, are the exception), and a
    backup written on one set of devices resumes on another. Validation runs on a
    one-device twin of the model. Restrict the GPUs with ``CUDA_VISIBLE_DEVICES``.
Several machines
    Every machine runs ``phaselab train`` with the same options and ``--worker-hosts
    H0:P,H1:P,... --worker-index I`` (or its own ``TF_CONFIG``). Worker 0, the chief, checks
    and writes the run directory; the others write to a temporary folder, deleted at the
    end. Every worker builds the same seeded stream of global batches and keeps its
    replicas' shares of each (``tf.data`` auto-sharding by ``DATA``), so each worker
    augments every clip of the batch and uses its share only. A killed worker stops the
    job; restarted with ``--resume`` (on any ports), the chief reads its backup and sends the
    weights, optimizer state and epoch to the others, so only the chief's machine needs the
    run directory.
Reproducibility
    ``keras.utils.set_random_seed(seed)`` seeds Python, NumPy and the backend, and the data
    pipeline gets the same seed. On a machine without a visible GPU
    ``tf.config.experimental.enable_op_determinism()`` is switched on as well (for the
    rest of the process), so two runs with the same seed give the same history. It is
    left off on GPUs (deterministic GPU kernels are slower and some ops have none) and
    with ``jit_compile``: Keras refuses XLA while op determinism is on, and falls back
    to no XLA with a warning, e.g. in a process where an earlier run switched it on.
Other Keras backends
    With ``KERAS_BACKEND=jax`` (or ``torch``) the same code trains: the models are written
    in ``keras.ops``, the data come from a :class:`keras.utils.PyDataset` that makes the
    very batches the ``tf.data`` pipeline makes (:mod:`phaselab.data.pipeline`), and
    ``mixed_precision`` / ``jit_compile`` keep their meaning. One device only there
    (``devices="mirrored"``/``"multiworker"`` are refused; Keras's ``keras.distribution`` API
    would be the JAX route to several devices), and no op determinism switch.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import math
import os
import shutil
import tempfile
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from phaselab import atomic
from phaselab.atomic import PART_PREFIX, atomic_path
from phaselab.audio import read_wav
from phaselab.data.augment import AugmentConfig
from phaselab.data.labels import CLASSES
from phaselab.data.pipeline import AUGMENT_PATHS, make_dataset, make_eval_dataset
from phaselab.data.speech_commands import Clip, SpeechCommands, resolve_data_root
from phaselab.metrics import ValidationScores, get_loss, plot_confusion_matrix
from phaselab.models import MODEL_NAMES, build_model, check_model_kwargs

__all__ = [
    "TrainConfig",
    "TrainResult",
    "train",
    "SYNTHETIC_RECIPE",
    "speaker_subset",
    "compile_model",
    "SCHEDULES",
    "load_model",
    "HistoryLog",
    "BestModel",
    "StopOnNonFiniteLoss",
    "NonFiniteLoss",
    "AveragedWeights",
    "EpochCheckpoint",
    "read_history",
    "DEVICES",
    "make_strategy",
    "Cluster",
    "worker_cluster",
    "read_tf_config",
    "check_keras_file",
    "plot_learning_curves",
    "CONFIG_FILE",
    "MODEL_FILE",
    "BEST_FILE",
]

CONFIG_FILE = "config.json"
MODEL_FILE = "model.keras"
BEST_FILE = "best.keras"
BACKUP_DIR = "backup"
HISTORY_CSV = "history.csv"
HISTORY_JSON = "history.json"
CURVES_PNG = "learning_curves.png"
CONFUSION_PNG = "confusion_matrix.png"
SCHEDULES: tuple[str, ...] = ("cosine", "constant")
"""Learning-rate schedules of :class:`TrainConfig`."""
COSINE_FLOOR = 0.05
"""The cosine schedule's final learning rate, as a fraction of the initial one."""
BEST_MONITOR = "val_macro_f1"
"""The log key that picks :data:`BEST_FILE` (larger is better)."""


def _optimizer_names() -> set[str]:
    """The lower-case names of Keras's optimizers, as ``keras.optimizers.get`` takes them.

    Looked up, not built: building an optimizer makes a variable, which starts TensorFlow's
    runtime, and a multi-worker strategy must be created before that (so a
    :class:`TrainConfig` is checked without it).
    """
    wrappers = {"optimizer", "lossscaleoptimizer", "multioptimizer"}  # the base class, and optimizers of optimizers
    return {name.lower() for name, value in vars(keras.optimizers).items()
            if isinstance(value, type) and issubclass(value, keras.optimizers.Optimizer)} - wrappers


def _augment_defaults() -> dict[str, Any]:
    """:class:`AugmentConfig`'s field defaults: what a saved config that lacks a (newer) key meant."""
    return asdict(AugmentConfig())


def _recipe_augment() -> dict[str, Any]:
    """The default recipe's augmentation (:meth:`AugmentConfig.real_speech`)."""
    return asdict(AugmentConfig.real_speech())


SYNTHETIC_RECIPE: dict[str, Any] = {
    "epochs": 40, "learning_rate": 1e-3, "loss": "damped_log_loss", "augment": asdict(AugmentConfig()),
    "augment_path": "numpy",
}
"""The default recipe before real speech (the synthetic-set studies of ``benchmarks/FINDINGS.md``):
``TrainConfig(model, **SYNTHETIC_RECIPE)`` is what ``phaselab train`` did then, so those studies rerun as
they ran (``benchmarks/keyword_models.py``, ``recipe_selection.py``, ``heldout_voices.py``)."""


@dataclass
class TrainConfig:
    """Everything that defines a training run; saved as ``config.json`` in the run directory.

    Attributes
    ----------
    model : str
        A name of :data:`phaselab.models.MODEL_NAMES`.
    model_kwargs : dict
        Keyword arguments of the model builder (e.g. ``{"width": 0.5}``).
    data : str
        A Speech Commands tree, or a bundled set: ``"real"`` (the default), ``"synthetic"``
        (alias ``"mini"``) or ``"both"`` (:func:`phaselab.data.speech_commands.resolve_data_root`).
    epochs : int
        Epochs to train (the default suits the bundled real set's 2,047 training clips; the
        original study ran 10 on the full dataset).
    batch_size : int
        Global batch size (split across GPUs under a MirroredStrategy).
    steps_per_epoch : int, optional
        Batches per epoch; None: one pass's worth, ``ceil(training clips / batch_size)``.
    optimizer : str
        A Keras optimizer name (``"adam"``, ``"adadelta"``, ``"sgd"``, ...). The original
        study used Adadelta with Keras 2's learning rate 1.0.
    learning_rate : float
        The optimizer's (initial) learning rate.
    schedule : str
        ``"cosine"``: the learning rate decays along half a cosine from ``learning_rate`` to
        a twentieth of it over the run's ``epochs * steps_per_epoch`` steps (Loshchilov and
        Hutter's SGDR without restarts); ``"constant"``: it stays at ``learning_rate``. The
        decay follows the optimizer's step counter, which a resumed run restores.
    loss : str
        ``"categorical_crossentropy"`` (the default) or ``"damped_log_loss"`` (the original study's).
    seed : int
        Seeds weights, augmentation and batch order.
    augment : dict
        The fields of :class:`phaselab.data.augment.AugmentConfig` (all of them, so the
        file documents what was done; missing keys take the dataclass's field defaults, which
        is what a config saved before the key existed meant). The default is
        :meth:`~phaselab.data.augment.AugmentConfig.real_speech`.
    unknown_share : float, optional
        Cap on the share of ``unknown`` clips in the training split (None: keep all).
    balanced : bool
        Class-balanced batches (as the original study); False: each class as often as it
        has training clips.
    unknown_weight : float
        Multiplies the share of ``unknown`` in each batch
        (:func:`phaselab.data.pipeline.class_weights`). ``unknown`` stands for 20 different
        words and makes up two thirds of the evaluation clips; with plain balanced batches
        (1.0) each of its words is seen 20 times less often than a command and other words
        are taken for commands. The default, 4.0, was chosen on the bundled set's
        validation split (``phaselab train --unknown-weight W --out RUN`` then
        ``phaselab evaluate RUN/best.keras --split validation``): macro F1 0.77 with 1.0,
        0.92 with 4.0 (``cnn3d-small`` at half its present width, seed 0, 40 epochs; on the
        held-out voices 0.75 and 0.76). Most of today's ``cnn3d-small``'s held-out errors are
        commands taken for ``unknown``, but 2.0 did not mend that: held-out macro F1 0.857
        and 0.885 against 0.886 and 0.877 (seeds 0 and 1, ``benchmarks/keyword_models.py
        --unknown-weight 2``): over both seeds, commands taken for ``unknown`` went from 9 to
        8 and other words taken for commands from 5 to 8.
    train_speakers : float, optional
        Train on the clips of this share of the training speakers only
        (:func:`speaker_subset`; learning curves). None: every speaker.
    weight_average : float, optional
        Momentum of an exponential moving average of the trainable weights (Polyak
        averaging; the optimizer's ``use_ema``), updated after every step; e.g. 0.99 averages
        over about the last 100 steps (four epochs of the bundled set). The averaged weights
        are the ones validated after each epoch and saved as ``best.keras`` and
        ``model.keras`` (:class:`AveragedWeights`); training goes on with the raw weights.
        None (the default): no averaging. Averaging is meant to land in a flatter region of
        the loss surface that carries over better to new domains (Izmailov et al., 2018;
        Cha et al., 2021), but 0.99 did not help ``cnn3d-small`` on unheard voices: macro F1
        0.970 against 0.979 on a voice left out of training
        (``python benchmarks/recipe_selection.py --recipes weight-average``), 0.879 against
        0.881 on the held-out voices (2 seeds each).
    mixed_precision : bool
        Train under the ``mixed_float16`` policy.
    jit_compile : bool
        Compile with XLA.
    augment_path : str
        How the training batches are augmented (``make_dataset(augment_path=...)``):
        ``"graph"`` (TensorFlow ops on whole batches), ``"numpy"`` (the NumPy reference, clip
        by clip) or ``"auto"`` (the default: ``"graph"`` under TensorFlow for an augmentation
        that pitch-shifts, warps formants or reverberates, so not for the default recipe's
        :meth:`~phaselab.data.augment.AugmentConfig.real_speech`;
        :func:`phaselab.data.pipeline.resolve_augment_path`). A saved config
        without the key meant ``"numpy"`` (:meth:`load`), so an older run resumes on its
        own batches.
    """

    model: str
    model_kwargs: dict[str, Any] = field(default_factory=dict)
    data: str = "real"
    epochs: int = 30
    batch_size: int = 32
    steps_per_epoch: int | None = None
    optimizer: str = "adam"
    learning_rate: float = 2e-3
    schedule: str = "cosine"
    loss: str = "categorical_crossentropy"
    seed: int = 0
    augment: dict[str, Any] = field(default_factory=_recipe_augment)
    unknown_share: float | None = None
    balanced: bool = True
    unknown_weight: float = 4.0
    weight_average: float | None = None
    train_speakers: float | None = None
    mixed_precision: bool = False
    jit_compile: bool = False
    augment_path: str = "auto"

    def __post_init__(self) -> None:
        if self.model not in MODEL_NAMES:
            raise ValueError(f"unknown model {self.model!r}; choose one of {', '.join(MODEL_NAMES)}")
        if not isinstance(self.model_kwargs, dict):
            raise ValueError(f"model_kwargs must be a dict of builder arguments, got {self.model_kwargs!r}")
        if "n_classes" in self.model_kwargs:
            raise ValueError("model_kwargs cannot set n_classes: the model has one output per class of the task")
        check_model_kwargs(self.model, {"n_classes": None, **self.model_kwargs})
        get_loss(self.loss)
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; choose one of {', '.join(SCHEDULES)}")
        for name in ("epochs", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.steps_per_epoch is not None and self.steps_per_epoch < 1:
            raise ValueError(f"steps_per_epoch must be at least 1 (or None), got {self.steps_per_epoch}")
        if not isinstance(self.optimizer, str) or self.optimizer.lower() not in _optimizer_names():
            raise ValueError(f"unknown Keras optimizer {self.optimizer!r} (e.g. adam, adadelta, sgd, rmsprop)")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")
        if self.train_speakers is not None and not 0 < self.train_speakers <= 1:
            raise ValueError(f"train_speakers must be in (0, 1] (or None), got {self.train_speakers}")
        if self.weight_average is not None and not 0 < self.weight_average < 1:
            raise ValueError(f"weight_average must be between 0 and 1 (or None), got {self.weight_average}")
        unknown = set(self.augment) - set(_augment_defaults())
        if unknown:
            raise ValueError(f"unknown augment settings: {', '.join(sorted(unknown))}")
        self.augment = json.loads(json.dumps({**_augment_defaults(), **self.augment}))  # ranges as lists, as in JSON
        self.augment_config()  # validates the values
        if self.augment_path not in AUGMENT_PATHS:
            raise ValueError(f"augment_path must be one of {', '.join(AUGMENT_PATHS)}, got {self.augment_path!r}")

    def augment_config(self) -> AugmentConfig:
        """The :class:`AugmentConfig` of :attr:`augment` (JSON lists turned back into tuples)."""
        values = {key: tuple(value) if isinstance(value, list) else value for key, value in self.augment.items()}
        return AugmentConfig(**values)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (ranges as lists)."""
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Inverse of :meth:`to_dict`; unknown keys are an error that names them."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown TrainConfig fields: {', '.join(sorted(unknown))}")
        if "model" not in values:
            raise ValueError("a TrainConfig needs a 'model'")
        return cls(**values)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the config as JSON (atomically)."""
        return _write_text(Path(path), json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike) -> TrainConfig:
        """Read a config written by :meth:`save`; errors name the file."""
        path = Path(path)
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: cannot read a training config ({exc})") from exc
        if not isinstance(values, dict):
            raise ValueError(f"{path}: expected a JSON object, got {type(values).__name__}")
        try:
            return cls.from_dict({"augment_path": "numpy", **values})  # saved before the key: the NumPy path
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: {exc}") from exc

    def differences(self, other: TrainConfig) -> list[str]:
        """The fields whose values differ from ``other``'s, as ``name: mine != theirs``."""
        mine, theirs = self.to_dict(), other.to_dict()
        return [f"{key}: {mine[key]!r} != {theirs[key]!r}" for key in mine if mine[key] != theirs[key]]


@dataclass
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    model : keras.Model or None
        The model after the last epoch (also saved as ``run_dir / "model.keras"``); None on
        a multi-worker job's other workers when the run had already finished.
    history : dict
        ``{"epoch": [1, 2, ...], "loss": [...], "val_macro_f1": [...], ...}``, every epoch
        of the run once, resumed parts included.
    run_dir : Path
    """

    model: keras.Model | None
    history: dict[str, list]
    run_dir: Path


TEMPORARY_PREFIX = PART_PREFIX
"""Files are written as ``.part-NAME`` and renamed to ``NAME`` (the suffix stays, as Keras wants):
the scheme of :mod:`phaselab.atomic`."""


def _remove_temporaries(run_dir: Path) -> None:
    """Delete the half-written files a killed run may have left in the run directory and its backup."""
    for folder in (run_dir, run_dir / BACKUP_DIR):
        for path in folder.glob(TEMPORARY_PREFIX + "*"):
            path.unlink()


def _write_text(path: Path, text: str) -> Path:
    """Write ``text`` to a temporary file next to ``path`` and rename it over ``path``."""
    return atomic.write_text(path, text)


def _save_model(model: keras.Model, path: Path) -> Path:
    """``model.save`` to a temporary name, then rename; BatchNormalization saved unsynchronized.

    (Synchronized statistics are a training setting of several replicas, which
    :func:`compile_model` switches on; a saved model is for one device, on any backend.)
    """
    layers = _batch_norms(model)
    old = _set_synchronized(model, False)
    try:
        with atomic_path(path) as tmp:
            model.save(tmp)
    finally:
        for layer, value in zip(layers, old):
            layer.synchronized = value
    return path


def _savefig(figure: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    try:
        with atomic_path(path) as tmp:
            figure.savefig(tmp, dpi=120, format="png")
    finally:
        plt.close(figure)


def read_history(run_dir: str | os.PathLike) -> dict[str, list]:
    """The ``history.json`` of a run directory (empty dict if there is none yet)."""
    path = Path(run_dir) / HISTORY_JSON
    if not path.exists():
        return {}
    try:
        history = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the training history ({exc})") from exc
    if not isinstance(history, dict) or not all(isinstance(v, list) for v in history.values()):
        raise ValueError(f"{path}: not a training history (expected an object of lists, one entry per epoch)")
    epochs = history.get("epoch")
    if history and (epochs is None or any(len(v) != len(epochs) for v in history.values())
                    or epochs != list(range(1, len(epochs) + 1))):
        raise ValueError(f"{path}: not a training history (expected \"epoch\": [1, 2, ...] and lists as long)")
    return history


def check_keras_file(path: str | os.PathLike) -> Path:
    """Check that ``path`` is a complete ``.keras`` archive (a zip holding ``config.json``, every CRC right).

    Raises
    ------
    ValueError
        Naming the file and what is wrong with it (truncated, damaged, not a Keras model).
    """
    path = Path(path)
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not a complete .keras model file (not a zip archive: truncated or damaged?)")
    try:
        with zipfile.ZipFile(path) as archive:
            if "config.json" not in archive.namelist():
                raise ValueError(f"{path}: not a Keras model file (the archive holds no config.json)")
            broken = archive.testzip()
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(f"{path}: damaged .keras model file ({exc})") from exc
    if broken is not None:
        raise ValueError(f"{path}: damaged .keras model file ({broken} fails its checksum)")
    return path


def _json_number(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


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
        row = {"epoch": epoch + 1, **{key: _json_number(value) for key, value in (logs or {}).items()},
               "seconds": round(time.perf_counter() - self._started, 3)}
        self.rows = [r for r in self.rows if r["epoch"] < epoch + 1] + [row]
        keys = list(dict.fromkeys(key for r in self.rows for key in r))
        history = {key: [r.get(key) for r in self.rows] for key in keys}
        _write_text(self.run_dir / HISTORY_JSON, json.dumps(history, indent=1) + "\n")
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        _write_text(self.run_dir / HISTORY_CSV, buffer.getvalue())


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
        _write_text(self.directory / self.STATE, json.dumps(state) + "\n")
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


def load_model(path: str | os.PathLike, compile: bool = False) -> keras.Model:
    """Load a ``.keras`` model, or the ``model.keras`` of a run directory.

    phaselab's layers and loss are registered when this module imports them, so no
    ``custom_objects`` are needed.

    Raises
    ------
    ValueError
        If there is no such model, naming the path.
    """
    path = Path(path)
    if path.is_dir():
        if not (path / MODEL_FILE).is_file():
            raise ValueError(f"{path}: no {MODEL_FILE} in this run directory (has the run finished?)")
        path = path / MODEL_FILE
    if not path.is_file():
        raise ValueError(f"{path}: no such model file")
    if path.suffix != ".keras":
        raise ValueError(f"{path}: expected a .keras model file or a run directory")
    check_keras_file(path)
    try:
        return keras.saving.load_model(path, compile=compile)
    except (ValueError, OSError, KeyError, TypeError) as exc:
        first_line = (str(exc).splitlines() or [""])[0]
        raise ValueError(f"{path}: cannot load the model ({type(exc).__name__}: {first_line})") from exc


def _check_run_dir(config: TrainConfig, run_dir: Path, resume: bool) -> bool:
    """Refuse to clobber; on resume check the saved config matches. True if the run exists."""
    config_path = run_dir / CONFIG_FILE
    if run_dir.exists() and not run_dir.is_dir():
        raise ValueError(f"{run_dir}: exists and is not a directory")
    if not run_dir.exists():  # checked now, not after the data are loaded
        above = next(p for p in run_dir.absolute().parents if p.exists())
        if not above.is_dir():
            raise ValueError(f"{run_dir}: cannot create the run directory, {above} is a file, not a directory")
        if not os.access(above, os.W_OK):
            raise ValueError(f"{run_dir}: cannot create the run directory, {above} is not writable")
    occupied = run_dir.exists() and any(run_dir.iterdir())
    if occupied and not resume:
        raise ValueError(f"{run_dir}: the run directory exists and is not empty; pass --resume to continue that run, "
                         "or choose a new output directory")
    if occupied:
        if not config_path.is_file():
            raise ValueError(f"{run_dir}: not a run directory (no {CONFIG_FILE}); refusing to write into it")
        saved = TrainConfig.load(config_path)
        different = saved.differences(config)
        if different:
            raise ValueError(f"{run_dir}: cannot resume with a different config ({'; '.join(different)}); "
                             "give the saved settings, or train the new ones into another directory")
        _remove_temporaries(run_dir)
        _check_resumable(run_dir)
    return occupied


def _check_resumable(run_dir: Path) -> None:
    """Check the files a resumed run reads or keeps: the history, the models, the backup's weights.

    Raises
    ------
    ValueError
        Naming the first broken file and what is wrong with it.
    """
    read_history(run_dir)
    for name in (BEST_FILE, MODEL_FILE):
        if (run_dir / name).exists():
            check_keras_file(run_dir / name)
    _, weights, _ = EpochCheckpoint(run_dir / BACKUP_DIR)._state()
    if weights is not None:
        import h5py

        try:
            with h5py.File(weights, "r"):
                pass
        except OSError as exc:
            raise ValueError(f"{weights}: the training backup is damaged or missing ({exc}); this run cannot "
                             "resume from it, train into a new directory") from exc


DEVICES: tuple[str, ...] = ("auto", "one", "mirrored", "multiworker")
"""The ``devices`` choices of :func:`train` and :func:`make_strategy`."""


@dataclass(frozen=True)
class Cluster:
    """The workers of a multi-worker job, as ``TF_CONFIG`` gives them.

    Attributes
    ----------
    workers : tuple of str
        ``host:port`` of every worker, worker 0 (the chief) first.
    index : int
        This process's place in ``workers``.
    """

    workers: tuple[str, ...]
    index: int

    @property
    def chief(self) -> bool:
        """Worker 0 writes the run directory; the others write theirs to a temporary folder."""
        return self.index == 0

    def tf_config(self) -> str:
        """The ``TF_CONFIG`` JSON of this worker."""
        return json.dumps({"cluster": {"worker": list(self.workers)}, "task": {"type": "worker", "index": self.index}})


def _host_port(text: str) -> tuple[str, int]:
    """``host:port`` split and checked (a one-line ValueError naming it otherwise)."""
    host, colon, port = str(text).rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} is not a worker address of the form host:port (port 1-65535)")
    return host, int(port)


def worker_cluster(workers: list[str] | tuple[str, ...], index: int) -> Cluster:
    """A :class:`Cluster` from worker addresses and this worker's index, checked.

    Raises
    ------
    ValueError
        An address that is not ``host:port``, the same address twice, fewer than two
        workers, or an index out of range.
    """
    workers = tuple(str(worker).strip() for worker in workers)
    for worker in workers:
        _host_port(worker)
    if len(set(workers)) != len(workers):
        raise ValueError(f"the worker addresses must differ, got {', '.join(workers)}")
    if len(workers) < 2:
        raise ValueError(f"a multi-worker job needs at least two workers, got {len(workers)}")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(workers):
        raise ValueError(f"worker index {index!r} is out of range: {len(workers)} workers, indices 0 to {len(workers) - 1}")
    return Cluster(workers, index)


def read_tf_config(text: str | None = None) -> Cluster | None:
    """The :class:`Cluster` of ``TF_CONFIG`` (``$TF_CONFIG`` if ``text`` is None); None if unset or empty.

    Only clusters of ``worker`` tasks are read (worker 0 is the chief), the form
    ``phaselab train --worker-hosts`` writes:
    ``{"cluster": {"worker": ["host:port", ...]}, "task": {"type": "worker", "index": i}}``.

    Raises
    ------
    ValueError
        One line saying what is wrong with it (not JSON, no worker list, another task type,
        an index out of range, a bad address).
    """
    text = os.environ.get("TF_CONFIG", "") if text is None else text
    if not text.strip():
        return None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"TF_CONFIG is not valid JSON ({exc})") from None
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict):
        raise ValueError('TF_CONFIG needs a "cluster" object, e.g. {"cluster": {"worker": ["host:port", ...]}, '
                         '"task": {"type": "worker", "index": 0}}')
    others = set(config["cluster"]) - {"worker"}
    if others:
        raise ValueError(f"TF_CONFIG: only \"worker\" tasks are supported (worker 0 is the chief), got {', '.join(sorted(others))}")
    workers = config["cluster"].get("worker")
    if not isinstance(workers, list) or not all(isinstance(w, str) for w in workers):
        raise ValueError('TF_CONFIG: cluster.worker must be a list of "host:port" strings')
    task = config.get("task")
    if not isinstance(task, dict) or task.get("type") != "worker" or "index" not in task:
        raise ValueError('TF_CONFIG needs "task": {"type": "worker", "index": I}, this process\'s place in cluster.worker')
    return worker_cluster(workers, task["index"])


def _check_port_free(address: str) -> None:
    """Refuse early, in one line, a local worker address whose port another process holds."""
    import socket

    host, port = _host_port(address)
    try:
        local = {"localhost", socket.gethostname(), socket.getfqdn()}
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except OSError:
        return  # an unknown host: TensorFlow says so
    if host not in local and not any(a.startswith("127.") or a == "::1" for a in addresses):
        return  # another machine's address: only that machine can tell
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as TensorFlow's server: a closed port is free
        try:
            probe.bind(("", port))
        except OSError:
            raise ValueError(f"worker address {address}: port {port} is in use on this machine "
                             "(another worker or program holds it); choose another port") from None


def make_strategy(devices: str = "auto") -> Any:
    """The ``tf.distribute`` strategy that trains on ``devices``; None under another Keras backend.

    Parameters
    ----------
    devices : str
        ``"auto"``: ``"multiworker"`` if ``TF_CONFIG`` names a cluster, else
        ``"mirrored"`` if TensorFlow sees several GPUs, else ``"one"``.
        ``"one"``: the default strategy (one device). ``"mirrored"``: a
        ``MirroredStrategy`` over every GPU, or over every logical CPU device if there is no
        GPU. ``"multiworker"``: a ``MultiWorkerMirroredStrategy`` over the workers of
        ``TF_CONFIG`` (:func:`read_tf_config`), each with its GPUs (or its CPU).

    Returns
    -------
    tf.distribute.Strategy or None
        Create it before any other TensorFlow work of the process (a multi-worker strategy
        refuses to start later).

    Raises
    ------
    ValueError
        An unknown choice; ``"mirrored"``/``"multiworker"`` under another backend;
        ``"multiworker"`` without a usable ``TF_CONFIG``; a local port in use.
    """
    if devices not in DEVICES:
        raise ValueError(f"unknown devices {devices!r}; choose one of {', '.join(DEVICES)}")
    if keras.backend.backend() != "tensorflow":
        if devices in ("mirrored", "multiworker"):
            raise ValueError(f"devices={devices!r} needs the TensorFlow backend (KERAS_BACKEND=tensorflow); under "
                             f"{keras.backend.backend()} phaselab trains on one device")
        return None
    import tensorflow as tf

    cluster = read_tf_config() if devices in ("auto", "multiworker") else None
    if devices == "multiworker" and cluster is None:
        raise ValueError("devices='multiworker' needs TF_CONFIG (or phaselab train --worker-hosts H:P,H:P --worker-index I)")
    if cluster is not None:
        _check_port_free(cluster.workers[cluster.index])
        try:
            return tf.distribute.MultiWorkerMirroredStrategy()
        except RuntimeError as exc:  # "Collective ops must be configured at program startup"
            raise ValueError("a multi-worker strategy must be created before any other TensorFlow work in the "
                             f"process (call train(devices='multiworker') first, in a fresh process): {exc}") from None
    gpus = tf.config.list_logical_devices("GPU")
    if devices == "mirrored":
        return tf.distribute.MirroredStrategy([d.name for d in gpus or tf.config.list_logical_devices("CPU")])
    if devices == "auto" and len(gpus) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def _replicas(strategy: Any) -> int:
    return 1 if strategy is None else int(strategy.num_replicas_in_sync)


def _worker(strategy: Any) -> tuple[int, int]:
    """(this worker's index, workers) of a strategy; (0, 1) for a one-machine strategy."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return 0, 1
    return int(resolver.task_id), len(resolver.cluster_spec().as_dict().get("worker", []))


def _from_chief(strategy: Any, values: list[np.ndarray]) -> list[np.ndarray]:
    """``values`` as the chief (the holder of replica 0) has them, on every worker of ``strategy``.

    A sum all-reduce to which only replica 0 contributes (the others add zeros): a broadcast
    over the strategy's collectives, with no file shared between the machines.
    """
    if _worker(strategy)[1] == 1:
        return values
    import tensorflow as tf

    def send() -> list[Any]:
        context = tf.distribute.get_replica_context()
        first = tf.equal(context.replica_id_in_sync_group, 0)
        return [context.all_reduce(tf.distribute.ReduceOp.SUM, tf.where(first, tf.constant(v), tf.zeros_like(v)))
                for v in values]

    received = strategy.run(send)
    return [np.asarray(strategy.experimental_local_results(r)[0]) for r in received]


def _share_state(strategy: Any, source: keras.Model, model: keras.Model) -> None:
    """Give every worker's ``model`` the chief's ``source`` state: weights, optimizer state, seed states.

    ``source`` is a one-device twin of ``model`` (same variables, same order) into which the
    chief restored its backup; every worker calls this, in the same order of collectives.
    """
    def state(m: keras.Model) -> list[keras.Variable]:
        return [*m.trainable_variables, *m.non_trainable_variables, *m.optimizer.variables]

    targets, values = state(model), [keras.ops.convert_to_numpy(v) for v in state(source)]
    if len(targets) != len(values):
        raise ValueError(f"cannot share the restored state: {len(values)} variables for a model with {len(targets)}")
    wide = [v.astype(np.int64 if np.issubdtype(v.dtype, np.integer) else np.float64) for v in values]
    for variable, value, old in zip(targets, _from_chief(strategy, wide), values):
        variable.assign(value.astype(old.dtype))


def speaker_subset(clips: list[Clip], share: float, seed: int = 0) -> list[Clip]:
    """The clips of a random ``share`` of the speakers (for learning curves), order kept.

    Whole speakers are kept or dropped, so a smaller training set has fewer voices, as a
    smaller dataset would. The draw is fixed by ``seed``; a larger share keeps every speaker
    a smaller one kept (the speakers are ranked once by a seeded permutation).

    Examples
    --------
    >>> from pathlib import Path
    >>> clips = [Clip(Path(f"{s}.wav"), "yes", "yes", s) for s in "abcd"]
    >>> len(speaker_subset(clips, 0.5))
    2
    """
    if not 0.0 < share <= 1.0:
        raise ValueError(f"train_speakers must be in (0, 1], got {share}")
    speakers = sorted({clip.speaker for clip in clips})
    ranked = [speakers[i] for i in np.random.default_rng(seed).permutation(len(speakers))]
    kept = set(ranked[: max(1, round(share * len(speakers)))])
    return [clip for clip in clips if clip.speaker in kept]


def _splits(config: TrainConfig) -> tuple[list[Clip], list[Clip], list[np.ndarray]]:
    """Training clips, validation clips and background noises of the config's data (checked)."""
    tree = SpeechCommands(resolve_data_root(config.data))
    train_clips = tree.clips("train", unknown_share=config.unknown_share, rng=config.seed)
    if config.train_speakers is not None:
        train_clips = speaker_subset(train_clips, config.train_speakers, config.seed)
    validation_clips = tree.clips("validation")
    if not train_clips or not validation_clips:
        raise ValueError(f"{tree.root}: the training and validation splits must both hold clips "
                         f"(got {len(train_clips)} and {len(validation_clips)})")
    return train_clips, validation_clips, [read_wav(path) for path in tree.background_noise_files()]


def _datasets(
    config: TrainConfig,
    train_clips: list[Clip],
    validation_clips: list[Clip],
    noises: list[np.ndarray],
    first_epoch: int = 0,
) -> tuple[Any, Any, int]:
    """Training (from ``first_epoch`` on) and validation datasets, and the steps per epoch."""
    augment = config.augment_config()
    steps = config.steps_per_epoch or math.ceil(len(train_clips) / config.batch_size)
    train_data = make_dataset(
        train_clips, CLASSES, config.batch_size, augment=augment, noises=noises, seed=config.seed,
        balanced=config.balanced, unknown_weight=config.unknown_weight, batches_per_epoch=steps,
        first_epoch=first_epoch, augment_path=config.augment_path,
    )
    validation_data = make_eval_dataset(
        validation_clips, CLASSES, config.batch_size, length=augment.length, damping=augment.damping
    )
    return train_data, validation_data, steps


def _learning_rate(config: TrainConfig, steps_per_epoch: int) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """The config's learning rate, or its schedule over ``epochs * steps_per_epoch`` steps."""
    if config.schedule == "constant":
        return config.learning_rate
    return keras.optimizers.schedules.CosineDecay(
        config.learning_rate, decay_steps=config.epochs * steps_per_epoch, alpha=COSINE_FLOOR
    )



def compile_model(config: TrainConfig, steps_per_epoch: int = 1, strategy: Any = None) -> keras.Model:
    """Build and compile ``config``'s model: precision policy, distribution strategy, XLA.

    The model is built under the ``mixed_float16`` policy if ``config.mixed_precision``
    (the global policy is restored afterwards; the layers keep theirs), and in the scope of
    ``strategy`` (None: a ``MirroredStrategy`` when several GPUs are visible, as
    ``make_strategy("auto")`` without ``TF_CONFIG``). Under a strategy of several replicas
    every ``BatchNormalization`` layer takes its statistics over the global batch
    (``synchronized``), so a global batch of B on N devices trains as a batch of B on one
    (:func:`_save_model` saves them unsynchronized: a saved model loads on any backend).
    It is compiled with the config's optimizer, learning rate (scheduled over
    ``config.epochs * steps_per_epoch`` steps) and loss, the ``accuracy`` metric and
    ``jit_compile``; with ``config.weight_average`` the optimizer keeps a moving average of
    the weights (``use_ema``).

    Returns
    -------
    keras.Model
        Compiled; with mixed precision its optimizer is a ``LossScaleOptimizer``.
    """
    if strategy is None and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        strategy = make_strategy("mirrored" if len(tf.config.list_logical_devices("GPU")) > 1 else "one")
    previous_policy = keras.mixed_precision.global_policy()
    if config.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        with strategy.scope() if strategy is not None else contextlib.nullcontext():
            model = build_model(config.model, n_classes=len(CLASSES), **config.model_kwargs)
            if _replicas(strategy) > 1:
                _set_synchronized(model, True)
            options: dict[str, Any] = {"learning_rate": _learning_rate(config, steps_per_epoch)}
            if config.weight_average is not None:
                options.update(use_ema=True, ema_momentum=config.weight_average)
            optimizer = keras.optimizers.get({"class_name": config.optimizer, "config": options})
            model.compile(optimizer=optimizer, loss=get_loss(config.loss), metrics=["accuracy"],
                          jit_compile=config.jit_compile)
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    return model


def _batch_norms(model: keras.Model) -> list[keras.layers.BatchNormalization]:
    return [layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]


def _set_synchronized(model: keras.Model, synchronized: bool) -> list[bool]:
    """Set ``synchronized`` of every BatchNormalization layer; returns the old values, in order."""
    layers = _batch_norms(model)
    old = [layer.synchronized for layer in layers]
    for layer in layers:
        layer.synchronized = synchronized
    return old


def _seed(seed: int, jit_compile: bool) -> None:
    """Seed everything; switch on op determinism on CPU-only machines unless XLA is wanted."""
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    if not jit_compile and not tf.config.list_physical_devices("GPU"):
        tf.config.experimental.enable_op_determinism()


def _shard_by_data(dataset: Any) -> Any:
    """A ``tf.data`` training set that a multi-worker strategy shards by its elements (``AutoShardPolicy.DATA``).

    :func:`make_dataset` generates its stream from a seed (no files to share out), so every
    worker builds the same stream of global batches; the strategy splits each global batch
    into one share per replica, and each worker keeps its replicas' shares of every batch.
    Other datasets (another backend's ``PyDataset``) are returned unchanged.
    """
    if keras.backend.backend() != "tensorflow":
        return dataset
    import tensorflow as tf

    if not isinstance(dataset, tf.data.Dataset):
        return dataset
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def _build_for_multiworker(model: keras.Model, strategy: Any, spec: Any) -> None:
    """Build the model's training state from the data's ``element_spec`` before ``fit``, under a multi-worker strategy.

    Keras 3's ``fit`` builds it from the first distributed batch with
    ``strategy.reduce("MEAN", batch)``, which ``MultiWorkerMirroredStrategy`` cannot do for a
    nested batch ("Attempt to convert a value (PerReplica...) to a Tensor";
    keras-team/keras#20585). Built here from the shapes (the optimizer's variables
    included), ``fit`` has nothing left to build, and its own attempt is switched off.
    """
    import tensorflow as tf

    model._symbolic_build(data_batch=spec)
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
    step = model.train_step

    def train_step(data: Any) -> Any:
        return tf.nest.map_structure(lambda value: tf.reshape(value, [1]), step(data))

    model.train_step = train_step


TRAIN = 0
FINISHED = 1
REFUSED = 2


def train(
    config: TrainConfig,
    run_dir: str | os.PathLike,
    resume: bool = False,
    verbose: int = 1,
    devices: str = "auto",
) -> TrainResult:
    """Train ``config``'s model into ``run_dir`` (see the module docstring for its files).

    Parameters
    ----------
    config : TrainConfig
    run_dir : path-like
        Must not exist or be empty, unless ``resume``.
    resume : bool
        Continue the run in ``run_dir`` from its last finished epoch. Its ``config.json``
        must equal ``config``. A finished run (``model.keras`` present) is loaded and
        returned without training. An empty or missing directory starts a new run.
    verbose : int
        0 silent; 1 Keras's progress bar; 2 one line per epoch (the validation scores,
        per-class F1 included, are in the line that ends each epoch).
    devices : str
        Where to train (:func:`make_strategy`): ``"auto"``, ``"one"``, ``"mirrored"`` or
        ``"multiworker"``. Not part of the config: a run trains to the same result on any
        of them (up to floating-point rounding) and resumes on another. Under
        ``"multiworker"`` every worker calls ``train`` with the same config; worker 0 (the
        chief) checks and writes ``run_dir`` and the others write theirs to a temporary
        folder that is deleted at the end. On resume the chief reads the backup and sends
        its state to the other workers, so ``run_dir`` need only exist on the chief's machine.

    Returns
    -------
    TrainResult
        On a worker other than the chief, ``history`` is that of this call's epochs only,
        and ``model`` is None if the run had already finished.

    Raises
    ------
    ValueError
        Non-empty ``run_dir`` without ``resume``; a resume with a different config; bad data;
        a ``batch_size`` that does not split evenly over the replicas; a bad ``TF_CONFIG``.
    """
    run_dir = Path(run_dir)
    strategy = make_strategy(devices)  # first: a multi-worker strategy must start before other TensorFlow work
    replicas = _replicas(strategy)
    if config.batch_size % replicas:
        raise ValueError(f"batch_size {config.batch_size} does not split evenly over {replicas} replicas; "
                         f"choose a multiple of {replicas}")
    index, workers = _worker(strategy)
    chief = index == 0
    status, first_epoch, exists, refusal = TRAIN, 0, False, None
    if chief:
        try:
            exists = _check_run_dir(config, run_dir, resume)
            status = FINISHED if (run_dir / MODEL_FILE).is_file() else TRAIN
            first_epoch = EpochCheckpoint(run_dir / BACKUP_DIR).finished_epochs()
        except ValueError as exc:
            if workers == 1:
                raise
            status, refusal = REFUSED, exc
    if workers > 1:  # the other workers do as the chief found
        status, first_epoch = (int(v) for v in _from_chief(strategy, [np.int64(status), np.int64(first_epoch)]))
    if status == REFUSED:
        if refusal is not None:
            raise refusal
        raise ValueError(f"worker {index}: the chief (worker 0) refused {run_dir}; its output says why")
    if status == FINISHED:
        if verbose:
            print(f"{run_dir}: the run has finished all {config.epochs} epochs; nothing to do")
        if chief:
            return TrainResult(load_model(run_dir / MODEL_FILE), read_history(run_dir), run_dir)
        return TrainResult(None, {}, run_dir)

    out = run_dir if chief else Path(tempfile.mkdtemp(prefix=f"phaselab-worker{index}-"))
    try:
        return _fit(config, run_dir, out, strategy, exists, first_epoch, verbose)
    finally:
        if not chief:
            shutil.rmtree(out, ignore_errors=True)


def _fit(
    config: TrainConfig, run_dir: Path, out: Path, strategy: Any, exists: bool, first_epoch: int, verbose: int
) -> TrainResult:
    """The training of :func:`train`, writing into ``out`` (``run_dir`` on the chief, a temporary folder elsewhere).

    Every worker runs the same callbacks: under a multi-worker strategy an assignment to a
    variable (the restore, :class:`AveragedWeights`'s swaps) is a collective that all of them
    must join, in the same order.
    """
    chief = out == run_dir
    splits = _splits(config)
    _seed(config.seed, config.jit_compile)
    checkpoint = EpochCheckpoint(out / BACKUP_DIR)
    train_data, validation_data, steps = _datasets(config, *splits, first_epoch=first_epoch)
    model = compile_model(config, steps, strategy)
    twin = compile_model(config, steps, make_strategy("one")) if _replicas(strategy) > 1 else None
    if chief and not exists:  # written once the data and the model are known to work
        run_dir.mkdir(parents=True, exist_ok=True)
        config.save(run_dir / CONFIG_FILE)
    past = read_history(out).get(BEST_MONITOR, [])
    best = max((v for v in past if v is not None), default=-math.inf)
    scores = ValidationScores(validation_data, CLASSES, loss=get_loss(config.loss), twin=twin)
    if _worker(strategy)[1] > 1:
        with strategy.scope():  # every worker makes the same variables, in the same order
            _build_for_multiworker(model, strategy, train_data.element_spec)
        if first_epoch:  # the chief restores into the twin (no collectives there), then every worker takes its state
            if chief:
                checkpoint.restore(twin)
            else:
                twin.optimizer.build(twin.trainable_variables)
            _share_state(strategy, twin, model)
        initial_epoch = first_epoch
    else:
        with strategy.scope() if strategy is not None else contextlib.nullcontext():  # the optimizer's variables
            initial_epoch = checkpoint.restore(model)
    callbacks = [scores, HistoryLog(out), BestModel(out / BEST_FILE, BEST_MONITOR, best)]
    if config.weight_average is not None:
        callbacks = [AveragedWeights(callbacks)]
    callbacks = [StopOnNonFiniteLoss(str(run_dir)), *callbacks, checkpoint]
    fitted = model.fit(_shard_by_data(train_data), epochs=config.epochs, initial_epoch=initial_epoch,
                       steps_per_epoch=steps, callbacks=callbacks, shuffle=False, verbose=verbose)
    if not chief:  # this call's epochs (its temporary history.json starts where the job resumed)
        return TrainResult(model, {"epoch": [e + 1 for e in fitted.epoch], **fitted.history}, run_dir)
    history = read_history(out)
    final = scores.last_scores or scores.score()
    _savefig(plot_learning_curves(history, title=f"{config.model} ({run_dir.name})"), run_dir / CURVES_PNG)
    _savefig(plot_confusion_matrix(final["confusion"], CLASSES, title="validation, final model"), run_dir / CONFUSION_PNG)
    _save_model(model, run_dir / MODEL_FILE)
    shutil.rmtree(run_dir / BACKUP_DIR, ignore_errors=True)
    return TrainResult(model, history, run_dir)
