import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from phaselab.display.plots import (
    plot_instantaneous_frequency,
    plot_phase,
    plot_spectrogram,
    plot_waveform,
)
from phaselab.signal.stft import stft

SR = 16000

pytestmark = pytest.mark.usefixtures("close_figures")


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
