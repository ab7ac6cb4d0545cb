import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from phaselab.display.widgets import SliceBrowser, kernel_designer, widgets_available


class FakeHandle:
    """Stands in for IPython's DisplayHandle: records the updates."""

    def __init__(self):
        self.updates = []

    def update(self, obj):
        self.updates.append(obj)


@pytest.fixture
def shown(monkeypatch):
    """Replace IPython.display.display; collect what is displayed and the display handles."""
    displayed, handles = [], []

    def display(obj, display_id=None):
        displayed.append(obj)
        if display_id:
            handles.append(FakeHandle())
            return handles[-1]
        return None

    monkeypatch.setattr("IPython.display.display", display)
    return displayed, handles


def knot_markers(designer):
    plane = designer.figure.axes[0]
    return len(plane.get_lines()[1].get_xdata())


def test_no_widgets_outside_a_kernel():
    assert widgets_available() is False


def test_static_designer_shows_a_png(shown):
    displayed, handles = shown
    designer = kernel_designer()
    assert designer.controls is None
    designer._ipython_display_()
    assert len(displayed) == 1 and displayed[0].format == "png"
    assert displayed[0].data.startswith(b"\x89PNG")
    assert knot_markers(designer) == 10
    assert len(designer.figure.axes[1].get_lines()) == 11  # 10 knots and their sum


def test_redraw_follows_new_settings(shown):
    designer = kernel_designer(n_phases=10)
    designer._ipython_display_()
    designer.redraw(4, 0.5, "von_mises")
    assert knot_markers(designer) == 4
    assert designer.figure.get_suptitle() == "von_mises kernel, 4 knots, κ = 4.00"
    assert len(shown[1][0].updates) == 1  # the displayed PNG was replaced
    with pytest.raises(ValueError, match="unknown kernel"):
        designer.redraw(4, 0.5, "box")


def test_slider_changes_call_the_redraw(shown):
    displayed, handles = shown
    designer = kernel_designer(n_phases=10, interactive=True)
    designer._ipython_display_()
    assert displayed[0] is designer.controls
    designer._n_phases.value = 6
    assert knot_markers(designer) == 6
    designer._kernel.value = "wrapped_gaussian"
    assert designer.figure.get_suptitle().startswith("wrapped_gaussian kernel, 6 knots")
    assert len(handles[0].updates) == 2


# the slice browser

PNG = b"\x89PNG"


@pytest.fixture
def browser():
    volume = np.random.default_rng(0).random((6, 5, 4))
    return SliceBrowser(volume, 0, 2, axis_labels=("time", "frequency", "phase"), size=(320, 240))


def test_update_moves_to_the_slice_and_switches_the_reducer(browser):
    first = browser.update()
    assert first.startswith(PNG)
    moved = browser.update(index=3)
    assert browser.index == 3 and moved != first
    assert np.array_equal(browser.animation.slice_image.get_array(), browser.animation.volume[3])
    meaned = browser.update(reducer="mean")
    assert browser.index == 3 and browser.reducer_name == "mean" and meaned != moved
    assert np.allclose(browser.animation.overview_image.get_array(), browser.animation.volume.mean(axis=2).T)
    with pytest.raises(ValueError, match="unknown reducer"):
        browser.update(reducer="median")


def test_controls_drive_the_picture_and_count_slices_as_the_title_does(browser, shown):
    displayed, handles = shown
    browser._ipython_display_()  # no front end here: the picture only
    assert len(displayed) == 1 and displayed[0].data.startswith(PNG)
    slider, menu = browser.controls().children
    assert (slider.min, slider.max, slider.value) == (1, 6, 1)  # slice 1 of 6, as the title says
    slider.value = 5
    assert browser.index == 4 and "(slice 5 of 6)" in browser.animation.slice_title.get_text()
    assert handles[0].updates[-1].data == browser.animation.png()  # the shown picture is replaced in place
    menu.value = "mean"
    assert browser.reducer_name == "mean" and len(handles[0].updates) == 2
    browser.update(index=1)  # the callback's way moves the slider too
    assert slider.value == 2


def test_the_slider_has_room_for_every_slice():
    browser = SliceBrowser(np.zeros((175, 3, 2)), size=(320, 240))
    slider = browser.controls().children[0]
    assert slider.max == 175 and int(slider.layout.width.removesuffix("px")) >= 2 * 175


def test_a_notebook_gets_the_controls_then_a_picture_it_can_keep(browser, shown, monkeypatch):
    displayed, _ = shown
    monkeypatch.setattr("phaselab.display.widgets.widgets_available", lambda: True)
    browser._ipython_display_()
    assert displayed[0] is browser.controls() and displayed[1].data.startswith(PNG)
    assert "slice 1 of 6" in repr(browser)


def test_needs_a_reducer():
    with pytest.raises(ValueError, match="at least one reducer"):
        SliceBrowser(np.zeros((2, 2, 2)), reducers={})
