"""Keras 3 layers: spectrogram features of raw audio, wrap-around padding of the phase axis,
and SpecAugment's time and frequency masks.

The feature layers compute on the graph the same numbers as the NumPy reference in
:mod:`phaselab.signal.stft` and :mod:`phaselab.signal.encodings`, so a saved model takes raw audio and is a
complete recogniser. They are written in ``keras.ops`` alone (the STFT as a gather of
frames, a window and ``keras.ops.rfft``; a complex value as its real and imaginary parts),
so the models run on every Keras backend: TensorFlow here and in CI, JAX or PyTorch on a
machine that has those.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from phaselab import SAMPLE_RATE
from phaselab.signal.kernels import PhaseKernel, check_n_phases, phase_knots
from phaselab.signal.encodings import DAMPING, encoding_channels, make_kernel
from phaselab.signal.stft import check_sizes

__all__ = ["Spectrogram", "MelSpectrogram", "PhasedSpectrogram", "PhaseFeatures", "CircularPad", "EdgePad", "SpectralMasks"]


Tensor = Any
"""A tensor of the Keras backend in use."""


def _stft(audio: Tensor, frame_length: int, frame_step: int, fft_length: int) -> tuple[Tensor, Tensor]:
    """Real and imaginary parts ``(batch, frames, fft_length // 2 + 1)`` of the STFT of ``(batch, samples)``.

    As :func:`phaselab.signal.stft.stft`: periodic Hann window, ``ceil(samples / frame_step)``
    frames, the end zero-padded so that the last frame starts inside the clip.
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
    return keras.ops.rfft(framed, fft_length)


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
        self.n_phases = check_n_phases(n_phases)
        self.kernel = PhaseKernel(kernel, kernel_width) if kernel_width else make_kernel(kernel, self.n_phases)
        self.mode = mode
        self.damping = float(damping)
        self._knots = phase_knots(self.n_phases).astype(np.float32)
        self._cos, self._sin = np.cos(self._knots), np.sin(self._knots)

    def _activations(self, re: Tensor, im: Tensor, magnitude: Tensor) -> Tensor:
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
        re, im = _stft(audio, self.frame_length, self.frame_step, self.fft_length)
        magnitude = _magnitude(re, im)
        log_mag = keras.ops.log1p(magnitude)[..., None]
        activations = self._activations(re, im, magnitude)
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
        ``"cos_sin"``, ``"mag_cos_sin"``, ``"if"``, ``"mag_if"``, ``"group_delay"``.
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
        volume as ``(log(1 + |z|) k(phi)) @ M``, and the phase channels (cos/sin, IF, group
        delay) as their ``|z|``-weighted mean over each band's bins, so a band reads the phase
        of its loud bins. None (default): one value per STFT bin.

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
        **kwargs: Any,
    ):
        super().__init__(frame_length, frame_step, fft_length, **kwargs)
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
            frame_length, frame_step, fft_length, n_phases, kernel, kernel_width, "stacked", damping
        )
        bins = self.fft_length // 2 + 1
        # phase a bin's centre frequency turns in one hop, and the window-centre offset of the group delay
        self._advance = (2 * np.pi * np.arange(bins) * self.frame_step / self.fft_length).astype(np.float32)
        self._centre = float(np.pi * self.frame_length / self.fft_length)

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
        if self.encoding == "phased":
            volume = ops.log1p(magnitude)[..., None] * self._phased._activations(re, im, magnitude)
            return volume if self._bands is None else ops.einsum("btkp,km->btmp", volume, self._bands)
        phases = []
        if self.encoding in ("cos_sin", "mag_cos_sin"):
            phases += [re / (magnitude + self.damping), im / (magnitude + self.damping)]
        elif self.encoding in ("if", "mag_if"):
            phases.append(self._instantaneous_frequency(re, im))
        elif self.encoding == "group_delay":
            phases.append(self._group_delay(re, im))
        parts = []
        if self._bands is None:
            if self.encoding in ("magnitude", "mag_cos_sin", "mag_if"):
                parts.append(ops.log1p(magnitude))
            parts += phases
        else:
            energy = ops.matmul(magnitude, self._bands)  # (batch, frames, bands)
            if self.encoding in ("magnitude", "mag_cos_sin", "mag_if"):
                parts.append(ops.log1p(energy))
            parts += [ops.matmul(phase * magnitude, self._bands) / (energy + self.damping) for phase in phases]
        return ops.stack(parts, axis=-1)

    def call(self, audio: Tensor) -> Tensor:
        return self._features(*_stft(audio, self.frame_length, self.frame_step, self.fft_length))

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

    def call(self, inputs: Tensor) -> Tensor:
        return keras.ops.take(inputs, self._indices, axis=self.axis)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        shape = list(input_shape)
        if shape[self.axis] is not None:
            shape[self.axis] += sum(self.width)
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "width": list(self.width)}


