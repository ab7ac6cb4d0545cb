"""phaselab.data.labels: the LimitedVocabularyEncoder."""

from __future__ import annotations

import numpy as np
import pytest

from phaselab.data.labels import CLASSES, UNKNOWN, LimitedVocabularyEncoder


@pytest.mark.parametrize("encoding", ["onehot", "index"])
def test_encoder_round_trip(encoding: str) -> None:
    encoder = LimitedVocabularyEncoder(CLASSES, encoding=encoding)
    labels = ["yes", "silence", "unknown", "go", "yes"]
    encoded = encoder.encode(labels)
    if encoding == "onehot":
        assert encoded.shape == (5, 12) and encoded.dtype == np.float32
        assert np.array_equal(encoded.sum(axis=1), np.ones(5))
        assert encoded[0, CLASSES.index("yes")] == 1.0
    else:
        assert encoded.dtype == np.int64
        assert encoded.tolist() == [CLASSES.index(label) for label in labels]
    assert encoder.decode(encoded) == labels


def test_encoder_maps_outside_words_to_unknown_or_refuses() -> None:
    kaggle = LimitedVocabularyEncoder(CLASSES, encoding="index")
    assert kaggle.decode(kaggle.encode(["bed", "yes", "marvin"])) == [UNKNOWN, "yes", UNKNOWN]
    closed = LimitedVocabularyEncoder(["yes", "no"])
    with pytest.raises(ValueError, match="'maybe' is not in the vocabulary"):
        closed.encode(["yes", "maybe"])
    with pytest.raises(ValueError, match="class indices"):
        closed.decode(np.array([0, 2]))
    with pytest.raises(ValueError, match="rows of 2 scores"):
        closed.decode(np.zeros((3, 5)))
    assert closed.decode(np.array([[0.2, 0.8], [0.9, 0.1]])) == ["no", "yes"]
    assert closed.encode([]).shape == (0, 2)
    with pytest.raises(ValueError, match="repeated"):
        LimitedVocabularyEncoder(["yes", "yes"])
    with pytest.raises(ValueError, match="encoding"):
        LimitedVocabularyEncoder(["yes"], encoding="binary")
