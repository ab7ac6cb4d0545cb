"""The run directory: what one training run leaves on disk, written so that a kill loses nothing.

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

Every file is written under a temporary name (:mod:`phaselab.atomic`'s scheme) and renamed, so a
run killed at any moment leaves no half-written file under a real name (and resuming deletes the
temporaries). (Keras's ``BackupAndRestore`` does the same job but writes its weights and then its
epoch counter in place: a kill between the two, or during either, leaves a backup it cannot restore
or restores to the wrong epoch. :class:`phaselab.training.callbacks.EpochCheckpoint` writes a new
weights file, then names it in ``state.json`` with one atomic rename.)
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import keras

# The modules whose layers and loss are registered Keras serializables: imported for that side effect,
# so that load_model needs no custom_objects.
import phaselab.nn.circular  # noqa: F401, E402
import phaselab.nn.features  # noqa: F401, E402
import phaselab.nn.masking  # noqa: F401, E402
import phaselab.training.losses  # noqa: F401, E402
from phaselab.atomic import PART_PREFIX, atomic_path
from phaselab.training.distributed import _batch_norms, _set_synchronized

__all__ = ["load_model", "read_history", "check_keras_file", "CONFIG_FILE", "MODEL_FILE", "BEST_FILE"]


CONFIG_FILE = "config.json"


MODEL_FILE = "model.keras"


BEST_FILE = "best.keras"


BACKUP_DIR = "backup"


HISTORY_CSV = "history.csv"


HISTORY_JSON = "history.json"


CURVES_PNG = "learning_curves.png"


CONFUSION_PNG = "confusion_matrix.png"


TEMPORARY_PREFIX = PART_PREFIX
"""Files are written as ``.part-NAME`` and renamed to ``NAME`` (the suffix stays, as Keras wants):
the scheme of :mod:`phaselab.atomic`."""


def _remove_temporaries(run_dir: Path) -> None:
    """Delete the half-written files a killed run may have left in the run directory and its backup."""
    for folder in (run_dir, run_dir / BACKUP_DIR):
        for path in folder.glob(TEMPORARY_PREFIX + "*"):
            path.unlink()


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
