"""Phase kernels: how strongly a phase angle activates a phase slice centred elsewhere.

Every kernel here is a function of the angle difference ``dphi`` between a bin's phase
and a slice's centre (a *knot*), equal to 1 at ``dphi = 0`` and 2*pi-periodic:

``chord``
    The original study's Gaussian of the squared chord distance between the two points
    on the unit circle, ``exp(-|u - u_k|^2 / (2 sigma^2))``. Since
    ``|u - u_k|^2 = 2 - 2 cos(dphi)`` on the unit circle, it *is* the von Mises kernel
    with ``kappa = 1 / sigma^2`` -- exactly, not approximately.
``von_mises``
    ``exp(kappa (cos(dphi) - 1))``.
``wrapped_gaussian``
    A Gaussian in radians, wrapped around the circle:
    ``sum_m exp(-(dphi + 2 pi m)^2 / (2 sigma^2))``, normalised to 1 at 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = [
    "check_n_phases",
    "KernelName",
    "PhaseKernel",
    "chord_gaussian",
    "von_mises",
    "wrapped_gaussian",
    "phase_knots",
    "default_sigma",
    "wrap_angle",
]

KernelName = Literal["chord", "von_mises", "wrapped_gaussian"]


def wrap_angle(angle: np.ndarray) -> np.ndarray:
    """Wrap angles to [-pi, pi)."""
    return (np.asarray(angle) + np.pi) % (2 * np.pi) - np.pi


def check_n_phases(n_phases: int) -> int:
    """``n_phases`` as an ``int``, if it is a whole number of at least 1 (``4.0`` is, ``2.5`` is not).

    Raises
    ------
    ValueError
        Otherwise, naming the value.
    """
    whole = isinstance(n_phases, (int, np.integer)) or (isinstance(n_phases, float) and n_phases.is_integer())
    if isinstance(n_phases, bool) or not whole or n_phases < 1:
        raise ValueError(f"n_phases must be a whole number of at least 1, got {n_phases!r}")
    return int(n_phases)


def phase_knots(n_phases: int) -> np.ndarray:
    """Centres of the phase slices, ``2 pi k / n_phases`` in radians, shape (n_phases,).

    Examples
    --------
    >>> phase_knots(4).round(3).tolist()
    [0.0, 1.571, 3.142, 4.712]

    Notebook: ``02_phase_kernel_design.ipynb``
    """
    n_phases = check_n_phases(n_phases)
    return 2 * np.pi * np.arange(n_phases) / n_phases


def default_sigma(n_phases: int) -> float:
    """The original study's kernel width, ``0.8 * 2 pi / n_phases``."""
    return 0.8 * 2 * np.pi / check_n_phases(n_phases)


def chord_gaussian(dphi: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian of the squared chord distance between unit-circle points ``dphi`` apart.

    Parameters
    ----------
    dphi : np.ndarray
        Angle differences, radians, any shape.
    sigma : float
        Width, in units of the circle's radius.

    Returns
    -------
    np.ndarray, same shape as ``dphi``
        ``exp(-|u - u_k|^2 / (2 sigma^2))`` with ``|u - u_k|^2 = |e^{i dphi} - 1|^2``.
    """
    chord2 = np.abs(np.exp(1j * np.asarray(dphi)) - 1.0) ** 2
    return np.exp(-chord2 / (2 * sigma**2))


def von_mises(dphi: np.ndarray, kappa: float) -> np.ndarray:
    """Von Mises kernel ``exp(kappa (cos(dphi) - 1))``, 1 at ``dphi = 0``."""
    return np.exp(kappa * (np.cos(dphi) - 1.0))


def wrapped_gaussian(dphi: np.ndarray, sigma: float, n_wraps: int = 3) -> np.ndarray:
    """Gaussian in radians wrapped around the circle, normalised to 1 at ``dphi = 0``.

    Parameters
    ----------
    dphi : np.ndarray
        Angle differences, radians, any shape.
    sigma : float
        Standard deviation, radians.
    n_wraps : int
        Number of windings summed on each side (3 is exact to float precision for
        ``sigma < 2``).
    """
    offsets = 2 * np.pi * np.arange(-n_wraps, n_wraps + 1)
    d = wrap_angle(dphi)[..., None] + offsets

    def total(x: np.ndarray) -> np.ndarray:
        return np.exp(-(x**2) / (2 * sigma**2)).sum(axis=-1)

    return total(d) / total(offsets)


@dataclass(frozen=True)
class PhaseKernel:
    """A named phase kernel with its width, callable on angle differences.

    Parameters
    ----------
    name : {"chord", "von_mises", "wrapped_gaussian"}
    width : float
        ``sigma`` for ``chord`` (unit-circle units) and ``wrapped_gaussian`` (radians),
        ``kappa`` for ``von_mises``.
    """

    name: KernelName = "chord"
    width: float = default_sigma(10)

    def __post_init__(self) -> None:
        if self.name not in ("chord", "von_mises", "wrapped_gaussian"):
            raise ValueError(f"unknown kernel {self.name!r}; use 'chord', 'von_mises' or 'wrapped_gaussian'")
        if not self.width > 0:
            raise ValueError(f"kernel width must be positive, got {self.width}")

    def __call__(self, dphi: np.ndarray) -> np.ndarray:
        """Kernel values at angle differences ``dphi`` (radians), same shape."""
        if self.name == "chord":
            return chord_gaussian(dphi, self.width)
        if self.name == "von_mises":
            return von_mises(dphi, self.width)
        return wrapped_gaussian(dphi, self.width)
