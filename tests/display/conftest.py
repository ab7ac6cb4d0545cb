"""Fixtures shared by the tests of phaselab.display's modules."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from phaselab import SAMPLE_RATE as SR


@pytest.fixture
def tone():
    """Half a second of a 1020 Hz sine, float32."""
    t = np.arange(SR // 2) / SR
    return (0.5 * np.sin(2 * np.pi * 1020 * t)).astype(np.float32)


@pytest.fixture
def close_figures():
    """Close every figure after the test (a test module asks for it with ``pytestmark``)."""
    yield
    plt.close("all")
