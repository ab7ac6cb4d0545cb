"""Which phase encoding helps keyword recognition? One body, one budget, several encodings and seeds.

:func:`run_encoding_study` trains :func:`phaselab.nn.encoding_nets.encoding_model` over each
encoding on the keyword task (the 12 Kaggle classes) with the same data pipeline,
augmentation, optimiser, batch size and number of steps, for several seeds, and scores
each run on the *test* split -- for the bundled set, voices (accents) never heard in
training. :func:`summarise` gives mean and spread per encoding.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from phaselab.data.augment import AugmentConfig
from phaselab.data.labels import CLASSES
from phaselab.data.pipeline import make_dataset, make_eval_dataset
from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
from phaselab.nn.cost import flops
from phaselab.nn.encoding_nets import encoding_model
from phaselab.signal.audio import read_wav
from phaselab.training.callbacks import ValidationScores
from phaselab.training.scores import classification_scores, format_mean_sd, mean_sd

__all__ = ["StudyBudget", "run_encoding_study", "summarise", "format_summary", "chance_macro_f1", "ROW_KEYS"]


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
        Of the model body (:func:`~phaselab.nn.encoding_nets.encoding_model`).
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


def run_encoding_study(
    encodings: Sequence[str],
    seeds: Sequence[int],
    budget: StudyBudget,
    data: str | None = "synthetic",
    verbose: bool = True,
) -> list[dict[str, Any]]:
    """Train and score one model per (encoding, seed).

    Parameters
    ----------
    encodings : sequence of str
        Names of :data:`phaselab.signal.encodings.ENCODINGS`.
    seeds : sequence of int
        Each seeds the weights, the batch order and the augmentation.
    budget : StudyBudget
    data : str, optional
        A Speech Commands tree or ``"synthetic"`` (:func:`~phaselab.data.speech_commands.resolve_data_root`).
    verbose : bool
        Print a line per finished run.

    Returns
    -------
    list of dict
        One row per run with the keys of :data:`ROW_KEYS`: test ``accuracy`` and
        ``macro_f1`` (over the classes present), ``params``, ``mflops`` (forward pass per
        clip, :func:`phaselab.nn.cost.flops`), ``seconds`` of training (wall clock, this
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
                batches_per_epoch=budget.steps_per_epoch,
            )
            validation = ValidationScores(make_eval_dataset(held_out["validation"], CLASSES, 64), CLASSES)
            start = time.perf_counter()
            history = model.fit(
                train, epochs=budget.epochs, steps_per_epoch=budget.steps_per_epoch, callbacks=[validation],
                shuffle=False, verbose=0,  # make_dataset deals the batches shuffled already
            )
            seconds = time.perf_counter() - start
            tester = ValidationScores(make_eval_dataset(held_out["test"], CLASSES, 64), CLASSES, prefix="test_")
            tester.set_model(model)
            test = tester.score()
            row = {
                "encoding": encoding, "seed": int(seed), "accuracy": test["accuracy"], "macro_f1": test["macro_f1"],
                "params": int(model.count_params()), "mflops": flops(model) / 1e6, "seconds": seconds,
                "val_macro_f1": [float(v) for v in history.history["val_macro_f1"]],
            }
            rows.append(row)
            if verbose:
                print(f"{encoding:<12} seed {seed}: test accuracy {row['accuracy']:.3f}, "
                      f"macro F1 {row['macro_f1']:.3f}, {seconds:.0f} s", flush=True)
    return rows


def chance_macro_f1(data: str | None = "synthetic", split: str = "test", draws: int = 200, seed: int = 0) -> float:
    """Mean macro F1 of guessing uniformly among the 12 classes, on one split: the floor to beat.

    Parameters
    ----------
    data : str, optional
        A Speech Commands tree or ``"synthetic"``.
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
        ``*_std`` (sample standard deviation, NaN for a single run: :func:`~phaselab.training.scores.mean_sd`), ``params``, ``mflops``.
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
            f"{e['encoding']:<13}{e['runs']:>5}{format_mean_sd(e['accuracy'], e['accuracy_std']):>17}"
            f"{format_mean_sd(e['macro_f1'], e['macro_f1_std']):>17}{e['params']:>9,}{e['mflops']:>8.1f}"
            f"{format_mean_sd(e['seconds'], e['seconds_std'], '.0f'):>12}"
        )
    return "\n".join(lines)
