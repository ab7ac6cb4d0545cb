"""The label sets of the Speech Commands keyword task."""

from __future__ import annotations

__all__ = ["COMMANDS", "CLASSES", "UNKNOWN", "SILENCE", "SILENCE_FOLDERS", "WORDS_V1", "WORDS_V2", "kaggle_label"]

COMMANDS: tuple[str, ...] = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
"""The ten command words of the Kaggle challenge."""

UNKNOWN = "unknown"
SILENCE = "silence"

CLASSES: tuple[str, ...] = COMMANDS + (UNKNOWN, SILENCE)
"""The twelve classes of the Kaggle challenge, in the order models output them."""

WORDS_V1: tuple[str, ...] = COMMANDS + (
    "bed", "bird", "cat", "dog", "eight", "five", "four", "happy", "house", "marvin",
    "nine", "one", "seven", "sheila", "six", "three", "tree", "two", "wow", "zero",
)
"""The 30 words of Speech Commands v0.01."""

WORDS_V2: tuple[str, ...] = WORDS_V1 + ("backward", "follow", "forward", "learn", "visual")
"""The 35 words of Speech Commands v0.02."""

SILENCE_FOLDERS = ("_silence_",)
"""Word folders whose clips count as silence (``phaselab evaluate`` trees)."""


def kaggle_label(word: str) -> str:
    """Map a word folder to its Kaggle class: a command, ``silence`` or ``unknown``."""
    if word in COMMANDS:
        return word
    if word in SILENCE_FOLDERS:
        return SILENCE
    return UNKNOWN
