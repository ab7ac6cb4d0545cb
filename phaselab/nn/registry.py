"""The model registry: every keyword model by name, so that ``phaselab train --model NAME`` builds it.

Every model maps a batch of raw clips ``(batch, samples)`` (float32, 16 kHz) to class
probabilities ``(batch, n_classes)``, so a saved ``.keras`` file is a complete recogniser.
All are Keras 3 functional models. The feature layer and the output layer compute in float32
under any Keras mixed-precision policy (e.g. ``mixed_bfloat16``), the layers between them in the
policy's compute dtype.

``cnn3d``
    The original study's 3D CNN on the phased spectrogram (:func:`phaselab.nn.cnn3d.phase_cnn3d`),
    with the phase axis padded by a true wrap-around (:class:`~phaselab.nn.circular.CircularPad`).
``cnn3d-small``
    Our efficient phase-aware 3D model (:func:`phaselab.nn.cnn3d.cnn3d_small`): a short
    cyclic-group stem, then pooling over phase and a depthwise-separable 2D body.
``cnn2d-mel``
    The 2D baseline's body, twice as wide, on the log-mel spectrogram
    (:func:`phaselab.nn.baselines.cnn2d_mel`): magnitude only; the keyword model phaselab ships
    (chosen on real speech's validation split).
``dscnn``
    A depthwise-separable CNN on the log-mel spectrogram (:func:`phaselab.nn.baselines.dscnn`,
    after Zhang et al.'s DS-CNN keyword spotter): magnitude only, and cheap enough to train on
    real speech on a CPU.
``cnn2d``, ``cnn2d-phase``, ``cnn1d``
    Baselines: a 2D CNN on the log-magnitude, the same 2D CNN with the phase kernel values as
    extra channels, and a 1D CNN on the raw waveform.
``enc-cnn``
    ``cnn2d-mel``'s body over any phase encoding (:func:`phaselab.nn.encoding_nets.encoding_cnn`).
``enc-small``
    A small CNN over any phase encoding (:func:`phaselab.nn.encoding_nets.encoding_model`):
    the speech-or-noise models of chapter 06 and the shipped speech detector.

Notebook: ``04_3d_cnn_training.ipynb``
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import keras

from phaselab.nn.baselines import cnn1d, cnn2d, cnn2d_mel, cnn2d_phase, dscnn
from phaselab.nn.cnn3d import cnn3d_small, phase_cnn3d
from phaselab.nn.encoding_nets import encoding_cnn, encoding_model

__all__ = ["MODEL_NAMES", "build_model", "check_model_kwargs"]


_BUILDERS: dict[str, Callable[..., keras.Model]] = {
    "cnn3d": phase_cnn3d,
    "cnn3d-small": cnn3d_small,
    "cnn2d": cnn2d,
    "cnn2d-mel": cnn2d_mel,
    "cnn2d-phase": cnn2d_phase,
    "cnn1d": cnn1d,
    "dscnn": dscnn,
    "enc-cnn": functools.partial(encoding_cnn, name="enc-cnn"),
    "enc-small": functools.partial(encoding_model, encoding="magnitude", name="enc-small"),
}


MODEL_NAMES: tuple[str, ...] = tuple(_BUILDERS)
"""Names accepted by :func:`build_model`."""


def build_model(name: str, **kwargs: Any) -> keras.Model:
    """Build the model called ``name`` (one of :data:`MODEL_NAMES`).

    Keyword arguments go to its builder; every builder accepts ``samples`` and ``n_classes``. The model is returned uncompiled.

    Examples
    --------
    >>> model = build_model("cnn2d-mel", width=0.25)
    >>> model.input_shape, model.output_shape
    ((None, 16384), (None, 12))

    Notebook: ``04_3d_cnn_training.ipynb``
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
