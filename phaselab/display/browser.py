"""A slice browser for any 3D volume: a slider over the animation axis, a reducer menu.

:class:`SliceBrowser` shows the two panels of :class:`phaselab.display.animation.SlicingAnimation`
(overview above, slice below) as a PNG in an ``ipywidgets.Image``, under an
``IntSlider`` that picks the slice and a ``Dropdown`` that picks the overview's reducer.
It needs no interactive matplotlib backend.

Without a widget front end it degrades to a static figure: displayed in a notebook it
offers the widget *and* a PNG of the current slice, so JupyterLab shows the widget while
nbconvert's HTML export (which drops widgets whose state was not saved), nbval and
plain terminals get the picture.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from phaselab.display.animation import REDUCERS, Reducer, SlicingAnimation

__all__ = ["SliceBrowser", "widgets_available"]


def widgets_available() -> bool:
    """Whether ipywidgets can be shown here: it is installed and a Jupyter kernel is running."""
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class SliceBrowser:
    """Browse the slices of a volume with a slider; switch the overview's reducer from a menu.

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
        ``vmax``, ``cmap``, ``size``, ``title`` ...).

    Examples
    --------
    >>> browser = SliceBrowser(volume, 0, 2, axis_labels=("time", "frequency", "phase"))  # doctest: +SKIP
    >>> browser  # in a notebook: the widget, or a static PNG  # doctest: +SKIP
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
        self._widget = None

    @property
    def index(self) -> int:
        """The slice shown."""
        return self.animation.index

    def update(self, index: int | None = None, reducer: str | None = None) -> bytes:
        """Show slice ``index`` with the overview reduced by ``reducer`` (a name); returns the PNG.

        This is the widgets' callback; ``None`` keeps the current value.
        """
        if reducer is not None and reducer != self.reducer_name:
            if reducer not in self.reducers:
                raise ValueError(f"unknown reducer {reducer!r}; choose from {', '.join(self.reducers)}")
            self.animation.set_reducer(self.reducers[reducer])
            self.reducer_name = reducer
        png = self.animation.png(self.index if index is None else index)
        if self._widget is not None:
            self._image.value = png
        return png

    def widget(self) -> Any:
        """The ``ipywidgets.VBox``: slider, reducer menu and the image (created once)."""
        if self._widget is None:
            import ipywidgets as widgets

            anim = self.animation
            label = anim.axis_labels[anim.animation_axis]
            self._slider = widgets.IntSlider(
                value=self.index, min=0, max=anim.n_frames - 1, description="slice", continuous_update=True
            )
            self._menu = widgets.Dropdown(options=list(self.reducers), value=self.reducer_name, description="reducer")
            self._image = widgets.Image(value=anim.png(self.index), format="png")
            self._slider.observe(lambda change: self.update(index=change["new"]), names="value")
            self._menu.observe(lambda change: self.update(reducer=change["new"]), names="value")
            self._widget = widgets.VBox([widgets.HBox([self._slider, self._menu, widgets.Label(label)]), self._image])
        return self._widget

    def _repr_mimebundle_(self, include: Sequence[str] | None = None, exclude: Sequence[str] | None = None) -> dict:
        bundle = {}
        if widgets_available():
            bundle.update(self.widget()._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle.update({"image/png": self.animation.png(self.index), "text/plain": repr(self)})
        return bundle

    def __repr__(self) -> str:
        anim = self.animation
        return (
            f"SliceBrowser(volume {anim.volume.shape}, slice {self.index + 1} of {anim.n_frames} along "
            f"{anim.axis_labels[anim.animation_axis]!r}, reducer {self.reducer_name!r})"
        )
