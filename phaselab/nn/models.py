"""Keyword-recognition models that take raw audio and contain their own feature layer.

Every model maps a batch of raw clips ``(batch, samples)`` (float32, 16 kHz) to class
probabilities ``(batch, n_classes)``, so a saved ``.keras`` file is a complete recogniser.
All are Keras 3 functional models. The feature layer and the output layer compute in float32
under any Keras mixed-precision policy (e.g. ``mixed_bfloat16``), the layers between them in the
policy's compute dtype.

``cnn3d``
    The original study's 3D CNN on the phased spectrogram (:func:`phase_cnn3d`), with the
    phase axis padded by a true wrap-around (:class:`~phaselab.nn.features.CircularPad`).
``cnn3d-small``
    Our efficient phase-aware 3D model (:func:`cnn3d_small`): a short cyclic-group stem,
    then pooling over phase and a depthwise-separable 2D body.
``cnn2d-mel``
    The 2D baseline's body, twice as wide, on the log-mel spectrogram (:func:`cnn2d_mel`):
    magnitude only; the keyword model phaselab ships (chosen on real speech's validation split).
``dscnn``
    A depthwise-separable CNN on the log-mel spectrogram (:func:`dscnn`, after Zhang et al.'s
    DS-CNN keyword spotter): magnitude only, and cheap enough to train on real speech on a CPU.
``cnn2d``, ``cnn2d-phase``, ``cnn1d``
    Baselines: a 2D CNN on the log-magnitude, the same 2D CNN with the phase kernel values as
    extra channels, and a 1D CNN on the raw waveform.

:func:`flops` counts the forward-pass floating-point operations per clip analytically
(convention in its docstring); :func:`summary_table` tabulates parameters and FLOPs.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable
from typing import Any

import keras

from phaselab.nn.circular import CircularConv3D
from phaselab.nn.features import CircularPad, EdgePad, MelSpectrogram, PhasedSpectrogram, Spectrogram, SpectralMasks

__all__ = [
    "MODEL_NAMES",
    "build_model",
    "check_model_kwargs",
    "phase_cnn3d",
    "cnn3d_small",
    "cnn2d",
    "cnn2d_mel",
    "cnn2d_phase",
    "cnn1d",
    "dscnn",
    "conv_bn_relu",
    "BN_MOMENTUM",
    "DFT_MIN_CHANNELS",
    "flops",
    "summary_table",
    "format_table",
]

SAMPLES = 16384
"""Clip length the models expect by default: one second at 16 kHz padded to a power of two."""

PHASE_AXIS = 3
"""The phase axis of a ``(batch, time, frequency, phase, channels)`` volume."""

BN_MOMENTUM = 0.9
"""Momentum of every batch normalisation's moving statistics.

Keras's default, 0.99, needs several hundred steps to forget the initial variance of 1;
the log-magnitude of a quiet clip has a variance near 0.001, so after the few hundred
steps of a run on the bundled set the moving statistics would still be far off and the
model, right in training mode, would be wrong at inference (measured: with 0.99,
``cnn3d-small``'s validation accuracy stayed at 0.03 for 11 epochs of 23 steps while its
training accuracy rose to 0.68).
"""


DFT_MIN_CHANNELS = 32
"""Input channels from which ``phase_cnn3d(phase_conv="auto")`` computes a circular conv per phase frequency.

Measured with ``benchmarks/speed/bench_circular_conv.py`` (2-core CPU, batch 8, forward + gradients):
the Fourier form was 1.22x, 1.50x and 1.68x as fast as ``CircularPad`` + ``Conv3D`` on the
reference's convs with 32, 64 and 128 input channels, and 0.85x and 0.55x on those with 1 and
16, where its extra reads and writes along the phase axis cost more than the multiplications
it saves.
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


