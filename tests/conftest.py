"""Shared fixtures: the repository's bundled sample clips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phaselab.audio import read_wav

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def speech() -> np.ndarray:
    """One second of real (synthesised) speech: the bundled "marvin" sample, float32, 16 kHz."""
    return read_wav(REPO / "data" / "samples" / "marvin.wav", length=16384)
