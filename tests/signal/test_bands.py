import numpy as np
import pytest

from phaselab.signal.bands import band_energies, hz_to_mel, mel_band_edges, mel_to_hz
from phaselab.signal.stft import stft


def test_mel_round_trip_and_edges():
    freqs = np.array([0.0, 700.0, 8000.0])
    np.testing.assert_allclose(mel_to_hz(hz_to_mel(freqs)), freqs, atol=1e-9)
    assert hz_to_mel(700.0) == pytest.approx(2595 * np.log10(2))
    edges = mel_band_edges(10, 0, 8000)
    assert edges[0] == 0 and edges[-1] == pytest.approx(8000)
    np.testing.assert_allclose(np.diff(hz_to_mel(edges)), hz_to_mel(8000) / 10)


def test_band_energies_keep_the_total_energy():
    rng = np.random.default_rng(1)
    magnitude = np.abs(stft(rng.standard_normal(4000), 512, 128))
    energies = band_energies(magnitude, n_bands=16)
    assert energies.shape == (magnitude.shape[0], 16)
    np.testing.assert_allclose(energies.sum(axis=1), (magnitude**2).sum(axis=1))


def test_a_tone_lands_in_its_band():
    t = np.arange(8000) / 16000
    energies = band_energies(stft(np.sin(2 * np.pi * 3000 * t), 512, 128), n_bands=20)
    edges = mel_band_edges(20)
    band = np.searchsorted(edges, 3000) - 1
    assert np.argmax(energies[10]) == band


def test_bad_input():
    with pytest.raises(ValueError, match="frames, bins"):
        band_energies(np.ones(10))
    with pytest.raises(ValueError, match="hold no STFT bin"):
        band_energies(np.ones((3, 17)), n_bands=64)
    with pytest.raises(ValueError, match="n_bands"):
        mel_band_edges(0)
