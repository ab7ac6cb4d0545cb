"""The recipe of a training run: :class:`TrainConfig` (saved as ``config.json``) and :class:`TrainResult`.

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

Notebook: ``04_3d_cnn_training.ipynb``
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phaselab.atomic import write_text
from phaselab.data.augment import AugmentConfig

if TYPE_CHECKING:
    import keras

__all__ = ["TrainConfig", "TrainResult", "SYNTHETIC_RECIPE", "SCHEDULES", "DEFAULT_MODEL"]


DEFAULT_MODEL = "cnn2d-mel"
"""The model of a new run without ``--model``: the shipped keyword model's (chosen on real speech's validation split)."""


SCHEDULES: tuple[str, ...] = ("cosine", "constant")
"""Learning-rate schedules of :class:`TrainConfig`."""


def _optimizer_names() -> set[str]:
    """The lower-case names of Keras's optimizers, as ``keras.optimizers.get`` takes them.

    Looked up, not built: building an optimizer makes a variable, which starts TensorFlow's
    runtime, and a multi-worker strategy must be created before that (so a
    :class:`TrainConfig` is checked without it).
    """
    import keras

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
}
"""The default recipe before real speech (the synthetic-set studies of ``benchmarks/FINDINGS.md``):
``TrainConfig(model, **SYNTHETIC_RECIPE)`` is what ``phaselab train`` did then, so those studies rerun as
they ran (``benchmarks/experiments/keyword_models.py``, ``recipe_selection.py``, ``heldout_voices.py``)."""


@dataclass
class TrainConfig:
    """Everything that defines a training run; saved as ``config.json`` in the run directory.

    ``phaselab train`` has an option for every field (:mod:`phaselab.cli.train` makes them from the
    fields and the descriptions below, so the command line cannot drift from the recipe).

    Attributes
    ----------
    model : str
        A name of :data:`phaselab.nn.registry.MODEL_NAMES`.
    model_kwargs : dict
        Keyword arguments of the model builder (e.g. ``{"width": 0.5}``).
    data : str
        A Speech Commands tree, or a bundled set: ``"real"`` (the default), ``"synthetic"``
        (alias ``"mini"``) or ``"both"``; several, comma-separated, are read as one (``"real,DIR"``:
        the real set and a tree of extra words, :func:`phaselab.data.real.word_tree`)
        (:func:`phaselab.data.speech_commands.resolve_data_root`).
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
        ``"categorical_crossentropy"`` or ``"damped_log_loss"`` (the original study's).
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
        validation split (the scores: ``benchmarks/FINDINGS.md``).
    train_speakers : float, optional
        Train on the clips of this share of the training speakers only
        (:func:`speaker_subset`; learning curves). None: every speaker.
    weight_average : float, optional
        Momentum of an exponential moving average of the trainable weights (Polyak
        averaging; the optimizer's ``use_ema``), updated after every step; 0.99 averages
        over about the last 100 steps. The averaged weights are the ones validated and saved
        (:class:`AveragedWeights`); training goes on with the raw weights. None (the default):
        no averaging: it did not help here (``benchmarks/FINDINGS.md``). Meant to carry over
        better to new domains (Izmailov et al., 2018; Cha et al., 2021).
    mixed_precision : bool
        Train under the ``mixed_float16`` policy.
    jit_compile : bool
        Compile with XLA.
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

    def __post_init__(self) -> None:
        # imported here: the class itself (and so the command line's --help) needs no TensorFlow
        from phaselab.nn.registry import MODEL_NAMES, check_model_kwargs
        from phaselab.training.losses import get_loss

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
        return write_text(Path(path), json.dumps(self.to_dict(), indent=2) + "\n")

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
            values.pop("augment_path", None)  # of older runs: every run now augments in NumPy
            return cls.from_dict(values)
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
