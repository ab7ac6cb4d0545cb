import itertools
import re

import numpy as np
import pytest

from phaselab.display.animation import SlicingAnimation, even_size
from phaselab.display.video import probe

SHAPE = (4, 5, 6)
LABELS = ("zero (s)", "one (Hz)", "two (rad)")
EXTENTS = [(0.0, 0.4), (-100.0, 400.0), (10.0, 16.0)]
PAIRS = [pair for pair in itertools.permutations(range(3), 2)]


def coded_volume() -> np.ndarray:
    """v[i, j, k] = 10000 i + 100 j + k: every value names its own position."""
    i, j, k = np.indices(SHAPE)
    return (10000 * i + 100 * j + k).astype(np.float64)


def decode(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    values = np.asarray(values).astype(int)
    return values // 10000, values // 100 % 100, values % 100


def small(volume, animation_axis, reduction_axis, **kw):
    return SlicingAnimation(volume, animation_axis, reduction_axis, LABELS, EXTENTS, size=(320, 240), **kw)


@pytest.mark.parametrize("animation_axis, reduction_axis", PAIRS)
def test_slice_panel_shows_the_slice_at_the_frame(animation_axis, reduction_axis):
    remaining = 3 - animation_axis - reduction_axis
    movie = small(coded_volume(), animation_axis, reduction_axis)
    assert movie.n_frames == SHAPE[animation_axis]
    for frame in range(movie.n_frames):
        movie.render(frame)
        shown = movie.slice_image.get_array()
        # rows run along the remaining axis, columns along the reduction axis
        assert shown.shape == (SHAPE[remaining], SHAPE[reduction_axis])
        index = decode(shown)
        rows, cols = np.indices(shown.shape)
        assert np.all(index[animation_axis] == frame)
        assert np.all(index[remaining] == rows)
        assert np.all(index[reduction_axis] == cols)


@pytest.mark.parametrize("animation_axis, reduction_axis", PAIRS)
def test_overview_panel_reduces_the_reduction_axis(animation_axis, reduction_axis):
    remaining = 3 - animation_axis - reduction_axis
    for reducer, kept in ((np.max, SHAPE[reduction_axis] - 1), (np.min, 0)):
        movie = small(coded_volume(), animation_axis, reduction_axis, reducer=reducer)
        shown = movie.overview_image.get_array()
        # rows run along the remaining axis, columns along the animation axis
        assert shown.shape == (SHAPE[remaining], SHAPE[animation_axis])
        index = decode(shown)
        rows, cols = np.indices(shown.shape)
        assert np.all(index[remaining] == rows)
        assert np.all(index[animation_axis] == cols)
        assert np.all(index[reduction_axis] == kept)


@pytest.mark.parametrize("animation_axis, reduction_axis", PAIRS)
def test_every_panel_carries_its_own_axes_extent_and_label(animation_axis, reduction_axis):
    remaining = 3 - animation_axis - reduction_axis
    movie = small(coded_volume(), animation_axis, reduction_axis)
    assert movie.overview_image.get_extent() == pytest.approx([*EXTENTS[animation_axis], *EXTENTS[remaining]])
    assert movie.slice_image.get_extent() == pytest.approx([*EXTENTS[reduction_axis], *EXTENTS[remaining]])
    assert movie.overview_axes.get_xlabel() == LABELS[animation_axis]
    assert movie.overview_axes.get_ylabel() == LABELS[remaining]
    assert movie.slice_axes.get_xlabel() == LABELS[reduction_axis]
    assert movie.slice_axes.get_ylabel() == LABELS[remaining]


@pytest.mark.parametrize("animation_axis, reduction_axis", PAIRS)
def test_marker_line_and_title_follow_the_frame(animation_axis, reduction_axis):
    movie = small(coded_volume(), animation_axis, reduction_axis)
    lo, hi = EXTENTS[animation_axis]
    step = (hi - lo) / SHAPE[animation_axis]
    for frame in range(movie.n_frames):
        movie.render(frame)
        assert movie.line.get_xdata() == pytest.approx([lo + (frame + 0.5) * step] * 2)
        title = movie.slice_title.get_text()
        assert title.startswith(LABELS[animation_axis])
        assert f"slice {frame + 1} of {SHAPE[animation_axis]}" in title
        value = float(re.search(r": (\S+)", title).group(1))
        assert value == pytest.approx(lo + (frame + 0.5) * step, rel=1e-3)


def test_blitted_frames_equal_full_redraws():
    movie = small(coded_volume(), 0, 2)
    blitted = movie.render(2).copy()
    movie.figure.set_layout_engine("none")  # keep the layout of the background
    for artist in movie.figure.findobj():
        artist.set_animated(False)
    movie.canvas.draw()
    assert np.array_equal(blitted, np.asarray(movie.canvas.buffer_rgba()))
    assert not np.array_equal(blitted, movie.render(1))


def test_default_extents_are_indices_and_sizes_are_even():
    movie = SlicingAnimation(coded_volume(), 1, 0, size=(321, 241))
    assert movie.frame_size == (322, 242) == even_size(321, 241)
    assert movie.slice_image.get_extent() == pytest.approx([0, 4, 0, 6])
    assert movie.render(0).shape == (242, 322, 4)


def test_colour_limits_default_to_min_and_99th_percentile():
    volume = coded_volume()
    movie = small(volume, 0, 1)
    assert movie.slice_image.get_clim() == pytest.approx((0.0, np.percentile(volume, 99)))
    overview = volume.max(axis=1)
    assert movie.overview_image.get_clim() == pytest.approx((overview.min(), np.percentile(overview, 99)))


def test_set_reducer_recomputes_the_overview():
    volume = np.random.default_rng(0).random(SHAPE)
    movie = small(volume, 0, 2)
    before = movie.render(0).copy()
    movie.set_reducer(np.mean)
    assert np.allclose(movie.overview_image.get_array(), volume.mean(axis=2).T)
    assert not np.array_equal(before, movie.render(0))


@pytest.mark.parametrize("kwargs, message", [
    (dict(animation_axis=1, reduction_axis=1), "two different axes"),
    (dict(animation_axis=3, reduction_axis=1), "two different axes"),
    (dict(axis_labels=("a", "b")), "3 axis labels"),
    (dict(extents=[(0, 1), (0, 1)]), "extents"),
    (dict(extents=[(0, 1), (0, 1), (0, 1, 2)]), "extents"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SlicingAnimation(coded_volume(), **kwargs)
    with pytest.raises(ValueError, match="3D volume"):
        SlicingAnimation(np.zeros((3, 4)))


def test_render_refuses_frames_out_of_range():
    with pytest.raises(IndexError, match="out of range"):
        small(coded_volume(), 0, 1).render(4)


def test_to_mp4_writes_one_frame_per_slice_and_reports_progress(tmp_path):
    movie = small(coded_volume(), 2, 0)
    calls = []
    path = movie.to_mp4(tmp_path / "m.mp4", fps=4, progress=lambda done, total: calls.append((done, total)))
    info = probe(path)
    assert (info.codec, info.pix_fmt) == ("h264", "yuv420p")
    assert (info.width, info.height) == movie.frame_size
    assert info.n_frames == SHAPE[2] and info.duration == pytest.approx(SHAPE[2] / 4, abs=0.01)
    assert calls == [(i + 1, SHAPE[2]) for i in range(SHAPE[2])]


def test_to_gif_writes_every_frame(tmp_path):
    from PIL import Image

    movie = small(coded_volume(), 0, 2)
    path = movie.to_gif(tmp_path / "m.gif", fps=5)
    with Image.open(path) as gif:
        assert gif.n_frames == SHAPE[0]
        assert gif.size == movie.frame_size
        assert gif.info["duration"] == 200
    assert list(tmp_path.iterdir()) == [path]


def test_to_html5_inlines_an_mp4_video():
    import base64

    html = small(coded_volume(), 0, 2).to_html5(fps=4)
    assert html.startswith("<video") and "controls" in html
    data = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1))
    assert data[4:8] == b"ftyp"


def test_both_colour_bars_say_what_they_show():
    movie = small(coded_volume(), 0, 2, value_label="log(1 + |z|) × kernel")
    overview_bar, slice_bar = (ax for ax in movie.figure.axes if ax not in (movie.overview_axes, movie.slice_axes))
    assert slice_bar.get_ylabel() == "log(1 + |z|) × kernel"
    assert overview_bar.get_ylabel() == "max over two"
    movie.set_reducer(np.mean)
    assert overview_bar.get_ylabel() == "mean over two"
