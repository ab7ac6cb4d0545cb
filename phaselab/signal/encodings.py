"""Phase encodings: the phased spectrogram (time x frequency x phase) and its rivals.

Each STFT bin ``z`` is a point on the plane. Its phase becomes a *position* along a
third axis of ``n_phases`` slices centred at the knots ``2 pi k / n_phases``: the
bin's log-magnitude ``log(1 + |z|)`` is spread over the slices by a phase kernel
(:mod:`phaselab.signal.kernels`) of the angle between the bin and each knot.

Every phase here is measured from the window's centre unless ``reference="start"`` is
passed (:data:`phaselab.signal.stft.PHASE_REFERENCE`; the original study measured it from the
frame's first sample, and chapters 02-04 rebuild it that way where they reproduce it).

Other ways to hand the phase to a network, all ``(frames, bins, channels)`` float32 in
``"tf"`` framing (:func:`phase_features` dispatches by name, see the one table :data:`ENCODING_TABLE`):

``cos_sin``
    The bin's point on the unit circle, ``(cos phi, sin phi)``, as two channels: no
    jump at +-pi (:func:`cos_sin`).
``if``
    Instantaneous frequency: the phase's advance from one frame to the next, as a
    deviation from what the bin's centre frequency would give (the phase vocoder's and
    GANSynth's encoding), scaled to ``[-1, 1)`` (:func:`instantaneous_frequency`).
``group_delay``
    The phase's change from one bin to the next: *when* in the frame the energy of that
    frequency arrives, relative to the window's centre (:func:`group_delay`).
``complex``
    The compressed complex STFT ``log(1 + |z|) e^{i phi}`` as its real and imaginary
    parts (:func:`log_complex`): magnitude and phase in two channels, invertible.

The frame-to-frame and bin-to-bin differences cancel a global phase rotation ``e^{i
theta}`` of every STFT value exactly, so ``if`` and ``group_delay`` are invariant to it and
do not depend on the phase reference either; ``cos_sin`` and ``complex`` rotate, and the
phased spectrogram moves along its phase axis -- a roll of exactly ``m`` slices only when
``theta = 2 pi m / n_phases``, otherwise the activations change (by up to 18 % of a
slice's peak at a quarter of a slice for the default kernel;
:func:`rotation_residual` measures it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from phaselab import SAMPLE_RATE
from phaselab.signal.instantaneous import frequency_deviation
from phaselab.signal.kernels import (
    KernelName,
    PhaseKernel,
    default_sigma,
    phase_knots,
    wrap_angle,
    wrapped_gaussian,
)
from phaselab.signal.stft import PHASE_REFERENCE, PhaseReference, reference_turn, stft

__all__ = [
    "phased_spectrogram",
    "kernel_activations",
    "make_kernel",
    "rotation_residual",
    "cos_sin",
    "log_complex",
    "instantaneous_frequency",
    "group_delay",
    "phase_features",
    "encoding_channels",
    "get_encoding",
    "Encoding",
    "ENCODING_TABLE",
    "ENCODINGS",
    "DAMPING",
    "Mode",
]

DAMPING = 1e-5
"""Added to ``|z|`` before normalising a bin to the unit circle (the original study's value)."""

Mode = Literal["stacked", "channels"]


def make_kernel(kernel: PhaseKernel | KernelName, n_phases: int) -> PhaseKernel:
    """A :class:`PhaseKernel`, with the original study's width when only a name is given.

    ``chord`` and ``wrapped_gaussian`` get ``sigma = 0.8 * 2 pi / n_phases``;
    ``von_mises`` gets the equivalent ``kappa = 1 / sigma^2``.
    """
    if isinstance(kernel, PhaseKernel):
        return kernel
    sigma = default_sigma(n_phases)
    return PhaseKernel(kernel, 1.0 / sigma**2 if kernel == "von_mises" else sigma)


def kernel_activations(spec: np.ndarray, n_phases: int, kernel: PhaseKernel, damping: float = DAMPING) -> np.ndarray:
    """Kernel value of every STFT bin for every phase knot, computed for all knots at once.

    Parameters
    ----------
    spec : np.ndarray, shape (..., ) complex
        STFT values.
    n_phases : int
        Number of phase slices.
    kernel : PhaseKernel
    damping : float
        For ``chord``: the bin's point is ``u = z / (|z| + damping)``, as in the original
        study, so a silent bin sits at the origin instead of producing NaN.

    Returns
    -------
    np.ndarray, shape spec.shape + (n_phases,), float64
    """
    knots = phase_knots(n_phases)
    if kernel.name == "wrapped_gaussian":
        return wrapped_gaussian(np.angle(spec)[..., None] - knots, kernel.width)
    knot_points = np.stack([np.cos(knots), np.sin(knots)])  # (2, P)
    if kernel.name == "chord":
        u = spec / (np.abs(spec) + damping)
        points = np.stack([u.real, u.imag], axis=-1)
        chord2 = (np.abs(u) ** 2)[..., None] + 1.0 - 2.0 * points @ knot_points
        return np.exp(-chord2 / (2 * kernel.width**2))
    angle = np.angle(spec)
    cos_dphi = np.stack([np.cos(angle), np.sin(angle)], axis=-1) @ knot_points
    return np.exp(kernel.width * (cos_dphi - 1.0))


def rotation_residual(
    theta: float, n_phases: int = 10, kernel: PhaseKernel | KernelName = "chord", n_angles: int = 720
) -> float:
    r"""How far a global phase rotation by ``theta`` is from a roll of the phase axis.

    Rotating every bin by ``theta`` moves its activations ``a_k(phi) = K(phi - 2 pi k / P)`` to
    ``a_k(phi + theta)``. That is the activation vector rolled by ``m`` slices exactly when
    ``theta = 2 pi m / P``; in between it is a different vector, so a network that is invariant
    to rolling the phase axis is not exactly invariant to a rotation. Returns the worst case,
    over the bin's phase ``phi``, of the largest change of one slice's activation (the kernel's
    peak is 1) against the nearest roll:

    .. math:: \max_\varphi \min_m \max_k \big| a_k(\varphi + \theta) - a_{k - m}(\varphi) \big|

    Parameters
    ----------
    theta : float
        Rotation in radians.
    n_phases : int
        Phase slices ``P``.
    kernel : PhaseKernel or str
        As for :func:`phased_spectrogram` (a name gets the original study's width).
    n_angles : int
        Grid of bin phases ``phi`` over one turn.

    Returns
    -------
    float
        0 for a whole number of slices; otherwise a fraction of the kernel's peak.

    Examples
    --------
    >>> rotation_residual(2 * np.pi / 10) < 1e-9  # one whole slice: a roll
    True
    >>> round(rotation_residual(2 * np.pi / 40), 2)  # a quarter of a slice
    0.18

    Notebook: ``05_phase_encodings_compared.ipynb``
    """
    phis = np.linspace(0.0, 2 * np.pi, n_angles, endpoint=False)
    kernel = make_kernel(kernel, n_phases)
    before = kernel_activations(np.exp(1j * phis), n_phases, kernel, damping=0.0)
    after = kernel_activations(np.exp(1j * (phis + theta)), n_phases, kernel, damping=0.0)
    gaps = [np.abs(after - np.roll(before, m, axis=-1)).max(axis=-1) for m in range(n_phases)]
    return float(np.max(np.min(gaps, axis=0)))


def phased_spectrogram(
    audio: np.ndarray,
    frame_length: int = 256,
    frame_step: int = 64,
    n_phases: int = 10,
    kernel: PhaseKernel | KernelName = "chord",
    mode: Mode = "stacked",
    damping: float = DAMPING,
    reference: PhaseReference = PHASE_REFERENCE,
) -> np.ndarray:
    """The phased spectrogram of a clip (NumPy reference of :class:`phaselab.nn.features.PhasedSpectrogram`).

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        Mono clip.
    frame_length, frame_step : int
        STFT window and hop in samples (``"tf"`` framing: ``ceil(n / frame_step)`` frames).
    n_phases : int
        Number of phase slices ``P``; knots at ``2 pi k / P``.
    kernel : PhaseKernel or {"chord", "von_mises", "wrapped_gaussian"}
        The phase kernel; a name gets the original study's width (:func:`make_kernel`).
    mode : {"stacked", "channels"}
        ``"stacked"``: log-magnitude times each kernel slice, the 3D volume.
        ``"channels"``: log-magnitude followed by the ``P`` kernel values, for a 2D CNN.
    damping : float
        See :func:`kernel_activations`.
    reference : {"centre", "start"}
        Where each bin's phase is measured from (:func:`phaselab.signal.stft.stft`);
        ``"start"`` reproduces the original study's volume.

    Returns
    -------
    np.ndarray, float32
        shape (frames, bins, P) for ``"stacked"``, (frames, bins, 1 + P) for ``"channels"``;
        bins = frame_length // 2 + 1.

    Examples
    --------
    >>> from phaselab.paths import data_dir
    >>> from phaselab.signal.audio import read_wav
    >>> volume = phased_spectrogram(read_wav(data_dir() / "samples" / "marvin.wav"))
    >>> volume.shape, volume.dtype  # time x frequency x phase
    ((250, 129, 10), dtype('float32'))

    Notebook: ``02_phase_kernel_design.ipynb``, ``03_phased_spectrogram_movies.ipynb``
    """
    if mode not in ("stacked", "channels"):
        raise ValueError(f"mode must be 'stacked' or 'channels', got {mode!r}")
    spec = stft(audio, frame_length, frame_step, reference=reference)
    log_mag = np.log1p(np.abs(spec))[..., None]
    activations = kernel_activations(spec, n_phases, make_kernel(kernel, n_phases), damping)
    if mode == "stacked":
        return (log_mag * activations).astype(np.float32)
    return np.concatenate([log_mag, activations], axis=-1).astype(np.float32)


@dataclass(frozen=True)
class Encoding:
    """One way to hand a network the STFT: which phase representation, with or without the log-magnitude.

    The single table :data:`ENCODING_TABLE` of these is what :func:`phase_features` (NumPy),
    :class:`phaselab.nn.features.PhaseFeatures` (Keras) and the model builders of
    :mod:`phaselab.nn.encoding_nets` read, so a new encoding is one row here plus its phase function.

    Examples
    --------
    >>> ENCODING_TABLE["mag_if"].channels(), ENCODING_TABLE["phased"].channels(n_phases=8)
    (2, 8)
    """

    name: str
    phase: PhaseKind | None
    """The phase representation (None: magnitude only)."""
    magnitude: bool
    """Whether ``log(1 + |z|)`` is a channel (the first one); the phased volume carries it inside."""
    description: str

    def channels(self, n_phases: int = 10) -> int:
        """Channels of the features (the phased spectrogram has ``n_phases``)."""
        if self.phase == "phased":
            return n_phases
        return int(self.magnitude) + PHASE_CHANNELS.get(self.phase, 0)


PhaseKind = Literal["phased", "cos_sin", "if", "group_delay", "complex"]

PHASE_CHANNELS: dict[str, int] = {"cos_sin": 2, "if": 1, "group_delay": 1, "complex": 2}
"""Channels of each phase representation other than the phased volume."""

ENCODING_TABLE: dict[str, Encoding] = {e.name: e for e in (
    Encoding("magnitude", None, True, "log(1 + |z|), 1 channel, no phase"),
    Encoding("phased", "phased", False, "the stacked phased spectrogram, n_phases channels"),
    Encoding("cos_sin", "cos_sin", False, "cos and sin of the phase, 2 channels"),
    Encoding("mag_cos_sin", "cos_sin", True, "log-magnitude, cos, sin"),
    Encoding("if", "if", False, "instantaneous frequency, 1 channel"),
    Encoding("mag_if", "if", True, "log-magnitude, instantaneous frequency"),
    Encoding("group_delay", "group_delay", False, "group delay, 1 channel"),
    Encoding("complex", "complex", False, "real and imaginary parts of log(1 + |z|) e^(i phi), 2 channels"),
)}
"""Every phase encoding phaselab knows, by name."""

ENCODINGS: tuple[str, ...] = tuple(ENCODING_TABLE)
"""Names :func:`phase_features` (and :class:`phaselab.nn.features.PhaseFeatures`) accept."""


def get_encoding(encoding: str) -> Encoding:
    """The row of :data:`ENCODING_TABLE` called ``encoding``.

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    if encoding not in ENCODING_TABLE:
        raise ValueError(f"unknown encoding {encoding!r}; choose one of {', '.join(ENCODINGS)}")
    return ENCODING_TABLE[encoding]


def encoding_channels(encoding: str, n_phases: int = 10) -> int:
    """Number of channels :func:`phase_features` gives for ``encoding``."""
    return get_encoding(encoding).channels(n_phases)


def cos_sin(spec: np.ndarray, damping: float = DAMPING) -> np.ndarray:
    """Cosine and sine of every bin's phase, as the bin's point on the unit circle.

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex
        STFT.
    damping : float
        The point is ``z / (|z| + damping)`` (as for the chord kernel): ``(cos phi, sin
        phi)`` for any bin well above ``damping``, the origin for a silent bin, whose
        phase is undefined.

    Returns
    -------
    np.ndarray, shape (frames, bins, 2), float64
        ``[..., 0]`` cosine, ``[..., 1]`` sine.
    """
    u = spec / (np.abs(spec) + damping)
    return np.stack([u.real, u.imag], axis=-1)


def log_complex(spec: np.ndarray) -> np.ndarray:
    r"""The compressed complex STFT ``log(1 + |z|) e^{i phi}`` as real and imaginary parts.

    .. math:: c = \log(1 + |z|)\,(\cos\varphi, \sin\varphi)

    The magnitude is compressed as in the log spectrogram, the phase is kept whole, and a
    silent bin is the origin (no undefined phase). ``|c|`` gives back ``log(1 + |z|)``.

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex
        STFT.

    Returns
    -------
    np.ndarray, shape (frames, bins, 2), float64
        ``[..., 0]`` real part, ``[..., 1]`` imaginary part.

    Examples
    --------
    >>> np.round(log_complex(np.array([[np.e - 1, -1j * (np.e - 1)]])), 6)
    array([[[ 1.,  0.],
            [ 0., -1.]]])
    """
    magnitude = np.abs(spec)
    scale = np.log1p(magnitude) / np.where(magnitude > 0, magnitude, 1.0)
    return np.stack([spec.real * scale, spec.imag * scale], axis=-1)


def instantaneous_frequency(spec: np.ndarray, frame_step: int = 64, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Instantaneous frequency of every bin, as a deviation from the bin's centre, scaled to [-1, 1).

    :func:`phaselab.signal.instantaneous.frequency_deviation` (Hz) divided by its range
    ``sr / (2 frame_step)``: -1 and 1 are half a bin-hop's worth of phase advance
    (``pi`` radians per frame) below and above the centre. The first frame has no
    predecessor and gets zeros, so the frame count is kept.

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex
        STFT in either framing.
    frame_step : int
        Hop in samples.
    sr : int
        Sample rate in Hz.

    Returns
    -------
    np.ndarray, shape (frames, bins), float64
        In ``[-1, 1)``; row 0 is zero.
    """
    spec = np.asarray(spec)
    out = np.zeros(spec.shape)
    if spec.shape[0] >= 2:
        out[1:] = frequency_deviation(spec, frame_step, sr) / (sr / (2 * frame_step))
    return out


def group_delay(
    spec: np.ndarray, frame_length: int = 256, unit: Literal["normalised", "samples"] = "normalised",
    reference: PhaseReference = PHASE_REFERENCE,
) -> np.ndarray:
    r"""Group delay: minus the phase's derivative along frequency, relative to the window's centre.

    .. math:: d[q, k] = -\frac{K}{2\pi}\,\operatorname{wrap}\big(\varphi[q, k] - \varphi[q, k-1]\big)

    A click ``d`` samples after the centre of the window turns the phase of bin ``k``
    (measured from the window's centre) by ``-2 pi k d / K``, so minus the wrapped difference
    between neighbouring bins gives back ``d``. Under ``reference="start"`` the phase carries
    the extra ``-2 pi k (frame_length / 2) / K``, which is added back, so the result does not
    depend on the reference. Bins carrying a steady sinusoid have no single arrival time;
    their value reflects the window.

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex
        STFT, ``bins = fft_length // 2 + 1``.
    frame_length : int
        Window length in samples.
    unit : {"normalised", "samples"}
        ``"samples"``: the delay ``d`` in ``[-fft_length / 2, fft_length / 2)``;
        ``"normalised"``: ``d / (fft_length / 2)``, in ``[-1, 1)``.
    reference : {"centre", "start"}
        The phase reference ``spec`` was made with.

    Returns
    -------
    np.ndarray, shape (frames, bins), float64
        Column ``k >= 1`` from bins ``k - 1`` and ``k``; column 0 (DC) is zero.
    """
    if unit not in ("normalised", "samples"):
        raise ValueError(f"unit must be 'normalised' or 'samples', got {unit!r}")
    spec = np.asarray(spec)
    fft_length = 2 * (spec.shape[-1] - 1)
    step = np.angle(spec[..., 1:] * np.conj(spec[..., :-1]))
    offset = np.diff(reference_turn(frame_length, fft_length, "centre") - reference_turn(frame_length, fft_length, reference))
    delay = wrap_angle(-step - offset[0]) / np.pi  # in [-1, 1)
    out = np.zeros(spec.shape)
    out[..., 1:] = delay if unit == "normalised" else delay * fft_length / 2
    return out


def phase_features(
    audio: np.ndarray,
    encoding: str,
    frame_length: int = 256,
    frame_step: int = 64,
    sr: int = SAMPLE_RATE,
    n_phases: int = 10,
    kernel: PhaseKernel | KernelName = "chord",
    damping: float = DAMPING,
    reference: PhaseReference = PHASE_REFERENCE,
) -> np.ndarray:
    """One clip's features in one of the :data:`ENCODINGS` (NumPy reference of :class:`phaselab.nn.features.PhaseFeatures`).

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        Mono clip.
    encoding : str
        One of :data:`ENCODINGS`.
    frame_length, frame_step : int
        STFT window and hop in samples (``"tf"`` framing).
    sr : int
        Sample rate in Hz (instantaneous frequency only).
    n_phases, kernel : int, PhaseKernel or str
        Of the phased spectrogram (``"phased"`` only).
    damping : float
        See :func:`cos_sin` and :func:`kernel_activations`.
    reference : {"centre", "start"}
        Where the phase is measured from (:func:`phaselab.signal.stft.stft`): it changes
        ``phased``, ``cos_sin`` and ``complex``, not ``if`` or ``group_delay``.

    Returns
    -------
    np.ndarray, shape (ceil(n / frame_step), frame_length // 2 + 1, channels), float32
        ``channels = encoding_channels(encoding, n_phases)``; when the log-magnitude is
        one of them it comes first.

    Examples
    --------
    >>> import numpy as np
    >>> audio = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    >>> [phase_features(audio, e).shape[-1] for e in ("magnitude", "mag_if", "mag_cos_sin")]
    [1, 2, 3]

    Notebook: ``05_phase_encodings_compared.ipynb``
    """
    row = get_encoding(encoding)
    if row.phase == "phased":
        return phased_spectrogram(audio, frame_length, frame_step, n_phases, kernel, "stacked", damping, reference)
    spec = stft(audio, frame_length, frame_step, reference=reference)
    phase = {
        None: lambda: [],
        "cos_sin": lambda: [cos_sin(spec, damping)],
        "if": lambda: [instantaneous_frequency(spec, frame_step, sr)[..., None]],
        "group_delay": lambda: [group_delay(spec, frame_length, reference=reference)[..., None]],
        "complex": lambda: [log_complex(spec)],
    }
    parts = phase[row.phase]()
    if row.magnitude:
        parts.insert(0, np.log1p(np.abs(spec))[..., None])
    return np.concatenate(parts, axis=-1).astype(np.float32)
