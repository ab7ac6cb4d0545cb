"""Notebook widgets that fall back to static figures: the kernel designer and the slice browser.

:func:`widgets_available` is the one probe of a widget front end. In JupyterLab the
:func:`kernel_designer` shows sliders above its figure; moving them redraws the figure in place
(an updatable display). :class:`SliceBrowser` shows the two panels of
:class:`phaselab.display.animation.SlicingAnimation` (overview above, slice below) as a PNG, under
an ``IntSlider`` that picks the slice and a ``Dropdown`` that picks the overview's reducer; it
needs no interactive matplotlib backend.

The figures themselves are ordinary PNG outputs, replaced in place when a control moves, so a
saved notebook keeps the last picture shown: reopened (the controls come back when the cell runs
again), exported to HTML, or run where no widget front end is listening (``nbconvert --execute``,
nbval, a terminal), the notebook still shows it.

Notebook: ``02_phase_kernel_design.ipynb``, ``03_phased_spectrogram_movies.ipynb``
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from phaselab.display.animation import REDUCERS, Reducer, SlicingAnimation
from phaselab.display.kernel_plots import plot_kernel_plane
from phaselab.signal.kernels import KernelName, PhaseKernel, default_sigma, phase_knots

__all__ = ["widgets_available", "kernel_designer", "KernelDesigner", "SliceBrowser"]


KERNEL_NAMES: tuple[KernelName, ...] = ("chord", "von_mises", "wrapped_gaussian")


def widgets_available() -> bool:
    """Whether ipywidgets can talk to a front end: importable, inside an IPython kernel with a comm manager.

    A headless client (nbval, ``nbconvert --execute``) also runs such a kernel, so this
    is True there as well; :class:`KernelDesigner` therefore shows its figure as an
    ordinary PNG output, which needs no front end.
    """
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    kernel = getattr(get_ipython(), "kernel", None)
    return getattr(kernel, "comm_manager", None) is not None


def _figure_png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


class KernelDesigner:
    """A phase kernel drawn on the unit-circle plane and against the angle difference.

    Parameters
    ----------
    n_phases : int
        Number of phase knots.
    sigma : float
        Kernel width: ``sigma`` for ``chord`` (circle radii) and ``wrapped_gaussian``
        (radians); ``von_mises`` uses ``kappa = 1 / sigma^2``.
    kernel : {"chord", "von_mises", "wrapped_gaussian"}
    interactive : bool
        Build the ipywidgets controls (needs ipywidgets).

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        Two panels: the sum of the knots' kernels over the plane, and each knot's
        kernel (with their sum) against the phase in radians.
    controls : ipywidgets.HBox or None
        Sliders and dropdown, when ``interactive``.
    """

    def __init__(self, n_phases: int, sigma: float, kernel: KernelName, interactive: bool) -> None:
        self.figure = Figure(figsize=(9.5, 3.6), layout="constrained")
        self.controls = self._build_controls(n_phases, sigma, kernel) if interactive else None
        self._display: Any = None
        self.redraw(n_phases, sigma, kernel)

    def redraw(self, n_phases: int, sigma: float, kernel: KernelName) -> None:
        """Draw the figure again for new settings (the sliders' callback)."""
        if kernel not in KERNEL_NAMES:
            raise ValueError(f"unknown kernel {kernel!r}; use one of {KERNEL_NAMES}")
        width = 1.0 / sigma**2 if kernel == "von_mises" else sigma
        phase_kernel = PhaseKernel(kernel, width)
        self.figure.clear()
        plane, curves = self.figure.subplots(1, 2, width_ratios=(1, 1.5))
        plot_kernel_plane(phase_kernel, n_phases, plane, reduce="sum")
        phi = np.linspace(0, 2 * np.pi, 721)
        values = phase_kernel(phi[:, None] - phase_knots(n_phases))
        curves.plot(phi, values, linewidth=1)
        curves.plot(phi, values.sum(axis=1), "k--", linewidth=1, label="sum over knots")
        curves.set(xlabel="phase φ (rad)", ylabel="kernel value", xlim=(0, 2 * np.pi))
        curves.set_xticks(np.pi * np.arange(5) / 2, labels=["0", "π/2", "π", "3π/2", "2π"])
        curves.legend(loc="upper right", fontsize=8)
        parameter = f"κ = {width:.2f}" if kernel == "von_mises" else f"σ = {width:.2f}"
        self.figure.suptitle(f"{kernel} kernel, {n_phases} knots, {parameter}")
        if self._display is not None:
            self._display.update(self.image())

    def _build_controls(self, n_phases: int, sigma: float, kernel: KernelName) -> Any:
        import ipywidgets as widgets

        self._n_phases = widgets.IntSlider(value=n_phases, min=2, max=32, description="n_phases")
        self._sigma = widgets.FloatLogSlider(value=sigma, base=10, min=-1.5, max=0.5, step=0.01, description="σ")
        self._kernel = widgets.Dropdown(options=KERNEL_NAMES, value=kernel, description="kernel")
        for control in (self._n_phases, self._sigma, self._kernel):
            control.observe(self._on_change, names="value")
        return widgets.HBox([self._n_phases, self._sigma, self._kernel])

    def _on_change(self, _change: dict[str, Any]) -> None:
        self.redraw(self._n_phases.value, self._sigma.value, self._kernel.value)

    def image(self) -> Any:
        """The figure as an :class:`IPython.display.Image` (PNG)."""
        from IPython.display import Image

        return Image(data=_figure_png(self.figure), format="png")

    def _ipython_display_(self) -> None:
        """Show the controls (if any), then the figure as a PNG that :meth:`redraw` updates in place."""
        from IPython.display import display

        if self.controls is not None:
            display(self.controls)
        self._display = display(self.image(), display_id=True)

    def __repr__(self) -> str:
        return f"<KernelDesigner: {self.figure.get_suptitle()}>"


def kernel_designer(
    n_phases: int = 10, sigma: float | None = None, kernel: KernelName = "chord", interactive: bool | None = None
) -> KernelDesigner:
    """Explore phase kernels: sliders for ``n_phases`` and ``sigma``, a dropdown for the kernel.

    Parameters
    ----------
    n_phases : int
        Initial number of knots.
    sigma : float, optional
        Initial width (default :func:`~phaselab.signal.kernels.default_sigma`); ``von_mises``
        uses ``kappa = 1 / sigma^2``.
    kernel : {"chord", "von_mises", "wrapped_gaussian"}
    interactive : bool, optional
        Build the widgets; default :func:`widgets_available`.

    Returns
    -------
    KernelDesigner
        Display it (last expression of a cell): the sliders (in a widget front end)
        and the figure as a PNG, redrawn in place when a slider moves.
    """
    sigma = default_sigma(n_phases) if sigma is None else sigma
    return KernelDesigner(n_phases, sigma, kernel, widgets_available() if interactive is None else interactive)


class SliceBrowser:
    """Browse the slices of a volume with a slider; switch the overview's reducer from a menu.

    The controls are widgets; the picture is an ordinary PNG output that every move of a
    control replaces in place (why: the module docstring). The slider counts slices from 1, as
    the picture's title does ("slice 111 of 175"), and its track is long enough for one step per
    slice; the picture keeps its size in pixels.

    Parameters
    ----------
    volume : np.ndarray, shape (n0, n1, n2)
        The volume.
    animation_axis, reduction_axis : int
        As for :class:`SlicingAnimation`: the slider runs along ``animation_axis``.
    reducers : mapping of str to callable
        The reducers offered in the menu, the first one selected.
    **animation_kwargs
        Passed on to :class:`SlicingAnimation` (``axis_labels``, ``extents``, ``vmin``,
        ``vmax``, ``cmap``, ``size``, ``title``, ``value_label`` ...).

    Examples
    --------
    >>> browser = SliceBrowser(np.random.default_rng(0).random((175, 4, 3)), size=(320, 240))
    >>> browser.update(index=110).startswith(b"\\x89PNG")  # 0-based, as Python counts
    True
    >>> browser  # what a notebook shows below the slider
    SliceBrowser(volume (175, 4, 3), slice 111 of 175 along 'axis 0', reducer 'max')
    """

    def __init__(
        self,
        volume: np.ndarray,
        animation_axis: int = 0,
        reduction_axis: int = 2,
        reducers: Mapping[str, Reducer] = REDUCERS,
        **animation_kwargs: Any,
    ) -> None:
        if not reducers:
            raise ValueError("need at least one reducer")
        self.reducers = dict(reducers)
        self.reducer_name = next(iter(self.reducers))
        self.animation = SlicingAnimation(
            volume, animation_axis, reduction_axis, reducer=self.reducers[self.reducer_name], **animation_kwargs
        )
        self._controls: Any = None
        self._display: Any = None

    @property
    def index(self) -> int:
        """The slice shown, counted from 0 (the slider and the title count from 1)."""
        return self.animation.index

    def update(self, index: int | None = None, reducer: str | None = None) -> bytes:
        """Show slice ``index`` (from 0) with the overview reduced by ``reducer`` (a name); returns the PNG.

        This is the controls' callback; ``None`` keeps the current value. The slider follows.
        """
        if reducer is not None and reducer != self.reducer_name:
            if reducer not in self.reducers:
                raise ValueError(f"unknown reducer {reducer!r}; choose from {', '.join(self.reducers)}")
            self.animation.set_reducer(self.reducers[reducer])
            self.reducer_name = reducer
        png = self.animation.png(self.index if index is None else index)
        if self._controls is not None and self._slider.value != self.index + 1:
            self._slider.value = self.index + 1
        if self._display is not None:
            self._display.update(self.image())
        return png

    def image(self) -> Any:
        """The current picture as an :class:`IPython.display.Image` (PNG, shown at its size in pixels)."""
        from IPython.display import Image

        return Image(data=self.animation.png(), format="png")

    def controls(self) -> Any:
        """The ``ipywidgets.HBox``: the slice slider (from 1) and the reducer menu (created once)."""
        if self._controls is None:
            import ipywidgets as widgets

            anim = self.animation
            label = anim.axis_labels[anim.animation_axis]
            steps = anim.n_frames
            self._slider = widgets.IntSlider(
                value=self.index + 1, min=1, max=steps, description=f"{label.split(' (')[0]} slice", continuous_update=True,
                style={"description_width": "initial"},
                layout=widgets.Layout(width=f"{min(900, max(360, 3 * steps + 160))}px"),
            )
            self._menu = widgets.Dropdown(options=list(self.reducers), value=self.reducer_name, description="overview",
                                          layout=widgets.Layout(width="200px"))
            self._slider.observe(lambda change: self.update(index=change["new"] - 1), names="value")
            self._menu.observe(lambda change: self.update(reducer=change["new"]), names="value")
            self._controls = widgets.HBox([self._slider, self._menu])
        return self._controls

    def _ipython_display_(self) -> None:
        """Show the controls (in a widget front end), then the picture as a PNG that they replace in place."""
        from IPython.display import display

        if widgets_available():
            display(self.controls())
        self._display = display(self.image(), display_id=True)

    def __repr__(self) -> str:
        anim = self.animation
        return (
            f"SliceBrowser(volume {anim.volume.shape}, slice {self.index + 1} of {anim.n_frames} along "
            f"{anim.axis_labels[anim.animation_axis]!r}, reducer {self.reducer_name!r})"
        )
