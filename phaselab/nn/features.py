"""Keras 3 feature layers: spectrogram, mel spectrogram, phased spectrogram and the other phase encodings of raw audio.

The feature layers compute on the graph the same numbers as the NumPy reference in
:mod:`phaselab.signal.stft` and :mod:`phaselab.signal.encodings`, so a saved model takes raw audio and is a
complete recogniser. They are written in ``keras.ops`` alone (the STFT as a gather of
frames, a window and ``keras.ops.rfft``; a complex value as its real and imaginary parts),
so the models run on every Keras backend: TensorFlow here and in CI, JAX or PyTorch on a
machine that has those.

Notebook: ``02_phase_kernel_design.ipynb``, ``05_phase_encodings_compared.ipynb``
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from phaselab import SAMPLE_RATE
from phaselab.signal.encodings import (
    DAMPING,
    encoding_channels,
    get_encoding,
    make_kernel,
)
from phaselab.signal.kernels import PhaseKernel, check_n_phases, phase_knots
from phaselab.signal.stft import PHASE_REFERENCE, check_reference, check_sizes, reference_turn

__all__ = ["Spectrogram", "MelSpectrogram", "PhasedSpectrogram", "PhaseFeatures"]


Tensor = Any
"""A tensor of the Keras backend in use."""


def _stft(audio: Tensor, frame_length: int, frame_step: int, fft_length: int,
          reference: str = PHASE_REFERENCE) -> tuple[Tensor, Tensor]:
    """Real and imaginary parts ``(batch, frames, fft_length // 2 + 1)`` of the STFT of ``(batch, samples)``.

    As :func:`phaselab.signal.stft.stft`: periodic Hann window, ``ceil(samples / frame_step)``
    frames, the end zero-padded so that the last frame starts inside the clip, and the phase
    measured from ``reference`` (bin ``k`` turned by
    :func:`phaselab.signal.stft.reference_turn`, the same numbers as the NumPy STFT).
    """
    _check_audio_shape(tuple(audio.shape))
    samples = audio.shape[-1]
    frames, hops = _frames(samples, frame_step), -(-frame_length // frame_step)
    # zero-pad to whole hops, cut into hop-long blocks, and put each frame together from `hops` blocks
    blocks = frames + hops - 1
    audio = keras.ops.pad(_as_float(audio), [[0, 0], [0, blocks * frame_step - samples]])
    audio = keras.ops.reshape(audio, (-1, blocks, frame_step))
    framed = keras.ops.concatenate([audio[:, i:i + frames] for i in range(hops)], axis=-1)[..., :frame_length]
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame_length) / frame_length)).astype(np.float32)
    framed = framed * window
    if fft_length > frame_length:
        framed = keras.ops.pad(framed, [[0, 0], [0, 0], [0, fft_length - frame_length]])
    re, im = keras.ops.rfft(framed, fft_length)
    if reference == "start":
        return re, im
    turn = reference_turn(frame_length, fft_length, reference)
    cos, sin = np.cos(turn).astype(np.float32), np.sin(turn).astype(np.float32)
    return re * cos - im * sin, re * sin + im * cos


def _check_audio_shape(shape: tuple) -> None:
    """Refuse anything but a batch of mono clips of known length, ``(batch, samples)``."""
    if len(shape) != 2:
        raise ValueError(f"the feature layers take a batch of mono clips, shape (batch, samples), got shape {shape}; "
                         "use keras.Input((samples,)), not (samples, 1)")
    if shape[-1] is None:
        raise ValueError("the feature layers need a known number of samples (the Input's shape)")


def _as_float(audio: Tensor) -> Tensor:
    """float32 audio; integer PCM is scaled to [-1, 1] as :func:`phaselab.signal.audio.pcm_to_float` does."""
    dtype = keras.backend.standardize_dtype(audio.dtype)
    audio = keras.ops.cast(audio, "float32")
    if dtype == "uint8":
        return (audio - 128.0) / 128.0
    if dtype.startswith("int"):
        return audio / float(-np.iinfo(dtype).min)
    return audio


def _magnitude(re: Tensor, im: Tensor) -> Tensor:
    return keras.ops.sqrt(keras.ops.square(re) + keras.ops.square(im))


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

    Input shape ``(batch, samples)``, float, or integer PCM (scaled to [-1, 1] as a WAV
    file means it); output ``(batch, ceil(samples / frame_step), fft_length // 2 + 1)``,
    the same as :func:`phaselab.signal.stft.log_spectrogram`. Another input rank, e.g. a
    ``keras.Input((16384, 1))``, is refused when the layer is built.
    """

    def __init__(self, frame_length: int = 256, frame_step: int = 64, fft_length: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        check_sizes(frame_length, frame_step, fft_length or frame_length)
        self.frame_length = int(frame_length)
        self.frame_step = int(frame_step)
        self.fft_length = int(fft_length or frame_length)

    def build(self, input_shape: tuple) -> None:
        _check_audio_shape(tuple(input_shape))
        super().build(input_shape)

    def call(self, audio: Tensor) -> Tensor:
        return keras.ops.log1p(_magnitude(*_stft(audio, self.frame_length, self.frame_step, self.fft_length)))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        _check_audio_shape(tuple(input_shape))
        return (input_shape[0], _frames(input_shape[1], self.frame_step), self.fft_length // 2 + 1)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "frame_length": self.frame_length,
            "frame_step": self.frame_step,
            "fft_length": self.fft_length,
        }


@keras.saving.register_keras_serializable(package="phaselab")
class MelSpectrogram(Spectrogram):
    """Log-mel spectrogram ``log(1 + |STFT| @ M)`` of a batch of raw audio.

    ``M`` is :func:`phaselab.signal.bands.mel_filterbank`: overlapping triangular filters on the
    mel scale, the features of most keyword spotters. Zero still means silence, as for
    :class:`Spectrogram`, so :class:`SpectralMasks` applies alike.

    Parameters
    ----------
    frame_length, frame_step, fft_length : int
        As :class:`Spectrogram`.
    n_mels : int
        Number of mel filters.
    fmin, fmax : float
        Frequency range in Hz (``fmax`` None: half the sample rate).

    Input shape ``(batch, samples)``; output ``(batch, ceil(samples / frame_step), n_mels)``.
    """

    def __init__(self, frame_length: int = 400, frame_step: int = 160, fft_length: int | None = 512,
                 n_mels: int = 40, fmin: float = 20.0, fmax: float | None = None, **kwargs: Any):
        super().__init__(frame_length, frame_step, fft_length, **kwargs)
        from phaselab.signal.bands import mel_filterbank

        self.n_mels, self.fmin, self.fmax = int(n_mels), float(fmin), None if fmax is None else float(fmax)
        self._filters = mel_filterbank(self.n_mels, self.fft_length, SAMPLE_RATE, self.fmin, self.fmax)

    def call(self, audio: Tensor) -> Tensor:
        magnitude = _magnitude(*_stft(audio, self.frame_length, self.frame_step, self.fft_length))
        return keras.ops.log1p(keras.ops.matmul(magnitude, self._filters))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], _frames(input_shape[1], self.frame_step), self.n_mels)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "n_mels": self.n_mels, "fmin": self.fmin, "fmax": self.fmax}


