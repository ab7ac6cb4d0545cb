import matplotlib

matplotlib.use("Agg")

import pytest

from phaselab.display.explore import kernel_designer, widgets_available


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
