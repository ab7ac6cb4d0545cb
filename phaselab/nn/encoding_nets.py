"""One small network body over each phase encoding, so that only the input changes.

:func:`encoding_model` puts a feature layer for one of :data:`phaselab.signal.encodings.ENCODINGS`
in front of the same body:

* **stem**: one 3x3 convolution with stride 2 in time and frequency, batch norm, ReLU.
  For ``"phased"`` it is a 3x3x3 convolution along (time, frequency, phase) after a
  one-slice wrap of the phase axis (:class:`~phaselab.nn.circular.CircularPad`), followed by a
  max over the phase axis -- the cyclic-group stem of :func:`phaselab.nn.cnn3d.cnn3d_small`,
  exactly invariant to rolling the phase axis. Every other encoding gets a Conv2D whose
  input channels are the encoding's channels. Both give the same ``(127, 64, filters[0])``
  map for a one-second clip.
* **body**: for each further filter count, Conv2D 3x3 (same), batch norm, ReLU, 2x2 max-pool.
* **head**: an average over time (not over frequency: *where* in frequency the
  energy is tells words apart), flattened to one vector of frequency bands x channels,
  dropout, dense softmax.

A batch normalisation of the feature channels comes first, so that log-magnitudes
(0 to about 5, much less for a quiet clip) and phase features (within [-1, 1]) start on
the same footing.
:func:`phaselab.nn.cost.flops` counts these models (the feature layer as an STFT).
"""

from __future__ import annotations

import keras

from phaselab.constants import MODEL_SAMPLES
from phaselab.nn.blocks import BN_MOMENTUM, _classifier, conv_bn_relu
from phaselab.nn.circular import CircularConv3D, CircularPad
from phaselab.nn.features import PhasedSpectrogram, PhaseFeatures, Spectrogram
from phaselab.signal.encodings import get_encoding
from phaselab.signal.stft import PHASE_REFERENCE

__all__ = ["encoding_model", "encoding_cnn"]


def encoding_model(
    encoding: str,
    samples: int = MODEL_SAMPLES,
    n_classes: int = 12,
    filters: tuple[int, ...] = (16, 32, 64),
    frame_length: int = 256,
    frame_step: int = 64,
    n_phases: int = 10,
    dropout: float = 0.2,
    name: str | None = None,
    phase_stem: str = "fold",
) -> keras.Model:
    """The same small CNN over the features ``encoding`` of raw audio.

    Parameters
    ----------
    encoding : str
        One of :data:`phaselab.signal.encodings.ENCODINGS`.
    samples : int
        Clip length in samples.
    n_classes : int
        Classes of the softmax output.
    filters : tuple of ints
        Filters of the stem, then of each body block (at least one).
    frame_length, frame_step : int
        STFT window and hop in samples.
    n_phases : int
        Phase slices of the ``"phased"`` encoding.
    dropout : float
        Dropout rate before the classifier.
    name : str, optional
        Model name (default ``"enc-<encoding>"``).
    phase_stem : {"fold", "pad"}
        How the ``"phased"`` stem computes its circular 3x3x3 convolution: ``"fold"``, one 2D
        convolution over every phase slice (:func:`~phaselab.nn.circular.folded_conv3d`), or
        ``"pad"``, :class:`~phaselab.nn.circular.CircularPad` + ``Conv3D``. The same function and the
        same weights (timed: ``benchmarks/FINDINGS.md`` §2).

    Returns
    -------
    keras.Model
        ``(batch, samples)`` float32 audio -> ``(batch, n_classes)`` probabilities, uncompiled.
    """
    phase = get_encoding(encoding).phase
    if not filters:
        raise ValueError("encoding_model needs at least one filter count (the stem)")
    audio = keras.Input(shape=(samples,), name="audio")
    if phase is None:
        spec = Spectrogram(frame_length, frame_step, name="features")(audio)
        features = keras.layers.Reshape((*spec.shape[1:], 1), name="to_image")(spec)
    elif phase == "phased":
        features = PhasedSpectrogram(frame_length, frame_step, n_phases=n_phases, name="features")(audio)
    else:
        features = PhaseFeatures(encoding, frame_length, frame_step, n_phases=n_phases, name="features")(audio)
    x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name="feature_norm")(features)
    if phase == "phased":
        x = keras.layers.Reshape((*x.shape[1:], 1), name="to_volume")(x)
        if phase_stem == "fold":
            stem = CircularConv3D(filters[0], 3, strides=2, use_bias=False, method="fold", name="stem")
        elif phase_stem == "pad":
            x = CircularPad(3, 1, name="phase_pad")(x)
            stem = keras.layers.Conv3D(filters[0], 3, strides=(2, 2, 1), use_bias=False, name="stem")
        else:
            raise ValueError(f"phase_stem must be 'fold' or 'pad', got {phase_stem!r}")
        x = conv_bn_relu(x, stem, "stem")
        x = keras.layers.MaxPooling3D((1, 1, n_phases), name="phase_pool")(x)
        x = keras.layers.Reshape((x.shape[1], x.shape[2], filters[0]), name="drop_phase")(x)
    else:
        x = conv_bn_relu(x, keras.layers.Conv2D(filters[0], 3, strides=2, use_bias=False, name="stem"), "stem")
    for i, f in enumerate(filters[1:], start=1):
        x = conv_bn_relu(x, keras.layers.Conv2D(f, 3, padding="same", use_bias=False, name=f"conv_{i}"), f"conv_{i}")
        x = keras.layers.MaxPooling2D(2, name=f"pool_{i}")(x)
    x = keras.layers.AveragePooling2D((x.shape[1], 1), name="time_average")(x)
    x = keras.layers.Flatten(name="frequency_profile")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="classifier")(x)
    return keras.Model(audio, outputs, name=name or f"enc-{encoding}")



