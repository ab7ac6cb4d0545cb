"""What real speech changes: keyword models trained on synthetic voices, on real people, on both.

One study, run by ``benchmarks/experiments/real_speech.py`` and read by chapter 04: the default recipe
(:class:`phaselab.training.config.TrainConfig` with only ``data``, ``seed`` and ``train_speakers``
changed) trained on

- the bundled synthetic set (espeak-ng voices only),
- the bundled real set, on a quarter, a half and all of its training speakers (a learning
  curve), and
- both sets together,

each run scored (its ``best.keras``, chosen on its own validation split) on the real test
speakers, the real validation speakers (on which a recipe is chosen) and the synthetic held-out
voices (:data:`phaselab.training.shipped.JURIES`).
Results are one JSON file of rows; :func:`summarise` groups them by training data and
:func:`format_summary` prints the table chapter 04 and the README show.

Notebook: ``04_3d_cnn_training`` (section "Synthetic voices, real people").
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phaselab.training.scores import format_mean_sd, mean_sd

__all__ = ["Arm", "ARMS", "SCORED_JURIES", "summarise", "format_summary", "learning_curve", "plot_learning_curve", "load_results", "real_speech_study"]

SCORED_JURIES: tuple[str, ...] = ("real test speakers", "real validation speakers", "synthetic held-out voices")
"""The juries every run is scored on (names of :data:`phaselab.training.shipped.JURIES`)."""


@dataclass(frozen=True)
class Arm:
    """One training condition of the study.

    Attributes
    ----------
    name : str
        Its label in the tables (e.g. ``"real, 1/4 of speakers"``).
    data : str
        A bundled set (``real``, ``synthetic``, ``both``).
    train_speakers : float, optional
        Share of the training speakers kept (:func:`phaselab.training.loop.speaker_subset`).
    """

    name: str
    data: str
    train_speakers: float | None = None

    @property
    def key(self) -> str:
        """A folder-safe id: ``real-0.25``, ``both``..."""
        return self.data if self.train_speakers is None else f"{self.data}-{self.train_speakers:g}"


ARMS: tuple[Arm, ...] = (
    Arm("synthetic voices only", "synthetic"),
    Arm("real, 1/4 of speakers", "real", 0.25),
    Arm("real, 1/2 of speakers", "real", 0.5),
    Arm("real, all speakers", "real"),
    Arm("real + synthetic", "both"),
)
"""The study's conditions, in table order."""