@keras.saving.register_keras_serializable(package="phaselab")
class EdgePad(CircularPad):
    """Pad one axis by repeating its first and last slices (edge replication), not by wrapping.

    What the original study did to its phase axis: slice 0 goes before slice 0 and slice
    ``P - 1`` after slice ``P - 1``, so a following convolution treats the two ends of the
    circle as far apart and no longer commutes with rolling the axis. Chapter 04's
    exercise trains with it to compare with :class:`CircularPad`. Same parameters.

    Examples
    --------
    >>> import numpy as np
    >>> EdgePad(1, 1)(np.arange(4.0)[None]).numpy().tolist()
    [[0.0, 0.0, 1.0, 2.0, 3.0, 3.0]]
    """

    def build(self, input_shape: tuple) -> None:
        super().build(input_shape)
        size = input_shape[self.axis]
        before, after = self.width
        self._indices = np.clip(np.arange(-before, size + after), 0, size - 1)


@keras.saving.register_keras_serializable(package="phaselab")
class SpectralMasks(keras.layers.Layer):
    """SpecAugment's time and frequency masks (Park et al., 2019), in training only.

    Each training example gets ``time_masks`` bands of consecutive frames and
    ``freq_masks`` bands of consecutive bins set to zero (silence, for the ``log1p``
    features of this module); each band's width is drawn uniformly from ``0..max_frames``
    (``0..max_bins``) and its start uniformly among the positions where it fits. A model
    that may lose any tenth of its spectrogram must recognise a word from several cues,
    which is what an unheard voice, whose formants and timing differ, asks of it. At
    inference the layer passes its input through.

    Parameters
    ----------
    time_masks, freq_masks : int
        Bands per example along time (axis 1) and frequency (axis 2).
    max_frames, max_bins : int
        Widest band, in frames and in bins.
    seed : int, optional
        Seed of the layer's :class:`keras.random.SeedGenerator`.

    Input and output shape: ``(batch, frames, bins, ...)``, any trailing axes (channels,
    phase) masked alike.
    """

    def __init__(self, time_masks: int = 2, max_frames: int = 25, freq_masks: int = 2, max_bins: int = 13,
                 seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        counts = {"time_masks": time_masks, "max_frames": max_frames, "freq_masks": freq_masks, "max_bins": max_bins}
        for name, value in counts.items():
            if int(value) != value or value < 0:
                raise ValueError(f"SpectralMasks {name} must be a non-negative integer, got {value}")
        self.time_masks, self.max_frames = int(time_masks), int(max_frames)
        self.freq_masks, self.max_bins = int(freq_masks), int(max_bins)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _keep(self, batch: Any, size: int, masks: int, widest: int) -> Any:
        """``(batch, size)`` float: 0 inside one of ``masks`` random bands per example, 1 elsewhere."""
        position = keras.ops.arange(size, dtype="float32")[None, :]
        keep = keras.ops.ones((batch, size), dtype="float32")
        widest = min(widest, size)
        for _ in range(masks):
            draws = keras.random.uniform((batch, 2), seed=self.seed_generator)
            width = keras.ops.floor(draws[:, :1] * (widest + 1))
            start = keras.ops.floor(draws[:, 1:] * (size - width + 1))
            inside = keras.ops.logical_and(position >= start, position < start + width)
            keep = keep * (1.0 - keras.ops.cast(inside, "float32"))
        return keep

    def call(self, features: Any, training: bool | None = None) -> Any:
        if not training or self.time_masks + self.freq_masks == 0:
            return features
        batch = keras.ops.shape(features)[0]
        frames, bins = features.shape[1], features.shape[2]
        keep = (self._keep(batch, frames, self.time_masks, self.max_frames)[:, :, None]
                * self._keep(batch, bins, self.freq_masks, self.max_bins)[:, None, :])
        keep = keras.ops.reshape(keep, (-1, frames, bins) + (1,) * (len(features.shape) - 3))
        return features * keras.ops.cast(keep, features.dtype)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "time_masks": self.time_masks, "max_frames": self.max_frames,
                "freq_masks": self.freq_masks, "max_bins": self.max_bins, "seed": self.seed}