def phase_cnn3d(
    samples: int = SAMPLES,
    n_classes: int = 12,
    frame_length: int = 256,
    frame_step: int = 64,
    n_phases: int = 10,
    filters: tuple[int, ...] = (16, 32, 64, 128, 256),
    width: float = 1.0,
    kernel: str = "chord",
    bottleneck: int = 128,
    sequence_filters: int = 32,
    phase_conv: str = "auto",
    name: str = "cnn3d",
) -> keras.Model:
    """The original study's 3D CNN on the phased spectrogram.

    Layers (shapes for the reference configuration, batch axis omitted)::

        PhasedSpectrogram "features"                       (256, 129, 10)
        Reshape "to_volume"                                (256, 129, 10, 1)
        CircularPad(phase, 1) + Conv3D 16, 3x3x3, stride (2, 2, 1), valid   -> (127, 64, 10, 16)
        CircularPad(phase, 1) + Conv3D 32, 3x3x3, stride (2, 2, 1), valid   -> (63, 31, 10, 32)
        CircularPad(phase, 1) + Conv3D 64, 3x3x3, valid                     -> (61, 29, 10, 64)
        CircularPad(phase, 1) + Conv3D 128, 3x3x3, valid                    -> (59, 27, 10, 128)
        CircularPad(phase, 1) + Conv3D 256, 3x3x3, same                     -> (59, 27, 12, 256)
          (each "CircularPad + Conv3D" may be one CircularConv3D instead: see ``phase_conv``)
        Conv3D 128, 1x1x1 "bottleneck"                                      -> (59, 27, 12, 128)
        MaxPooling3D (1, 3, 4) "pool"                                       -> (59, 9, 3, 128)
        Reshape "to_sequence" (time, features)                              -> (59, 3456)
        Conv1D 32, kernel 3, same                                           -> (59, 32)
        Flatten -> Dense(n_classes)  +  GlobalMaxPooling1D -> Dense(n_classes), softmax

    Every convolution is followed by LeakyReLU(0.2). 1,563,736 parameters. The padding
    choices follow from the published shapes and parameter count: the four 'valid' convs
    keep the phase axis at ``P`` because it is padded by one slice each side first; the
    last conv is 'same' on the padded axis (hence 12 phase slices); the Conv1D must be
    'same' (59 steps into the Flatten head) for the count to come out.

    Parameters
    ----------
    samples : int
        Clip length in samples.
    n_classes : int
        Number of output classes.
    frame_length, frame_step : int
        STFT window and hop in samples.
    n_phases : int
        Phase slices ``P`` (at least 2, so that the (1, 3, 4) pool leaves a phase slice).
    filters : tuple of 5 ints
        Filters of the five 3x3x3 convolutions.
    width : float
        Multiplier applied to every filter count (including ``bottleneck`` and
        ``sequence_filters``).
    kernel : str
        Phase kernel of the feature layer.
    bottleneck, sequence_filters : int
        Filters of the 1x1x1 conv and of the Conv1D.
    phase_conv : {"pad", "dft", "auto"}
        How the five circular convolutions are computed: ``"pad"``, as listed above
        (``CircularPad`` + ``Conv3D``); ``"dft"``, as one
        :class:`~phaselab.nn.circular.CircularConv3D` each (named ``conv3d_i`` too): the same
        function and weights, computed per phase frequency with fewer multiplications;
        ``"auto"`` (default), ``"dft"`` for the convolutions with at least :data:`DFT_MIN_CHANNELS`
        input channels (``conv3d_3`` to ``conv3d_5`` here) and ``"pad"`` for the others. All three
        give the same function with the same weights; ``"auto"`` trained 1.59x as fast as the
        straightforward build on a 2-core CPU, ``"pad"`` 1.0x (``benchmarks/speed/bench_train.py``).
        On a GPU ``"pad"`` may be the faster one (not measured).
    name : str
        Model name.

    Returns
    -------
    keras.Model
        ``(batch, samples)`` float32 audio -> ``(batch, n_classes)`` probabilities.
    """
    if phase_conv not in ("pad", "dft", "auto"):
        raise ValueError(f"phase_conv must be 'pad', 'dft' or 'auto', got {phase_conv!r}")
    if len(filters) != 5:
        raise ValueError(f"phase_cnn3d needs 5 filter counts, got {filters}")
    if n_phases < 2:
        raise ValueError(f"phase_cnn3d needs n_phases >= 2, got {n_phases}")
    audio = _audio_input(samples)
    features = PhasedSpectrogram(
        frame_length, frame_step, n_phases=n_phases, kernel=kernel, mode="stacked", dtype="float32", name="features"
    )(audio)
    x = _volume(features)
    strides = ((2, 2, 1), (2, 2, 1), (1, 1, 1), (1, 1, 1), (1, 1, 1))
    paddings = ("valid", "valid", "valid", "valid", "same")
    for i, (f, stride, padding) in enumerate(zip(filters, strides, paddings), start=1):
        if phase_conv == "dft" or (phase_conv == "auto" and x.shape[-1] >= DFT_MIN_CHANNELS):
            x = CircularConv3D(_scaled(f, width), 3, strides=stride[:2], padding=padding, name=f"conv3d_{i}")(x)
        else:
            x = CircularPad(PHASE_AXIS, 1, name=f"phase_pad_{i}")(x)
            x = keras.layers.Conv3D(_scaled(f, width), 3, strides=stride, padding=padding, name=f"conv3d_{i}")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"leaky_{i}")(x)
    x = keras.layers.Conv3D(_scaled(bottleneck, width), 1, name="bottleneck")(x)
    x = keras.layers.LeakyReLU(0.2, name="leaky_bottleneck")(x)
    x = keras.layers.MaxPooling3D((1, 3, 4), name="pool")(x)
    time, freq, phase, channels = x.shape[1:]
    x = keras.layers.Reshape((time, freq * phase * channels), name="to_sequence")(x)
    x = keras.layers.Conv1D(_scaled(sequence_filters, width), 3, padding="same", name="conv1d")(x)
    x = keras.layers.LeakyReLU(0.2, name="leaky_conv1d")(x)
    flat = keras.layers.Dense(n_classes, name="flatten_dense")(keras.layers.Flatten(name="flatten")(x))
    peak = keras.layers.Dense(n_classes, name="max_dense")(keras.layers.GlobalMaxPooling1D(name="global_max")(x))
    logits = keras.layers.Add(name="add_heads")([flat, peak])
    probabilities = keras.layers.Softmax(dtype="float32", name="softmax")(logits)
    return keras.Model(audio, probabilities, name=name)


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


