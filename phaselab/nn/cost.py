"""What a training run costs: measured throughput, memory per batch, and the time of a full run.

:func:`training_rate` times real training steps of a compiled model on this machine;
:func:`training_memory` counts, from the layer shapes, the bytes a training step must
hold (every layer's output, kept for back-propagation, plus the weights, their gradients
and Adam's two moments); :func:`full_run_hours` turns a rate into the hours a run on the
real Speech Commands set takes. Chapter 04 uses them to say what a full run needs.
"""

from __future__ import annotations

import math
import os
import platform
import time
from collections.abc import Iterable
from typing import Any

import keras
import numpy as np

from phaselab.nn.circular import CircularConv3D
from phaselab.nn.features import (
    PhasedSpectrogram,
    Spectrogram,
)

__all__ = ["flops", "summary_table", "format_table", 
    "SPEECH_COMMANDS_CLIPS",
    "TRAIN_SHARE",
    "training_rate",
    "activation_bytes",
    "training_memory",
    "largest_batch",
    "full_run_hours",
    "describe_machine",
]

SPEECH_COMMANDS_CLIPS: dict[str, int] = {"v0.01": 64_727, "v0.02": 105_829}
"""WAV files of each Speech Commands release (background-noise files not counted)."""

TRAIN_SHARE = 0.8
"""Share of the clips in the training split: the release's hashing assigns about 10 % to
validation and 10 % to testing."""

_STATE_PER_WEIGHT = 4
"""Copies of each weight a training step holds: the weight, its gradient, Adam's two moments."""


def training_rate(model: keras.Model, batch_size: int, steps: int = 3, warmup: int = 1, seed: int = 0) -> float:
    """Clips per second that ``model`` trains at on this machine (random audio, one batch reused).

    Parameters
    ----------
    model : keras.Model
        Compiled; input ``(batch, samples)``, output ``(batch, classes)``.
    batch_size : int
        Clips per step.
    steps : int
        Timed ``train_on_batch`` steps.
    warmup : int
        Untimed steps first (the first step traces the graph).
    seed : int
        Seeds the random audio and labels.

    Returns
    -------
    float
        ``batch_size * steps / seconds`` (clips/s).
    """
    if batch_size < 1 or steps < 1 or warmup < 0:
        raise ValueError(f"need batch_size >= 1, steps >= 1, warmup >= 0; got {batch_size}, {steps}, {warmup}")
    if getattr(model, "optimizer", None) is None:
        raise ValueError(f"{model.name}: compile the model before timing its training")
    rng = np.random.default_rng(seed)
    samples, classes = model.input_shape[-1], model.output_shape[-1]
    audio = rng.normal(0.0, 0.1, (batch_size, samples)).astype(np.float32)
    labels = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, batch_size)]
    for _ in range(warmup):
        model.train_on_batch(audio, labels)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(audio, labels)
    return batch_size * steps / (time.perf_counter() - start)


def activation_bytes(model: keras.Model) -> int:
    """Bytes of every layer's output for one clip, in the layer's compute dtype.

    A training step keeps these for back-propagation, so they scale with the batch size.
    The model's input layer is counted too.
    """
    total = 0
    for layer in model.layers:
        shape = layer.output.shape[1:]
        total += math.prod(shape) * np.dtype(layer.compute_dtype).itemsize
    return total


def training_memory(model: keras.Model, batch_size: int) -> int:
    """Bytes a training step of ``model`` needs at least, with Adam.

    ``batch_size * activation_bytes(model)`` plus four float32 copies of every weight
    (the weight, its gradient and Adam's two moments). Frameworks need more on top
    (workspace of convolution algorithms, the input pipeline's prefetch buffers, the
    runtime itself), so treat it as a lower bound.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    return batch_size * activation_bytes(model) + _STATE_PER_WEIGHT * 4 * model.count_params()


def largest_batch(model: keras.Model, memory_bytes: float, headroom: float = 0.5) -> int:
    """The largest batch whose :func:`training_memory` fits in ``headroom * memory_bytes``.

    ``headroom`` leaves room for what :func:`training_memory` does not count. Returns 0 if
    not even the weights fit.
    """
    if not 0 < headroom <= 1:
        raise ValueError(f"headroom must be in (0, 1], got {headroom}")
    free = headroom * memory_bytes - _STATE_PER_WEIGHT * 4 * model.count_params()
    return max(0, int(free // activation_bytes(model)))


def full_run_hours(clips_per_s: float, epochs: int = 10, version: str = "v0.01") -> float:
    """Hours of training for ``epochs`` passes over a Speech Commands release's training split.

    Parameters
    ----------
    clips_per_s : float
        Measured training rate (e.g. :func:`training_rate`).
    epochs : int
        Passes over the training split (the original study ran 10).
    version : {"v0.01", "v0.02"}
        The release (:data:`SPEECH_COMMANDS_CLIPS`).

    Returns
    -------
    float
        ``epochs * TRAIN_SHARE * clips / clips_per_s / 3600``; validation passes not counted.
    """
    if version not in SPEECH_COMMANDS_CLIPS:
        raise ValueError(f"unknown release {version!r}; expected one of {', '.join(SPEECH_COMMANDS_CLIPS)}")
    if clips_per_s <= 0:
        raise ValueError(f"clips_per_s must be positive, got {clips_per_s}")
    return epochs * TRAIN_SHARE * SPEECH_COMMANDS_CLIPS[version] / clips_per_s / 3600


def _accelerators() -> tuple[list[str], str]:
    """Names of the GPUs the Keras backend sees, and the backend with its version."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return [d.device_kind for d in jax.devices() if d.platform == "gpu"], f"JAX {jax.__version__}"
    if backend == "torch":
        import torch

        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())], f"PyTorch {torch.__version__}"
    import tensorflow as tf

    gpus = [tf.config.experimental.get_device_details(g).get("device_name", g.name)
            for g in tf.config.list_physical_devices("GPU")]
    return gpus, f"TensorFlow {tf.__version__}"


