"""Pictures of phase kernels: a kernel on the phase circle, kernel shapes, the phase slices of a clip, phase padding.

Notebook: ``02_phase_kernel_design.ipynb``
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.image import AxesImage

from phaselab import SAMPLE_RATE
from phaselab.display.plots import FREQ_LABEL, TIME_LABEL, _axes, _extent
from phaselab.signal.kernels import PhaseKernel, default_sigma, phase_knots
from phaselab.signal.stft import frame_times

__all__ = ["plot_kernel_plane", "plot_kernels", "plot_kernel_differences", "plot_phase_slices", "plot_phase_padding",
           "kernel_on_plane"]


def kernel_on_plane(kernel: PhaseKernel, n_phases: int, points: np.ndarray) -> np.ndarray:
    """Kernel value of every knot at points of the complex plane.

    The chord kernel is a Gaussian of the distance between the point and the knot's
    point on the unit circle, so off the circle it is a round blob; the von Mises and
    wrapped-Gaussian kernels depend on the point's angle only. A bin is moved onto the
    unit circle before the kernel is applied, so only the values on the circle matter.

    Parameters
    ----------
    kernel : PhaseKernel
    n_phases : int
        Number of knots ``2 pi k / n_phases``.
    points : np.ndarray, complex, any shape
        Points ``x + iy`` of the plane.

    Returns
    -------
    np.ndarray, shape points.shape + (n_phases,)
    """
    knots = phase_knots(n_phases)
    points = np.asarray(points)[..., None]
    if kernel.name == "chord":
        return np.exp(-np.abs(points - np.exp(1j * knots)) ** 2 / (2 * kernel.width**2))
    return kernel(np.angle(points) - knots)


def plot_kernel_plane(
    kernel: PhaseKernel,
    n_phases: int,
    ax: Axes | None = None,
    knot: int | None = None,
    reduce: Literal["max", "sum"] = "max",
    radius: float = 1.6,
    resolution: int = 241,
) -> AxesImage:
    """Image of a phase kernel over the unit-circle plane, with the circle and the knots.

    Parameters
    ----------
    kernel : PhaseKernel
    n_phases : int
        Number of knots.
    ax : Axes, optional
    knot : int, optional
        Show this knot's kernel only; by default all knots, combined by ``reduce``.
    reduce : {"max", "sum"}
        How the knots' kernels are combined when ``knot`` is None.
    radius : float
        The plane is shown over ``[-radius, radius]`` on both axes.
    resolution : int
        Grid points per axis.

    Returns
    -------
    AxesImage
        Real part across, imaginary part upwards (units of the circle's radius).
    """
    ax = _axes(ax, (4.2, 3.6))
    grid = np.linspace(-radius, radius, resolution)
    values = kernel_on_plane(kernel, n_phases, grid[None, :] + 1j * grid[:, None])
    if knot is not None:
        values, label = values[..., knot], f"kernel of knot {knot}"
    elif reduce in ("max", "sum"):
        values, label = getattr(values, reduce)(axis=-1), f"{reduce} of the kernels over knots"
    else:
        raise ValueError(f"reduce must be 'max' or 'sum', got {reduce!r}")
    image = ax.imshow(values, origin="lower", extent=(-radius, radius, -radius, radius), cmap="viridis", vmin=0)
    angle = np.linspace(0, 2 * np.pi, 361)
    ax.plot(np.cos(angle), np.sin(angle), color="white", linewidth=1)
    knots = phase_knots(n_phases)
    ax.plot(np.cos(knots), np.sin(knots), "o", color="tab:red", markersize=5, markeredgecolor="white", label="knots")
    ax.set(xlabel="Re u", ylabel="Im u", aspect="equal")
    ax.figure.colorbar(image, ax=ax, label=label)
    return image


def _kernel_curves(sigma: float) -> list[tuple[str, PhaseKernel]]:
    return [
        (f"chord Gaussian, σ = {sigma:.2f}", PhaseKernel("chord", sigma)),
        (f"von Mises, κ = 1/σ² = {1 / sigma**2:.2f}", PhaseKernel("von_mises", 1 / sigma**2)),
        (f"wrapped Gaussian, σ = {sigma:.2f} rad", PhaseKernel("wrapped_gaussian", sigma)),
    ]


def plot_kernels(
    n_phases: int = 10, sigma: float | None = None, axes: Sequence[Axes] | None = None
) -> np.ndarray:
    """The three kernels of :mod:`phaselab.signal.kernels` side by side, as functions of the angle difference.

    Each panel draws the kernel of knot 0 (thick) and of its neighbours (thin), so
    the overlap between neighbouring phase slices is visible.

    Parameters
    ----------
    n_phases : int
        Number of knots (their spacing is ``2 pi / n_phases`` rad).
    sigma : float, optional
        Width (default :func:`~phaselab.signal.kernels.default_sigma`); the von Mises kernel
        gets ``kappa = 1 / sigma^2``.
    axes : sequence of 3 Axes, optional

    Returns
    -------
    np.ndarray of Axes, shape (3,)
        Horizontal axes: ``dphi`` in radians over ``[-pi, pi]``.
    """
    sigma = default_sigma(n_phases) if sigma is None else sigma
    if axes is None:
        axes = plt.subplots(1, 3, figsize=(11.0, 3.0), sharey=True, layout="constrained")[1]
    if len(axes) != 3:
        raise ValueError(f"plot_kernels draws 3 panels, got {len(axes)} axes")
    dphi = np.linspace(-np.pi, np.pi, 721)
    for ax, (title, kernel) in zip(axes, _kernel_curves(sigma)):
        for knot in phase_knots(n_phases)[1:]:
            ax.plot(dphi, kernel(dphi - knot), color="0.7", linewidth=0.8)
        ax.plot(dphi, kernel(dphi), color="tab:blue", linewidth=2)
        ax.set(title=title, xlabel="Δφ (rad)", xlim=(-np.pi, np.pi), ylim=(0, 1.05))
        ax.set_xticks([-np.pi, -np.pi / 2, 0, np.pi / 2, np.pi], labels=["-π", "-π/2", "0", "π/2", "π"])
    axes[0].set_ylabel("kernel value")
    return np.asarray(axes)


def plot_kernel_differences(
    n_phases: int = 10, sigma: float | None = None, axes: Sequence[Axes] | None = None
) -> np.ndarray:
    """The three kernels of knot 0 on one axis, then what tells them apart: their differences.

    At one width the chord Gaussian, the von Mises kernel (``kappa = 1 / sigma^2``) and the
    wrapped Gaussian look the same; the point is how little they differ, which only a
    difference shows: chord minus von Mises (float rounding: they are one function on the
    circle) and wrapped Gaussian minus von Mises.

    Parameters
    ----------
    n_phases : int
        Number of knots (sets the default width).
    sigma : float, optional
        Width (default :func:`~phaselab.signal.kernels.default_sigma`).
    axes : sequence of 3 Axes, optional

    Returns
    -------
    np.ndarray of Axes, shape (3,)
        Horizontal axes: ``dphi`` in radians over ``[-pi, pi]``; the differences in kernel units.

    Examples
    --------
    >>> axes = plot_kernel_differences(10)
    >>> [ax.get_title().splitlines()[0] for ax in axes]
    ['the three kernels', 'chord − von Mises', 'wrapped Gaussian − von Mises']
    """
    sigma = default_sigma(n_phases) if sigma is None else sigma
    if axes is None:
        axes = plt.subplots(1, 3, figsize=(11.0, 3.0), sharex=True, layout="constrained")[1]
    if len(axes) != 3:
        raise ValueError(f"plot_kernel_differences draws 3 panels, got {len(axes)} axes")
    dphi = np.linspace(-np.pi, np.pi, 721)
    (_, chord), (_, mises), (_, wrapped) = _kernel_curves(sigma)
    for (title, kernel), style in zip(_kernel_curves(sigma), ("-", "--", ":")):
        axes[0].plot(dphi, kernel(dphi), style, linewidth=2, label=title)
    axes[0].set(title="the three kernels\n(knot 0)", ylabel="kernel value", ylim=(0, 1.05))
    axes[0].legend(fontsize=7, loc="upper right")
    for ax, (name, values) in zip(axes[1:], (("chord − von Mises", chord(dphi) - mises(dphi)),
                                             ("wrapped Gaussian − von Mises", wrapped(dphi) - mises(dphi)))):
        ax.plot(dphi, values, color="tab:red", linewidth=1.5)
        ax.axhline(0, color="0.6", linewidth=0.8)
        ax.set(title=f"{name}\n(at most {np.max(np.abs(values)):.2g})", ylabel="difference")
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
    for ax in axes:
        ax.set(xlabel="Δφ (rad)", xlim=(-np.pi, np.pi))
        ax.set_xticks([-np.pi, -np.pi / 2, 0, np.pi / 2, np.pi], labels=["-π", "-π/2", "0", "π/2", "π"])
    return np.asarray(axes)


def plot_phase_slices(
    volume: np.ndarray,
    sr: int = SAMPLE_RATE,
    frame_length: int = 256,
    frame_step: int = 64,
    n_cols: int = 5,
    axes: Sequence[Axes] | None = None,
    label: str = "log(1 + |z|) × kernel",
    vmax_percentile: float = 99.0,
) -> np.ndarray:
    """Grid of the phase slices of a phased spectrogram, one panel per knot.

    Parameters
    ----------
    volume : np.ndarray, shape (frames, bins, P)
        A ``"stacked"`` phased spectrogram (:func:`phaselab.signal.encodings.phased_spectrogram`)
        or the ``P`` kernel channels of a ``"channels"`` one.
    sr, frame_length, frame_step : int
        Sample rate (Hz), window and hop (samples), for the axes.
    n_cols : int
        Panels per row (when ``axes`` is not given).
    axes : sequence of P Axes, optional
    label : str
        Colour-bar label.
    vmax_percentile : float
        All panels share one colour scale from 0 to this percentile of the volume.

    Returns
    -------
    np.ndarray of AxesImage, shape (P,)
        Each panel titled with its knot angle ``2 pi k / P`` in radians.
    """
    volume = np.asarray(volume)
    if volume.ndim != 3:
        raise ValueError(f"plot_phase_slices needs a (frames, bins, P) volume, got shape {volume.shape}")
    n_phases = volume.shape[-1]
    if axes is None:
        n_rows = -(-n_phases // n_cols)
        fig, grid = plt.subplots(
            n_rows, n_cols, figsize=(2.3 * n_cols, 2.0 * n_rows + 0.5), sharex=True, sharey=True, layout="constrained"
        )
        for extra in grid.flat[n_phases:]:
            extra.set_visible(False)
        axes = grid.flat[:n_phases]
        fig.supxlabel(TIME_LABEL)
        fig.supylabel(FREQ_LABEL)
    else:
        for ax in axes:
            ax.set(xlabel=TIME_LABEL, ylabel=FREQ_LABEL)
    axes = list(axes)
    if len(axes) != n_phases:
        raise ValueError(f"need {n_phases} axes for {n_phases} slices, got {len(axes)}")
    vmax = float(np.percentile(volume, vmax_percentile)) or 1.0
    extent = _extent(frame_times(volume.shape[0], frame_length, frame_step, sr), volume.shape[1], sr)
    images = []
    for k, (ax, knot) in enumerate(zip(axes, phase_knots(n_phases))):
        image = ax.imshow(
            volume[:, :, k].T, origin="lower", aspect="auto", extent=extent, cmap="magma", vmin=0, vmax=vmax
        )
        ax.set_ylim(0, sr / 2)
        ax.set_title(f"φ = {knot:.2f} rad", fontsize=9)
        images.append(image)
    axes[0].figure.colorbar(images[0], ax=axes, label=label, shrink=0.8)
    return np.asarray(images, dtype=object)


def plot_phase_padding(values: np.ndarray, width: int = 1, axes: Sequence[Axes] | None = None) -> list[Axes]:
    """The phase axis of one bin padded two ways: edge replication and wrap-around.

    A convolution along the phase axis needs ``width`` values beyond each end. Edge
    replication (``np.pad(mode="edge")``, the original study's concatenation) repeats the end
    slices; wrap-around (``mode="wrap"``, :class:`phaselab.nn.circular.CircularPad`) takes them from
    the other end, which is where they are on the circle: slice ``P - 1`` sits just before
    slice 0. Padded cells are drawn hatched and grey, each bar labelled with its slice index.

    Parameters
    ----------
    values : np.ndarray, shape (P,)
        The bin's activations on the P phase slices (e.g.
        :func:`phaselab.signal.encodings.kernel_activations`).
    width : int
        Slices padded at each end.
    axes : sequence of two Axes, optional
        Where to draw the edge-replicated and the wrapped axis; a new figure if None.

    Returns
    -------
    list of two Axes
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or not 1 <= width <= values.size:
        raise ValueError(f"need a (P,) vector and 1 <= width <= P, got shape {values.shape} and width {width}")
    if axes is None:
        _, axes = plt.subplots(2, 1, figsize=(7, 4), sharex=True, sharey=True, layout="constrained")
    n_phases = values.size
    x = np.arange(-width, n_phases + width)
    padded = (x < 0) | (x >= n_phases)
    rows = (("edge", "edge replication: copies of the end slices"),
            ("wrap", "wrap-around (CircularPad): the neighbours on the circle"))
    for ax, (mode, title) in zip(axes, rows):
        index = np.pad(np.arange(n_phases), width, mode=mode)
        bars = ax.bar(x, np.pad(values, width, mode=mode), color=np.where(padded, "0.75", "C0"), edgecolor="black")
        for bar, is_pad in zip(bars, padded):
            bar.set_hatch("//" if is_pad else "")
        ax.set_xticks(x, [str(i) for i in index])
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("activation")
    axes[-1].set_xlabel("phase slice (hatched: padding)")
    return list(axes)
