import numpy as np
import pytest

from phaselab.signal.coherence import (
    advance_coherence,
    loud_frames,
    low_frequency_share,
    neighbour_coherence,
    phase_acceleration,
)
from phaselab.signal.stft import stft

SR = 16000


def test_a_steady_tone_advances_its_phase_steadily_whatever_its_frequency():
    t = np.arange(SR // 2) / SR
    for freq in (440.0, 1234.5, 3000.0):
        spec = stft(np.sin(2 * np.pi * freq * t))
        assert advance_coherence(spec) > 0.99
        psi = phase_acceleration(spec)
        loudest = np.argmax(np.abs(spec[10]))
        assert np.abs(psi[10:-10, loudest]).max() < 1e-4


def test_white_noise_is_incoherent_at_lag_2_but_not_at_lag_1():
    spec = stft(np.random.default_rng(0).standard_normal(SR))
    assert advance_coherence(spec, lag=2) < 0.1
    # neighbouring frames share 3/4 of their samples: noise looks orderly
    assert advance_coherence(spec, lag=1) > 0.5


def test_phase_acceleration_shape_and_lag():
    spec = np.exp(1j * np.arange(20.0)[:, None] ** 2 * np.ones((1, 3)))
    for lag in (1, 2, 3):
        psi = phase_acceleration(spec, lag)
        assert psi.shape == (20 - 2 * lag, 3)
        assert np.allclose(np.exp(1j * psi), np.exp(2j * lag**2))
    with pytest.raises(ValueError, match="lag"):
        phase_acceleration(spec, 0)
    with pytest.raises(ValueError, match="frames"):
        phase_acceleration(spec[:4], 2)


def test_loud_frames_and_frame_selection():
    rng = np.random.default_rng(1)
    t = np.arange(SR) / SR
    audio = 0.01 * rng.standard_normal(SR)
    audio[SR // 2 :] += np.sin(2 * np.pi * 700 * t[SR // 2 :])
    spec = stft(audio)
    loud = loud_frames(spec)
    assert loud[-100:-5].all() and not loud[:100].any()
    assert advance_coherence(spec, loud) > 0.95 > 0.3 > advance_coherence(spec, ~loud)
    with pytest.raises(ValueError, match="mask"):
        advance_coherence(spec, loud[:-1])
    with pytest.raises(ValueError, match="silent"):
        advance_coherence(np.zeros((10, 3), complex))


def test_low_frequency_share_tells_low_from_high_sounds():
    t = np.arange(SR // 4) / SR
    audio = np.concatenate([np.sin(2 * np.pi * 300 * t), np.sin(2 * np.pi * 4000 * t), np.zeros(SR // 4)])
    share = low_frequency_share(stft(audio))
    quarter = len(share) // 3
    assert np.all(share[5 : quarter - 5] > 0.99)
    assert np.all(share[quarter + 5 : 2 * quarter - 5] < 0.01)
    assert np.all(share[2 * quarter + 5 :] == 0)


def test_neighbour_coherence_bins_of_one_tone_turn_in_step():
    t = np.arange(SR // 2) / SR
    spec = stft(np.sin(2 * np.pi * 1111 * t))
    assert neighbour_coherence(spec) > 0.99
    noise = stft(np.random.default_rng(2).standard_normal(SR))
    assert neighbour_coherence(noise) < neighbour_coherence(spec)
    with pytest.raises(ValueError, match="mask"):
        neighbour_coherence(spec, np.ones(3, bool))
    with pytest.raises(ValueError, match="lag"):
        neighbour_coherence(spec, lag=0)


def test_band_resultant_on_real_speech_depends_on_the_phase_reference() -> None:
    from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
    from phaselab.paths import data_dir
    from phaselab.signal.audio import read_wav
    from phaselab.signal.coherence import band_resultant
    from phaselab.signal.stft import stft

    clips = [data_dir() / "samples" / "marvin.wav", *[c.path for c in SpeechCommands(resolve_data_root("real")).clips("test") if c.label not in ("_silence_", "silence")][:3]]
    for path in clips:
        audio = read_wav(path)
        centre, loud = band_resultant(stft(audio, 512, 160))
        start, _ = band_resultant(stft(audio, 512, 160, reference="start"))
        assert np.median(centre[loud]) >= 0.7 > 0.4 > np.median(start[loud]), path
        assert centre.shape == (-(-len(audio) // 160), 40) and loud.mean() == pytest.approx(0.2, abs=0.02)
