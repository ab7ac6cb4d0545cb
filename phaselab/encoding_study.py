"""Which phase encoding helps keyword recognition? One body, one budget, several encodings and seeds.

:func:`run_encoding_study` trains :func:`phaselab.encoding_models.encoding_model` over each
encoding on the keyword task (the 12 Kaggle classes) with the same data pipeline,
augmentation, optimiser, batch size and number of steps, for several seeds, and scores
each run on the *test* split -- for the bundled set, voices (accents) never heard in
training. :func:`summarise` gives mean and spread per encoding.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from phaselab.audio import read_wav
from phaselab.data.augment import AugmentConfig
from phaselab.data.labels import CLASSES
from phaselab.data.pipeline import make_dataset, make_eval_dataset
from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
from phaselab.encoding_models import encoding_model
from phaselab.metrics import classification_scores, mean_sd, seed_interval
from phaselab.models import flops

__all__ = [
    "StudyBudget",
    "run_encoding_study",
    "summarise",
    "format_summary",
    "plot_study",
    "chance_macro_f1",
    "ROW_KEYS",
    "REAL_ENCODINGS",
    "CONDITIONS",
    "SNRS_DB",
    "REAL_EPOCHS",
    "condition_audio",
    "run_real_encoding",
    "load_real_study",
    "load_speed",
    "summarise_real",
    "paired_difference",
    "format_real_summary",
    "plot_robustness",
]

ROW_KEYS = ("encoding", "seed", "accuracy", "macro_f1", "params", "mflops", "seconds", "val_macro_f1")
"""Keys of every row :func:`run_encoding_study` returns (``val_macro_f1``: list, one per epoch)."""


class StudyBudget:
    """The training budget every encoding gets.

    Parameters
    ----------
    epochs, steps_per_epoch, batch_size : int
        ``epochs * steps_per_epoch * batch_size`` training clips are drawn (class-balanced,
        augmented as :class:`~phaselab.data.augment.AugmentConfig` by default).
    learning_rate : float
        Adam's.
    filters : tuple of ints
        Of the model body (:func:`~phaselab.encoding_models.encoding_model`).
    eval_clips : int, optional
        Score on this many clips, evenly spread over the validation and test splits (all if None).
    """

    def __init__(
        self,
        epochs: int = 8,
        steps_per_epoch: int = 25,
        batch_size: int = 32,
        learning_rate: float = 2e-3,
        filters: tuple[int, ...] = (8, 16, 32),
        eval_clips: int | None = None,
    ) -> None:
        if min(epochs, steps_per_epoch, batch_size) < 1:
            raise ValueError(
                f"epochs, steps_per_epoch and batch_size must be positive, got {epochs}, {steps_per_epoch}, {batch_size}"
            )
        self.epochs, self.steps_per_epoch, self.batch_size = epochs, steps_per_epoch, batch_size
        self.learning_rate, self.filters, self.eval_clips = learning_rate, tuple(filters), eval_clips

    def as_dict(self) -> dict[str, Any]:
        """The settings, JSON-ready."""
        return {key: list(value) if isinstance(value, tuple) else value for key, value in vars(self).items()}


def _spread(clips: list[Any], count: int | None) -> list[Any]:
    """``count`` clips evenly spread over the list (all if None), so every word folder is represented."""
    if count is None or count >= len(clips):
        return clips
    return [clips[i] for i in np.linspace(0, len(clips) - 1, count).round().astype(int)]


def _scores(model: keras.Model, clips: Sequence[Any], batch_size: int) -> dict[str, Any]:
    data = make_eval_dataset(clips, CLASSES, batch_size)
    probabilities = model.predict(data, verbose=0)
    return classification_scores([CLASSES.index(clip.label) for clip in clips], probabilities.argmax(axis=1), CLASSES)


class _ValidationF1(keras.callbacks.Callback):
    def __init__(self, clips: Sequence[Any], batch_size: int) -> None:
        super().__init__()
        self.clips, self.batch_size, self.values = clips, batch_size, []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.values.append(_scores(self.model, self.clips, self.batch_size)["macro_f1"])


def run_encoding_study(
    encodings: Sequence[str],
    seeds: Sequence[int],
    budget: StudyBudget,
    data: str | None = "mini",
    verbose: bool = True,
) -> list[dict[str, Any]]:
    """Train and score one model per (encoding, seed).

    Parameters
    ----------
    encodings : sequence of str
        Names of :data:`phaselab.phase.ENCODINGS`.
    seeds : sequence of int
        Each seeds the weights, the batch order and the augmentation.
    budget : StudyBudget
    data : str, optional
        A Speech Commands tree or ``"mini"`` (:func:`~phaselab.data.speech_commands.resolve_data_root`).
    verbose : bool
        Print a line per finished run.

    Returns
    -------
    list of dict
        One row per run with the keys of :data:`ROW_KEYS`: test ``accuracy`` and
        ``macro_f1`` (over the classes present), ``params``, ``mflops`` (forward pass per
        clip, :func:`phaselab.models.flops`), ``seconds`` of training (wall clock, this
        machine), and the validation macro F1 after each epoch.
    """
    tree = SpeechCommands(resolve_data_root(data))
    train_clips = tree.clips("train")
    held_out = {split: _spread(tree.clips(split), budget.eval_clips) for split in ("validation", "test")}
    noises = [read_wav(path) for path in tree.background_noise_files()]
    rows = []
    for seed in seeds:
        for encoding in encodings:
            keras.utils.set_random_seed(seed)
            model = encoding_model(encoding, n_classes=len(CLASSES), filters=budget.filters)
            model.compile(optimizer=keras.optimizers.Adam(budget.learning_rate), loss="categorical_crossentropy")
            train = make_dataset(
                train_clips, CLASSES, budget.batch_size, augment=AugmentConfig(), noises=noises, seed=seed,
                batches_per_epoch=budget.steps_per_epoch, augment_path="numpy",  # the studies' batches, as they ran
            )
            validation = _ValidationF1(held_out["validation"], 64)
            start = time.perf_counter()
            model.fit(
                train, epochs=budget.epochs, steps_per_epoch=budget.steps_per_epoch, callbacks=[validation], verbose=0
            )
            seconds = time.perf_counter() - start
            test = _scores(model, held_out["test"], 64)
            row = {
                "encoding": encoding, "seed": int(seed), "accuracy": test["accuracy"], "macro_f1": test["macro_f1"],
                "params": int(model.count_params()), "mflops": flops(model) / 1e6, "seconds": seconds,
                "val_macro_f1": validation.values,
            }
            rows.append(row)
            if verbose:
                print(f"{encoding:<12} seed {seed}: test accuracy {row['accuracy']:.3f}, "
                      f"macro F1 {row['macro_f1']:.3f}, {seconds:.0f} s", flush=True)
    return rows


def chance_macro_f1(data: str | None = "mini", split: str = "test", draws: int = 200, seed: int = 0) -> float:
    """Mean macro F1 of guessing uniformly among the 12 classes, on one split: the floor to beat.

    Parameters
    ----------
    data : str, optional
        A Speech Commands tree or ``"mini"``.
    split : str
    draws : int
        Random guesses averaged.
    seed : int
    """
    clips = SpeechCommands(resolve_data_root(data)).clips(split)
    truth = [CLASSES.index(clip.label) for clip in clips]
    rng = np.random.default_rng(seed)
    guesses = (rng.integers(0, len(CLASSES), len(truth)) for _ in range(draws))
    return float(np.mean([classification_scores(truth, guess, CLASSES)["macro_f1"] for guess in guesses]))


def summarise(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and standard deviation over seeds, per encoding, in first-seen order.

    Returns
    -------
    list of dict
        ``encoding``, ``runs``, ``accuracy`` / ``macro_f1`` / ``seconds`` means and their
        ``*_std`` (sample standard deviation, 0 for a single run), ``params``, ``mflops``.
    """
    summary = []
    for encoding in dict.fromkeys(row["encoding"] for row in rows):
        chosen = [row for row in rows if row["encoding"] == encoding]
        entry: dict[str, Any] = {"encoding": encoding, "runs": len(chosen)}
        for key in ("accuracy", "macro_f1", "seconds"):
            entry[key], entry[f"{key}_std"] = mean_sd(row[key] for row in chosen)
        entry["params"], entry["mflops"] = chosen[0]["params"], chosen[0]["mflops"]
        summary.append(entry)
    return summary