def cnn3d_small(
    samples: int = SAMPLES,
    n_classes: int = 12,
    frame_length: int = 256,
    frame_step: int = 64,
    n_phases: int = 10,
    stem_filters: tuple[int, ...] = (16, 64),
    filters: tuple[int, ...] = (128, 256, 512),
    width: float = 1.0,
    kernel: str = "chord",
    dropout: float = 0.2,
    time_masks: int = 0,
    freq_masks: int = 0,
    head: str = "global",
    phase_padding: str = "wrap",
    name: str = "cnn3d-small",
) -> keras.Model:
    """An efficient phase-aware 3D CNN: a cyclic-group stem, pooling over phase, a separable 2D body.

    Design choices:

    * **Early striding in time and frequency.** Each stem conv has stride (2, 2, 1), so the
      volume is a quarter of its size after the first conv and a sixteenth after the
      second; the reference spends most of its FLOPs on full-resolution 64-256-filter
      convs.
    * **Circular convolutions along phase = a group convolution on the cyclic group.** Each
      stem conv is a 3x3x3 'valid' conv after a one-slice :class:`CircularPad` of the
      phase axis, so it commutes with rolling the phase axis: rotating every STFT value by
      ``2 pi k / P`` (which rolls the phased spectrogram's phase axis by ``k``) rolls every
      stem output by ``k``. A 3x3x3 kernel sees neighbouring frames and bins, so the stem
      can still respond to *relative* phase (phase advance between frames, i.e.
      instantaneous frequency; phase difference between bins, i.e. group delay).
    * **Pooling over phase right after the stem.** A max over the whole phase axis makes the
      model exactly invariant to a global phase rotation (which carries no information
      about the word), and drops the redundant phase axis -- the original study noted at
      most about a tenth of its values are non-zero -- before the expensive layers.
    * **Depthwise-separable 2D blocks** (3x3 depthwise + 1x1 pointwise, batch norm, ReLU,
      2x2 max-pool) on the ``(time, frequency, channels)`` map, then global average
      pooling and a single dense softmax layer instead of the reference's large
      Flatten->Dense head.
    * Batch normalisation after every conv (the reference has none) for fast, stable
      training.
    * **Widths chosen on a voice left out of training** (``python benchmarks/experiments/recipe_selection.py``,
      seed 0, macro F1 on the left-out voice): the default filters (16, 64 | 128, 256, 512)
      reached 0.979; half of them (``width=0.5``, 57,188 parameters) 0.865, with SpecAugment
      masks (``time_masks=2, freq_masks=2``, :class:`SpectralMasks`) 0.738 and with half the
      augmentation 0.888. The model was short of capacity, not of regularisation. At 1.25
      GFLOPs per clip it costs 1/36 of the reference.

    Parameters
    ----------
    samples, n_classes, frame_length, frame_step, n_phases, kernel
        As for :func:`phase_cnn3d`.
    stem_filters : tuple of ints
        Filters of the circular 3x3x3 stem convs (each with stride (2, 2, 1)).
    filters : tuple of ints
        Filters of the separable 2D blocks.
    width : float
        Multiplier applied to every filter count.
    dropout : float
        Dropout rate before the classifier.
    time_masks, freq_masks : int
        SpecAugment bands per training clip (:class:`SpectralMasks`); 0 and 0 (the default):
        no masking layer.
    head : {"global", "frequency"}
        ``"global"``: average over time and frequency before the dense layer;
        ``"frequency"``: average over time only, so the dense layer sees *where* in
        frequency each feature is (the reference keeps position with its Flatten head).
    phase_padding : {"wrap", "edge"}
        How the stem pads the phase axis: ``"wrap"`` (:class:`CircularPad`, the default) or
        ``"edge"`` (:class:`EdgePad`, the original study's edge replication, which breaks
        the invariance to a global phase rotation; chapter 04's exercise).
    name : str
        Model name.

    Returns
    -------
    keras.Model
        ``(batch, samples)`` float32 audio -> ``(batch, n_classes)`` probabilities.
    """
    pads = {"wrap": CircularPad, "edge": EdgePad}
    if phase_padding not in pads:
        raise ValueError(f"phase_padding must be 'wrap' or 'edge', got {phase_padding!r}")
    audio = _audio_input(samples)
    features = PhasedSpectrogram(
        frame_length, frame_step, n_phases=n_phases, kernel=kernel, mode="stacked", dtype="float32", name="features"
    )(audio)
    if time_masks or freq_masks:
        features = SpectralMasks(time_masks, freq_masks=freq_masks, name="spectral_masks")(features)
    x = _volume(features)
    for i, f in enumerate(stem_filters, start=1):
        x = pads[phase_padding](PHASE_AXIS, 1, name=f"phase_pad_{i}")(x)
        conv = keras.layers.Conv3D(_scaled(f, width), 3, strides=(2, 2, 1), use_bias=False, name=f"stem_{i}")
        x = conv_bn_relu(x, conv, f"stem_{i}")
    x = keras.layers.MaxPooling3D((1, 1, n_phases), name="phase_pool")(x)
    time, freq, _, channels = x.shape[1:]
    x = keras.layers.Reshape((time, freq, channels), name="drop_phase")(x)
    for i, f in enumerate(filters, start=1):
        conv = keras.layers.SeparableConv2D(_scaled(f, width), 3, padding="same", use_bias=False, name=f"sep_{i}")
        x = conv_bn_relu(x, conv, f"sep_{i}")
        x = keras.layers.MaxPooling2D(2, name=f"pool_{i}")(x)
    if head == "frequency":
        x = keras.layers.AveragePooling2D((x.shape[1], 1), name="time_average")(x)
        x = keras.layers.Reshape((x.shape[2] * x.shape[3],), name="frequency_features")(x)
        x = keras.layers.Dropout(dropout, name="dropout")(x)
        outputs = keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="classifier")(x)
        return keras.Model(audio, outputs, name=name)
    if head != "global":
        raise ValueError(f"head must be 'global' or 'frequency', got {head!r}")
    return keras.Model(audio, _classifier(x, n_classes, dropout), name=name)


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
    samples: int = SAMPLES,
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
    samples: int = SAMPLES,
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
    samples: int = SAMPLES,
    n_classes: int = 12,
    frame_length: int = 256,
    frame_step: int = 64,
    n_phases: int = 10,
    filters: tuple[int, ...] = (16, 32, 64, 128),
    width: float = 1.0,
    kernel: str = "chord",
    dropout: float = 0.2,
    name: str = "cnn2d-phase",
) -> keras.Model:
    """The :func:`cnn2d` body with phase as channels.

    :class:`~phaselab.nn.features.PhasedSpectrogram` in ``"channels"`` mode gives an image
    ``(time, freq, 1 + P)``: the log-magnitude and the ``P`` phase-kernel values of each
    bin (the original study's unfinished second mode). Parameters as for :func:`cnn3d_small`.
    """
    audio = _audio_input(samples)
    image = PhasedSpectrogram(
        frame_length, frame_step, n_phases=n_phases, kernel=kernel, mode="channels", dtype="float32", name="features"
    )(audio)
    return _cnn2d_body(audio, image, filters, width, n_classes, dropout, name)


