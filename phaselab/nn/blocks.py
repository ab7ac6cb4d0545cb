"""Building blocks shared by the keyword models: the audio input, conv + BN + ReLU, the classifier head.
"""

from __future__ import annotations

import keras

__all__ = ["conv_bn_relu", "BN_MOMENTUM", "DFT_MIN_CHANNELS"]



PHASE_AXIS = 3
"""The phase axis of a ``(batch, time, frequency, phase, channels)`` volume."""


BN_MOMENTUM = 0.9
"""Momentum of every batch normalisation's moving statistics.

Keras's default, 0.99, takes several hundred steps to forget the initial variance of 1 (a quiet
clip's log-magnitude has a variance near 0.001), so a short run would be right in training mode and
wrong at inference. Measured: ``benchmarks/FINDINGS.md`` §4.
"""


DFT_MIN_CHANNELS = 32
"""Input channels from which ``phase_cnn3d(phase_conv="auto")`` computes a circular conv per phase frequency.

Below it the Fourier form's extra reads and writes along the phase axis cost more than the
multiplications it saves. Measured: ``benchmarks/FINDINGS.md`` §2 (``benchmarks/speed/bench_circular_conv.py``).
"""


def _scaled(filters: int, width: float) -> int:
    """``filters`` times the width multiplier, at least 1."""
    return max(1, round(filters * width))


def _audio_input(samples: int) -> keras.KerasTensor:
    if samples < 1:
        raise ValueError(f"samples must be positive, got {samples}")
    return keras.Input(shape=(samples,), name="audio")


def _volume(features: keras.KerasTensor) -> keras.KerasTensor:
    """Add a channel axis: ``(time, freq, phase)`` -> ``(time, freq, phase, 1)``."""
    return keras.layers.Reshape((*features.shape[1:], 1), name="to_volume")(features)


def conv_bn_relu(x: keras.KerasTensor, layer: keras.layers.Layer, name: str) -> keras.KerasTensor:
    """``layer`` (a convolution without bias), then batch norm (:data:`BN_MOMENTUM`) and ReLU.

    The normalisation and activation layers are named ``{name}_bn`` and ``{name}_relu``.
    """
    x = layer(x)
    x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)


def _classifier(x: keras.KerasTensor, n_classes: int, dropout: float) -> keras.KerasTensor:
    """Global average over the remaining axes, dropout, dense softmax."""
    pool = {3: keras.layers.GlobalAveragePooling1D, 4: keras.layers.GlobalAveragePooling2D}[len(x.shape)]
    x = pool(name="global_average")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    return keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="classifier")(x)
