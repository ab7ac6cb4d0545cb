import numpy as np
import pytest

from phaselab.signal.reconstruction import (
    griffin_lim,
    randomize_phase,
    spectral_convergence,
    zero_phase,
)
from phaselab.signal.stft import stft


def full_magnitude(audio: np.ndarray) -> np.ndarray:
    return np.abs(stft(audio, 512, 128, framing="full"))


def test_spectral_convergence_values() -> None:
    a = np.ones((4, 3))
    assert spectral_convergence(a, a) == 0
    assert spectral_convergence(a, 2 * a) == pytest.approx(1.0)
    assert spectral_convergence(a, -a) == 0  # magnitudes only
    with pytest.raises(ValueError, match="shapes"):
        spectral_convergence(a, np.ones((3, 3)))
    with pytest.raises(ValueError, match="all zero"):
        spectral_convergence(np.zeros_like(a), a)


def test_randomize_phase_keeps_the_envelope_not_the_waveform(speech: np.ndarray) -> None:
    choir = randomize_phase(speech, np.random.default_rng(0))
    assert choir.shape == speech.shape and choir.dtype == np.float32
    assert abs(np.corrcoef(choir, speech)[0, 1]) < 0.2
    # The energy envelope over time follows the word (the ISTFT of an inconsistent STFT loses
    # some energy, so compare shapes, not levels).
    energy, choir_energy = ((full_magnitude(x) ** 2).sum(1) for x in (speech, choir))
    assert np.corrcoef(energy, choir_energy)[0, 1] > 0.95


def test_randomize_phase_is_seeded(speech: np.ndarray) -> None:
    a = randomize_phase(speech, np.random.default_rng(3))
    np.testing.assert_array_equal(a, randomize_phase(speech, np.random.default_rng(3)))
    assert not np.allclose(a, randomize_phase(speech, np.random.default_rng(4)))


def test_zero_phase_keeps_length_changes_waveform(speech: np.ndarray) -> None:
    buzz = zero_phase(speech)
    assert buzz.shape == speech.shape
    assert abs(np.corrcoef(buzz, speech)[0, 1]) < 0.3


def test_zero_phase_puts_a_pulse_at_every_frame_centre() -> None:
    """On the bundled real "marvin": folded at the hop, the buzz's energy peaks at the window centres (multiples of the hop)."""
    from phaselab.paths import data_dir
    from phaselab.signal.audio import read_wav

    marvin = read_wav(data_dir() / "samples" / "marvin.wav")
    buzz = zero_phase(marvin)  # frame 512, hop 128: frame p is centred on sample 128 p
    n = len(buzz) // 128 * 128
    profile = np.roll((buzz[:n].reshape(-1, 128) ** 2).sum(axis=0), 64)  # index 64 = offset 0 from a centre
    assert np.argmax(profile) == 64
    assert profile[61:68].sum() / profile.sum() > 0.3  # within 3 samples (uniform: 0.05); measured 0.44
    kept = np.sum(buzz**2) / np.sum(marvin**2)
    from_start = np.sum(zero_phase(marvin, reference="start") ** 2) / np.sum(marvin**2)
    assert kept > 0.4 and from_start < 0.1  # measured 0.53 and 0.04


def test_griffin_lim_momentum_converges_faster(speech: np.ndarray) -> None:
    magnitude = full_magnitude(speech)
    plain = griffin_lim(magnitude, len(speech), n_iter=30, momentum=0.0)
    fast = griffin_lim(magnitude, len(speech), n_iter=30, momentum=0.99)
    assert fast.audio.shape == speech.shape and fast.convergence.shape == (30,)
    assert fast.convergence[-1] < plain.convergence[-1] < plain.convergence[0]
    assert spectral_convergence(magnitude, full_magnitude(fast.audio)) < 0.2


@pytest.mark.parametrize("kwargs", [dict(momentum=1.0), dict(n_iter=0)])
def test_griffin_lim_refuses_bad_settings(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        griffin_lim(np.ones((10, 257)), 1000, **kwargs)
