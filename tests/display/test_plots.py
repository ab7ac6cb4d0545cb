import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from phaselab.display.kernel_plots import (
    kernel_on_plane,
    plot_kernel_plane,
    plot_kernels,
    plot_phase_padding,
    plot_phase_slices,
)
from phaselab.display.plots import (
    plot_instantaneous_frequency,
    plot_phase,
    plot_spectrogram,
    plot_waveform,
)
from phaselab.signal.encodings import phased_spectrogram
from phaselab.signal.kernels import PhaseKernel
from phaselab.signal.stft import stft

SR = 16000


@pytest.fixture
def tone():
    t = np.arange(SR // 2) / SR
    return (0.5 * np.sin(2 * np.pi * 1020 * t)).astype(np.float32)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_waveform_time_axis_in_seconds(tone):
    line = plot_waveform(tone, SR)
    ax = line.axes
    assert ax.get_xlabel() == "time (s)"
    assert ax.get_xlim() == (0, 0.5)
    assert line.get_xdata()[-1] == pytest.approx((len(tone) - 1) / SR)


def test_spectrogram_extent_in_hz_and_seconds(tone):
    image = plot_spectrogram(tone, SR, 256, 64)
    ax = image.axes
    assert ax.get_ylim() == (0, 8000)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time (s)", "frequency (Hz)")
    left, right, bottom, top = image.get_extent()
    df, dt = SR / 256, 64 / SR
    assert (bottom, top) == pytest.approx((-df / 2, 8000 + df / 2))  # pixel centres on bins 0 .. 8000 Hz
    frames = -(-len(tone) // 64)
    assert (left, right) == pytest.approx((128 / SR - dt / 2, (128 + (frames - 1) * 64) / SR + dt / 2))
    assert image.colorbar.ax.get_ylabel() == "log(1 + |STFT|)"
    # the tone's row is the brightest
    row = np.argmax(image.get_array().mean(axis=1))
    assert row * SR / 256 == pytest.approx(1000)


def test_spectrogram_accepts_a_log_spectrogram_and_rejects_3d(tone):
    log_spec = np.log1p(np.abs(stft(tone, 512, 128)))
    image = plot_spectrogram(log_spec, SR, 512, 128)
    assert image.get_array().shape == (257, log_spec.shape[0])
    with pytest.raises(ValueError, match="shape"):
        plot_spectrogram(np.zeros((2, 3, 4)))


def test_phase_in_radians_with_cyclic_colormap(tone):
    image = plot_phase(stft(tone), SR)
    assert image.get_cmap().name == "twilight"
    assert image.get_clim() == pytest.approx((-np.pi, np.pi))
    assert image.colorbar.ax.get_ylabel() == "phase (rad)"
    with pytest.raises(ValueError, match="complex"):
        plot_phase(np.abs(stft(tone)))


def test_instantaneous_frequency_shows_the_tone_offset(tone):
    image = plot_instantaneous_frequency(stft(tone), SR)
    values = image.get_array()  # (bins, frames - 1), masked where quiet
    assert np.nanmedian(np.ma.filled(values[16, 10:-10].astype(float), np.nan)) == pytest.approx(20, abs=0.5)
    assert image.axes.get_ylim() == (0, 8000)
    assert "Hz" in image.colorbar.ax.get_ylabel()


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
