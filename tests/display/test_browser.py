import numpy as np
import pytest

from phaselab.display.browser import SliceBrowser, widgets_available

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


def test_widget_controls_drive_the_update(browser):
    box = browser.widget()
    controls, image = box.children
    slider, menu, label = controls.children
    assert (slider.min, slider.max, label.value) == (0, 5, "time")
    slider.value = 4
    assert browser.index == 4 and image.value == browser.animation.png()
    menu.value = "mean"
    assert browser.reducer_name == "mean" and image.value == browser.animation.png()


def test_without_a_front_end_it_shows_a_static_picture(browser):
    assert not widgets_available()  # pytest runs no Jupyter kernel
    bundle = browser._repr_mimebundle_()
    assert set(bundle) == {"image/png", "text/plain"}
    assert bundle["image/png"].startswith(PNG)
    assert "slice 1 of 6" in bundle["text/plain"]


def test_needs_a_reducer():
    with pytest.raises(ValueError, match="at least one reducer"):
        SliceBrowser(np.zeros((2, 2, 2)), reducers={})
