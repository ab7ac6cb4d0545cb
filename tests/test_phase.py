import numpy as np
import pytest

from phaselab.kernels import PhaseKernel, phase_knots
from phaselab.phase import kernel_activations, make_kernel, phased_spectrogram
from phaselab.stft import log_spectrogram, stft

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