def load_results(path: str | os.PathLike) -> dict[str, Any]:
    """A results file written by ``benchmarks/experiments/real_speech.py`` (``{"config": ..., "rows": [...]}``)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def summarise(rows: Iterable[dict[str, Any]], metrics: Sequence[str] = ("macro_f1", "accuracy", "command_recall",
                                                                    "false_alarm_rate")) -> list[dict[str, Any]]:
    """Mean and spread over seeds of every metric on every jury, one entry per arm (table order).

    Returns
    -------
    list of dict
        ``{"arm", "seeds", "train_clips", jury: {metric: (mean, sd)}}``; ``train_clips`` is the
        mean over seeds (a share of the speakers is drawn per seed).
    """
    rows = list(rows)
    order = [arm.name for arm in ARMS] + sorted({row["arm"] for row in rows} - {arm.name for arm in ARMS})
    summary = []
    for name in order:
        chosen = [row for row in rows if row["arm"] == name]
        if not chosen:
            continue
        entry: dict[str, Any] = {"arm": name, "seeds": sorted(row["seed"] for row in chosen),
                                 "train_clips": round(sum(row["train_clips"] for row in chosen) / len(chosen))}
        for jury in SCORED_JURIES:
            if all(jury in row["scores"] for row in chosen):
                entry[jury] = {metric: mean_sd([row["scores"][jury][metric] for row in chosen]) for metric in metrics}
        summary.append(entry)
    return summary


def format_summary(summary: Sequence[dict[str, Any]]) -> str:
    """A Markdown table of :func:`summarise`: macro F1, accuracy, command recall, false alarms per jury."""
    def cell(pair: tuple[float, float]) -> str:
        return format_mean_sd(*pair)

    lines = ["| trained on | clips | seeds | macro F1, real test | accuracy, real test | command recall, real test "
             "| false alarms, real test | macro F1, real validation | macro F1, synthetic held-out |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for entry in summary:
        real, synthetic = entry["real test speakers"], entry["synthetic held-out voices"]
        validation = entry.get("real validation speakers", {}).get("macro_f1", (math.nan, math.nan))
        lines.append(f"| {entry['arm']} | {entry['train_clips']:,} | {len(entry['seeds'])} | {cell(real['macro_f1'])} | "
                     f"{cell(real['accuracy'])} | {cell(real['command_recall'])} | {cell(real['false_alarm_rate'])} | "
                     f"{cell(validation)} | {cell(synthetic['macro_f1'])} |")
    return "\n".join(lines)


def learning_curve(rows: Iterable[dict[str, Any]], jury: str = "real test speakers") -> tuple[list[int], list[list[float]]]:
    """Training clips and the macro F1 of each seed, for the real-only arms, by share of speakers.

    A share's speakers are drawn per seed, so its seeds train on slightly different numbers of
    clips; the size reported is their mean.

    Returns
    -------
    clips : list of int
        Mean training clips at each share of the speakers, ascending.
    scores : list of list of float
        Macro F1 on ``jury`` of every seed at each share.
    """
    real = [row for row in rows if row["data"] == "real"]
    shares = sorted({row.get("train_speakers") or 1.0 for row in real})
    groups = [[row for row in real if (row.get("train_speakers") or 1.0) == share] for share in shares]
    return ([round(sum(row["train_clips"] for row in group) / len(group)) for group in groups],
            [[row["scores"][jury]["macro_f1"] for row in group] for group in groups])


def plot_learning_curve(rows: Iterable[dict[str, Any]], target: float = 0.9, ax: Any = None) -> Any:
    """Macro F1 on the real test speakers against real training clips (log scale), seeds as dots.

    The means over seeds are joined, and each step is labelled with its gain; no trend is
    extended beyond the largest size, since a few sizes and seeds cannot bound it.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    sizes, scores = learning_curve(rows)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    for n, values in zip(sizes, scores):
        ax.scatter([n] * len(values), values, color="tab:blue", s=18, zorder=3)
    means = [float(np.mean(v)) for v in scores]
    ax.plot(sizes, means, color="tab:blue", label="mean over seeds")
    for (n0, m0), (n1, m1) in zip(zip(sizes, means), zip(sizes[1:], means[1:])):
        ax.annotate(f"{m1 - m0:+.3f}", (np.sqrt(n0 * n1), (m0 + m1) / 2), textcoords="offset points", xytext=(0, 8),
                    ha="center", fontsize=8, color="tab:blue")
    ax.axhline(target, color="tab:red", lw=0.8, label=f"target {target}")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("real training clips")
    ax.set_ylabel("macro F1, real test speakers")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def real_speech_study(path: str | os.PathLike | None = None) -> dict[str, Any]:
    """Chapter 04's study read back: the machine, the runs, one summary per arm and the table it shows.

    Parameters
    ----------
    path : path-like, optional
        A results file of ``benchmarks/experiments/real_speech.py``; by default the committed one,
        ``benchmarks/results/real_speech.json`` (:func:`phaselab.paths.results_dir`).

    Returns
    -------
    dict
        ``machine`` (str, where the runs trained), ``rows`` (the file's runs, one per arm and
        seed), ``summary`` (arm name -> its :func:`summarise` entry, in table order: per jury and
        metric ``(mean, sd)`` over seeds) and ``table`` (:func:`format_summary`'s Markdown).

    Examples
    --------
    >>> study = real_speech_study()
    >>> next(iter(study["summary"]))
    'synthetic voices only'

    Notebook: ``04_3d_cnn_training`` (section 7, "Synthetic voices, real people").
    """
    from phaselab.paths import results_dir

    results = load_results(results_dir() / "real_speech.json" if path is None else path)
    summary = summarise(results["rows"])
    return {"machine": results["machine"], "rows": results["rows"],
            "summary": {entry["arm"]: entry for entry in summary}, "table": format_summary(summary)}