def describe_machine() -> str:
    """One line naming this machine's CPU (model, cores), the GPUs the Keras backend sees, and that backend.

    Benchmarks store it beside their numbers, so a table says where it was measured.
    """
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    gpus, backend = _accelerators()
    return f"{cpu}, {cores} cores; GPU: {', '.join(gpus) or 'none'}; {backend}"


def _spectrogram_flops(layer: Spectrogram, frames: int) -> int:
    """Window (1 multiply per sample) + real FFT (2.5 N log2 N) per frame."""
    n = layer.fft_length
    return round(frames * (layer.frame_length + 2.5 * n * math.log2(n)))


def _layer_flops(layer: keras.layers.Layer) -> int:
    if isinstance(layer, keras.Model):
        return sum(_layer_flops(inner) for inner in layer.layers)
    out_shape = layer.output.shape
    if isinstance(layer, PhasedSpectrogram):
        frames, bins = out_shape[1], out_shape[2]
        # projection onto every knot (2 multiply-adds); stacked mode also scales by the magnitude
        per_knot = 4 + (1 if layer.mode == "stacked" else 0)
        return _spectrogram_flops(layer, frames) + frames * bins * layer.n_phases * per_knot
    if isinstance(layer, Spectrogram):
        return _spectrogram_flops(layer, out_shape[1])
    positions = math.prod(out_shape[1:-1])
    if isinstance(layer, (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D, CircularConv3D)):
        return 2 * positions * math.prod(layer.kernel.shape)
    if isinstance(layer, (keras.layers.SeparableConv1D, keras.layers.SeparableConv2D)):
        return 2 * positions * (math.prod(layer.depthwise_kernel.shape) + math.prod(layer.pointwise_kernel.shape))
    if isinstance(layer, (keras.layers.DepthwiseConv1D, keras.layers.DepthwiseConv2D)):
        return 2 * positions * math.prod(layer.kernel.shape)
    if isinstance(layer, keras.layers.Dense):
        return 2 * positions * math.prod(layer.kernel.shape)
    if not layer.weights or isinstance(layer, keras.layers.BatchNormalization):
        return 0
    raise TypeError(f"flops: no rule for layer {layer.name!r} of type {type(layer).__name__}")


def flops(model: keras.Model) -> int:
    """Floating-point operations of one forward pass for one clip, counted analytically.

    Convention: a multiply-add counts as **2** FLOPs. Counted are the weighted layers --
    Conv1D/2D/3D (``2 x output positions x kernel size``, which covers strides and
    groups; :class:`~phaselab.nn.circular.CircularConv3D` counts as the Conv3D it
    computes, though its DFT form needs fewer), separable and depthwise convs, Dense --
    and the feature layers: per frame a window multiply per sample plus ``2.5 N log2 N``
    for the real FFT of size ``N``; for the phased spectrogram 4 FLOPs per bin and knot
    for the projection onto the knot (+1 for the magnitude scaling in ``"stacked"`` mode).
    Biases, activations, batch normalisation (foldable into the preceding conv at
    inference), pooling, padding and the kernel's exponential are not counted: they are
    elementwise, small next to the convolutions. A layer with weights and no rule raises
    ``TypeError`` rather than being silently counted as free.

    Parameters
    ----------
    model : keras.Model
        A built functional model; batch axis first, channels last.

    Returns
    -------
    int
        FLOPs per clip.

    Examples
    --------
    >>> from phaselab.nn.registry import build_model
    >>> flops(build_model("cnn3d-small")) > flops(build_model("cnn2d-mel"))
    True

    Notebook: ``04_3d_cnn_training.ipynb``
    """
    return sum(_layer_flops(layer) for layer in model.layers)


def summary_table(models: Iterable[keras.Model]) -> list[dict[str, Any]]:
    """One row per model: ``{"name", "params", "flops"}`` (FLOPs per clip, see :func:`flops`)."""
    return [{"name": m.name, "params": m.count_params(), "flops": flops(m)} for m in models]


def format_table(rows: Iterable[dict[str, Any]]) -> str:
    """Plain-text table of :func:`summary_table` rows: parameters and MFLOPs per clip."""
    lines = [f"{'model':<16}{'parameters':>12}{'MFLOPs/clip':>14}"]
    for row in rows:
        lines.append(f"{row['name']:<16}{row['params']:>12,}{row['flops'] / 1e6:>14,.1f}")
    return "\n".join(lines)
