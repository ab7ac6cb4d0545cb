"""What every benchmark script shares: environment, paths, quick mode, timers, machine line, JSON results.

A script in ``benchmarks/speed/`` or ``benchmarks/experiments/`` imports this module first, before
NumPy, TensorFlow or phaselab, so that the environment is set before TensorFlow loads::

    import sys
    from pathlib import Path

    if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    import harness  # first: sets the environment before TensorFlow loads
    import numpy as np

Both ``python benchmarks/speed/bench_phased.py`` and ``python -m benchmarks.speed.bench_phased``
(from the repository root) work. Importing this module loads neither TensorFlow nor phaselab;
:func:`machine` and :func:`write_json` import what they need when called.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["REPO", "RESULTS", "BUILD", "quick", "Timer", "timer", "rate", "median_seconds",
           "machine", "machine_line", "write_json"]

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter off (before it loads)
os.environ["MPLBACKEND"] = "Agg"  # benchmarks draw into files only, never on a screen

REPO = Path(__file__).resolve().parents[1]
"""The repository: the folder that holds ``benchmarks/``, ``data/`` and ``phaselab/``."""
RESULTS = REPO / "benchmarks" / "results"
"""Where the experiments and benchmarks write their JSON (read by notebooks, tests and the findings page)."""
BUILD = REPO / "build"
"""Scratch space: run directories of the experiments (``build/experiments/...``)."""


def quick() -> bool:
    """Whether ``PHASELAB_QUICK=1`` asks for the mechanics only (as in the chapters and ``make test``)."""
    return os.environ.get("PHASELAB_QUICK") == "1"


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


def write_json(path: str | os.PathLike, data: Any, indent: int | None = 1) -> Path:
    """Write ``data`` as JSON atomically with :func:`phaselab.atomic.write_json` (NaN as ``null``); returns the path.

    The folder is created if it is missing.
    """
    from phaselab.atomic import write_json as write

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write(data, path, indent=indent)


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
