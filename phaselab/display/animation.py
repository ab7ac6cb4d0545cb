"""Movies of a 3D volume, one slice per frame, above a reduced overview.

:class:`SlicingAnimation` shows a volume (e.g. a phased spectrogram, time x frequency x
phase) as a movie along one of its axes (the *animation* axis). Each frame has two
panels:

top, the overview
    The volume reduced (``np.max``, ``np.mean``, ...) along the *reduction* axis:
    the animation axis runs horizontally, the remaining axis vertically, and a
    vertical line marks the current frame.
bottom, the slice
    The slice at the current frame: the *reduction* axis runs horizontally, the
    remaining axis vertically -- the same vertical axis as the overview's, so the two
    panels line up.

Every axis carries its own label and extent, whichever two axes are chosen.

Frames are rendered by blitting: the static parts (overview, axes, colour bars) are
drawn once, and each frame only restores them and redraws the slice image, the marker
line and the frame title, whose data are updated in place. The frames are piped to a
single ffmpeg process (:class:`phaselab.display.video.VideoWriter`). Measured:
``benchmarks/FINDINGS.md`` §2.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from phaselab.atomic import atomic_path, check_output_file
from phaselab.display.video import VideoWriter, video_html

if TYPE_CHECKING:
    from IPython.display import HTML

__all__ = ["SlicingAnimation", "REDUCERS", "Reducer", "Progress", "even_size"]

Reducer = Callable[..., np.ndarray]
"""A function ``reducer(array, axis=int) -> array``, such as ``np.max`` or ``np.mean``."""

Progress = Callable[[int, int], None]
"""A callback ``progress(frames_done, frames_total)`` called after every frame."""

REDUCERS: dict[str, Reducer] = {"max": np.max, "mean": np.mean}
"""The reducers offered by name (command line, slice browser)."""


def even_size(width: int, height: int) -> tuple[int, int]:
    """Round a frame size in pixels up to even numbers (yuv420p needs them)."""
    return width + width % 2, height + height % 2


class SlicingAnimation:
    """A movie of a 3D volume sliced along one axis, above an overview reduced along another.

    Parameters
    ----------
    volume : np.ndarray, shape (n0, n1, n2)
        The volume, e.g. a phased spectrogram (frames, bins, phases).
    animation_axis : int
        The axis the movie runs along: frame ``i`` shows ``volume`` at index ``i`` of
        this axis. The movie has ``volume.shape[animation_axis]`` frames.
    reduction_axis : int
        The axis the overview reduces; it runs horizontally in the slice panel.
        Must differ from ``animation_axis``.
    axis_labels : sequence of 3 str
        Label of each axis of ``volume``, with its unit, e.g.
        ``("time (s)", "frequency (Hz)", "phase (rad)")``.
    extents : sequence of 3 (float, float), optional
        ``(first edge, last edge)`` of each axis in its unit: index ``j`` of an axis
        of length ``n`` covers ``[lo + j (hi - lo) / n, lo + (j + 1) (hi - lo) / n]``.
        Default ``(0, n)``: plain indices.
    vmin, vmax : float, optional
        Colour limits of the slices; default the volume's minimum and 99th percentile.
        The overview is scaled to its own minimum and 99th percentile.
    reducer : callable
        ``reducer(volume, axis=reduction_axis)`` makes the overview; e.g. ``np.max``.
    cmap : str
        Matplotlib colour map.
    size : (int, int)
        Frame size in pixels (width, height); rounded up to even numbers.
    dpi : int
        Dots per inch of the figure (sets the size of text relative to the frame).
    title : str, optional
        Title above the overview.
    value_label : str
        What the volume's values are, with their unit: the slice's colour-bar label; the
        overview's reads "<reducer> over <reduction axis>" of it (e.g. "max over phase").
    """

    def __init__(
        self,
        volume: np.ndarray,
        animation_axis: int = 0,
        reduction_axis: int = 2,
        axis_labels: Sequence[str] = ("axis 0", "axis 1", "axis 2"),
        extents: Sequence[tuple[float, float]] | None = None,
        vmin: float | None = None,
        vmax: float | None = None,
        reducer: Reducer = np.max,
        cmap: str = "magma",
        size: tuple[int, int] = (640, 480),
        dpi: int = 100,
        title: str | None = None,
        value_label: str = "value",
    ) -> None:
        volume = np.asarray(volume)
        if volume.ndim != 3:
            raise ValueError(f"SlicingAnimation needs a 3D volume, got shape {volume.shape}")
        if animation_axis not in (0, 1, 2) or reduction_axis not in (0, 1, 2) or animation_axis == reduction_axis:
            raise ValueError(
                f"animation_axis and reduction_axis must be two different axes among 0, 1, 2; "
                f"got {animation_axis} and {reduction_axis}"
            )
        if len(axis_labels) != 3:
            raise ValueError(f"need 3 axis labels, got {len(axis_labels)}")
        if extents is None:
            extents = [(0.0, float(n)) for n in volume.shape]
        extents = [tuple(map(float, extent)) for extent in extents]
        if len(extents) != 3 or any(len(e) != 2 for e in extents):
            raise ValueError(f"extents must be 3 pairs (first edge, last edge), got {extents}")
        self.volume = volume
        self.animation_axis = animation_axis
        self.reduction_axis = reduction_axis
        self.remaining_axis = 3 - animation_axis - reduction_axis
        self.axis_labels = tuple(axis_labels)
        self.extents = extents
        # (remaining, animation, reduction): slice i is ordered[:, i, :], the overview reduces axis 2.
        self._ordered = np.transpose(volume, (self.remaining_axis, animation_axis, reduction_axis))
        self.vmin = float(np.min(volume)) if vmin is None else float(vmin)
        self.vmax = float(np.percentile(volume, 99)) if vmax is None else float(vmax)
        self.index = 0
        self.value_label = value_label
        self._background = None
        self._build_figure(cmap, even_size(*size), dpi, title)
        self.set_reducer(reducer)
        self.update(0)

    @property
    def n_frames(self) -> int:
        """Number of frames of the movie: the length of the animation axis."""
        return self.volume.shape[self.animation_axis]

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) of a frame in pixels, both even."""
        width, height = self.canvas.get_width_height()
        return int(width), int(height)

    def frame_position(self, index: int) -> float:
        """Centre of frame ``index`` along the animation axis, in that axis's unit."""
        lo, hi = self.extents[self.animation_axis]
        return lo + (index + 0.5) * (hi - lo) / self.n_frames

    def _build_figure(self, cmap: str, size: tuple[int, int], dpi: int, title: str | None) -> None:
        anim, red, rem = self.animation_axis, self.reduction_axis, self.remaining_axis
        labels, extents = self.axis_labels, self.extents
        self.figure = Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.figure)
        self.overview_axes, self.slice_axes = self.figure.subplots(2, 1)
        common = dict(origin="lower", aspect="auto", interpolation="nearest", cmap=cmap)
        self.overview_image = self.overview_axes.imshow(
            self._ordered[:, :, 0], extent=(*extents[anim], *extents[rem]), **common
        )
        self.overview_axes.set_xlabel(labels[anim])
        self.overview_axes.set_ylabel(labels[rem])
        if title:
            self.overview_axes.set_title(title)
        self.line = self.overview_axes.axvline(self.frame_position(0), color="cyan", linewidth=1.5, animated=True)
        self.slice_image = self.slice_axes.imshow(
            self._ordered[:, 0, :], extent=(*extents[red], *extents[rem]), vmin=self.vmin, vmax=self.vmax,
            animated=True, **common,
        )
        self.slice_axes.set_xlabel(labels[red])
        self.slice_axes.set_ylabel(labels[rem])
        self.slice_title = self.slice_axes.set_title(self._frame_text(0))
        self.slice_title.set_animated(True)
        self.overview_colorbar = self.figure.colorbar(self.overview_image, ax=self.overview_axes)
        self.figure.colorbar(self.slice_image, ax=self.slice_axes, label=self.value_label)
        # Drawn by every frame, in z-order; the spines too, as they lie over the image and the line.
        spines = [*self.overview_axes.spines.values(), *self.slice_axes.spines.values()]
        self._animated = [self.slice_image, self.line, *spines, self.slice_title]
        for artist in self._animated:
            artist.set_animated(True)

    def _frame_text(self, index: int) -> str:
        label = self.axis_labels[self.animation_axis]
        return f"{label}: {self.frame_position(index):.4g}   (slice {index + 1} of {self.n_frames})"

    def set_reducer(self, reducer: Reducer) -> None:
        """Recompute the overview with another reducer (e.g. ``np.mean``)."""
        overview = np.asarray(reducer(self._ordered, axis=2))
        self.reducer = reducer
        self.overview = overview
        self.overview_image.set_data(overview)
        self.overview_image.set_clim(float(np.min(overview)), float(np.percentile(overview, 99)))
        name = getattr(reducer, "__name__", "reduced")
        self.overview_colorbar.set_label(f"{name} over {self.axis_labels[self.reduction_axis].split(' (')[0]}")
        self._background = None

    def update(self, index: int) -> None:
        """Show frame ``index``: new slice data, marker line and title, updated in place."""
        if not 0 <= index < self.n_frames:
            raise IndexError(f"frame {index} is out of range for a movie of {self.n_frames} frames")
        self.index = index
        self.slice_image.set_data(self._ordered[:, index, :])
        position = self.frame_position(index)
        self.line.set_xdata([position, position])
        self.slice_title.set_text(self._frame_text(index))

    def render(self, index: int) -> np.ndarray:
        """Frame ``index`` as pixels, by blitting.

        Returns
        -------
        np.ndarray, shape (height, width, 4), uint8
            RGBA view of the canvas; valid until the next call.
        """
        self.update(index)
        if self._background is None:
            self.canvas.draw()  # everything but the animated artists
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self.canvas.restore_region(self._background)
        for artist in self._animated:
            self.figure.draw_artist(artist)
        return np.asarray(self.canvas.buffer_rgba())

    def png(self, index: int | None = None) -> bytes:
        """The frame ``index`` (default: the current one) as PNG bytes."""
        from PIL import Image

        frame = self.render(self.index if index is None else index)
        buffer = io.BytesIO()
        Image.fromarray(frame[..., :3]).save(buffer, format="PNG")
        return buffer.getvalue()

    def to_mp4(
        self,
        path: str | os.PathLike,
        fps: float = 25,
        progress: Progress | None = None,
        crf: int = 23,
        preset: str = "medium",
    ) -> Path:
        """Write the movie as an H.264 / yuv420p MP4 (plays in browsers and slide software).

        Parameters
        ----------
        path : str or path-like
            Destination; written under a temporary name and renamed at the end, so an
            error or interruption leaves no partial file.
        fps : float
            Frames per second.
        progress : callable, optional
            ``progress(frames_done, frames_total)``, called after each frame.
        crf, preset
            x264 quality and speed settings, see :class:`phaselab.display.video.VideoWriter`.

        Returns
        -------
        Path
            The written movie.
        """
        with VideoWriter(path, fps=fps, crf=crf, preset=preset) as writer:
            for index in range(self.n_frames):
                writer.write(self.render(index))
                if progress is not None:
                    progress(index + 1, self.n_frames)
        return writer.path

    def to_gif(self, path: str | os.PathLike, fps: float = 10, progress: Progress | None = None) -> Path:
        """Write the movie as an animated GIF with Pillow (a fallback where MP4 will not do).

        The file is written under a temporary name and renamed at the end.
        """
        from PIL import Image

        path = check_output_file(path, "the movie")
        frames = []
        for index in range(self.n_frames):
            frames.append(Image.fromarray(self.render(index)[..., :3]).quantize(colors=256))
            if progress is not None:
                progress(index + 1, self.n_frames)
        with atomic_path(path) as tmp:
            frames[0].save(
                tmp, format="GIF", save_all=True, append_images=frames[1:], duration=round(1000 / fps), loop=0
            )
        return path

    def to_html5(self, fps: float = 25, width: int | None = None) -> str:
        """An HTML ``<video>`` element with the MP4 inlined as base64 (for notebooks).

        Parameters
        ----------
        fps : float
            Frames per second.
        width : int, optional
            Display width in CSS pixels (default: the frame width).
        """
        with tempfile.TemporaryDirectory() as tmp:
            path = self.to_mp4(Path(tmp) / "movie.mp4", fps=fps)
            return video_html(path, width or self.frame_size[0])

    def display(self, fps: float = 25, width: int | None = None) -> HTML:
        """The movie as an inline player: an :class:`IPython.display.HTML` of :meth:`to_html5`."""
        from IPython.display import HTML

        return HTML(self.to_html5(fps=fps, width=width))
