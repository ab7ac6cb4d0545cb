"""phaselab.data.labels: the Kaggle classes of a word folder."""

from __future__ import annotations

from phaselab.data.labels import CLASSES, COMMANDS, SILENCE, UNKNOWN, kaggle_label


def test_a_word_folder_maps_to_its_kaggle_class() -> None:
    assert [kaggle_label(word) for word in ("yes", "go", "marvin", "_silence_")] == ["yes", "go", UNKNOWN, SILENCE]
    assert CLASSES == (*COMMANDS, UNKNOWN, SILENCE)
