"""Which encoding tells speech from speech-like noise? Small CNNs fitted on the speech-or-noise task, per seed.

:func:`fit_speech_noise` trains one :func:`phaselab.nn.encoding_nets.encoding_model` on the task
of :mod:`phaselab.studies.speech_noise` with :func:`phaselab.training.loop.train`;
:func:`compare_encodings_on_speech_noise` does it for several encodings and seeds and
:func:`summarise_seeds` gives accuracy per kind of example and ROC AUC with their spread
(``benchmarks/experiments/speech_noise_models.py`` writes the results file, :func:`load_results` reads it).

Notebook: ``06_speech_or_noise.ipynb``
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from phaselab.studies.speech_noise import (
    KINDS,
    make_speech_noise_examples,
)
from phaselab.training.config import TrainConfig, TrainResult
from phaselab.training.inference import forward
from phaselab.training.loop import Examples
from phaselab.training.loop import train as train_model
from phaselab.training.scores import format_mean_sd, mean_sd, roc_auc

__all__ = ["SPEECH_NOISE_CLASSES", "fit_speech_noise", "kind_accuracy", "compare_encodings_on_speech_noise", "summarise_seeds", "format_seed_summary", "load_results", "plot_speech_noise_curves",
           "speech_probability", "speech_noise_study"]


SPEECH_NOISE_CLASSES: tuple[str, ...] = ("noise", "speech")
"""The two classes of the speech-or-noise models, in their output order."""


def fit_speech_noise(
    encoding: str,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    run_dir: str | os.PathLike,
    epochs: int = 5,
    filters: tuple[int, ...] = (8, 16, 32),
    seed: int = 0,
    verbose: int = 0,
    learning_rate: float = 1e-3,
) -> TrainResult:
    """Train an ``enc-small`` model (:func:`~phaselab.nn.encoding_nets.encoding_model`) on (noise, speech).

    Through :func:`~phaselab.training.loop.train`, with the recipe: Adam at a constant ``learning_rate``,
    cross-entropy, batches of 32, no augmentation (the examples are made already), a fresh seeded order each epoch.

    Parameters
    ----------
    encoding : str
        One of :data:`phaselab.signal.encodings.ENCODINGS`.
    train, validation : (audio, labels)
        From :func:`phaselab.studies.speech_noise.make_speech_noise_set`: audio (n, samples),
        labels (n,) with 1 for speech.
    run_dir : path-like
        The run directory (:func:`~phaselab.training.loop.train`'s; must not exist or be empty).
    epochs, seed : int
    filters : tuple of ints
        Of the model body.
    verbose : int
        :func:`~phaselab.training.loop.train`'s.
    learning_rate : float
        Adam's (constant).

    Returns
    -------
    TrainResult
        ``model``: audio -> ``(batch, 2)`` probabilities of (noise, speech); ``history``:
        ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, ... per epoch.
    """
    kwargs = {"encoding": encoding, "filters": list(filters), "samples": int(np.shape(train[0])[1])}
    config = TrainConfig("enc-small", model_kwargs=kwargs,
                         data="speech-or-noise", epochs=epochs, learning_rate=learning_rate, schedule="constant", seed=seed)
    return train_model(config, run_dir, verbose=verbose, examples=Examples(SPEECH_NOISE_CLASSES, train, validation))


def kind_accuracy(scores: np.ndarray, kinds: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy overall and on each kind of sound of :data:`phaselab.studies.speech_noise.KINDS`.

    Parameters
    ----------
    scores : np.ndarray, shape (n,)
        Probability of speech.
    kinds : np.ndarray, shape (n,)
        Index into ``KINDS``; only ``speech`` (0) should score above ``threshold``.

    Returns
    -------
    dict
        ``{"accuracy": ..., "speech": ..., "twin": ..., ...}``; NaN for a kind absent from ``kinds``.
    """
    correct = (np.asarray(scores) > threshold) == (np.asarray(kinds) == KINDS.index("speech"))
    result = {"accuracy": float(correct.mean())}
    for i, kind in enumerate(KINDS):
        chosen = kinds == i
        result[kind] = float(correct[chosen].mean()) if chosen.any() else float("nan")
    return result


def compare_encodings_on_speech_noise(
    encodings: Sequence[str],
    splits: dict[str, Sequence[np.ndarray]],
    sizes: dict[str, int],
    epochs: int,
    seed: int = 0,
    filters: tuple[int, ...] = (8, 16, 32),
    noises: Mapping[str, Sequence[np.ndarray]] | None = None,
) -> dict[str, dict]:
    """Train one speech-or-noise model per encoding on the same sets and score each on held-out voices.

    Parameters
    ----------
    encodings : sequence of str
        Names of :data:`phaselab.signal.encodings.ENCODINGS`.
    splits : {"train": clips, "validation": clips, "test": clips}
        Speech clips of each split (different voices in each).
    sizes : {"train": n, "validation": n, "test": n}
        Examples made from each split's clips (:func:`~phaselab.studies.speech_noise.make_speech_noise_examples`).
    epochs, seed : int
    filters : tuple of ints
    noises : {"train": recordings, "validation": ..., "test": ...}, optional
        Background recordings for each split's ``noise`` kind (coloured noise where absent).

    Returns
    -------
    dict
        Per encoding: ``history`` (per-epoch ``loss``, ``accuracy``, ``val_loss``,
        ``val_accuracy``), ``test`` (:func:`kind_accuracy` on the test set), ``params``,
        ``seconds`` (training wall time). The runs go to a temporary folder.
    """
    import tempfile
    import time

    noises = noises or {}
    sets = {
        name: make_speech_noise_examples(splits[name], sizes[name], seed + i, noises=noises.get(name, ()))
        for i, name in enumerate(("train", "validation", "test"))
    }
    binary = {name: (audio, (kinds == 0).astype(np.int64)) for name, (audio, kinds) in sets.items()}
    results = {}
    with tempfile.TemporaryDirectory(prefix="phaselab-speech-noise-") as runs:
        for encoding in encodings:
            start = time.perf_counter()
            fitted = fit_speech_noise(encoding, binary["train"], binary["validation"], Path(runs) / encoding,
                                      epochs=epochs, filters=filters, seed=seed)
            seconds = time.perf_counter() - start
            test_audio, test_kinds = sets["test"]
            scores = speech_probability(fitted.model, test_audio)
            results[encoding] = {
                "history": {key: fitted.history[key] for key in ("loss", "accuracy", "val_loss", "val_accuracy")},
                "test": kind_accuracy(scores, test_kinds),
                "auc": roc_auc(scores, test_kinds == KINDS.index("speech")),
                "params": int(fitted.model.count_params()),
                "seconds": seconds,
            }
    return results


def summarise_seeds(runs: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Mean and sample standard deviation over seeds of :func:`compare_encodings_on_speech_noise`'s results.

    Parameters
    ----------
    runs : {seed: {encoding: result}}
        One :func:`compare_encodings_on_speech_noise` result per seed; every seed must
        hold the same encodings.

    Returns
    -------
    dict
        Per encoding, in the first seed's order: ``seeds`` (how many), the mean of
        ``accuracy`` and of each kind's accuracy (:data:`~phaselab.studies.speech_noise.KINDS`)
        on the test set and of ``seconds`` (training wall time, s), each with its sample
        standard deviation under ``<key>_std`` (NaN for a single seed: :func:`~phaselab.training.scores.mean_sd`), and ``params``.
    """
    if not runs:
        raise ValueError("no runs to summarise")
    encodings = list(next(iter(runs.values())))
    for seed, results in runs.items():
        if list(results) != encodings:
            raise ValueError(f"seed {seed} has encodings {list(results)}, the first seed {encodings}")
    summary = {}
    for encoding in encodings:
        results = [run[encoding] for run in runs.values()]
        params = {result["params"] for result in results}
        if len(params) != 1:
            raise ValueError(f"{encoding}: the seeds' models differ in size ({sorted(params)} parameters)")
        entry: dict[str, Any] = {"seeds": len(results)}
        for key in ("accuracy", *KINDS, "seconds", "auc"):
            if key == "auc" and not all("auc" in result for result in results):
                continue
            values = [result[key] if key in ("seconds", "auc") else result["test"][key] for result in results]
            entry[key], entry[f"{key}_std"] = mean_sd(values)
        entry["params"] = params.pop()
        summary[encoding] = entry
    return summary


def format_seed_summary(summary: Mapping[str, Mapping[str, Any]]) -> str:
    """Plain-text table of :func:`summarise_seeds`: mean ± standard deviation over the seeds."""
    keys = ("accuracy", *KINDS) + (("auc",) if all("auc" in e for e in summary.values()) else ())
    lines = [f"{'encoding':<11}{'seeds':>6}{'params':>8}{'train s':>12}" + "".join(f"{k:>16}" for k in keys)]
    for encoding, e in summary.items():
        scores = "".join(f"{format_mean_sd(e[k], e[f'{k}_std']):>16}" for k in keys)
        seconds = f"{format_mean_sd(e['seconds'], e['seconds_std'], '.0f'):>12}"
        lines.append(f"{encoding:<11}{e['seeds']:>6}{e['params']:>8,}{seconds}{scores}")
    return "\n".join(lines)


def load_results(path: str | os.PathLike) -> dict[str, Any] | None:
    """A results file of ``benchmarks/experiments/speech_noise_models.py`` or ``train_speech_detector.py``, or None if absent.

    Notebook: ``06_speech_or_noise`` (sections 4 and 5).
    """
    import json

    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def plot_speech_noise_curves(results: dict[str, dict], title: str = "") -> Any:
    """Learning curves of :func:`compare_encodings_on_speech_noise`'s models: loss and accuracy per epoch.

    Parameters
    ----------
    results : dict
        ``{encoding: {"history": {...}}}``.
    title : str

    Returns
    -------
    matplotlib Figure
        Two panels; per encoding one colour, training solid, validation (held-out voices) dashed.
    """
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 3.5), layout="constrained")
    for i, (encoding, result) in enumerate(results.items()):
        history = result["history"]
        epochs = np.arange(1, len(history["loss"]) + 1)
        for ax, key in zip(axes, ("loss", "accuracy")):
            ax.plot(epochs, history[key], color=f"C{i}", marker="o", label=f"{encoding} (training)")
            if f"val_{key}" in history:
                ax.plot(epochs, history[f"val_{key}"], color=f"C{i}", linestyle="--", marker="o",
                        label=f"{encoding} (validation)")
    for ax, key in zip(axes, ("loss", "accuracy")):
        ax.set(xlabel="epoch", ylabel=key)
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize="small")
    if title:
        figure.suptitle(title)
    return figure


def speech_probability(model: keras.Model, audio: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """A speech-or-noise model's probability of speech for a batch of clips.

    Parameters
    ----------
    model : keras.Model
        Two softmax outputs, ``[noise, speech]`` (as :func:`fit_speech_noise` trains them).
    audio : np.ndarray, shape (n, samples), float
        16 kHz clips of :data:`~phaselab.constants.MODEL_SAMPLES` samples.

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    return forward(model, audio, batch_size)[:, 1]  # called, not model.predict: no graph traced per model


def speech_noise_study(path: str | os.PathLike | None = None, baseline: str = "magnitude") -> dict[str, Any] | None:
    """Chapter 06's three-seed comparison read back: the table it shows and each encoding's ROC AUC against magnitude.

    Parameters
    ----------
    path : path-like, optional
        A results file of ``benchmarks/experiments/speech_noise_models.py``; by default the committed one,
        ``benchmarks/results/speech_noise_real.json`` (:func:`phaselab.paths.results_dir`).
    baseline : str
        The encoding the others are compared with.

    Returns
    -------
    dict or None
        None when there are no results yet; else ``settings`` and ``machine`` (as recorded),
        ``runs`` ({seed: {encoding: result}}), ``summary`` (:func:`summarise_seeds`'s, as
        recorded), ``table`` (:func:`format_seed_summary`), ``gaps`` (encoding -> its ROC AUC
        minus the baseline's, seed by seed), ``verdicts`` (encoding -> ``(mean, low, high)``,
        :func:`phaselab.training.scores.seed_interval` of the gaps, 95 %) and ``differences``
        (one line of text per encoding).

    Examples
    --------
    >>> study = speech_noise_study()
    >>> sorted(study["verdicts"])
    ['if', 'mag_if']

    Notebook: ``06_speech_or_noise`` (section 4).
    """
    from phaselab.paths import results_dir
    from phaselab.training.scores import seed_interval

    full = load_results(results_dir() / "speech_noise_real.json" if path is None else path)
    if full is None:
        return None
    runs, summary = full["runs"], full["summary"]
    gaps = {encoding: [run[encoding]["auc"] - run[baseline]["auc"] for run in runs.values()]
            for encoding in summary if encoding != baseline}
    verdicts = {encoding: seed_interval(values) for encoding, values in gaps.items()}
    differences = "\n".join(
        f"{encoding} − {baseline}, ROC AUC: seed by seed {np.round(gaps[encoding], 3)}, mean {mean:+.3f}, "
        f"95 % interval over seeds {low:+.3f} .. {high:+.3f}" for encoding, (mean, low, high) in verdicts.items())
    return {"settings": full["settings"], "machine": full["machine"], "runs": runs, "summary": summary,
            "table": format_seed_summary(summary), "gaps": gaps, "verdicts": verdicts, "differences": differences}

