import numpy as np
import pytest

from phaselab.signal.encodings import (
    ENCODINGS,
    cos_sin,
    encoding_channels,
    group_delay,
    instantaneous_frequency,
    kernel_activations,
    make_kernel,
    phase_features,
    phased_spectrogram,
)
from phaselab.signal.kernels import PhaseKernel, phase_knots
from phaselab.signal.stft import log_spectrogram, stft

KERNELS = ["chord", "von_mises", "wrapped_gaussian"]


@pytest.mark.parametrize("kernel", KERNELS)
def test_shapes_and_modes(speech: np.ndarray, kernel: str) -> None:
    stacked = phased_spectrogram(speech, kernel=kernel)
    channels = phased_spectrogram(speech, kernel=kernel, mode="channels")
    assert stacked.shape == (256, 129, 10) and stacked.dtype == np.float32
    assert channels.shape == (256, 129, 11) and channels.dtype == np.float32
    np.testing.assert_allclose(channels[..., 0], log_spectrogram(speech), rtol=1e-6)
    np.testing.assert_allclose(stacked, channels[..., :1] * channels[..., 1:], rtol=1e-5, atol=1e-7)


def test_chord_matches_the_original_per_knot_loop(speech: np.ndarray) -> None:
    """The vectorised chord kernel equals the original study's loop over knots."""
    spec = stft(speech)
    u = spec / (np.abs(spec) + 1e-5)
    sigma = 0.8 * 2 * np.pi / 10
    slices = [np.exp(-0.5 * np.abs(u - np.exp(1j * k)) ** 2 / sigma**2) for k in phase_knots(10)]
    expected = np.log1p(np.abs(spec))[..., None] * np.stack(slices, -1)
    np.testing.assert_allclose(phased_spectrogram(speech), expected, rtol=1e-5, atol=1e-6)


def test_each_bin_peaks_at_the_knot_nearest_its_phase() -> None:
    spec = np.exp(1j * phase_knots(10))  # bin k sits exactly on knot k
    for kernel in KERNELS:
        activations = kernel_activations(spec, 10, make_kernel(kernel, 10))
        assert (activations.argmax(-1) == np.arange(10)).all()


@pytest.mark.parametrize("kernel", KERNELS)
def test_rotating_every_bin_rolls_the_phase_axis(speech: np.ndarray, kernel: str) -> None:
    """Phase-shift invariance: multiplying the STFT by e^{2 pi i k / P} rolls the phase slices by k."""
    spec, k = stft(speech), 3
    spec = spec[np.abs(spec) > 0]  # an exact zero has no phase to rotate
    chosen = make_kernel(kernel, 10)
    rotated = kernel_activations(spec * np.exp(2j * np.pi * k / 10), 10, chosen)
    np.testing.assert_allclose(rotated, np.roll(kernel_activations(spec, 10, chosen), k, axis=-1), atol=1e-9)


@pytest.mark.parametrize("kernel", KERNELS)
def test_silence_gives_zeros_not_nan(kernel: str) -> None:
    volume = phased_spectrogram(np.zeros(4096, np.float32), kernel=kernel)
    assert np.isfinite(volume).all() and (volume == 0).all()
    channels = phased_spectrogram(np.zeros(4096, np.float32), kernel=kernel, mode="channels")
    assert np.isfinite(channels).all()


def test_make_kernel_uses_the_original_width() -> None:
    sigma = 0.8 * 2 * np.pi / 8
    assert make_kernel("chord", 8) == PhaseKernel("chord", sigma)
    assert make_kernel("von_mises", 8).width == pytest.approx(1 / sigma**2)
    custom = PhaseKernel("wrapped_gaussian", 0.1)
    assert make_kernel(custom, 8) is custom


def test_bad_mode_is_refused(speech: np.ndarray) -> None:
    with pytest.raises(ValueError, match="mode"):
        phased_spectrogram(speech, mode="cube")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_encoding_keeps_frames_and_bins(speech: np.ndarray, encoding: str) -> None:
    features = phase_features(speech, encoding)
    assert features.shape == (256, 129, encoding_channels(encoding)) and features.dtype == np.float32
    assert np.isfinite(features).all()
    if encoding.startswith("mag"):
        np.testing.assert_allclose(features[..., 0], log_spectrogram(speech), rtol=1e-6)


