"""The one training loop: a keyword model trained into a run directory that survives being killed.

:func:`train` builds the data (:mod:`phaselab.data.pipeline`), the model (:mod:`phaselab.nn`), the
strategy (:mod:`phaselab.training.distributed`) and the callbacks (:mod:`phaselab.training.callbacks`),
and fits. The run directory's files and why they are written the way they are:
:mod:`phaselab.training.rundir`; the recipe's fields: :class:`phaselab.training.config.TrainConfig`.

``train(..., resume=True)`` continues a killed run from its last finished epoch (at most one epoch is
lost); without ``resume`` a non-empty run directory is refused rather than overwritten. A resumed run's
data stream starts at the epoch it resumes from (``make_dataset(first_epoch=...)``), so it trains on the
batches an uninterrupted run would have seen.

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

Notebook: ``04_3d_cnn_training.ipynb``
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from phaselab.data.labels import CLASSES
from phaselab.data.pipeline import make_array_dataset, make_dataset, make_eval_dataset
from phaselab.data.speech_commands import Clip, SpeechCommands, resolve_data_root
from phaselab.training.curves import plot_confusion_matrix, plot_learning_curves
from phaselab.nn.registry import build_model
from phaselab.signal.audio import read_wav
from phaselab.training.callbacks import (
    BEST_MONITOR,
    AveragedWeights,
    BestModel,
    EpochCheckpoint,
    HistoryLog,
    StopOnNonFiniteLoss,
    ValidationScores,
)
from phaselab.training.config import TrainConfig, TrainResult
from phaselab.training.distributed import (
    _build_for_multiworker,
    _from_chief,
    _replicas,
    _set_synchronized,
    _shard_by_data,
    _share_state,
    _worker,
    make_strategy,
)
from phaselab.training.losses import get_loss
from phaselab.training.rundir import (
    BACKUP_DIR,
    BEST_FILE,
    CONFIG_FILE,
    CONFUSION_PNG,
    CURVES_PNG,
    MODEL_FILE,
    _remove_temporaries,
    _save_model,
    _savefig,
    check_keras_file,
    load_model,
    read_history,
)

__all__ = ["train", "Examples", "speaker_subset", "compile_model"]


COSINE_FLOOR = 0.05
"""The cosine schedule's final learning rate, as a fraction of the initial one."""


@dataclass(frozen=True)
class Examples:
    """A task given as arrays instead of a Speech Commands tree (:func:`train`'s ``examples``).

    The examples are used as they are: ``config.data`` only names them in ``config.json``, and
    ``augment``, ``balanced``, ``unknown_share``, ``unknown_weight`` and ``train_speakers`` are
    not used. Each epoch deals the training examples in a fresh seeded order
    (:func:`phaselab.data.pipeline.make_array_dataset`).

    Attributes
    ----------
    classes : tuple of str
        Class names, in the model's output order.
    train, validation : (audio, labels)
        ``audio`` (n, samples) float32 at 16 kHz, ``labels`` (n,) int indices into ``classes``.
    """

    classes: tuple[str, ...]
    train: tuple[np.ndarray, np.ndarray]
    validation: tuple[np.ndarray, np.ndarray]

    def datasets(self, config: TrainConfig, first_epoch: int = 0) -> tuple[Any, list, int]:
        """Training batches (from ``first_epoch`` on), validation batches and the steps per epoch."""
        n = len(self.classes)
        train_data, steps = make_array_dataset(*self.train, n, config.batch_size, config.seed, first_epoch)
        audio, labels = np.asarray(self.validation[0], np.float32), np.asarray(self.validation[1], np.int64)
        if not len(audio):
            raise ValueError("the validation examples are empty")
        batches = [(audio[i:i + config.batch_size], np.eye(n, dtype=np.float32)[labels[i:i + config.batch_size]])
                   for i in range(0, len(audio), config.batch_size)]
        return train_data, batches, config.steps_per_epoch or steps


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
        first_epoch=first_epoch,
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


