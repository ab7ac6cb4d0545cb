"""phaselab.data.perturb: speed, time stretch, pitch, spectral tilt, formant warp, reverb and time shift."""

import numpy as np
import pytest

from phaselab.data import perturb as P

SR = 16000


def sine(freq: float, n: int = SR) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * freq * np.arange(n) / SR)).astype(np.float32)


def peak_frequency(audio: np.ndarray) -> float:
    """Frequency of the largest FFT peak, on a 4x zero-padded grid (0.25 Hz)."""
    n = 4 * len(audio)
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio)), n))
    return float(np.fft.rfftfreq(n, 1 / SR)[spectrum.argmax()])


def burst(start: float = 0.3, stop: float = 0.7, freq: float = 300.0) -> np.ndarray:
    """A tone between ``start`` and ``stop`` seconds, silence around it."""
    x = sine(freq)
    t = np.arange(SR) / SR
    return np.where((t >= start) & (t < stop), x, 0.0).astype(np.float32)


def voiced_span(audio: np.ndarray, threshold: float = 0.05) -> float:
    """Seconds between the first and last sample whose 10 ms envelope exceeds ``threshold``."""
    envelope = np.convolve(np.abs(audio), np.ones(160) / 160, mode="same")
    loud = np.flatnonzero(envelope > threshold)
    return (loud[-1] - loud[0]) / SR


def test_speed_shortens_the_word_and_raises_its_frequency() -> None:
    x = burst(0.3, 0.7, 300.0)
    faster = P.change_speed(x, 1.1)
    assert voiced_span(faster) == pytest.approx(voiced_span(x) / 1.1, abs=0.005)
    assert peak_frequency(faster) == pytest.approx(330.0, rel=0.005)
    assert voiced_span(P.change_speed(x, 0.9)) == pytest.approx(voiced_span(x) / 0.9, abs=0.005)


@pytest.mark.parametrize("rate", [0.85, 1.2])
def test_time_stretch_changes_duration_not_frequency(rate: float) -> None:
    x = burst(0.2, 0.6, 440.0)
    stretched = P.time_stretch(x, rate)
    assert stretched.shape == (round(SR / rate),)
    assert voiced_span(stretched) == pytest.approx(voiced_span(x) / rate, abs=0.02)
    assert peak_frequency(stretched) == pytest.approx(440.0, rel=0.003)


@pytest.mark.parametrize("semitones", [-3.0, -1.0, 2.0, 3.0])
def test_pitch_shift_moves_a_sine_by_the_semitone_ratio_and_keeps_the_duration(semitones: float) -> None:
    shifted = P.shift_pitch(sine(440.0), semitones)
    assert shifted.shape == (SR,)
    assert peak_frequency(shifted) == pytest.approx(440.0 * 2 ** (semitones / 12), rel=0.003)
    x = burst(0.3, 0.7, 440.0)
    assert voiced_span(P.shift_pitch(x, semitones)) == pytest.approx(voiced_span(x), abs=0.02)


def band_db(audio: np.ndarray, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(audio)) ** 2
    freqs = np.fft.rfftfreq(len(audio), 1 / SR)
    return float(10 * np.log10(spectrum[(freqs >= low) & (freqs < high)].mean()))


@pytest.mark.parametrize("gain_db", [-10.0, -4.0, 4.0, 10.0])
def test_tilt_sets_the_sign_and_size_of_the_spectral_slope(gain_db: float) -> None:
    noise = np.random.default_rng(0).standard_normal(SR).astype(np.float32)
    slope = band_db(noise, 4000, 7000) - band_db(noise, 100, 400)
    tilted = P.tilt_spectrum(noise, gain_db)
    change = band_db(tilted, 4000, 7000) - band_db(tilted, 100, 400) - slope
    assert np.sign(change) == np.sign(gain_db)
    assert 0.6 * abs(gain_db) < abs(change) < abs(gain_db)
    assert band_db(tilted, 0, 50) == pytest.approx(band_db(noise, 0, 50), abs=0.5)  # unit gain at DC


def vowel(f0: float = 125.0, formant: float = 1000.0, bandwidth: float = 100.0) -> np.ndarray:
    """A pulse train at ``f0`` through one two-pole resonance at ``formant`` Hz."""
    from scipy.signal import lfilter

    pulses = np.zeros(SR)
    pulses[:: int(SR / f0)] = 1.0
    r = np.exp(-np.pi * bandwidth / SR)
    a = [1.0, -2 * r * np.cos(2 * np.pi * formant / SR), r * r]
    x = lfilter([1.0], a, pulses)
    return (0.5 * x / np.abs(x).max()).astype(np.float32)