@keras.saving.register_keras_serializable(package="phaselab")
class PhasedSpectrogram(Spectrogram):
    """The phased spectrogram of a batch of raw audio (see :func:`phaselab.signal.encodings.phased_spectrogram`).

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
    phase_reference : {"centre", "start"}
        Where each bin's phase is measured from (:func:`phaselab.signal.stft.stft`);
        ``"start"`` is the original study's volume (:func:`phaselab.nn.cnn3d.phase_cnn3d`).

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
        phase_reference: str = PHASE_REFERENCE,
        **kwargs: Any,
    ):
        super().__init__(frame_length, frame_step, fft_length, **kwargs)
        self.phase_reference = check_reference(phase_reference)
        if mode not in ("stacked", "channels"):
            raise ValueError(f"mode must be 'stacked' or 'channels', got {mode!r}")
        self.n_phases = check_n_phases(n_phases)
        self.kernel = PhaseKernel(kernel, kernel_width) if kernel_width else make_kernel(kernel, self.n_phases)
        self.mode = mode
        self.damping = float(damping)
        self._knots = phase_knots(self.n_phases).astype(np.float32)
        self._cos, self._sin = np.cos(self._knots), np.sin(self._knots)

    def activations(self, re: Tensor, im: Tensor, magnitude: Tensor) -> Tensor:
        """Kernel value of every bin at every knot, ``(..., P)``, from the STFT's parts and magnitude."""
        ops, width = keras.ops, self.kernel.width
        if self.kernel.name == "chord":
            re, im = re / (magnitude + self.damping), im / (magnitude + self.damping)
            re, im = re[..., None], im[..., None]
            chord2 = ops.square(re) + ops.square(im) + 1.0 - 2.0 * (re * self._cos + im * self._sin)
            return ops.exp(-chord2 / (2 * width**2))
        angle = ops.arctan2(im, re)[..., None]
        if self.kernel.name == "wrapped_gaussian":
            dphi = _wrap(angle - self._knots)
            offsets = (2 * np.pi * np.arange(-3, 4)).astype(np.float32)
            gauss = ops.exp(-ops.square(dphi[..., None] + offsets) / (2 * width**2))
            return ops.sum(gauss, axis=-1) / float(np.exp(-(offsets.astype(np.float64) ** 2) / (2 * width**2)).sum())
        return ops.exp(width * (ops.cos(angle) * self._cos + ops.sin(angle) * self._sin - 1.0))

    def call(self, audio: Tensor) -> Tensor:
        re, im = _stft(audio, self.frame_length, self.frame_step, self.fft_length, self.phase_reference)
        magnitude = _magnitude(re, im)
        log_mag = keras.ops.log1p(magnitude)[..., None]
        activations = self.activations(re, im, magnitude)
        if self.mode == "stacked":
            return log_mag * activations
        return keras.ops.concatenate([log_mag, activations], axis=-1)

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
            "phase_reference": self.phase_reference,
        }