def compile_model(
    config: TrainConfig, steps_per_epoch: int = 1, strategy: Any = None, n_classes: int = len(CLASSES)
) -> keras.Model:
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
            model = build_model(config.model, n_classes=n_classes, **config.model_kwargs)
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


def _seed(seed: int, jit_compile: bool) -> None:
    """Seed everything; switch on op determinism on CPU-only machines unless XLA is wanted."""
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    if not jit_compile and not tf.config.list_physical_devices("GPU"):
        tf.config.experimental.enable_op_determinism()


TRAIN = 0


FINISHED = 1


REFUSED = 2


def train(
    config: TrainConfig,
    run_dir: str | os.PathLike,
    resume: bool = False,
    verbose: int = 1,
    devices: str = "auto",
    examples: Examples | None = None,
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
    examples : Examples, optional
        Train on these arrays and classes instead of ``config.data``'s 12 keyword classes (one
        worker only; a resumed run must be given the same examples).

    Returns
    -------
    TrainResult
        On a worker other than the chief, ``history`` is that of this call's epochs only,
        and ``model`` is None if the run had already finished.

    Raises
    ------
    ValueError
        Non-empty ``run_dir`` without ``resume``; a resume with a different config; bad data;
        a ``batch_size`` that does not split evenly over the replicas; a bad ``TF_CONFIG``;
        ``examples`` under several workers.

    Notebook: ``04_3d_cnn_training.ipynb`` (``make model`` runs it with the default recipe)
    """
    run_dir = Path(run_dir)
    strategy = make_strategy(devices)  # first: a multi-worker strategy must start before other TensorFlow work
    replicas = _replicas(strategy)
    if config.batch_size % replicas:
        raise ValueError(f"batch_size {config.batch_size} does not split evenly over {replicas} replicas; "
                         f"choose a multiple of {replicas}")
    index, workers = _worker(strategy)
    if examples is not None and workers > 1:
        raise ValueError("training on given examples runs on one worker only")
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
        return _fit(config, run_dir, out, strategy, exists, first_epoch, verbose, examples)
    finally:
        if not chief:
            shutil.rmtree(out, ignore_errors=True)


def _fit(
    config: TrainConfig, run_dir: Path, out: Path, strategy: Any, exists: bool, first_epoch: int, verbose: int,
    examples: Examples | None = None,
) -> TrainResult:
    """The training of :func:`train`, writing into ``out`` (``run_dir`` on the chief, a temporary folder elsewhere).

    Every worker runs the same callbacks: under a multi-worker strategy an assignment to a
    variable (the restore, :class:`AveragedWeights`'s swaps) is a collective that all of them
    must join, in the same order.
    """
    chief = out == run_dir
    splits = _splits(config) if examples is None else None
    classes = CLASSES if examples is None else tuple(examples.classes)
    _seed(config.seed, config.jit_compile)
    checkpoint = EpochCheckpoint(out / BACKUP_DIR)
    if examples is None:
        train_data, validation_data, steps = _datasets(config, *splits, first_epoch=first_epoch)
    else:
        train_data, validation_data, steps = examples.datasets(config, first_epoch)
    model = compile_model(config, steps, strategy, len(classes))
    twin = compile_model(config, steps, make_strategy("one"), len(classes)) if _replicas(strategy) > 1 else None
    if chief and not exists:  # written once the data and the model are known to work
        run_dir.mkdir(parents=True, exist_ok=True)
        config.save(run_dir / CONFIG_FILE)
    past = read_history(out).get(BEST_MONITOR, [])
    best = max((v for v in past if v is not None), default=-math.inf)
    scores = ValidationScores(validation_data, classes, loss=get_loss(config.loss), twin=twin)
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
    _savefig(plot_confusion_matrix(final["confusion"], classes, title="validation, final model"), run_dir / CONFUSION_PNG)
    _save_model(model, run_dir / MODEL_FILE)
    shutil.rmtree(run_dir / BACKUP_DIR, ignore_errors=True)
    return TrainResult(model, history, run_dir)
