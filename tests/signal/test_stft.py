import numpy as np
import pytest

from phaselab.signal.stft import (
    bin_frequencies,
    frame_times,
    istft,
    log_spectrogram,
    n_frames,
    stft,
)


@pytest.fixture()
def noise() -> np.ndarray:
    return np.random.default_rng(1).standard_normal(4000)


def test_tf_framing_matches_explicit_frames(noise: np.ndarray) -> None:
    window = np.hanning(257)[:-1]  # periodic Hann
    spec = stft(noise, 256, 64)
    assert spec.shape == (n_frames(4000, 256, 64), 129) == (63, 129)
    padded = np.pad(noise, (0, 62 * 64 + 256 - 4000))
    expected = np.stack([np.fft.rfft(window * padded[q * 64 : q * 64 + 256]) for q in range(63)])
    np.testing.assert_allclose(stft(noise, 256, 64, reference="start"), expected, atol=1e-9)
    # the default measures phase from the window's centre: the FFT of the frame rotated by half a window
    centred = np.stack([np.fft.rfft(np.roll(window * padded[q * 64 : q * 64 + 256], -128)) for q in range(63)])
    np.testing.assert_allclose(spec, centred, atol=1e-9)


@pytest.mark.parametrize("frame_length, fft_length", [(256, 256), (400, 512), (255, 256)])
def test_centre_reference_is_a_fixed_turn_per_bin(noise: np.ndarray, frame_length: int, fft_length: int) -> None:
    start = stft(noise, frame_length, 160, fft_length, reference="start")
    centre = stft(noise, frame_length, 160, fft_length)
    k = np.arange(fft_length // 2 + 1)
    np.testing.assert_allclose(centre, start * np.exp(2j * np.pi * k * frame_length / 2 / fft_length), atol=1e-9)
    np.testing.assert_allclose(np.abs(centre), np.abs(start), atol=1e-12)


def test_a_click_at_the_window_centre_has_zero_phase_only_under_the_centre_reference() -> None:
    click = np.zeros(256)
    click[128] = 1.0  # the centre of frame 0 (samples 0..255)
    centre, start = stft(click, 256, 256)[0], stft(click, 256, 256, reference="start")[0]
    np.testing.assert_allclose(np.angle(centre[:100]), 0.0, atol=1e-9)
    assert np.mean(np.abs(np.angle(start[:100])) > 3.0) > 0.45  # every other bin turned by pi


@pytest.mark.parametrize("reference", ["centre", "start"])
def test_istft_inverts_under_either_reference(noise: np.ndarray, reference: str) -> None:
    spec = stft(noise, 256, 64, framing="full", reference=reference)
    np.testing.assert_allclose(istft(spec, len(noise), 256, 64, reference=reference), noise, atol=1e-9)


def test_unknown_reference_is_refused(noise: np.ndarray) -> None:
    with pytest.raises(ValueError, match="reference must be 'centre'"):
        stft(noise, reference="middle")


def test_fft_length_zero_pads_the_window(noise: np.ndarray) -> None:
    assert stft(noise, 256, 64, fft_length=512).shape == (63, 257)


@pytest.mark.parametrize("frame_length, frame_step", [(256, 64), (512, 128), (400, 160)])
def test_full_framing_inverts_exactly(noise: np.ndarray, frame_length: int, frame_step: int) -> None:
    spec = stft(noise, frame_length, frame_step, framing="full")
    assert spec.shape[0] == n_frames(len(noise), frame_length, frame_step, "full")
    np.testing.assert_allclose(istft(spec, len(noise), frame_length, frame_step), noise, atol=1e-10)


def test_istft_refuses_tf_framing(noise: np.ndarray) -> None:
    with pytest.raises(ValueError, match="framing='full'"):
        istft(stft(noise), len(noise))


@pytest.mark.parametrize("kwargs", [dict(frame_step=0), dict(frame_step=300), dict(fft_length=128), dict(framing="x")])
def test_bad_settings_are_refused(noise: np.ndarray, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        stft(noise, **kwargs)


def test_stft_refuses_stereo() -> None:
    with pytest.raises(ValueError, match="mono"):
        stft(np.zeros((100, 2)))


def test_axes_in_physical_units() -> None:
    freqs = bin_frequencies(256)
    assert freqs[0] == 0 and freqs[-1] == 8000 and len(freqs) == 129
    np.testing.assert_allclose(frame_times(3, 256, 64), [0.008, 0.012, 0.016])


def test_log_spectrogram_is_log1p_of_magnitude(noise: np.ndarray) -> None:
    spec = log_spectrogram(noise)
    assert spec.dtype == np.float32
    np.testing.assert_allclose(np.expm1(spec), np.abs(stft(noise)), rtol=1e-5)


def test_stft_refuses_non_finite_audio_and_scales_integers(noise: np.ndarray) -> None:
    noise = noise.copy()
    noise[[10, 20]] = [np.nan, np.inf]
    with pytest.raises(ValueError, match="2 NaN or infinite samples"):
        stft(noise)
    pcm = np.array([0, 16384, -32768, 32767] * 100, dtype=np.int16)
    np.testing.assert_allclose(stft(pcm), stft(pcm / 32768.0))


def test_clips_shorter_than_half_a_window_get_their_frames_or_a_clear_message() -> None:
    short = np.linspace(-0.5, 0.5, 100)
    np.testing.assert_allclose(stft(short), stft(np.pad(short, (0, 400)))[:2])  # tf framing: zero-padded
    with pytest.raises(ValueError, match="at least one sample"):
        stft(np.zeros(0))
    with pytest.raises(ValueError, match=r"needs at least 128 samples \(half a 256-sample window\), got 100"):
        stft(short, framing="full")
