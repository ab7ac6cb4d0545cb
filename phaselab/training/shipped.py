"""The models phaselab ships: the keyword model (trained by ``make model``, used when no model is
named) and the speech detector of chapter 06 (:data:`SHIPPED_DETECTOR`, :mod:`phaselab.studies.detector`).

``phaselab/weights/keyword_model.keras`` is the ``best.keras`` of a ``phaselab train`` run
with the default recipe on the bundled real-speech set; ``keyword_model.json`` beside it
records the run's config, the file's SHA-256 and its scores on the bundled juries (real
test speakers, real validation speakers, synthetic held-out voices), so a test can check
that the shipped file still earns the scores written next to it.

Remake both from scratch with ``make model``, which runs::

    phaselab train --out build/runs/keyword --resume
    python -m phaselab.training.shipped build/runs/keyword

Notebook: ``04_3d_cnn_training`` (section "The model phaselab ships").
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from phaselab.paths import weights_dir

__all__ = ["SHIPPED_MODEL", "SHIPPED_SCORES", "SHIPPED_DETECTOR", "load_detector", "JURIES", "shipped_model_path", "shipped_scores", "score_juries", "ship", "format_jury_scores"]


WEIGHTS = weights_dir()


SHIPPED_MODEL = WEIGHTS / "keyword_model.keras"
"""The shipped keyword model (raw 16 kHz audio in, 12 class probabilities out)."""


SHIPPED_SCORES = WEIGHTS / "keyword_model.json"
"""Its provenance and scores, written by :func:`ship`."""


SHIPPED_DETECTOR = WEIGHTS / "speech_detector.keras"
"""The shipped speech detector (``benchmarks/experiments/train_speech_detector.py`` wrote it)."""


JURIES: dict[str, tuple[str, str]] = {
    "real test speakers": ("real", "test"),
    "real validation speakers": ("real", "validation"),
    "synthetic held-out voices": ("synthetic", "test"),
}
"""The juries a shipped model is scored on: name -> (bundled set, split)."""


def shipped_model_path() -> Path:
    """The shipped model's file.

    Raises
    ------
    ValueError
        If it is missing (a checkout where ``make model`` removed it half-way, say), with
        how to remake it.
    """
    if not SHIPPED_MODEL.is_file():
        raise ValueError(f"{SHIPPED_MODEL}: the shipped keyword model is missing; remake it with `make model` "
                         "or name a model (a .keras file or a run directory)")
    return SHIPPED_MODEL


def shipped_scores() -> dict[str, Any]:
    """The record written beside the shipped model (:func:`ship`)."""
    return json.loads(SHIPPED_SCORES.read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def load_detector(path: str | os.PathLike = SHIPPED_DETECTOR) -> Any:
    """The speech detector saved at ``path`` (default the shipped one), a ``keras.Model`` loaded once (the last four kept)."""
    from phaselab.training.rundir import load_model

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no speech detector; train one with `python benchmarks/experiments/train_speech_detector.py`")
    return load_model(path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def score_juries(model: Any, juries: dict[str, tuple[str, str]] = JURIES, batch_size: int = 64) -> dict[str, dict]:
    """Scores (:func:`phaselab.training.inference.evaluate`) of a model on each jury.

    Parameters
    ----------
    model : keras.Model, path-like
        A model, a ``.keras`` file or a run directory.
    juries : dict
        Name -> (data, split), as :data:`JURIES`.

    Returns
    -------
    dict
        Name -> scores (accuracy, macro F1, per-class F1, command recall, false-alarm rate,
        confusion matrix, support).
    """
    from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
    from phaselab.training.inference import _load, _score

    loaded = _load(model)
    scores = {}
    for name, (data, split) in juries.items():
        result = _score(loaded, SpeechCommands(resolve_data_root(data)), split, batch_size)
        result["data"] = data
        scores[name] = {key: value for key, value in result.items() if key != "model"}
    return scores


def ship(run_dir: str | os.PathLike, weights: str | os.PathLike = WEIGHTS) -> Path:
    """Copy a run's ``best.keras`` (without optimizer state) into the package as the shipped model, with its record.

    Parameters
    ----------
    run_dir : path-like
        A finished ``phaselab train`` run directory.
    weights : path-like
        Where to write ``keyword_model.keras`` and ``keyword_model.json`` (default: the
        package's ``weights/``).

    Returns
    -------
    Path
        The record (``keyword_model.json``).

    Raises
    ------
    ValueError
        If the run has no ``best.keras`` or no ``history.json``.
    """
    from phaselab.atomic import atomic_path, write_json
    from phaselab.training.config import TrainConfig
    from phaselab.training.rundir import BEST_FILE, CONFIG_FILE, load_model

    run_dir, weights = Path(run_dir), Path(weights)
    best = run_dir / BEST_FILE
    history_path = run_dir / "history.json"
    if not best.is_file() or not history_path.is_file():
        raise ValueError(f"{run_dir}: not a finished training run (needs {BEST_FILE} and history.json)")
    history = json.loads(history_path.read_text(encoding="utf-8"))
    config = TrainConfig.load(run_dir / CONFIG_FILE)
    weights.mkdir(parents=True, exist_ok=True)
    model_path, record_path = weights / SHIPPED_MODEL.name, weights / SHIPPED_SCORES.name
    network = load_model(best)  # uncompiled: the copy holds no optimizer state (a third of best.keras's size)
    with atomic_path(model_path) as tmp:
        network.save(tmp)
        scores = score_juries(tmp)
        digest, size = _sha256(tmp), tmp.stat().st_size
    best_epoch = int(max(range(len(history["val_macro_f1"])), key=lambda i: history["val_macro_f1"][i])) + 1
    record = {
        "model_file": model_path.name,
        "sha256": digest,
        "bytes": size,
        "config": config.to_dict(),
        "epochs_run": len(history["epoch"]),
        "best_epoch": best_epoch,
        "params": int(network.count_params()),
        "scores": scores,
    }
    write_json(record, record_path)
    return record_path



def format_jury_scores(scores: dict[str, dict[str, Any]]) -> str:
    """One line per jury of :func:`score_juries`'s result: macro F1, accuracy, command recall, false alarms.

    Parameters
    ----------
    scores : dict
        Jury name -> scores holding ``macro_f1``, ``accuracy``, ``command_recall``,
        ``false_alarm_rate`` (shares in [0, 1]) and ``n`` (clips), as :func:`score_juries`
        returns them and :func:`shipped_scores` records them under ``"scores"``.

    Returns
    -------
    str
        Plain text, the juries in the order given.

    Examples
    --------
    >>> print(format_jury_scores({"toy": {"macro_f1": 0.5, "accuracy": 0.75, "command_recall": 0.5,
    ...                                   "false_alarm_rate": 0.25, "n": 4}}))
    toy: macro F1 0.500, accuracy 0.750, command recall 0.500, false alarms 0.250 (4 clips)

    Notebook: ``04_3d_cnn_training`` (section 6, "The model phaselab ships").
    """
    width = max((len(jury) for jury in scores), default=0)  # names right-aligned
    return "\n".join(f"{jury:>{width}}: macro F1 {s['macro_f1']:.3f}, accuracy {s['accuracy']:.3f}, command "
                     f"recall {s['command_recall']:.3f}, false alarms {s['false_alarm_rate']:.3f} ({s['n']} clips)"
                     for jury, s in scores.items())