def cnn1d(
    samples: int = SAMPLES,
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
    samples: int = SAMPLES,
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
    40 mels) -> batch norm -> SpecAugment masks in training (:class:`~phaselab.nn.features.SpectralMasks`,
    up to 10 frames and 5 mels per mask) -> Conv2D ``filters`` 10x4, stride 2 -> ``blocks`` x
    (separable 3x3 conv: depthwise then pointwise, + batch norm + ReLU) -> global average,
    dropout, dense softmax. After Zhang et al., "Hello Edge: Keyword Spotting on
    Microcontrollers" (2017), whose DS-CNN reaches 95 % on Speech Commands (they put a batch
    norm and ReLU between the depthwise and the pointwise step too; Keras's fused
    ``SeparableConv2D`` trains faster on a CPU, see ``benchmarks/speed/bench_train.py``).

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


_BUILDERS: dict[str, Callable[..., keras.Model]] = {
    "cnn3d": phase_cnn3d,
    "cnn3d-small": cnn3d_small,
    "cnn2d": cnn2d,
    "cnn2d-mel": cnn2d_mel,
    "cnn2d-phase": cnn2d_phase,
    "cnn1d": cnn1d,
    "dscnn": dscnn,
    "enc-cnn": lambda **kwargs: _encoding_cnn(**kwargs),
}

