"""Circular 3x3x3 convolutions of the reference 3D CNN: ``CircularPad`` + ``Conv3D`` against two rewrites.

Issue 5 asks for the reference architecture to train at least 1.5x faster than its
straightforward build on a CPU; ``bench_train.py`` finds about 1.0x in float32, because
the Conv3D layers (unchanged between the two builds) take nearly all the time. This script
asks whether another *implementation* of the same convolutions -- same weights, same outputs
-- would be faster. A 3x3x3 convolution whose phase axis wraps around is, for each output
phase slice ``p``, a 2D convolution over (time, frequency) of the slices ``p - 1, p, p + 1``:

``conv3d`` (ours, :mod:`phaselab.nn.models`)
    Pad the phase axis by one slice each side (a gather) and run ``Conv3D`` ('valid', the last 'same').
``fold-in``
    Stack each slice's three phase neighbours along the channels (``3 C`` channels) and run
    one ``Conv2D`` over the batch of ``B * P`` slices with the kernel reshaped to
    ``(3, 3, 3 C, filters)``.
    The fifth convolution ('same' on the wrapped axis, 12 output slices) reads a zero slice
    where its taps fall off the padded axis, as Conv3D's zero padding does.
``phase-dft``
    :func:`phaselab.nn.circular.circular_conv3d`: a DFT along the phase axis turns the
    circular convolution into one complex 2D convolution per phase frequency, 14 real 2D
    convolutions for ``P = 10`` instead of the direct form's 30 (36 for the fifth conv's 12
    slices, which the rewrite gets from the 10 circular ones and two one-tap corrections).

Each formulation is checked against ``conv3d`` (outputs and gradients), then timed as a
training step would use it (forward, and gradients with respect to input and kernel) for the
five 3x3x3 convolutions of the reference model at their input shapes; the ratio is
``conv3d`` time / rewrite time (above 1: the rewrite is faster).

Run: ``python benchmarks/speed/bench_circular_conv.py [--batch 8] [--repeats 5]``.
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

from phaselab.nn.circular import circular_conv3d

LAYERS = (  # input (time, freq, phase, channels), filters, (time, freq) stride, padding: conv3d_1 .. conv3d_5
    ((256, 129, 10, 1), 16, (2, 2), "valid"),
    ((127, 64, 10, 16), 32, (2, 2), "valid"),
    ((63, 31, 10, 32), 64, (1, 1), "valid"),
    ((61, 29, 10, 64), 128, (1, 1), "valid"),
    ((59, 27, 10, 128), 256, (1, 1), "same"),
)

Conv = Callable[[tf.Tensor, tf.Tensor, tuple[int, int], str], tf.Tensor]


def conv3d(x: tf.Tensor, kernel: tf.Tensor, strides: tuple[int, int], padding: str) -> tf.Tensor:
    """Ours: wrap-around pad of the phase axis by one slice each side, then Conv3D."""
    padded = tf.gather(x, np.arange(-1, x.shape[3] + 1) % x.shape[3], axis=3)
    return tf.nn.conv3d(padded, kernel, strides=(1, *strides, 1, 1), padding=padding.upper())


def phase_neighbours(phases: int, padding: str) -> np.ndarray:
    """``(P_out, 3)``: the input slice each phase tap of each output slice reads; ``phases`` = a zero slice.

    The input is wrapped by one slice each side first (``P + 2`` slices, padded slice ``q`` is
    input slice ``(q - 1) mod P``); 'valid' then gives ``P`` outputs, 'same' ``P + 2`` (taps
    beyond the padded axis read zeros).
    """
    outputs = phases if padding == "valid" else phases + 2
    padded = np.arange(outputs)[:, None] + np.arange(3)[None, :] - (padding != "valid")  # in the padded axis
    inside = (padded >= 0) & (padded < phases + 2)
    return np.where(inside, (padded - 1) % phases, phases)


def fold_in(x: tf.Tensor, kernel: tf.Tensor, strides: tuple[int, int], padding: str) -> tf.Tensor:
    """Each output slice's three phase inputs stacked as channels, one Conv2D over all slices."""
    _, time_, freq, phases, channels = x.shape
    neighbours = phase_neighbours(phases, padding)
    slices = tf.transpose(x, (0, 3, 1, 2, 4))  # (B, P, T, F, C)
    slices = tf.concat([slices, tf.zeros_like(slices[:, :1])], axis=1)  # slice P: zeros
    slices = tf.gather(slices, neighbours.ravel(), axis=1)  # (B, P_out * 3, T, F, C)
    slices = tf.reshape(slices, (-1, len(neighbours), 3, time_, freq, channels))
    slices = tf.reshape(tf.transpose(slices, (0, 1, 3, 4, 2, 5)), (-1, time_, freq, 3 * channels))
    out = tf.nn.conv2d(slices, tf.reshape(kernel, (3, 3, 3 * channels, -1)), (1, *strides, 1), padding.upper())
    out = tf.reshape(out, (-1, len(neighbours), *out.shape[1:]))
    return tf.transpose(out, (0, 2, 3, 1, 4))