def _wrap(angle: Tensor) -> Tensor:
    """Wrap angles to [-pi, pi), as :func:`phaselab.signal.kernels.wrap_angle`."""
    return keras.ops.mod(angle + np.pi, 2 * np.pi) - np.pi


def _angle_step(re: Tensor, im: Tensor, axis: int) -> Tensor:
    """``angle(z[k] * conj(z[k - 1]))`` along ``axis`` (1 or 2): the phase turned from one value to the next."""
    ops = keras.ops
    size = re.shape[axis]
    later = [ops.take(part, np.arange(1, size), axis=axis) for part in (re, im)]
    earlier = [ops.take(part, np.arange(size - 1), axis=axis) for part in (re, im)]
    real = later[0] * earlier[0] + later[1] * earlier[1]
    imag = later[1] * earlier[0] - later[0] * earlier[1]
    return ops.arctan2(imag, real)


@keras.saving.register_keras_serializable(package="phaselab")
class PhaseFeatures(Spectrogram):
    """Spectrogram features of raw audio in one of the encodings of :func:`phaselab.signal.encodings.phase_features`.

    Parameters
    ----------
    encoding : str
        One of :data:`phaselab.signal.encodings.ENCODINGS`: ``"magnitude"``, ``"phased"``,
        ``"cos_sin"``, ``"mag_cos_sin"``, ``"if"``, ``"mag_if"``, ``"group_delay"``, ``"complex"``.
    frame_length, frame_step, fft_length : int
        As for :class:`Spectrogram`.
    sr : int
        Sample rate in Hz (scales nothing but documents the IF's units; the IF is in
        ``[-1, 1)`` of ``sr / (2 frame_step)``).
    n_phases, kernel, kernel_width, damping
        Of the phased spectrogram (``"phased"``; ``damping`` also for ``cos_sin``).
    n_mels : int, optional
        Pool every channel onto ``n_mels`` mel bands (:func:`phaselab.signal.bands.mel_filterbank`,
        the grid of :class:`MelSpectrogram`): the magnitude as ``log(1 + |z| @ M)``, the phased
        volume as ``(log(1 + |z|) k(phi)) @ M``, the compressed complex STFT as ``c @ M``, and
        the phase channels (cos/sin, IF, group delay) as their ``|z|``-weighted mean over each
        band's bins, so a band reads the phase of its loud bins. A pooled phase
        (cos/sin, complex, phased) survives only with ``phase_reference="centre"`` (why:
        :mod:`phaselab.signal.stft`). None (default): one value per STFT bin.
    phase_reference : {"centre", "start"}
        Where the phase is measured from (:func:`phaselab.signal.stft.stft`).

    Input ``(batch, samples)``; output ``(batch, ceil(samples / frame_step), fft_length // 2
    + 1, channels)`` (``n_mels`` instead of ``fft_length // 2 + 1`` when pooled) with
    ``channels = encoding_channels(encoding, n_phases)``. The same
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
        n_mels: int | None = None,
        phase_reference: str = PHASE_REFERENCE,
        **kwargs: Any,
    ):
        super().__init__(frame_length, frame_step, fft_length, **kwargs)
        self.phase_reference = check_reference(phase_reference)
        self.channels = encoding_channels(encoding, n_phases)
        self.n_mels = None if n_mels is None else int(n_mels)
        self._bands = None
        if self.n_mels is not None:
            from phaselab.signal.bands import mel_filterbank

            self._bands = mel_filterbank(self.n_mels, self.fft_length, SAMPLE_RATE).astype(np.float32)
        self.encoding = encoding
        self.sr = int(sr)
        self.damping = float(damping)
        self._phased = PhasedSpectrogram(
            frame_length, frame_step, fft_length, n_phases, kernel, kernel_width, "stacked", damping, phase_reference
        )
        bins = self.fft_length // 2 + 1
        # phase a bin's centre frequency turns in one hop, and the group delay's offset from the window centre
        self._advance = (2 * np.pi * np.arange(bins) * self.frame_step / self.fft_length).astype(np.float32)
        turns = reference_turn(self.frame_length, self.fft_length, "centre") - reference_turn(
            self.frame_length, self.fft_length, self.phase_reference)
        self._centre = float(turns[1] - turns[0])

    def _instantaneous_frequency(self, re: Tensor, im: Tensor) -> Tensor:
        deviation = _wrap(_angle_step(re, im, axis=1) - self._advance) / np.pi
        return keras.ops.pad(deviation, [[0, 0], [1, 0], [0, 0]])

    def _group_delay(self, re: Tensor, im: Tensor) -> Tensor:
        return keras.ops.pad(_wrap(-_angle_step(re, im, axis=2) - self._centre) / np.pi, [[0, 0], [0, 0], [1, 0]])

    def build(self, input_shape: tuple) -> None:
        self._phased.build(input_shape)
        super().build(input_shape)

    def from_stft(self, spec: Any) -> Tensor:
        """Features of a batch of complex STFTs ``(batch, frames, bins)`` -> ``(batch, frames, bins, channels)``."""
        spec = np.asarray(spec, dtype=np.complex64)
        return self._features(spec.real, spec.imag)

    def _features(self, re: Tensor, im: Tensor) -> Tensor:
        ops = keras.ops
        re, im = ops.convert_to_tensor(re, "float32"), ops.convert_to_tensor(im, "float32")
        magnitude = _magnitude(re, im)
        row = get_encoding(self.encoding)
        if row.phase == "phased":
            volume = ops.log1p(magnitude)[..., None] * self._phased.activations(re, im, magnitude)
            return volume if self._bands is None else ops.einsum("btkp,km->btmp", volume, self._bands)
        phase = {
            None: lambda: [],
            "cos_sin": lambda: [re / (magnitude + self.damping), im / (magnitude + self.damping)],
            "if": lambda: [self._instantaneous_frequency(re, im)],
            "group_delay": lambda: [self._group_delay(re, im)],
            "complex": lambda: [re * scale, im * scale],
        }
        if row.phase == "complex":
            scale = ops.log1p(magnitude) / ops.maximum(magnitude, 1e-30)
            if self._bands is not None:  # pooled like the phased volume: the sum of c over each band
                return ops.stack([ops.matmul(part, self._bands) for part in phase["complex"]()], axis=-1)
        phases = phase[row.phase]()
        parts = []
        if self._bands is None:
            if row.magnitude:
                parts.append(ops.log1p(magnitude))
            parts += phases
        else:
            energy = ops.matmul(magnitude, self._bands)  # (batch, frames, bands)
            if row.magnitude:
                parts.append(ops.log1p(energy))
            parts += [ops.matmul(phase * magnitude, self._bands) / (energy + self.damping) for phase in phases]
        return ops.stack(parts, axis=-1)

    def call(self, audio: Tensor) -> Tensor:
        return self._features(*_stft(audio, self.frame_length, self.frame_step, self.fft_length,
                                     self.phase_reference))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        batch, frames, bins = super().compute_output_shape(input_shape)
        return (batch, frames, bins if self.n_mels is None else self.n_mels, self.channels)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "n_mels": self.n_mels,
            "encoding": self.encoding,
            "sr": self.sr,
            "n_phases": self._phased.n_phases,
            "kernel": self._phased.kernel.name,
            "kernel_width": self._phased.kernel.width,
            "damping": self.damping,
            "phase_reference": self.phase_reference,
        }
