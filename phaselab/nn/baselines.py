"""Magnitude-only baselines (and one that adds phase channels): 2D CNNs, a DS-CNN, a 1D CNN.

Notebook: ``04_3d_cnn_training.ipynb``
"""

from __future__ import annotations

import keras

from phaselab.constants import MODEL_SAMPLES
from phaselab.nn.blocks import (
    BN_MOMENTUM,
    _audio_input,
    _classifier,
    _scaled,
    conv_bn_relu,
)
from phaselab.nn.features import MelSpectrogram, PhasedSpectrogram, Spectrogram
from phaselab.nn.masking import SpectralMasks

__all__ = ["cnn2d", "cnn2d_mel", "cnn2d_phase", "cnn1d", "dscnn"]


def _cnn2d_body(
    audio: keras.KerasTensor,
    image: keras.KerasTensor,
    filters: tuple[int, ...],
    width: float,
    n_classes: int,
    dropout: float,
    name: str,
) -> keras.Model:
    """Conv2D 3x3 (same) + batch norm + ReLU + 2x2 max-pool per filter count, then the classifier."""
    x = image
    for i, f in enumerate(filters, start=1):
        x = conv_bn_relu(x, keras.layers.Conv2D(_scaled(f, width), 3, padding="same", use_bias=False), f"conv_{i}")
        x = keras.layers.MaxPooling2D(2, name=f"pool_{i}")(x)
    return keras.Model(audio, _classifier(x, n_classes, dropout), name=name)


def cnn2d(
    samples: int = MODEL_SAMPLES,
    n_classes: int = 12,
    frame_length: int = 256,
    frame_step: int = 64,
    filters: tuple[int, ...] = (16, 32, 64, 128),
    width: float = 1.0,
    dropout: float = 0.2,
    features: str = "linear",
    n_mels: int = 40,
    name: str = "cnn2d",
) -> keras.Model:
    """Baseline 2D CNN on the log-magnitude spectrogram ``log(1 + |STFT|)`` (no phase).

    :class:`~phaselab.nn.features.Spectrogram` ``(time, freq)`` -> image ``(time, freq, 1)`` ->
    for each filter count: Conv2D 3x3 same, batch norm, ReLU, 2x2 max-pool -> global average
    pooling, dropout, dense softmax. Parameters as for :func:`cnn3d_small`; ``features="mel"``
    takes the log-mel spectrogram (:class:`~phaselab.nn.features.MelSpectrogram`, ``n_mels`` filters,
    25 ms windows every 10 ms: ``frame_length`` and ``frame_step`` are then ignored) instead.
    """
    audio = _audio_input(samples)
    if features == "mel":
        spec = MelSpectrogram(400, 160, 512, n_mels=n_mels, dtype="float32", name="features")(audio)
    elif features == "linear":
        spec = Spectrogram(frame_length, frame_step, dtype="float32", name="features")(audio)
    else:
        raise ValueError(f"cnn2d features must be 'linear' or 'mel', got {features!r}")
    image = keras.layers.Reshape((*spec.shape[1:], 1), name="to_image")(spec)
    if features == "mel":
        image = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name="input_bn")(image)
    return _cnn2d_body(audio, image, filters, width, n_classes, dropout, name)


def cnn2d_mel(
    samples: int = MODEL_SAMPLES,
    n_classes: int = 12,
    n_mels: int = 40,
    filters: tuple[int, ...] = (32, 64, 128, 256),
    width: float = 1.0,
    dropout: float = 0.2,
    name: str = "cnn2d-mel",
) -> keras.Model:
    """The :func:`cnn2d` body on the log-mel spectrogram, twice as wide: the keyword model phaselab ships.

    :class:`~phaselab.nn.features.MelSpectrogram` (40 mels, 25 ms windows every 10 ms) -> batch
    norm -> four (Conv2D 3x3 + batch norm + ReLU + 2x2 max-pool) blocks of 32, 64, 128 and
    256 filters -> global average, dropout, dense softmax. Magnitude only.

    Examples
    --------
    >>> cnn2d_mel().count_params()
    392368
    """
    return cnn2d(samples, n_classes, filters=filters, width=width, dropout=dropout, features="mel", n_mels=n_mels,
                 name=name)