def training_step(conv: Conv, kernel: tf.Variable, strides: tuple[int, int], padding: str) -> Callable[[tf.Tensor], list]:
    """A compiled function: the output and the gradients of its squared sum w.r.t. input and kernel."""

    @tf.function
    def step(x: tf.Tensor) -> list:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = conv(x, kernel, strides, padding)
            loss = tf.reduce_sum(tf.square(y))
        return [y, *tape.gradient(loss, [x, kernel])]

    return step


def median_seconds(step: Callable[[tf.Tensor], list], x: tf.Tensor, repeats: int) -> float:
    """Median seconds of one step (outputs fetched), after one untimed step that traces it."""
    return harness.median_seconds(lambda: [t.numpy() for t in step(x)], repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    tf.get_logger().setLevel("ERROR")  # one tf.function per layer and formulation: retracing is expected
    rewrites = {"fold-in": fold_in, "phase-dft": circular_conv3d}
    print(harness.machine_line())
    print(f"forward + gradients, batch {args.batch}, median of {args.repeats}")
    print(f"{'layer input':>20} {'filters':>7} {'conv3d s':>9}" + "".join(f" {name + ' s':>10} {'ratio':>6}" for name in rewrites))
    totals = dict.fromkeys(["conv3d", *rewrites], 0.0)
    for shape, filters, strides, padding in LAYERS:
        x = tf.constant(rng.standard_normal((args.batch, *shape)).astype(np.float32))
        kernel = tf.Variable(0.1 * rng.standard_normal((3, 3, 3, shape[-1], filters)).astype(np.float32))
        ours = training_step(conv3d, kernel, strides, padding)
        expected = [t.numpy() for t in ours(x)]
        seconds = {"conv3d": median_seconds(ours, x, args.repeats)}
        for name, conv in rewrites.items():
            step = training_step(conv, kernel, strides, padding)
            for got, want in zip(step(x), expected):
                scale = np.abs(want).max()
                np.testing.assert_allclose(got.numpy() / scale, want / scale, atol=1e-4, err_msg=name)
            seconds[name] = median_seconds(step, x, args.repeats)
        for name, value in seconds.items():
            totals[name] += value
        cells = "".join(f" {seconds[name]:10.3f} {seconds['conv3d'] / seconds[name]:5.2f}x" for name in rewrites)
        print(f"{str(shape):>20} {filters:>7} {seconds['conv3d']:9.3f}{cells}")
    cells = "".join(f" {totals[name]:10.3f} {totals['conv3d'] / totals[name]:5.2f}x" for name in rewrites)
    print(f"{'all five':>20} {'':>7} {totals['conv3d']:9.3f}{cells}")


if __name__ == "__main__":
    main()
