import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from phaselab.display.plots import (
    LEVEL_LABEL,
    TOP_DB,
    plot_instantaneous_frequency,
    plot_phase,
    plot_spectrogram,
    plot_spectrograms,
    plot_waveform,
    share_colour_scale,
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
    assert image.colorbar.ax.get_ylabel() == LEVEL_LABEL
    # the tone's row is the brightest
    row = np.argmax(image.get_array().mean(axis=1))
    assert row * SR / 256 == pytest.approx(1000)


def test_spectrogram_is_in_db_over_a_fixed_range(tone):
    image = plot_spectrogram(tone, SR, 256, 64)
    magnitude = np.abs(stft(tone))
    level = 20 * np.log10(np.maximum(magnitude, 1e-10))  # exact zeros (the padding) at -200 dB
    low, high = image.get_clim()
    assert high == pytest.approx(level.max()) and high - low == TOP_DB
    assert np.allclose(np.asarray(image.get_array()).T, level, atol=1e-3)


def test_spectrogram_draws_a_real_image_as_given_and_rejects_3d(tone):
    log_spec = np.log1p(np.abs(stft(tone, 512, 128)))
    image = plot_spectrogram(log_spec, SR, 512, 128)
    assert image.get_array().shape == (257, log_spec.shape[0])
    assert np.allclose(np.asarray(image.get_array()).T, log_spec) and image.colorbar.ax.get_ylabel() == "log(1 + |STFT|)"
    with pytest.raises(ValueError, match="shape"):
        plot_spectrogram(np.zeros((2, 3, 4)))


def test_phase_in_radians_with_cyclic_colormap(tone):
    image = plot_phase(stft(tone), SR)
    assert image.get_cmap().name == "twilight"
    assert image.get_clim() == pytest.approx((-np.pi, np.pi))
    assert image.colorbar.ax.get_ylabel().startswith("phase (rad)")
    with pytest.raises(ValueError, match="complex"):
        plot_phase(np.abs(stft(tone)))


def test_instantaneous_frequency_shows_the_tone_offset(tone):
    image = plot_instantaneous_frequency(stft(tone), SR)
    values = image.get_array()  # (bins, frames - 1), masked where quiet
    assert np.nanmedian(np.ma.filled(values[16, 10:-10].astype(float), np.nan)) == pytest.approx(20, abs=0.5)
    assert image.axes.get_ylim() == (0, 8000)
    assert "Hz" in image.colorbar.ax.get_ylabel()


def test_phase_is_blank_where_the_bin_is_quiet(tone):
    spec = stft(tone)
    level = 20 * np.log10(np.abs(spec) + 1e-30)
    shown = np.ma.filled(plot_phase(spec, SR, floor_db=-50).get_array().astype(float), np.nan).T
    quiet = level < level.max() - 50
    assert quiet.any() and np.isnan(shown[quiet]).all() and not np.isnan(shown[~quiet]).any()
    assert not np.isnan(np.ma.filled(plot_phase(spec, SR, floor_db=None).get_array().astype(float), np.nan)).any()


def test_compared_spectrograms_share_one_scale_and_silence_looks_silent(tone):
    images = plot_spectrograms({"tone": tone, "quiet tone": 1e-3 * tone, "silence": np.zeros_like(tone)})
    assert len({image.get_clim() for image in images}) == 1
    low, high = images[0].get_clim()
    assert high - low == TOP_DB
    assert np.max(images[2].get_array()) < low  # below the scale: the darkest colour
    quiet_top = np.max(images[1].get_array())
    assert quiet_top == pytest.approx(high - 60, abs=0.01)  # 1e-3 is 60 dB down, as drawn
    assert [im.axes.get_title() for im in images] == ["tone", "quiet tone", "silence"]
    with pytest.raises(ValueError, match="2 axes"):
        plot_spectrograms({"tone": tone, "again": tone}, axes=[images[0].axes])


def test_share_colour_scale_takes_the_union_or_a_span_from_the_top():
    import matplotlib.pyplot as plt

    _, (a, b) = plt.subplots(1, 2)
    first, second = a.imshow([[0.0, 1.0]]), b.imshow([[-3.0, 0.5]])
    assert share_colour_scale([first, second]) == (-3.0, 1.0) == second.get_clim()
    assert share_colour_scale([first, second], span=0.5) == (0.5, 1.0)
    with pytest.raises(ValueError, match="at least one"):
        share_colour_scale([])
