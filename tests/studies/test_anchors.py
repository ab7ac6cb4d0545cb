import numpy as np
import pytest

from phaselab.studies.anchors import ANCHORS, silero_scores, silero_speech, webrtc_scores, webrtc_speech
from phaselab.studies.speech_noise import training_clips


@pytest.fixture(scope="module")
def words() -> list[np.ndarray]:
    clips = training_clips("test")
    return [clips[i] for i in np.linspace(0, len(clips) - 1, 12).round().astype(int)]


def test_silence_is_not_speech() -> None:
    assert silero_speech(np.zeros(16000)) < 0.1
    assert webrtc_speech(np.zeros(16000)) == 0.0


def test_silero_hears_most_held_out_words(words: list[np.ndarray]) -> None:
    scores = silero_scores(np.stack(words))
    assert scores.shape == (len(words),) and np.all((0 <= scores) & (scores <= 1))
    assert np.mean(scores > 0.5) >= 0.75


def test_webrtc_scores_are_shares_of_30_ms_frames(words: list[np.ndarray]) -> None:
    scores = webrtc_scores(np.stack(words))
    frames = int(np.ceil(16000 / 480))
    assert np.allclose(scores * frames, np.round(scores * frames))  # k voiced frames of 34
    assert scores.max() > 0.3


def test_other_rates_and_lengths_are_resampled(words: list[np.ndarray]) -> None:
    clip = words[0]
    at_8k = clip[::2]
    assert abs(silero_speech(at_8k, sr=8000) - silero_speech(clip)) < 0.5
    assert 0 <= webrtc_speech(np.r_[clip, clip], mode=0) <= 1
    assert 0 <= silero_speech(clip[:100]) <= 1  # shorter than one chunk: padded


@pytest.mark.parametrize("scorer", [silero_speech, webrtc_speech])
def test_bad_input_gets_a_clear_error(scorer) -> None:
    with pytest.raises(ValueError, match="mono clip"):
        scorer(np.zeros((2, 100)))
    with pytest.raises(ValueError, match="mono clip"):
        scorer(np.zeros(0))
    with pytest.raises(ValueError, match="NaN"):
        scorer(np.full(1000, np.nan))


def test_webrtc_mode_is_checked_and_anchors_are_listed() -> None:
    with pytest.raises(ValueError, match="mode"):
        webrtc_speech(np.zeros(1000), mode=4)
    assert set(ANCHORS) == {"silero", "webrtc"}