def cnn2d_phase(
    samples: int = MODEL_SAMPLES,
    n_classes: int = 12,
    frame_length: int = 256,
    frame_step: int = 64,
    n_phases: int = 10,
    filters: tuple[int, ...] = (16, 32, 64, 128),
    width: float = 1.0,
    kernel: str = "chord",
    phase_reference: str = "start",
    dropout: float = 0.2,
    name: str = "cnn2d-phase",
) -> keras.Model:
    """The :func:`cnn2d` body with phase as channels.

    :class:`~phaselab.nn.features.PhasedSpectrogram` in ``"channels"`` mode gives an image
    ``(time, freq, 1 + P)``: the log-magnitude and the ``P`` phase-kernel values of each
    bin (the original study's unfinished second mode). Parameters as for :func:`cnn3d_small`
    (the phase measured from the frame start, as in the original study, by default).
    """
    audio = _audio_input(samples)
    image = PhasedSpectrogram(
        frame_length, frame_step, n_phases=n_phases, kernel=kernel, mode="channels", dtype="float32", name="features",
        phase_reference=phase_reference,
    )(audio)
    return _cnn2d_body(audio, image, filters, width, n_classes, dropout, name)


def cnn1d(
    samples: int = MODEL_SAMPLES,
    n_classes: int = 12,
    filters: tuple[int, ...] = (32, 64, 128, 256),
    first_kernel: int = 80,
    first_stride: int = 4,
    width: float = 1.0,
    dropout: float = 0.2,
    name: str = "cnn1d",
) -> keras.Model:
    """Baseline 1D CNN on the raw waveform (no spectrogram), after Dai et al.'s "M5".

    Waveform ``(samples, 1)`` -> Conv1D ``filters[0]`` with a long kernel (``first_kernel``
    samples, 5 ms at 16 kHz) and stride ``first_stride`` -- a learnt filterbank -- then
    Conv1D 3 (same) for the others; each followed by batch norm, ReLU and max-pool 4 ->
    global average pooling, dropout, dense softmax. ``width`` multiplies every filter count.
    """
    audio = _audio_input(samples)
    x = keras.layers.Reshape((samples, 1), name="to_waveform")(audio)
    for i, f in enumerate(filters, start=1):
        kernel_size, stride = (first_kernel, first_stride) if i == 1 else (3, 1)
        conv = keras.layers.Conv1D(_scaled(f, width), kernel_size, strides=stride, padding="same", use_bias=False)
        x = conv_bn_relu(x, conv, f"conv_{i}")
        x = keras.layers.MaxPooling1D(4, name=f"pool_{i}")(x)
    return keras.Model(audio, _classifier(x, n_classes, dropout), name=name)


def dscnn(
    samples: int = MODEL_SAMPLES,
    n_classes: int = 12,
    n_mels: int = 40,
    frame_length: int = 400,
    frame_step: int = 160,
    filters: int = 64,
    blocks: int = 4,
    width: float = 1.0,
    dropout: float = 0.2,
    time_masks: int = 2,
    freq_masks: int = 2,
    name: str = "dscnn",
) -> keras.Model:
    """Depthwise-separable CNN on the log-mel spectrogram (magnitude only).

    :class:`~phaselab.nn.features.MelSpectrogram` ``(time, mels)`` (25 ms windows every 10 ms,
    40 mels) -> batch norm -> SpecAugment masks in training (:class:`~phaselab.nn.masking.SpectralMasks`,
    up to 10 frames and 5 mels per mask) -> Conv2D ``filters`` 10x4, stride 2 -> ``blocks`` x
    (separable 3x3 conv: depthwise then pointwise, + batch norm + ReLU) -> global average,
    dropout, dense softmax. After Zhang et al., "Hello Edge: Keyword Spotting on
    Microcontrollers" (2017), whose DS-CNN reaches 95 % on Speech Commands (they also put a
    batch norm and ReLU between the depthwise and the pointwise step; Keras's
    ``SeparableConv2D`` does both steps in one layer).

    Parameters
    ----------
    n_mels, frame_length, frame_step : int
        Mel filters, window and hop in samples.
    filters, blocks : int
        Channels of every conv, and separable blocks.
    width : float
        Multiplies ``filters``.
    time_masks, freq_masks : int
        SpecAugment masks per clip in training (0 switches them off).
    Other parameters as :func:`cnn3d_small`.

    Examples
    --------
    >>> model = dscnn()
    >>> model.output_shape
    (None, 12)
    """
    audio = _audio_input(samples)
    mel = MelSpectrogram(frame_length, frame_step, 512, n_mels=n_mels, dtype="float32", name="features")(audio)
    x = keras.layers.Reshape((*mel.shape[1:], 1), name="to_image")(mel)
    x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name="input_bn")(x)
    if time_masks or freq_masks:
        x = SpectralMasks(time_masks, 10, freq_masks, 5, name="spec_augment")(x)
    f = _scaled(filters, width)
    x = conv_bn_relu(x, keras.layers.Conv2D(f, (10, 4), strides=2, padding="same", use_bias=False, name="conv_1"), "conv_1")
    for i in range(1, blocks + 1):
        separable = keras.layers.SeparableConv2D(f, 3, padding="same", use_bias=False, name=f"separable_{i}")
        x = conv_bn_relu(x, separable, f"separable_{i}")
    return keras.Model(audio, _classifier(x, n_classes, dropout), name=name)
