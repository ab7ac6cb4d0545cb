"""Phase encodings: the phased spectrogram (time x frequency x phase).

Each STFT bin ``z`` is a point on the plane. Its phase becomes a *position* along a
third axis of ``n_phases`` slices centred at the knots ``2 pi k / n_phases``: the
bin's log-magnitude ``log(1 + |z|)`` is spread over the slices by a phase kernel
(:mod:`phaselab.kernels`) of the angle between the bin and each knot.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from phaselab.kernels import KernelName, PhaseKernel, default_sigma, phase_knots, wrapped_gaussian
from phaselab.stft import stft

__all__ = ["phased_spectrogram", "kernel_activations", "make_kernel", "DAMPING", "Mode"]

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


def phased_spectrogram(
    audio: np.ndarray,
    frame_length: int = 256,
    frame_step: int = 64,
    n_phases: int = 10,
    kernel: PhaseKernel | KernelName = "chord",
    mode: Mode = "stacked",
    damping: float = DAMPING,
) -> np.ndarray:
    """The phased spectrogram of a clip (NumPy reference of :class:`phaselab.layers.PhasedSpectrogram`).

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

    Returns
    -------
    np.ndarray, float32
        shape (frames, bins, P) for ``"stacked"``, (frames, bins, 1 + P) for ``"channels"``;
        bins = frame_length // 2 + 1.
    """
    if mode not in ("stacked", "channels"):
        raise ValueError(f"mode must be 'stacked' or 'channels', got {mode!r}")
    spec = stft(audio, frame_length, frame_step)
    log_mag = np.log1p(np.abs(spec))[..., None]
    activations = kernel_activations(spec, n_phases, make_kernel(kernel, n_phases), damping)
    if mode == "stacked":
        return (log_mag * activations).astype(np.float32)
    return np.concatenate([log_mag, activations], axis=-1).astype(np.float32)
