"""Keras 3 layers: spectrogram features of raw audio, and wrap-around padding of the phase axis.

The feature layers compute on the graph (``tf.signal.stft``) the same numbers as the
NumPy reference in :mod:`phaselab.stft` and :mod:`phaselab.phase`, so a saved model
takes raw audio and is a complete recogniser.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from phaselab import SAMPLE_RATE
from phaselab.kernels import PhaseKernel, phase_knots
from phaselab.phase import DAMPING, encoding_channels, make_kernel

__all__ = ["Spectrogram", "PhasedSpectrogram", "PhaseFeatures", "CircularPad"]


def _stft(audio: tf.Tensor, frame_length: int, frame_step: int, fft_length: int) -> tf.Tensor:
    return tf.signal.stft(
        audio, frame_length, frame_step, fft_length, window_fn=tf.signal.hann_window, pad_end=True
    )


def _frames(samples: int | None, frame_step: int) -> int | None:
    return None if samples is None else -(-samples // frame_step)


@keras.saving.register_keras_serializable(package="phaselab")
class Spectrogram(keras.layers.Layer):
    """Log-magnitude spectrogram ``log(1 + |STFT|)`` of a batch of raw audio.

    Parameters
    ----------
    frame_length, frame_step : int
        Window (periodic Hann) and hop, in samples.
    fft_length : int, optional
        FFT size (default ``frame_length``).

    Input shape ``(batch, samples)``; output ``(batch, ceil(samples / frame_step),
    fft_length // 2 + 1)``, the same as :func:`phaselab.stft.log_spectrogram`.
    """

    def __init__(self, frame_length: int = 256, frame_step: int = 64, fft_length: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.frame_length = int(frame_length)
        self.frame_step = int(frame_step)
        self.fft_length = int(fft_length or frame_length)

    def call(self, audio: tf.Tensor) -> tf.Tensor:
        spec = _stft(tf.cast(audio, tf.float32), self.frame_length, self.frame_step, self.fft_length)
        return tf.math.log1p(tf.abs(spec))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], _frames(input_shape[1], self.frame_step), self.fft_length // 2 + 1)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "frame_length": self.frame_length,
            "frame_step": self.frame_step,
            "fft_length": self.fft_length,
        }


@keras.saving.register_keras_serializable(package="phaselab")
class PhasedSpectrogram(Spectrogram):
    """The phased spectrogram of a batch of raw audio (see :func:`phaselab.phase.phased_spectrogram`).

    Parameters
    ----------
    frame_length, frame_step, fft_length : int
        As for :class:`Spectrogram`.
    n_phases : int
        Number of phase slices ``P``, knots at ``2 pi k / P``.
    kernel : {"chord", "von_mises", "wrapped_gaussian"}
        Phase kernel.
    kernel_width : float, optional
        ``sigma`` (chord, wrapped Gaussian) or ``kappa`` (von Mises); default the original
        study's ``sigma = 0.8 * 2 pi / P`` or its von Mises equivalent.
    mode : {"stacked", "channels"}
        Output ``(batch, frames, bins, P)`` or ``(batch, frames, bins, 1 + P)``.
    damping : float
        Added to ``|z|`` before normalising a bin (chord kernel).

    All knots are computed at once by broadcasting; there is no loop over phases. The STFT
    is float32: the phase of a bin within round-off of zero (``|z|`` under about 0.01 for a
    full-scale clip) is arbitrary, so its kernel channels in ``"channels"`` mode may differ
    from the float64 reference; the ``"stacked"`` volume weights them by ``log(1 + |z|)``.
    """

    def __init__(
        self,
        frame_length: int = 256,
        frame_step: int = 64,
        fft_length: int | None = None,
        n_phases: int = 10,
        kernel: str = "chord",
        kernel_width: float | None = None,
        mode: str = "stacked",
        damping: float = DAMPING,
        **kwargs: Any,
    ):
        super().__init__(frame_length, frame_step, fft_length, **kwargs)
        if mode not in ("stacked", "channels"):
            raise ValueError(f"mode must be 'stacked' or 'channels', got {mode!r}")
        self.n_phases = int(n_phases)
        self.kernel = PhaseKernel(kernel, kernel_width) if kernel_width else make_kernel(kernel, self.n_phases)
        self.mode = mode
        self.damping = float(damping)
        knots = phase_knots(self.n_phases)
        self._cos = tf.constant(np.cos(knots), tf.float32)
        self._sin = tf.constant(np.sin(knots), tf.float32)

    def _activations(self, spec: tf.Tensor, magnitude: tf.Tensor) -> tf.Tensor:
        width = self.kernel.width
        if self.kernel.name == "wrapped_gaussian":
            angle = tf.math.angle(spec)[..., None] - tf.constant(phase_knots(self.n_phases), tf.float32)
            dphi = tf.math.floormod(angle + np.pi, 2 * np.pi) - np.pi
            offsets = 2 * np.pi * np.arange(-3, 4)
            gauss = tf.exp(-tf.square(dphi[..., None] + offsets.astype(np.float32)) / (2 * width**2))
            return tf.reduce_sum(gauss, axis=-1) / float(np.exp(-(offsets**2) / (2 * width**2)).sum())
        if self.kernel.name == "chord":
            u = spec / tf.cast(magnitude + self.damping, tf.complex64)
            re, im = tf.math.real(u)[..., None], tf.math.imag(u)[..., None]
            chord2 = tf.square(re) + tf.square(im) + 1.0 - 2.0 * (re * self._cos + im * self._sin)
            return tf.exp(-chord2 / (2 * width**2))
        angle = tf.math.angle(spec)[..., None]
        return tf.exp(width * (tf.cos(angle) * self._cos + tf.sin(angle) * self._sin - 1.0))

    def call(self, audio: tf.Tensor) -> tf.Tensor:
        spec = _stft(tf.cast(audio, tf.float32), self.frame_length, self.frame_step, self.fft_length)
        magnitude = tf.abs(spec)
        log_mag = tf.math.log1p(magnitude)[..., None]
        activations = self._activations(spec, magnitude)
        if self.mode == "stacked":
            return log_mag * activations
        return tf.concat([log_mag, activations], axis=-1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        depth = self.n_phases + (1 if self.mode == "channels" else 0)
        return super().compute_output_shape(input_shape) + (depth,)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "n_phases": self.n_phases,
            "kernel": self.kernel.name,
            "kernel_width": self.kernel.width,
            "mode": self.mode,
            "damping": self.damping,
        }


def _wrap(angle: tf.Tensor) -> tf.Tensor:
    """Wrap angles to [-pi, pi), as :func:`phaselab.kernels.wrap_angle`."""
    return tf.math.floormod(angle + np.pi, 2 * np.pi) - np.pi


@keras.saving.register_keras_serializable(package="phaselab")
class PhaseFeatures(Spectrogram):
    """Spectrogram features of raw audio in one of the encodings of :func:`phaselab.phase.phase_features`.

    Parameters
    ----------
    encoding : str
        One of :data:`phaselab.phase.ENCODINGS`: ``"magnitude"``, ``"phased"``,
        ``"cos_sin"``, ``"mag_cos_sin"``, ``"if"``, ``"mag_if"``, ``"group_delay"``.
    frame_length, frame_step, fft_length : int
        As for :class:`Spectrogram`.
    sr : int
        Sample rate in Hz (scales nothing but documents the IF's units; the IF is in
        ``[-1, 1)`` of ``sr / (2 frame_step)``).
    n_phases, kernel, kernel_width, damping
        Of the phased spectrogram (``"phased"``; ``damping`` also for ``cos_sin``).

    Input ``(batch, samples)``; output ``(batch, ceil(samples / frame_step), fft_length // 2
    + 1, channels)`` with ``channels = encoding_channels(encoding, n_phases)``. The same
    numbers as the NumPy reference, to float32 round-off, except where the phase itself
    is round-off: bins within about 1e-6 of the clip's loudest bin (see
    :class:`PhasedSpectrogram`). :meth:`from_stft` computes the features of a given
    complex STFT, so the effect of changing the STFT (a phase rotation) can be tested.
    """

    def __init__(
        self,
        encoding: str = "mag_if",
        frame_length: int = 256,
        frame_step: int = 64,
        fft_length: int | None = None,
        sr: int = SAMPLE_RATE,
        n_phases: int = 10,
        kernel: str = "chord",
        kernel_width: float | None = None,
        damping: float = DAMPING,
        **kwargs: Any,
    ):
        super().__init__(frame_length, frame_step, fft_length, **kwargs)
        self.channels = encoding_channels(encoding, n_phases)
        self.encoding = encoding
        self.sr = int(sr)
        self.damping = float(damping)
        self._phased = PhasedSpectrogram(
            frame_length, frame_step, fft_length, n_phases, kernel, kernel_width, "stacked", damping
        )
        bins = self.fft_length // 2 + 1
        # phase a bin's centre frequency turns in one hop, and the window-centre offset of the group delay
        self._advance = tf.constant(2 * np.pi * np.arange(bins) * self.frame_step / self.fft_length, tf.float32)
        self._centre = float(np.pi * self.frame_length / self.fft_length)

    def _instantaneous_frequency(self, spec: tf.Tensor) -> tf.Tensor:
        step = tf.math.angle(spec[:, 1:] * tf.math.conj(spec[:, :-1]))
        deviation = _wrap(step - self._advance) / np.pi
        return tf.pad(deviation, [[0, 0], [1, 0], [0, 0]])

    def _group_delay(self, spec: tf.Tensor) -> tf.Tensor:
        step = tf.math.angle(spec[..., 1:] * tf.math.conj(spec[..., :-1]))
        return tf.pad(_wrap(-step - self._centre) / np.pi, [[0, 0], [0, 0], [1, 0]])

    def build(self, input_shape: tuple) -> None:
        self._phased.build(input_shape)
        super().build(input_shape)

    def from_stft(self, spec: tf.Tensor) -> tf.Tensor:
        """Features of a batch of complex STFTs ``(batch, frames, bins)`` -> ``(batch, frames, bins, channels)``."""
        spec = tf.convert_to_tensor(spec, tf.complex64)
        magnitude = tf.abs(spec)
        if self.encoding == "phased":
            return tf.math.log1p(magnitude)[..., None] * self._phased._activations(spec, magnitude)
        parts = []
        if self.encoding in ("magnitude", "mag_cos_sin", "mag_if"):
            parts.append(tf.math.log1p(magnitude)[..., None])
        if self.encoding in ("cos_sin", "mag_cos_sin"):
            u = spec / tf.cast(magnitude + self.damping, tf.complex64)
            parts += [tf.math.real(u)[..., None], tf.math.imag(u)[..., None]]
        elif self.encoding in ("if", "mag_if"):
            parts.append(self._instantaneous_frequency(spec)[..., None])
        elif self.encoding == "group_delay":
            parts.append(self._group_delay(spec)[..., None])
        return tf.concat(parts, axis=-1)

    def call(self, audio: tf.Tensor) -> tf.Tensor:
        return self.from_stft(_stft(tf.cast(audio, tf.float32), self.frame_length, self.frame_step, self.fft_length))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return super().compute_output_shape(input_shape) + (self.channels,)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "encoding": self.encoding,
            "sr": self.sr,
            "n_phases": self._phased.n_phases,
            "kernel": self._phased.kernel.name,
            "kernel_width": self._phased.kernel.width,
            "damping": self.damping,
        }


@keras.saving.register_keras_serializable(package="phaselab")
class CircularPad(keras.layers.Layer):
    """Pad one axis by wrapping around, as on a circle (the phase axis).

    With ``width=1`` slice ``P - 1`` goes before slice 0 and slice 0 after slice
    ``P - 1``, so a following 'valid' convolution sees neighbours across the 0/2 pi seam
    and commutes with rolling the axis. (The original study concatenated the first slice
    in front and the last behind: edge replication, not a wrap.)

    Parameters
    ----------
    axis : int
        Axis to pad, counted with the batch axis (e.g. 3 for ``(batch, time, freq, phase,
        channels)``); negative values count from the end.
    width : int or (int, int)
        Slices added before and after (one int: the same on both sides).

    Implemented as a single gather with precomputed indices.
    """

    def __init__(self, axis: int, width: int | tuple[int, int] = 1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = int(axis)
        before, after = (width, width) if isinstance(width, int) else tuple(width)
        if before < 0 or after < 0:
            raise ValueError(f"padding widths must be non-negative, got {width}")
        self.width = (int(before), int(after))
        self._indices: np.ndarray | None = None

    def build(self, input_shape: tuple) -> None:
        size = input_shape[self.axis]
        if size is None:
            raise ValueError(f"CircularPad needs a known size along axis {self.axis}, got shape {input_shape}")
        before, after = self.width
        if max(before, after) > size:
            raise ValueError(f"cannot wrap {max(before, after)} slices around an axis of size {size}")
        self._indices = np.arange(-before, size + after) % size

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        return keras.ops.take(inputs, self._indices, axis=self.axis)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        shape = list(input_shape)
        if shape[self.axis] is not None:
            shape[self.axis] += sum(self.width)
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "width": list(self.width)}