def formant_centroid(audio: np.ndarray) -> float:
    """Power-weighted mean frequency between 400 and 2000 Hz (where the one formant is)."""
    power = np.abs(np.fft.rfft(audio)) ** 2
    freqs = np.fft.rfftfreq(len(audio), 1 / SR)
    band = (freqs > 400) & (freqs < 2000)
    return float((power[band] * freqs[band]).sum() / power[band].sum())


@pytest.mark.parametrize("factor", [0.875, 1.25])
def test_formant_warp_moves_the_resonance_and_keeps_the_harmonics(factor: float) -> None:
    x = vowel()
    assert peak_frequency(x) == pytest.approx(1000.0, abs=2)
    warped = P.warp_formants(x, factor)
    assert peak_frequency(warped) == pytest.approx(1000.0 * factor, abs=2)  # 875 and 1250 Hz are harmonics
    assert formant_centroid(warped) == pytest.approx(factor * formant_centroid(x), rel=0.03)
    harmonic_bins = np.fft.rfftfreq(SR, 1 / SR) % 125 == 0
    power = np.abs(np.fft.rfft(warped)) ** 2
    assert power[harmonic_bins].sum() > 0.95 * power.sum()  # the pitch did not move


def test_formant_warp_by_one_is_the_identity(clip: np.ndarray) -> None:
    np.testing.assert_allclose(P.warp_formants(clip, 1.0), clip, atol=1e-5)
    np.testing.assert_array_equal(P.warp_formants(clip, 0.9, 0.9), P.warp_formants(clip, 0.9))


def test_gliding_formant_warp_moves_the_resonance_during_the_clip() -> None:
    """From 0.85 to 1.15 over the clip: the first fifth's formant goes down, the last fifth's up."""
    x, fifth = vowel(), SR // 5
    warped = P.warp_formants(x, 0.85, 1.15)
    for part, factor in ((slice(0, fifth), 0.88), (slice(-fifth, None), 1.12)):  # the stretch mid-segment
        assert formant_centroid(warped[part]) == pytest.approx(factor * formant_centroid(x[part]), rel=0.03)
    harmonic_bins = np.fft.rfftfreq(SR, 1 / SR) % 125 == 0
    power = np.abs(np.fft.rfft(warped)) ** 2
    assert power[harmonic_bins].sum() > 0.85 * power.sum()  # the pitch did not move (a moving envelope smears a bit)


def test_reverb_impulse_response_has_the_direct_path_and_the_drr() -> None:
    impulse = np.zeros(SR, dtype=np.float32)
    impulse[0] = 1.0
    response = P.reverberate(impulse, 0.5, 6.0, np.random.default_rng(0))
    assert response[0] == pytest.approx(1.0)
    assert 10 * np.log10(1.0 / np.sum(response[1:].astype(np.float64) ** 2)) == pytest.approx(6.0, abs=0.01)
    # 60 dB per RT60: the tail 0.45-0.5 s is ~27 dB below the tail 0.2-0.3 s
    early, late = np.sum(response[3200:4800] ** 2), np.sum(response[7200:8000] ** 2)
    assert early > 100 * late


@pytest.mark.parametrize("rt60", [0.2, 0.6])
def test_reverb_lengthens_the_energy_decay(rt60: float) -> None:
    x = burst(0.2, 0.4, 500.0)
    wet = P.reverberate(x, rt60, 0.0, np.random.default_rng(1))
    after = slice(int(0.45 * SR), int(0.55 * SR))  # 50-150 ms after the burst ends
    assert np.sum(x[after] ** 2) == 0.0
    assert np.sum(wet[after] ** 2) > 1e-3 * np.sum(x**2)
    longer = P.reverberate(x, 2 * rt60, 0.0, np.random.default_rng(1))
    assert np.sum(longer[after] ** 2) > np.sum(wet[after] ** 2)


def test_shift_time_moves_and_zero_fills() -> None:
    x = np.arange(1, 11, dtype=np.float32)
    np.testing.assert_array_equal(P.shift_time(x, 3), [0, 0, 0, 1, 2, 3, 4, 5, 6, 7])
    np.testing.assert_array_equal(P.shift_time(x, -3), [4, 5, 6, 7, 8, 9, 10, 0, 0, 0])