def test_phase_features_reuse_the_phased_spectrogram_and_the_magnitude(speech: np.ndarray) -> None:
    np.testing.assert_array_equal(phase_features(speech, "phased", n_phases=6), phased_spectrogram(speech, n_phases=6))
    spec = stft(speech)
    loud = np.abs(spec) > 1.0
    unit_circle = np.stack([np.cos(np.angle(spec)), np.sin(np.angle(spec))], -1)
    np.testing.assert_allclose(phase_features(speech, "cos_sin")[loud], unit_circle[loud], atol=1e-4)
    mag_if = phase_features(speech, "mag_if")
    np.testing.assert_allclose(mag_if[..., 1], phase_features(speech, "if")[..., 0])


def test_instantaneous_frequency_of_a_tone() -> None:
    """1020 Hz is 20 Hz above bin 16 (1000 Hz); the range is +-sr / (2 hop) = +-125 Hz."""
    t = np.arange(16000) / 16000
    spec = stft(np.sin(2 * np.pi * 1020 * t), 256, 64)
    deviation = instantaneous_frequency(spec, 64)
    assert deviation.shape == spec.shape and (deviation[0] == 0).all()
    np.testing.assert_allclose(deviation[20:-20, 15:18].mean(axis=0), np.array([82.5, 20.0, -42.5]) / 125, atol=1e-4)


@pytest.mark.parametrize("offset", [-100, -30, 0, 57])
def test_group_delay_of_a_click_is_its_distance_from_the_window_centre(offset: int) -> None:
    frame = 12  # frame 12 covers samples 768 .. 1023, centre 896
    clip = np.zeros(4096)
    clip[896 + offset] = 1.0
    delay = group_delay(stft(clip), 256, unit="samples")
    np.testing.assert_allclose(delay[frame, 1:], offset, atol=1e-9)
    np.testing.assert_allclose(group_delay(stft(clip))[frame, 1:], offset / 128, atol=1e-9)
    assert (delay[:, 0] == 0).all()


def test_differences_of_phase_ignore_a_global_rotation(speech: np.ndarray) -> None:
    """IF and group delay are unchanged by e^{i theta}; cos/sin turns by theta."""
    spec, theta = stft(speech), 2.0
    rotated = spec * np.exp(1j * theta)
    loud = np.abs(spec) > 1e-3

    def circular_gap(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # both live on [-1, 1), a circle
        return np.abs((a - b + 1) % 2 - 1)

    frame_pair = loud[1:] & loud[:-1]
    assert circular_gap(instantaneous_frequency(rotated), instantaneous_frequency(spec))[1:][frame_pair].max() < 1e-9
    bin_pair = loud[:, 1:] & loud[:, :-1]
    assert circular_gap(group_delay(rotated), group_delay(spec))[:, 1:][bin_pair].max() < 1e-9
    c, s = cos_sin(spec)[..., 0], cos_sin(spec)[..., 1]
    turned = np.stack([c * np.cos(theta) - s * np.sin(theta), c * np.sin(theta) + s * np.cos(theta)], -1)
    np.testing.assert_allclose(cos_sin(rotated), turned, atol=1e-9)


def test_silent_bins_give_zeros_in_cos_sin() -> None:
    features = phase_features(np.zeros(4096, np.float32), "mag_cos_sin")
    assert (features == 0).all()


def test_unknown_encoding_and_unit_are_refused(speech: np.ndarray) -> None:
    with pytest.raises(ValueError, match="unknown encoding 'angle'"):
        phase_features(speech, "angle")
    with pytest.raises(ValueError, match="unit"):
        group_delay(stft(speech), unit="ms")


def test_phased_spectrogram_scales_integer_pcm_and_checks_n_phases() -> None:
    x = 0.5 * np.sin(np.arange(2000) / 7)
    pcm = np.round(x * 32767).astype(np.int16)
    np.testing.assert_allclose(phased_spectrogram(pcm), phased_spectrogram(pcm / 32768.0), atol=1e-6)
    for n_phases in (0, 2.5, -1):
        with pytest.raises(ValueError, match="n_phases must be a whole number of at least 1"):
            phased_spectrogram(x, n_phases=n_phases)
    assert phased_spectrogram(x, n_phases=4.0).shape[-1] == 4
