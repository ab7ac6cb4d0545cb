"""3D CNNs on the phased spectrogram (time x frequency x phase): the original study's, and a small one.

Notebook: ``04_3d_cnn_training.ipynb``
"""

from __future__ import annotations

import keras

from phaselab.constants import MODEL_SAMPLES
from phaselab.nn.blocks import (
    DFT_MIN_CHANNELS,
    PHASE_AXIS,
    _audio_input,
    _classifier,
    _scaled,
    _volume,
    conv_bn_relu,
)
from phaselab.nn.circular import CircularConv3D, CircularPad, EdgePad
from phaselab.nn.features import PhasedSpectrogram
from phaselab.nn.masking import SpectralMasks

__all__ = ["phase_cnn3d", "cnn3d_small"]


def phase_cnn3d(
    samples: int = MODEL_SAMPLES,
    n_classes: int = 12,
    frame_length: int = 256,
    frame_step: int = 64,
    n_phases: int = 10,
    filters: tuple[int, ...] = (16, 32, 64, 128, 256),
    width: float = 1.0,
    kernel: str = "chord",
    phase_reference: str = "start",
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
    phase_reference : {"start", "centre"}
        Where the feature layer measures phase from; ``"start"`` (the frame's first sample)
        is the original study's, which this model rebuilds.
    bottleneck, sequence_filters : int
        Filters of the 1x1x1 conv and of the Conv1D.
    phase_conv : {"pad", "dft", "auto"}
        How the five circular convolutions are computed: ``"pad"``, as listed above
        (``CircularPad`` + ``Conv3D``); ``"dft"``, as one
        :class:`~phaselab.nn.circular.CircularConv3D` each (named ``conv3d_i`` too): the same
        function and weights, computed per phase frequency with fewer multiplications;
        ``"auto"`` (default), ``"dft"`` for the convolutions with at least :data:`DFT_MIN_CHANNELS`
        input channels (``conv3d_3`` to ``conv3d_5`` here) and ``"pad"`` for the others. All three
        give the same function with the same weights; ``"auto"`` trained fastest on a CPU
        (measured: ``benchmarks/FINDINGS.md`` §2).
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
        frame_length, frame_step, n_phases=n_phases, kernel=kernel, mode="stacked", dtype="float32", name="features",
        phase_reference=phase_reference,
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


def cnn3d_small(
    samples: int = MODEL_SAMPLES,
    n_classes: int = 12,
    frame_length: int = 256,
    frame_step: int = 64,
    n_phases: int = 10,
    stem_filters: tuple[int, ...] = (16, 64),
    filters: tuple[int, ...] = (128, 256, 512),
    width: float = 1.0,
    kernel: str = "chord",
    phase_reference: str = "start",
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
      model exactly invariant to rolling the phase axis, i.e. to a global phase rotation by a
      multiple of ``2 pi / P`` (a rotation in between is not a roll:
      :func:`phaselab.signal.encodings.rotation_residual`). It also drops the sparse phase axis
      (chapter 02, section 6) before the expensive layers.
    * **Depthwise-separable 2D blocks** (3x3 depthwise + 1x1 pointwise, batch norm, ReLU,
      2x2 max-pool) on the ``(time, frequency, channels)`` map, then global average
      pooling and a single dense softmax layer instead of the reference's large
      Flatten->Dense head.
    * Batch normalisation after every conv (the reference has none) for fast, stable
      training.
    * **Widths chosen on a voice left out of training**: ``benchmarks/FINDINGS.md`` §4. Its cost
      against the reference's: :func:`phaselab.nn.cost.flops`.

    Parameters
    ----------
    samples, n_classes, frame_length, frame_step, n_phases, kernel, phase_reference
        As for :func:`phase_cnn3d` (the frame-start reference of the original study by default,
        so the recorded results of this model reproduce).
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
        no masking layer (masks did worse in the width study: ``benchmarks/FINDINGS.md`` §4).
    head : {"global", "frequency"}
        ``"global"``: average over time and frequency before the dense layer;
        ``"frequency"``: average over time only, so the dense layer sees *where* in
        frequency each feature is (not adopted: ``benchmarks/FINDINGS.md`` §4).
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
        frame_length, frame_step, n_phases=n_phases, kernel=kernel, mode="stacked", dtype="float32", name="features",
        phase_reference=phase_reference,
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
