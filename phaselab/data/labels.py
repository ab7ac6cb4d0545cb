"""The label sets of the Speech Commands keyword task."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["LimitedVocabularyEncoder", "COMMANDS", "CLASSES", "UNKNOWN", "SILENCE", "SILENCE_FOLDERS", "WORDS_V1", "WORDS_V2", "kaggle_label"]

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


class LimitedVocabularyEncoder:
    """Labels <-> one-hot rows or class indices, for a fixed vocabulary.

    Labels outside the vocabulary become ``unknown`` when the vocabulary has an
    ``unknown`` class (so word labels can be encoded straight into the 12 Kaggle
    classes); otherwise they raise a ValueError.

    Parameters
    ----------
    vocabulary : sequence of str
        The classes, in output order (e.g. :data:`phaselab.data.labels.CLASSES`).
    encoding : {"onehot", "index"}
        ``onehot``: float32 rows of shape (n, len(vocabulary)); ``index``: int64 (n,).
    """

    def __init__(self, vocabulary: Sequence[str], encoding: str = "onehot") -> None:
        self.vocabulary: tuple[str, ...] = tuple(vocabulary)
        if not self.vocabulary:
            raise ValueError("the vocabulary is empty")
        if len(set(self.vocabulary)) != len(self.vocabulary):
            raise ValueError(f"the vocabulary has repeated labels: {self.vocabulary}")
        if encoding not in ("onehot", "index"):
            raise ValueError(f"unknown encoding {encoding!r}; expected 'onehot' or 'index'")
        self.encoding = encoding
        self._index = {label: i for i, label in enumerate(self.vocabulary)}

    def encode(self, labels: Iterable[str]) -> np.ndarray:
        """Encode labels.

        Returns
        -------
        np.ndarray
            float32, shape (n, len(vocabulary)) for ``onehot``; int64, shape (n,) for ``index``.
        """
        fallback = self._index.get(UNKNOWN)
        indices = []
        for label in labels:
            index = self._index.get(label, fallback)
            if index is None:
                raise ValueError(
                    f"label {label!r} is not in the vocabulary {self.vocabulary} (which has no {UNKNOWN!r})"
                )
            indices.append(index)
        index_array = np.asarray(indices, dtype=np.int64)
        if self.encoding == "index":
            return index_array
        return np.eye(len(self.vocabulary), dtype=np.float32)[index_array]

    def decode(self, array: np.ndarray) -> list[str]:
        """Labels from class indices (shape (n,)) or scores/one-hot rows (shape (n, V), argmax taken)."""
        array = np.asarray(array)
        if array.ndim == 2:
            if array.shape[1] != len(self.vocabulary):
                raise ValueError(f"expected rows of {len(self.vocabulary)} scores, got shape {array.shape}")
            array = array.argmax(axis=1)
        elif array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
            raise ValueError(
                f"expected integer indices of shape (n,) or scores of shape (n, V), got {array.dtype} {array.shape}"
            )
        if array.size and (array.min() < 0 or array.max() >= len(self.vocabulary)):
            raise ValueError(f"class indices must be in [0, {len(self.vocabulary)}), got {array.min()}..{array.max()}")
        return [self.vocabulary[i] for i in array.tolist()]