def _encoding_cnn(**kwargs: Any) -> keras.Model:
    """:func:`phaselab.nn.encoding_nets.encoding_cnn` (imported on use: that module builds on this one)."""
    from phaselab.nn.encoding_nets import encoding_cnn

    check = inspect.signature(encoding_cnn).parameters
    unknown = sorted(set(kwargs) - set(check))
    if unknown:
        raise ValueError(f"model 'enc-cnn' takes no argument {', '.join(unknown)}; its arguments are {', '.join(check)}")
    return encoding_cnn(**{"name": "enc-cnn", **kwargs})


MODEL_NAMES: tuple[str, ...] = tuple(_BUILDERS)
"""Names accepted by :func:`build_model`."""


def build_model(name: str, **kwargs: Any) -> keras.Model:
    """Build the model called ``name`` (one of :data:`MODEL_NAMES`).

    Keyword arguments go to its builder; every builder accepts ``samples``, ``n_classes``
    and ``width``. The model is returned uncompiled.
    """
    check_model_kwargs(name, kwargs)
    return _BUILDERS[name](**kwargs)


def check_model_kwargs(name: str, kwargs: dict[str, Any]) -> None:
    """Check that the model ``name`` exists and that its builder takes every key of ``kwargs``.

    Raises
    ------
    ValueError
        Naming the unknown model, or the unknown arguments and the ones the builder takes.
    """
    if name not in _BUILDERS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")
    parameters = inspect.signature(_BUILDERS[name]).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    unknown = sorted(set(kwargs) - set(parameters))
    if unknown:
        raise ValueError(f"model {name!r} takes no argument {', '.join(unknown)}; "
                         f"its arguments are {', '.join(parameters)}")


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
