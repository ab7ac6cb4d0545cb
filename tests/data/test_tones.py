import numpy as np
import pytest

from phaselab.data.tones import TONAL_KINDS, tonal_sound
from phaselab.signal.stft import stft


@pytest.mark.parametrize("kind", TONAL_KINDS)
def test_each_kind_has_the_length_and_level_asked(kind: str) -> None:
    sound = tonal_sound(kind, 1.5, np.random.default_rng(3))
    assert sound.shape == (24000,) and sound.dtype == np.float32
    assert np.sqrt(np.mean(sound.astype(np.float64) ** 2)) == pytest.approx(0.1, rel=1e-3)
    assert np.all(np.isfinite(sound))


def test_tonal_sounds_are_more_peaked_in_frequency_than_noise() -> None:
    """Harmonic sounds put their energy in few bins: a much lower spectral flatness than white noise's."""

    def flatness(audio: np.ndarray) -> float:
        power = np.abs(stft(audio)) ** 2 + 1e-12
        return float(np.median(np.exp(np.mean(np.log(power), axis=-1)) / np.mean(power, axis=-1)))

    noise = flatness(np.random.default_rng(0).standard_normal(16000).astype(np.float32))
    for kind in ("melody", "plucked", "glides"):
        assert flatness(tonal_sound(kind, 1.0, np.random.default_rng(1))) < noise / 5


def test_unknown_kind_and_empty_length_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        tonal_sound("speech", 1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="at least one sample"):
        tonal_sound("melody", 0.0, np.random.default_rng(0))
