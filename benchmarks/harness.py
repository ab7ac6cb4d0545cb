"""What every benchmark script shares: environment, paths, quick mode, timers, machine line, seed tables.

A script in ``benchmarks/speed/`` or ``benchmarks/experiments/`` imports this module first, before
NumPy, TensorFlow or phaselab, so that the environment is set before TensorFlow loads::

    import sys
    from pathlib import Path

    if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    import harness  # first: sets the environment before TensorFlow loads
    import numpy as np

Both ``python benchmarks/speed/bench_phased.py`` and ``python -m benchmarks.speed.bench_phased``
(from the repository root) work. Importing this module loads no TensorFlow (only the light
:mod:`phaselab.paths` and :mod:`phaselab.book.chapters`); :func:`machine` loads Keras when called.
Results are written with :func:`phaselab.atomic.write_json` (``write_json(value, path)``).
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["REPO", "RESULTS", "BUILD", "quick", "Timer", "timer", "rate", "median_seconds",
           "machine", "machine_line",
           "summarise_runs", "format_run_summary", "summarise_juries", "format_jury_summary", "loop_phased_spectrogram",
           "split_probabilities"]

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter off (before it loads)
os.environ["MPLBACKEND"] = "Agg"  # benchmarks draw into files only, never on a screen

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # this checkout's phaselab, even when not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phaselab.book.chapters import quick  # noqa: E402  (after the environment)
from phaselab.paths import build_dir, repo_root, results_dir  # noqa: E402

REPO = repo_root()
"""The repository: the folder that holds ``benchmarks/``, ``data/`` and ``phaselab/``."""
RESULTS = results_dir()
"""Where the experiments and benchmarks write their JSON (read by notebooks, tests and the findings page)."""
BUILD = build_dir()
"""Scratch space (``$PHASELAB_BUILD`` or ``build/``): run directories of the experiments (``build/experiments/...``)."""


class Timer:
    """Seconds of a ``with`` block (``time.perf_counter``); ``seconds`` is set when the block ends."""

    def __init__(self) -> None:
        self.start = 0.0
        self.seconds = math.nan

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def timer() -> Timer:
    """``with timer() as t: ...``, then ``t.seconds``."""
    return Timer()


def rate(fn: Callable[[], object], repeats: int, per_call: float = 1, warmup: int = 1) -> float:
    """Items per second of ``fn``: ``warmup`` untimed calls (tracing, compiling), then ``repeats`` calls timed together.

    ``per_call`` is the number of items (clips, frames) one call handles.

    Examples
    --------
    >>> rate(lambda: sum(range(100)), repeats=3, per_call=100) > 0
    True
    """
    for _ in range(warmup):
        fn()
    with Timer() as t:
        for _ in range(repeats):
            fn()
    return repeats * per_call / t.seconds


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median seconds of one call of ``fn`` over ``repeats`` timed calls, after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        with Timer() as t:
            fn()
        times.append(t.seconds)
    return float(statistics.median(times))


def machine() -> str:
    """:func:`phaselab.nn.cost.describe_machine`: CPU, cores, GPUs and Keras backend, in one line (loads Keras)."""
    from phaselab.nn.cost import describe_machine

    return describe_machine()


def machine_line() -> str:
    """``"machine: ..."``, the header line a speed benchmark prints first."""
    return f"machine: {machine()}"


_RUN_SCORES = (("train_voices", "macro_f1"), ("heldout_voices", "macro_f1"),
               ("train_voices", "command_recall"), ("heldout_voices", "command_recall"))


def summarise_runs(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and spread over seeds of each model's scores on train voices and held-out voices.

    Parameters
    ----------
    rows : sequence of dict
        One per run, as ``benchmarks/experiments/keyword_models.py`` writes them: ``model``, ``seed``,
        ``params``, ``mflops``, ``train_seconds`` and ``train_voices`` / ``heldout_voices``
        dicts holding ``macro_f1`` and ``command_recall``.

    Returns
    -------
    list of dict
        One per model, in order of first appearance: ``model``, ``seeds`` (list), ``params``,
        ``mflops``, ``minutes`` (mean training time), and for each of :data:`_RUN_SCORES`
        ``<split>_<score>`` (mean) and ``..._sd`` (:func:`phaselab.training.scores.mean_sd`: NaN for one seed).
    """
    from phaselab.training.scores import mean_sd

    if not rows:
        raise ValueError("no runs to summarise")
    summary = []
    for model in dict.fromkeys(row["model"] for row in rows):
        runs = [row for row in rows if row["model"] == model]
        entry = {"model": model, "seeds": [row["seed"] for row in runs], "params": runs[0]["params"],
                 "mflops": runs[0]["mflops"], "minutes": statistics.fmean(r["train_seconds"] for r in runs) / 60}
        for split, score in _RUN_SCORES:
            entry[f"{split}_{score}"], entry[f"{split}_{score}_sd"] = mean_sd(row[split][score] for row in runs)
        summary.append(entry)
    return summary


