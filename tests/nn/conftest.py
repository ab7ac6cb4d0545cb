"""Fixtures shared by the tests of phaselab.nn's modules."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def batch(speech: np.ndarray) -> np.ndarray:
    """The speech sample and a quiet noise clip, a (2, 16384) float32 batch."""
    rng = np.random.default_rng(1)
    return np.stack([speech, 0.05 * rng.standard_normal(len(speech))]).astype(np.float32)
