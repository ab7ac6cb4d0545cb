"""Fixtures shared by the tests of phaselab.data's modules."""

from __future__ import annotations

import numpy as np
import pytest

from phaselab import SAMPLE_RATE


@pytest.fixture
def clip(speech: np.ndarray) -> np.ndarray:
    """The first second of the ``speech`` sample."""
    return speech[:SAMPLE_RATE]
