"""Tests of phaselab.training.recordings: assembled test recordings and the score of what was heard in them."""

from __future__ import annotations

import numpy as np
import pytest

from phaselab.constants import SAMPLE_RATE
from phaselab.data.labels import SILENCE
from phaselab.training.listen import Detection
from phaselab.training.recordings import Segment, assemble_recording, match_detections


def test_assemble_recording_puts_every_word_between_stretches_of_sound() -> None:
    rng = np.random.default_rng(1)
    words = [(0.1 * rng.standard_normal(16000).astype(np.float32), label, f"{label}.wav") for label in ("yes", "unknown", "go")]
    sounds = [(rng.standard_normal(80000).astype(np.float32), "noise.wav")]
    audio, segments = assemble_recording(words, sounds, rng=3, gap_s=(1.0, 2.0), sound_db=(-10.0, -10.0))
    assert [s.kind for s in segments] == ["sound", "word"] * 3 + ["sound"]
    assert [s.label for s in segments if s.kind == "word"] == ["yes", "unknown", "go"]
    assert segments[0].start == 0 and all(a.end == b.start for a, b in zip(segments, segments[1:]))
    assert len(audio) == round(segments[-1].end * SAMPLE_RATE)
    for s in segments:
        piece = audio[round(s.start * SAMPLE_RATE):round(s.end * SAMPLE_RATE)]
        if s.kind == "word":
            np.testing.assert_array_equal(piece, words[[w[1] for w in words].index(s.label)][0])
        else:
            assert 1.0 <= s.end - s.start <= 2.0
            rms = np.sqrt(np.mean(piece[200:-200] ** 2))  # past the fades
            assert rms == pytest.approx(0.1 * 10 ** (-10 / 20), rel=0.1)
    again, _ = assemble_recording(words, sounds, rng=3, gap_s=(1.0, 2.0), sound_db=(-10.0, -10.0))
    np.testing.assert_array_equal(audio, again)
    with pytest.raises(ValueError, match="at least one word and one sound"):
        assemble_recording(words, [])


def test_match_detections_counts_hits_wrong_words_misses_and_false_alarms() -> None:
    seg = [Segment(0, 2, "sound", SILENCE, "n"), Segment(2, 3, "word", "yes", "a"), Segment(3, 5, "sound", SILENCE, "n"),
           Segment(5, 6, "word", "no", "b"), Segment(6, 8, "sound", SILENCE, "n"), Segment(8, 9, "word", "unknown", "c"),
           Segment(9, 11, "sound", SILENCE, "n"), Segment(11, 12, "word", "up", "d"), Segment(12, 60, "sound", SILENCE, "n")]
    found = [Detection("yes", 2.3, 0.9, 3.5, 0.9), Detection("yes", 2.6, 0.9, 3.9, 0.9),  # a hit, then the same word again: wrong
             Detection("go", 5.1, 0.8, 6.2, 0.8),  # the wrong word
             Detection("off", 8.2, 0.7, 9.3, 0.7),  # on another word: a false alarm
             Detection("stop", 40.0, 0.6, 41.0, 0.6)]  # on the sound: a false alarm
    stats = match_detections(found, seg)
    assert (stats["commands"], stats["hits"], stats["wrong"], stats["misses"]) == (3, 1, 2, 2)
    assert (stats["false_alarms"], stats["false_alarms_words"], stats["false_alarms_sounds"]) == (2, 1, 1)
    assert stats["minutes"] == 1.0 and stats["false_alarms_per_minute"] == 2.0 and stats["hit_rate"] == pytest.approx(1 / 3)
    assert [e[2] for e in stats["events"]] == ["hit", "wrong", "wrong", "false alarm", "false alarm"]
    assert match_detections([], seg)["misses"] == 3
