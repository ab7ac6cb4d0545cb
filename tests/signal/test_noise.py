"""The one coloured-noise generator: its slope, its two normalisations, its dtype."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import welch

from phaselab.signal.noise import coloured_noise

SR = 16000


def band_db(audio: np.ndarray, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(audio)) ** 2
    freqs = np.fft.rfftfreq(len(audio), 1 / SR)
    return float(10 * np.log10(spectrum[(freqs >= low) & (freqs < high)].mean()))


@pytest.mark.parametrize("exponent", [0.0, 1.0, 2.0, -1.0])
def test_rms_normalised_noise_has_the_asked_spectral_slope(exponent: float) -> None:
    noise = coloured_noise(2**16, exponent, np.random.default_rng(1), "rms", np.float64)
    assert noise.dtype == np.float64
    assert np.sqrt(np.mean(noise**2)) == pytest.approx(1.0)
    freqs, power = welch(noise, nperseg=1024)
    band = (freqs > 0.01) & (freqs < 0.4)
    slope = np.polyfit(np.log(freqs[band]), np.log(power[band]), 1)[0]
    assert slope == pytest.approx(-exponent, abs=0.15)


def test_peak_normalised_noise_exponent_sets_the_slope() -> None:
    rng = np.random.default_rng(0)
    white, brown = coloured_noise(SR, 0.0, rng), coloured_noise(SR, 2.0, rng)
    assert white.dtype == np.float32 and np.abs(white).max() == pytest.approx(1.0)
    tilt = lambda x: band_db(x, 50, 200) - band_db(x, 3000, 6000)  # noqa: E731
    assert abs(tilt(white)) < 1.0
    assert tilt(brown) > 25.0  # 6 dB/octave over ~5 octaves


def test_an_unknown_normalisation_is_refused() -> None:
    with pytest.raises(ValueError, match="normalise"):
        coloured_noise(100, 1.0, np.random.default_rng(0), "loud")
