"""Phased-spectrogram throughput: our NumPy reference and Keras layer against the loop formulation.

The straightforward formulation (the original study's) loops over the phase knots in
Python, computing the squared chord distance to each knot and stacking the slices with
``tf.stack``. Ours computes every knot at once by broadcasting. Batch of 64 one-second
clips padded to 16384 samples, frame_length 256, frame_step 64, 10 phases.

Run: ``python benchmarks/speed/bench_phased.py [--repeats N]``. Prints clips/s and ratios.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment before TensorFlow loads
import numpy as np
import tensorflow as tf

from phaselab.nn.features import PhasedSpectrogram
from phaselab.signal.encodings import phased_spectrogram

BATCH, SAMPLES, N_PHASES = 64, 16384, 10


def loop_formulation(audio: tf.Tensor) -> tf.Tensor:
    """The original study's way: one chord distance per knot in a Python loop, then tf.stack."""
    return harness.loop_phased_spectrogram(audio, N_PHASES)


def clips_per_second(fn: Callable[[], object], repeats: int) -> float:
    """Clips/s of ``fn`` (one batch per call) over ``repeats`` calls, after one warm-up (tracing, compilation)."""
    return harness.rate(fn, repeats, per_call=BATCH)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    audio = np.random.default_rng(0).standard_normal((BATCH, SAMPLES)).astype(np.float32) * 0.1
    batch = tf.constant(audio)
    layer = PhasedSpectrogram(n_phases=N_PHASES)
    np.testing.assert_allclose(layer(batch).numpy(), loop_formulation(batch).numpy(), atol=1e-4)

    graph_loop = tf.function(loop_formulation)
    graph_layer = tf.function(layer)
    xla_layer = tf.function(layer, jit_compile=True)
    results = {
        "loop, eager (straightforward)": clips_per_second(lambda: loop_formulation(batch).numpy(), args.repeats),
        "loop, tf.function": clips_per_second(lambda: graph_loop(batch).numpy(), args.repeats),
        "NumPy reference (one clip at a time)": clips_per_second(
            lambda: [phased_spectrogram(clip) for clip in audio], max(1, args.repeats // 2)
        ),
        "PhasedSpectrogram layer, eager": clips_per_second(lambda: layer(batch).numpy(), args.repeats),
        "PhasedSpectrogram layer, tf.function": clips_per_second(lambda: graph_layer(batch).numpy(), args.repeats),
        "PhasedSpectrogram layer, XLA": clips_per_second(lambda: xla_layer(batch).numpy(), args.repeats),
    }
    base = results["loop, eager (straightforward)"]
    graph_base = results["loop, tf.function"]
    print(harness.machine_line())
    print(f"batch {BATCH} x {SAMPLES} samples, frame 256 / hop 64, {N_PHASES} phases")
    print(f"{'formulation':40s} {'clips/s':>10s} {'vs eager loop':>14s} {'vs graph loop':>14s}")
    for name, rate in results.items():
        print(f"{name:40s} {rate:10.1f} {rate / base:13.2f}x {rate / graph_base:13.2f}x")


if __name__ == "__main__":
    main()
