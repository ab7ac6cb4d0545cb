from dataclasses import replace

import numpy as np
import pytest

from phaselab.data import augment as A
from phaselab.data import perturb as P
from phaselab.data.augment import AugmentConfig, SoundPreprocessor
from phaselab.signal.noise import coloured_noise
from phaselab.signal.stft import istft, log_spectrogram, stft

SR = 16000


AUGMENTERS = {
    "speed": lambda x, rng: P.change_speed(x, 1.1),
    "pitch": lambda x, rng: P.shift_pitch(x, -2.0),
    "formants": lambda x, rng: P.warp_formants(x, 0.9),
    "tilt": lambda x, rng: P.tilt_spectrum(x, 6.0),
    "reverb": lambda x, rng: P.reverberate(x, 0.4, 3.0, rng),
    "shift": lambda x, rng: P.shift_time(x, -800),
    "noise": lambda x, rng: A.add_noise(x, coloured_noise(len(x), 1.0, rng), 0.05),
    "phase": lambda x, rng: A.rotate_phase(x, 1.0),
    "normalize": lambda x, rng: A.normalize(x),
}


@pytest.mark.parametrize("name", AUGMENTERS)
def test_augmenters_keep_shape_and_dtype_and_are_deterministic(clip: np.ndarray, name: str) -> None:
    first = AUGMENTERS[name](clip, np.random.default_rng(3))
    second = AUGMENTERS[name](clip, np.random.default_rng(3))
    assert first.shape == clip.shape and first.dtype == np.float32
    assert np.isfinite(first).all()
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, clip, atol=1e-3), f"{name} left the clip unchanged"


def test_formant_glide_only_when_asked(clip: np.ndarray) -> None:
    """``formant_glide=0`` draws no extra random number, so runs made before the option replay exactly."""
    off = replace(AugmentConfig.none(), formant_fraction=1.0, tilt_fraction=1.0)
    plain = SoundPreprocessor(off)(clip, np.random.default_rng(3))
    rng = np.random.default_rng(3)
    rng.random(3)  # the speed, pitch and formant coin tosses
    warped = P.warp_formants(clip, rng.uniform(*off.formant_range))
    rng.random()  # the tilt coin toss; an extra draw before it would change the tilt below
    expected = P.tilt_spectrum(warped, rng.uniform(*off.tilt_range))
    np.testing.assert_allclose(plain, SoundPreprocessor(off).finish(expected), atol=1e-6)
    gliding = SoundPreprocessor(replace(off, formant_glide=1.0))(clip, np.random.default_rng(3))
    assert not np.allclose(gliding, plain, atol=1e-3)


def test_phase_rotation_keeps_the_magnitude_spectrogram(clip: np.ndarray) -> None:
    rotated = A.rotate_phase(clip, 1.3)
    inner = slice(2, -2)  # a Hann main lobe is +-2 bins: bins 0, 1 (and the top two) mix in negative frequencies
    frames = slice(4, -4)  # the first and last frames see the clip's edges
    np.testing.assert_allclose(
        log_spectrogram(rotated)[frames, inner], log_spectrogram(clip)[frames, inner], atol=0.05
    )
    assert abs(np.corrcoef(A.rotate_phase(clip, np.pi / 2), clip)[0, 1]) < 0.1  # the waveform did change
    np.testing.assert_allclose(A.rotate_phase(clip, np.pi), -clip, atol=1e-5)


def test_phase_rotation_is_the_stft_rotation(clip: np.ndarray) -> None:
    theta = 2.2
    by_stft = istft(stft(clip, framing="full") * np.exp(1j * theta), len(clip))
    error = np.sqrt(np.mean((A.rotate_phase(clip, theta) - by_stft) ** 2)) / np.sqrt(np.mean(clip**2))
    assert error < 0.01


def test_normalize_gives_zero_mean_and_unit_rms(clip: np.ndarray) -> None:
    loud = clip / np.abs(clip).max() + 0.1
    out = A.normalize(loud)
    assert abs(out.mean()) < 1e-5
    assert np.sqrt(np.mean(out**2)) == pytest.approx(1.0, abs=0.01)
    rms = np.std(0.01 * clip, dtype=np.float64)  # a quiet clip is damped: rms / (rms + damping)
    assert np.sqrt(np.mean(A.normalize(0.01 * clip, damping=1e-3) ** 2)) == pytest.approx(rms / (rms + 1e-3), rel=1e-4)
    silent = A.normalize(np.zeros(100, dtype=np.float32))
    assert np.array_equal(silent, np.zeros(100))


def test_noise_segment_cuts_from_a_recording_and_tiles_short_ones() -> None:
    rng = np.random.default_rng(0)
    long = np.arange(50, dtype=np.float32)
    cut = A.noise_segment([long], 10, rng)
    assert cut.shape == (10,) and np.array_equal(cut, np.arange(cut[0], cut[0] + 10))
    short = A.noise_segment([np.array([1, 2, 3], dtype=np.float32)], 7, rng)
    assert short.shape == (7,) and set(short.tolist()) <= {1, 2, 3}
    with pytest.raises(ValueError, match="at least one noise"):
        A.noise_segment([], 10, rng)


