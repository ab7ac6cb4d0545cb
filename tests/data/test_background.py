"""phaselab.data.background: the synthetic background noises."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import welch

from phaselab.data.background import NOISE_FILES, NOISE_RMS, background_noises


def test_background_noises_are_deterministic_at_the_noise_level() -> None:
    first = background_noises(1.0, np.random.default_rng(3))
    again = background_noises(1.0, np.random.default_rng(3))
    other = background_noises(1.0, np.random.default_rng(4))
    assert list(first) == list(NOISE_FILES)
    for name, audio in first.items():
        assert audio.shape == (16000,) and audio.dtype == np.float32
        assert np.sqrt(np.mean(audio.astype(np.float64) ** 2)) == pytest.approx(NOISE_RMS, rel=0.01), name
        np.testing.assert_array_equal(audio, again[name])
        assert not np.array_equal(audio, other[name])


def test_mains_hum_peaks_at_50_hz_and_the_tap_sits_in_its_band() -> None:
    noises = background_noises(4.0, np.random.default_rng(0))
    freqs, hum = welch(noises["mains_hum.wav"], fs=16000, nperseg=16000)
    assert freqs[np.argmax(hum)] == 50.0
    freqs, tap = welch(noises["running_tap.wav"], fs=16000, nperseg=1024)
    inside = tap[(freqs >= 300) & (freqs <= 4000)].sum()
    assert inside > 0.98 * tap.sum()