def format_run_summary(summary: Sequence[dict[str, Any]]) -> str:
    """A plain-text table of :func:`summarise_runs`: mean ± sd over seeds per model."""
    from phaselab.training.scores import format_mean_sd

    header = (f"{'model':<13}{'seeds':>6}{'params':>11}{'MFLOPs':>8}{'minutes':>9}  "
              f"{'macro F1: train voices':>23}{'held-out voices':>17}  "
              f"{'command recall: train':>22}{'held-out':>15}")
    lines = [header]
    for e in summary:
        scores = [format_mean_sd(e[f"{split}_{score}"], e[f"{split}_{score}_sd"]) for split, score in _RUN_SCORES]
        lines.append(f"{e['model']:<13}{len(e['seeds']):>6}{e['params']:>11,}{e['mflops']:>8.0f}{e['minutes']:>9.1f}  "
                     f"{scores[0]:>23}{scores[1]:>17}  {scores[2]:>22}{scores[3]:>15}")
    return "\n".join(lines)


def summarise_juries(items: Sequence[dict[str, Any]], juries: Sequence[str], target: float = 0.9) -> list[dict[str, Any]]:
    """Macro F1 of runs (or ensembles) of each model and recipe, as judged by several test sets.

    Parameters
    ----------
    items : sequence of dict
        One per run or ensemble, as ``benchmarks/experiments/heldout_voices.py`` writes them: ``model``,
        ``recipe`` and, for each name in ``juries``, a dict holding ``macro_f1``.
    juries : sequence of str
        Keys of the test sets (e.g. ``("bundled_test", "heldout_40")``).
    target : float
        A macro F1 to count the items reaching, on the last jury.

    Returns
    -------
    list of dict
        One per (model, recipe), in order of first appearance: ``model``, ``recipe``, ``n``,
        for each jury ``<jury>`` (mean macro F1), ``<jury>_sd`` (NaN for one item),
        ``<jury>_min`` and ``<jury>_max``, ``target`` and ``reached`` (items with macro F1 >=
        ``target`` on the last jury).
    """
    from phaselab.training.scores import mean_sd

    if not items:
        raise ValueError("nothing to summarise")
    summary = []
    for key in dict.fromkeys((item["model"], item["recipe"]) for item in items):
        group = [item for item in items if (item["model"], item["recipe"]) == key]
        entry: dict[str, Any] = {"model": key[0], "recipe": key[1], "n": len(group)}
        for jury in juries:
            values = [item[jury]["macro_f1"] for item in group]
            entry[jury], entry[f"{jury}_sd"] = mean_sd(values)
            entry.update({f"{jury}_min": min(values), f"{jury}_max": max(values)})
        entry["target"], entry["reached"] = target, sum(item[juries[-1]]["macro_f1"] >= target for item in group)
        summary.append(entry)
    return summary


def format_jury_summary(summary: Sequence[dict[str, Any]], juries: dict[str, str]) -> str:
    """A plain-text table of :func:`summarise_juries`; ``juries`` maps each key to a column title."""
    from phaselab.training.scores import format_mean_sd

    header = f"{'model':<12} {'recipe':<42}{'n':>3}" + "".join(f"{title:>28}" for title in juries.values())
    header += f"  >= {summary[0]['target']:g} (last)" if summary else ""
    lines = [header]
    for e in summary:
        cells = [f"{format_mean_sd(e[jury], e[f'{jury}_sd'])} [{e[f'{jury}_min']:.2f}-{e[f'{jury}_max']:.2f}]"
                 for jury in juries]
        lines.append(f"{e['model']:<12} {e['recipe'][:42]:<42}{e['n']:>3}" + "".join(f"{c:>28}" for c in cells)
                     + f"  {e['reached']:>5} of {e['n']}")
    return "\n".join(lines)


def loop_phased_spectrogram(audio: Any, n_phases: int = 10) -> Any:
    """The phased spectrogram the straightforward way (the original study's): one chord distance per knot in a
    Python loop, then ``tf.stack``: the formulation the speed benchmarks compare phaselab's layer with.

    ``audio`` is a ``(batch, samples)`` float32 tensor; returns ``(batch, frames, 129, n_phases)``.
    """
    import numpy as np
    import tensorflow as tf

    from phaselab.signal.kernels import default_sigma, phase_knots

    spec = tf.signal.stft(audio, 256, 64, 256, window_fn=tf.signal.hann_window, pad_end=True)
    magnitude = tf.abs(spec)
    u = spec / tf.cast(magnitude + 1e-5, tf.complex64)
    log_mag = tf.math.log1p(magnitude)
    sigma = default_sigma(n_phases)
    slices = []
    for knot in phase_knots(n_phases):
        u_k = tf.complex(np.float32(np.cos(knot)), np.float32(np.sin(knot)))
        chord2 = tf.square(tf.abs(u - u_k))
        slices.append(log_mag * tf.exp(-0.5 * chord2 / sigma**2))
    return tf.stack(slices, axis=-1)


def split_probabilities(model: Any, data: str | os.PathLike = "real", split: str = "test",
                        batch_size: int = 64) -> tuple[Any, Any]:
    """The true classes ``(n,)`` and the keyword model's class probabilities ``(n, 12)`` of every clip of one split.

    ``model``: a ``.keras`` file, a run directory or a model; ``data``: a bundled set's name or a Speech
    Commands tree. Preprocessed as :func:`phaselab.training.inference.evaluate` does (its private
    ``_load`` and ``_probabilities``, tested in ``tests/training/test_inference.py``); for measuring what a
    threshold does without scoring twice. Loads TensorFlow when called.
    """
    from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
    from phaselab.training.inference import _load, _probabilities

    return _probabilities(_load(model), SpeechCommands(resolve_data_root(data)), split, batch_size)