def test_add_noise_scales_the_noise_and_checks_its_shape(clip: np.ndarray) -> None:
    noise = np.ones_like(clip)
    np.testing.assert_allclose(A.add_noise(clip, noise, 0.05), clip + 0.05)
    with pytest.raises(ValueError, match="does not match"):
        A.add_noise(clip, noise[:-1], 0.05)


def test_bad_input_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="mono clip"):
        P.change_speed(np.zeros((2, 100)), 1.1)
    with pytest.raises(ValueError, match="positive"):
        P.warp_formants(np.zeros(1000), 0.0)
    with pytest.raises(ValueError, match="positive"):
        P.warp_formants(np.zeros(1000), 1.0, -0.5)
    with pytest.raises(ValueError, match="noise_fraction"):
        AugmentConfig(noise_fraction=1.5)
    with pytest.raises(ValueError, match="formant_glide"):
        AugmentConfig(formant_glide=-0.1)
    with pytest.raises(ValueError, match="low <= high"):
        AugmentConfig(speed_range=(1.2, 0.9))


def test_preprocessor_output_is_padded_normalised_and_seeded(clip: np.ndarray) -> None:
    preprocessor = SoundPreprocessor(AugmentConfig(), noises=[coloured_noise(3 * SR, 1.0, np.random.default_rng(0))])
    out = preprocessor(clip, np.random.default_rng(7))
    assert out.shape == (16384,) and out.dtype == np.float32
    assert np.all(out[SR:] == 0.0)
    assert np.sqrt(np.mean(out[:SR] ** 2)) == pytest.approx(1.0, abs=0.01)
    np.testing.assert_array_equal(out, preprocessor(clip, np.random.default_rng(7)))
    assert not np.allclose(out, preprocessor(clip, np.random.default_rng(8)))


def test_preprocessor_without_augmentation_only_normalises_and_pads(clip: np.ndarray) -> None:
    preprocessor = SoundPreprocessor(AugmentConfig.none())
    expected = np.pad(A.normalize(clip), (0, 16384 - SR))
    np.testing.assert_array_equal(preprocessor(clip, np.random.default_rng(0)), expected)
    np.testing.assert_array_equal(preprocessor.finish(clip), expected)
    half = clip[: SR // 2]  # short clips are first padded to one second
    expected_half = np.pad(A.normalize(np.pad(half, (0, SR - len(half)))), (0, 16384 - SR))
    np.testing.assert_array_equal(preprocessor(half, np.random.default_rng(0)), expected_half)


def test_each_augmentation_runs_when_its_fraction_is_one(clip: np.ndarray) -> None:
    off = AugmentConfig.none()
    for field in ("speed", "pitch", "formant", "tilt", "reverb", "noise", "phase"):
        config = replace(off, **{f"{field}_fraction": 1.0})
        out = SoundPreprocessor(config)(clip, np.random.default_rng(0))
        assert not np.allclose(out, SoundPreprocessor(off).finish(clip), atol=1e-3), field


def test_silence_is_cut_from_the_noises_and_finished() -> None:
    noise = coloured_noise(5 * SR, 0.0, np.random.default_rng(1))
    preprocessor = SoundPreprocessor(AugmentConfig(), noises=[noise])
    silence = preprocessor.silence(np.random.default_rng(2))
    assert silence.shape == (16384,) and silence.dtype == np.float32
    assert np.all(silence[SR:] == 0.0) and abs(silence[:SR].mean()) < 1e-4
    np.testing.assert_array_equal(silence, preprocessor.silence(np.random.default_rng(2)))
    synthetic = SoundPreprocessor(AugmentConfig()).silence(np.random.default_rng(2))
    assert synthetic.shape == (16384,) and np.isfinite(synthetic).all()


def test_tonal_silence_clips_are_harmonic_sounds_in_the_share_asked() -> None:
    from scipy.stats import gmean

    noise = coloured_noise(5 * SR, 0.0, np.random.default_rng(1))
    power = lambda x: np.abs(np.fft.rfft(x[:SR].astype(np.float64))) ** 2 + 1e-20  # noqa: E731
    flatness = lambda x: gmean(power(x)) / power(x).mean()  # noqa: E731  (white noise: about 0.56)
    def flatnesses(share: float, n: int) -> np.ndarray:
        preprocessor = SoundPreprocessor(AugmentConfig(tonal_fraction=share), noises=[noise])
        return np.array([flatness(preprocessor.silence(np.random.default_rng(i))) for i in range(n)])
    assert np.all(flatnesses(0.0, 10) > 0.4)  # off by default: noise, as before
    assert np.median(flatnesses(1.0, 20)) < 0.05  # peaks: melodies, strings, chirps, glides
    assert 0.25 < np.mean(flatnesses(0.5, 200) < 0.2) < 0.5  # about half of them, less the noisy drums
    with pytest.raises(ValueError, match="tonal_fraction"):
        AugmentConfig(tonal_fraction=1.5)
