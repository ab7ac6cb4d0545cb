"""phaselab.display.kernel_plots: the phase kernels on the plane, the kernel panels, phase slices and padding."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from phaselab.display.kernel_plots import (
    kernel_on_plane,
    plot_kernel_plane,
    plot_kernels,
    plot_phase_padding,
    plot_phase_slices,
)
from phaselab.signal.encodings import phased_spectrogram
from phaselab.signal.kernels import PhaseKernel

SR = 16000

pytestmark = pytest.mark.usefixtures("close_figures")


def test_kernel_on_plane_chord_on_circle_matches_kernel():
    kernel = PhaseKernel("chord", 0.5)
    angles = np.linspace(0, 2 * np.pi, 50)
    values = kernel_on_plane(kernel, 4, np.exp(1j * angles))
    np.testing.assert_allclose(values[:, 1], kernel(angles - np.pi / 2), atol=1e-12)
    # off the circle the chord kernel is a round blob centred on the knot
    assert kernel_on_plane(kernel, 4, np.array([0.5]))[0, 0] == pytest.approx(np.exp(-0.25 / 0.5))


def test_kernel_plane_draws_circle_and_knots():
    image = plot_kernel_plane(PhaseKernel("von_mises", 4.0), 6, knot=2)
    ax = image.axes
    circle, knots = ax.get_lines()
    np.testing.assert_allclose(np.hypot(circle.get_xdata(), circle.get_ydata()), 1)
    assert len(knots.get_xdata()) == 6
    values = image.get_array()
    peak = np.unravel_index(np.argmax(values), values.shape)
    assert np.angle(np.linspace(-1.6, 1.6, 241)[peak[1]] + 1j * np.linspace(-1.6, 1.6, 241)[peak[0]]) == (
        pytest.approx(2 * np.pi * 2 / 6, abs=0.05)
    )
    assert image.colorbar.ax.get_ylabel() == "kernel of knot 2"
    with pytest.raises(ValueError, match="reduce"):
        plot_kernel_plane(PhaseKernel(), 6, reduce="mean")


def test_plot_kernels_three_panels_in_radians():
    axes = plot_kernels(8)
    assert len(axes) == 3
    for ax in axes:
        assert ax.get_xlabel() == "Δφ (rad)"
        assert ax.get_xlim() == pytest.approx((-np.pi, np.pi))
        assert len(ax.get_lines()) == 8
    assert "κ" in axes[1].get_title()
    with pytest.raises(ValueError, match="3 panels"):
        plot_kernels(8, axes=axes[:2])


def test_phase_slices_titled_with_knot_angles(tone):
    volume = phased_spectrogram(tone, n_phases=4)
    images = plot_phase_slices(volume, SR, n_cols=3)
    assert len(images) == 4
    titles = [image.axes.get_title() for image in images]
    assert titles == ["φ = 0.00 rad", "φ = 1.57 rad", "φ = 3.14 rad", "φ = 4.71 rad"]
    assert images[0].axes.get_ylim() == (0, 8000)
    assert images[0].get_clim() == images[3].get_clim()
    assert images[0].figure.get_supxlabel() == "time (s)"
    with pytest.raises(ValueError, match="volume"):
        plot_phase_slices(volume[..., 0])


def test_phase_padding_wraps_where_edge_copies():
    values = np.arange(1.0, 11.0)  # slice k holds k + 1
    edge, wrap = plot_phase_padding(values, width=2)
    heights = lambda ax: [bar.get_height() for bar in ax.patches]
    assert heights(edge) == [1, 1, *values, 10, 10]
    assert heights(wrap) == [9, 10, *values, 1, 2]
    assert [t.get_text() for t in wrap.get_xticklabels()][:3] == ["8", "9", "0"]
    assert [bool(bar.get_hatch()) for bar in wrap.patches] == [True, True, *[False] * 10, True, True]
    with pytest.raises(ValueError, match="width"):
        plot_phase_padding(values, width=0)


def test_kernel_differences_show_what_tells_the_kernels_apart():
    from phaselab.display.kernel_plots import plot_kernel_differences
    from phaselab.signal.kernels import default_sigma, von_mises, wrapped_gaussian

    axes = plot_kernel_differences(10)
    chord_gap = axes[1].get_lines()[0].get_ydata()
    dphi, wrapped_gap = axes[2].get_lines()[0].get_data()
    sigma = default_sigma(10)
    assert np.max(np.abs(chord_gap)) < 1e-12  # one function on the circle
    assert np.allclose(wrapped_gap, wrapped_gaussian(dphi, sigma) - von_mises(dphi, 1 / sigma**2))
    assert 0.01 < np.max(np.abs(wrapped_gap)) < 0.05
    assert len(axes[0].get_lines()) == 3 and "at most" in axes[2].get_title()