def format_summary(summary: Sequence[dict[str, Any]]) -> str:
    """Plain-text table of :func:`summarise`: mean +- standard deviation over the runs."""
    lines = [f"{'encoding':<13}{'runs':>5}{'accuracy':>17}{'macro F1':>17}{'params':>9}{'MFLOPs':>8}{'train s':>12}"]
    for e in summary:
        lines.append(
            f"{e['encoding']:<13}{e['runs']:>5}{e['accuracy']:>10.3f} ± {e['accuracy_std']:.3f}"
            f"{e['macro_f1']:>10.3f} ± {e['macro_f1_std']:.3f}{e['params']:>9,}{e['mflops']:>8.1f}"
            f"{e['seconds']:>8.0f} ± {e['seconds_std']:.0f}"
        )
    return "\n".join(lines)



def plot_study(rows: Sequence[dict[str, Any]], title: str = "") -> Any:
    """Test macro F1 of every run (dots) and its mean per encoding (bar); validation macro F1 per epoch.

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    summary = summarise(rows)
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 3.6), layout="constrained")
    for i, entry in enumerate(summary):
        chosen = [row for row in rows if row["encoding"] == entry["encoding"]]
        left.bar(i, entry["macro_f1"], color=f"C{i}", alpha=0.4)
        left.plot([i] * len(chosen), [row["macro_f1"] for row in chosen], "o", color=f"C{i}")
        for j, row in enumerate(chosen):
            epochs = np.arange(1, len(row["val_macro_f1"]) + 1)
            label = entry["encoding"] if j == 0 else None
            right.plot(epochs, row["val_macro_f1"], color=f"C{i}", alpha=0.8, label=label)
    left.set_xticks(range(len(summary)), [entry["encoding"] for entry in summary])
    left.set(ylabel="test macro F1 (held-out voices)")
    right.set(xlabel="epoch", ylabel="validation macro F1")
    right.legend(fontsize="small")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    if title:
        figure.suptitle(title)
    return figure


# --- the study on real speech: the shipped model's body and recipe over every encoding ---------------------------

REAL_ENCODINGS: tuple[str, ...] = ("magnitude", "phased", "cos_sin", "if", "mag_if", "group_delay")
"""The encodings of the real-speech study, in table order (``magnitude`` is the baseline)."""

SNRS_DB: tuple[float, ...] = (20.0, 10.0, 5.0, 0.0)
"""Signal-to-noise ratios (dB) at which real background noise is mixed into the test clips."""

CONDITIONS: tuple[str, ...] = ("clean", *(f"noise {snr:g} dB" for snr in SNRS_DB), "phase rotation")
"""What each model is scored on: the test clips as they are, with noise at each SNR, and rotated in phase."""

REAL_EPOCHS = 15
"""Epochs of every run of the real-speech study (the default recipe's other settings unchanged)."""


def condition_audio(clips: Sequence[Any], condition: str, noises: Sequence[np.ndarray], seed: int = 0) -> np.ndarray:
    """The clips of one test condition, ready for a model: ``(n, 16384)`` float32.

    ``"noise X dB"`` mixes a segment of one of the background recordings into each clip at X dB
    SNR (:func:`~phaselab.data.augment.mix_at_snr`); ``"phase rotation"`` rotates each clip's
    phase by an angle drawn uniformly from [0, 2 pi) (:func:`~phaselab.data.augment.rotate_phase`).
    Clip ``i``'s noise and angle come from ``(seed, i)``, so every model meets the very same
    sounds. Then every clip is normalised and padded as in evaluation.

    Examples
    --------
    >>> from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
    >>> clips = SpeechCommands(resolve_data_root("real")).clips("test")[:2]
    >>> condition_audio(clips, "noise 10 dB", [np.ones(32000, np.float32)]).shape
    (2, 16384)
    """
    from phaselab.data.augment import (
        CLIP_SAMPLES,
        AugmentConfig,
        SoundPreprocessor,
        mix_at_snr,
        noise_segment,
        rotate_phase,
    )

    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; choose one of {', '.join(CONDITIONS)}")
    finish = SoundPreprocessor(AugmentConfig.none()).finish
    out = []
    for i, clip in enumerate(clips):
        audio = read_wav(clip.path, length=CLIP_SAMPLES)
        rng = np.random.default_rng([seed, i])
        if condition.startswith("noise"):
            snr = float(condition.split()[1])
            audio = mix_at_snr(audio, noise_segment(noises, CLIP_SAMPLES, rng), snr)
        elif condition == "phase rotation":
            audio = rotate_phase(audio, rng.uniform(0.0, 2.0 * np.pi))
        out.append(finish(audio))
    return np.stack(out).astype(np.float32)


def run_real_encoding(encoding: str, seed: int, runs: str | os.PathLike, data: str = "real",
                      **overrides: Any) -> dict[str, Any]:
    """Train (or resume, or reuse) one encoding and seed with the default recipe, and score it on every condition.

    The model is :func:`phaselab.encoding_models.encoding_cnn` (``"enc-cnn"``), trained by
    :func:`phaselab.train.train` into ``<runs>/<encoding>_s<seed>`` (so a killed run resumes);
    its ``best.keras`` (chosen on the validation speakers) is scored on the test speakers in
    each of :data:`CONDITIONS`.

    Returns
    -------
    dict
        ``encoding``, ``seed``, ``params``, ``mflops``, ``epochs``, ``minutes`` (training, this
        machine), ``best_val_macro_f1``, and per condition the macro F1, accuracy, per-class
        F1 and the predicted class of every test clip (``predictions``: for paired comparisons).
    """
    from phaselab.data.labels import CLASSES as classes
    from phaselab.models import flops as count_flops
    from phaselab.train import BEST_FILE, TrainConfig, load_model, read_history, train

    config = TrainConfig("enc-cnn", model_kwargs={"encoding": encoding}, data=data, seed=seed,
                         epochs=overrides.pop("epochs", REAL_EPOCHS), **overrides)
    run_dir = Path(runs) / f"{encoding}_s{seed}"
    if len(read_history(run_dir).get("epoch", [])) < config.epochs:
        train(config, run_dir, resume=run_dir.exists(), verbose=2)
    history = read_history(run_dir)
    model = load_model(run_dir / BEST_FILE)
    tree = SpeechCommands(resolve_data_root(data))
    clips = tree.clips("test")
    noises = [read_wav(path) for path in tree.background_noise_files()]
    truth = [classes.index(clip.label) for clip in clips]
    row: dict[str, Any] = {
        "encoding": encoding, "seed": int(seed), "params": int(model.count_params()),
        "mflops": count_flops(model) / 1e6, "epochs": len(history["epoch"]),
        "minutes": round(sum(history.get("seconds", [])) / 60, 2),
        "best_val_macro_f1": max(history["val_macro_f1"]), "speakers": [clip.speaker for clip in clips],
        "truth": truth, "conditions": {},
    }
    for condition in CONDITIONS:
        predicted = model.predict(condition_audio(clips, condition, noises), batch_size=64, verbose=0).argmax(axis=1)
        scores = classification_scores(truth, predicted, classes)
        row["conditions"][condition] = {"macro_f1": scores["macro_f1"], "accuracy": scores["accuracy"],
                                        "f1": scores["f1"], "predictions": predicted.tolist()}
    return row


def load_real_study(path: str | os.PathLike) -> dict[str, Any] | None:
    """The results of ``benchmarks/encodings_real.py`` (``settings``, ``machine``, ``rows``), or None if there are none.

    Notebook: ``05_phase_encodings_compared`` (section 5).
    """
    import json

    path = Path(path)
    if not path.is_file():
        return None
    results = json.loads(path.read_text(encoding="utf-8"))
    return results if results.get("rows") else None


def summarise_real(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and sample standard deviation over seeds, per encoding and condition (table order).

    Returns
    -------
    list of dict
        ``encoding``, ``seeds``, ``params``, ``mflops``, ``minutes`` (mean), and for each
        condition ``(mean, sd)`` of macro F1.
    """
    summary = []
    order = [e for e in REAL_ENCODINGS if any(r["encoding"] == e for r in rows)]
    for encoding in order:
        chosen = [row for row in rows if row["encoding"] == encoding]
        entry: dict[str, Any] = {"encoding": encoding, "seeds": sorted(row["seed"] for row in chosen),
                                 "params": chosen[0]["params"], "mflops": chosen[0]["mflops"],
                                 "minutes": float(np.mean([row["minutes"] for row in chosen]))}
        for condition in CONDITIONS:
            entry[condition] = mean_sd(row["conditions"][condition]["macro_f1"] for row in chosen)
        summary.append(entry)
    return summary


def paired_difference(rows: Sequence[dict[str, Any]], encoding: str, baseline: str = "magnitude",
                      condition: str = "clean", draws: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Macro F1 of ``encoding`` minus ``baseline`` on the seeds both have: is it larger than the noise?

    Two intervals, both 95 %:

    - **seeds**: the mean of the per-seed differences +- Student's t times its standard error
      (``n - 1`` degrees of freedom): how much the difference moves from one training run to
      the next;
    - **speakers**: a paired bootstrap over test *speakers* (all clips of a drawn speaker, both
      models' predictions kept together) of the difference of the seed-averaged macro F1: how
      much it would move with other test people.

    Returns
    -------
    dict
        ``seeds`` (list), ``differences`` (per seed), ``mean``, ``seed_ci`` (low, high),
        ``speaker_ci`` (low, high), and ``verdict``: ``"better"`` / ``"worse"`` when both
        intervals exclude 0 on the same side, else ``"no clear difference"``.

    Examples
    --------
    >>> row = lambda e, s, p: {"encoding": e, "seed": s, "truth": [0, 1, 0, 1], "speakers": list("abcd"),
    ...                        "conditions": {"clean": {"macro_f1": float(np.mean(np.equal(p, [0, 1, 0, 1]))),
    ...                                                 "predictions": p}}}
    >>> rows = [row("magnitude", 0, [0, 1, 0, 1]), row("if", 0, [0, 0, 0, 0]),
    ...         row("magnitude", 1, [0, 1, 0, 1]), row("if", 1, [1, 1, 0, 0])]
    >>> paired_difference(rows, "if")["differences"]
    [-0.5, -0.5]
    """
    from phaselab.data.labels import CLASSES as classes

    by_seed = {(row["encoding"], row["seed"]): row for row in rows}
    seeds = sorted(s for (e, s) in by_seed if e == encoding and (baseline, s) in by_seed)
    if not seeds:
        raise ValueError(f"no seed has both {encoding!r} and {baseline!r}")
    diffs = [by_seed[(encoding, s)]["conditions"][condition]["macro_f1"]
             - by_seed[(baseline, s)]["conditions"][condition]["macro_f1"] for s in seeds]
    mean, low, high = seed_interval(diffs)
    seed_ci = (low, high)
    first = by_seed[(baseline, seeds[0])]
    truth, speakers = np.asarray(first["truth"]), np.asarray(first["speakers"])
    labels = np.arange(len(classes))
    preds = {name: np.array([by_seed[(name, s)]["conditions"][condition]["predictions"] for s in seeds])
             for name in (encoding, baseline)}
    people = np.unique(speakers)
    members = [np.flatnonzero(speakers == person) for person in people]
    rng = np.random.default_rng(seed)

    def macro(pred: np.ndarray, index: np.ndarray) -> float:
        t, p = truth[index], pred[index]
        f1 = []
        for c in labels:
            tp, fp, fn = np.sum((p == c) & (t == c)), np.sum((p == c) & (t != c)), np.sum((p != c) & (t == c))
            if tp + fn:
                f1.append(2 * tp / (2 * tp + fp + fn))
        return float(np.mean(f1))

    boot = []
    for _ in range(draws):
        index = np.concatenate([members[i] for i in rng.integers(0, len(people), len(people))])
        boot.append(np.mean([macro(preds[encoding][k], index) - macro(preds[baseline][k], index)
                             for k in range(len(seeds))]))
    speaker_ci = tuple(float(v) for v in np.percentile(boot, [2.5, 97.5]))
    lows, highs = (seed_ci[0], speaker_ci[0]), (seed_ci[1], speaker_ci[1])
    if len(seeds) < 2:  # one seed: no interval over seeds, so no verdict
        verdict = "no clear difference"
    else:
        verdict = "better" if min(lows) > 0 else "worse" if max(highs) < 0 else "no clear difference"
    return {"encoding": encoding, "baseline": baseline, "condition": condition, "seeds": seeds,
            "differences": [float(d) for d in diffs], "mean": mean, "seed_ci": tuple(float(v) for v in seed_ci),
            "speaker_ci": speaker_ci, "verdict": verdict}


def format_real_summary(summary: Sequence[dict[str, Any]], speed: dict[str, float] | None = None) -> str:
    """A Markdown table of :func:`summarise_real`: macro F1 per condition (mean +- sd), params, MFLOPs.

    ``speed`` (encoding -> training time per clip relative to magnitude, from
    ``benchmarks/bench_encodings.py``, measured alone on the CPU) adds a column: the runs' own wall
    clock is not shown, since the study's runs share the CPU with other jobs and may be paused.
    """
    def cell(pair: tuple[float, float]) -> str:
        mean, sd = pair
        return f"{mean:.3f}" + ("" if math.isnan(sd) else f" ± {sd:.3f}")

    extra = " training time vs magnitude |" if speed else ""
    head = "| encoding | seeds | " + " | ".join(CONDITIONS) + " | params | MFLOPs / clip |" + extra
    lines = [head, "|---|---:|" + "---:|" * (len(CONDITIONS) + 2 + bool(speed))]
    for e in summary:
        time = f" {speed[e['encoding']]:.2f}x |" if speed and e["encoding"] in speed else (" n/a |" if speed else "")
        lines.append(f"| {e['encoding']} | {len(e['seeds'])} | " + " | ".join(cell(e[c]) for c in CONDITIONS)
                     + f" | {e['params']:,} | {e['mflops']:.0f} |" + time)
    return "\n".join(lines)


def load_speed(path: str | os.PathLike) -> dict[str, float] | None:
    """Training time per clip relative to magnitude, per encoding, from ``benchmarks/bench_encodings.py``'s JSON."""
    import json

    path = Path(path)
    if not path.is_file():
        return None
    return {row["encoding"]: row["time_vs_magnitude"] for row in json.loads(path.read_text(encoding="utf-8"))["encodings"]}


def plot_robustness(summary: Sequence[dict[str, Any]], ax: Any = None) -> Any:
    """Test macro F1 against SNR (clean at the right), one curve per encoding, error bars = seed sd;
    the phase-rotated score as a marker beside each curve's clean end.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    x = [*SNRS_DB[::-1], 30.0]
    conditions = [*(f"noise {snr:g} dB" for snr in SNRS_DB[::-1]), "clean"]
    for i, entry in enumerate(summary):
        means = [entry[c][0] for c in conditions]
        sds = [0.0 if math.isnan(entry[c][1]) else entry[c][1] for c in conditions]
        ax.errorbar(x, means, yerr=sds, marker="o", capsize=3, color=f"C{i}", label=entry["encoding"])
        ax.plot(33.0 + 0.4 * i, entry["phase rotation"][0], marker="*", markersize=10, color=f"C{i}", linestyle="")
    ax.set_xticks([*SNRS_DB[::-1], 30.0, 33.0], [f"{snr:g} dB" for snr in SNRS_DB[::-1]] + ["clean", "rotated"])
    ax.set(xlabel="signal-to-noise ratio of real background noise", ylabel="test macro F1 (real speakers)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", ncol=2)
    return ax