def encoding_cnn(
    encoding: str = "magnitude",
    samples: int = MODEL_SAMPLES,
    n_classes: int = 12,
    n_mels: int | None = 40,
    filters: tuple[int, ...] = (32, 64, 128, 256),
    width: float = 1.0,
    n_phases: int = 10,
    dropout: float = 0.2,
    name: str | None = None,
    phase_reference: str = PHASE_REFERENCE,
) -> keras.Model:
    """The shipped keyword model's body (:func:`phaselab.nn.baselines.cnn2d_mel`) over any phase encoding.

    Every encoding is computed on the shipped model's grid -- 25 ms windows every 10 ms,
    ``n_mels`` mel bands (:class:`~phaselab.nn.features.PhaseFeatures` with ``n_mels``), or
    the linear grid of the 257 STFT bins of a 512-point FFT when ``n_mels`` is None -- and
    goes through a batch normalisation and the same four blocks (Conv2D 3x3 same, batch
    norm, ReLU, 2x2 max-pool) and classifier. With ``"magnitude"`` this *is*
    ``cnn2d-mel``: the encodings are compared at a budget where the magnitude model is
    good. For ``"phased"`` the first block is the cyclic-group stem of
    :func:`phaselab.nn.cnn3d.cnn3d_small` (a circular 3x3x3 convolution, then a max over phase),
    with batch norm and ReLU after the max, on a map of the magnitude model's size.

    Parameters
    ----------
    encoding : str
        One of :data:`phaselab.signal.encodings.ENCODINGS`.
    samples, n_classes : int
        Input length in samples, classes of the softmax.
    n_mels : int or None
        Mel bands; None: no pooling, one row per STFT bin (257).
    filters : tuple of ints
        Filters of each block (scaled by ``width``).
    width : float
        Width multiplier.
    n_phases : int
        Phase slices of ``"phased"``.
    dropout : float
    name : str, optional
        Default ``"enc-cnn-<encoding>"``.
    phase_reference : {"centre", "start"}
        Where the features measure phase from (:func:`phaselab.signal.stft.stft`).

    Returns
    -------
    keras.Model
        ``(batch, samples)`` float32 audio -> ``(batch, n_classes)`` probabilities, uncompiled.

    Examples
    --------
    >>> from phaselab.nn.baselines import cnn2d_mel
    >>> encoding_cnn("magnitude").count_params() == cnn2d_mel().count_params()
    True
    >>> encoding_cnn("phased").output.shape
    (None, 12)
    """
    phase = get_encoding(encoding).phase
    if not filters:
        raise ValueError("encoding_cnn needs at least one filter count")
    sizes = [max(1, round(f * width)) for f in filters]
    audio = keras.Input(shape=(samples,), name="audio")
    x = PhaseFeatures(encoding, 400, 160, 512, n_phases=n_phases, n_mels=n_mels, dtype="float32",
                      phase_reference=phase_reference, name="features")(audio)
    x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name="input_bn")(x)
    first = 1
    if phase == "phased":
        x = keras.layers.Reshape((*x.shape[1:], 1), name="to_volume")(x)
        x = keras.layers.ZeroPadding3D(((1, 1), (1, 1), (0, 0)), name="same_padding")(x)
        x = CircularConv3D(sizes[0], 3, use_bias=False, method="fold", name="conv_1")(x)
        x = keras.layers.MaxPooling3D((1, 1, n_phases), name="phase_pool")(x)
        x = keras.layers.Reshape((x.shape[1], x.shape[2], sizes[0]), name="drop_phase")(x)
        x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name="conv_1_bn")(x)
        x = keras.layers.ReLU(name="conv_1_relu")(x)
        x = keras.layers.MaxPooling2D(2, name="pool_1")(x)
        first = 2
    for i, f in enumerate(sizes[first - 1:], start=first):
        x = conv_bn_relu(x, keras.layers.Conv2D(f, 3, padding="same", use_bias=False), f"conv_{i}")
        x = keras.layers.MaxPooling2D(2, name=f"pool_{i}")(x)
    return keras.Model(audio, _classifier(x, n_classes, dropout), name=name or f"enc-cnn-{encoding}")
