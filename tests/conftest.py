"""Shared fixtures: the repository's bundled sample clips."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from phaselab.signal.audio import read_wav

REPO = Path(__file__).resolve().parents[1]
# the helper modules in tests/helpers (keyword_tree, chromium, ...) import from any test folder
sys.path.insert(0, str(Path(__file__).resolve().parent / "helpers"))


@pytest.fixture(scope="session")
def speech() -> np.ndarray:
    """One second of clean synthesised speech: the espeak-ng "marvin" sample, float32, 16 kHz.

    The chapters' ``data/samples/marvin.wav`` is a real recording; the unit tests keep the
    clean, loud synthetic one, whose properties (level, harmonics) they were written for.
    """
    return read_wav(REPO / "data" / "samples" / "espeak" / "marvin.wav", length=16384)


def pytest_terminal_summary(terminalreporter) -> None:
    """List the screenshots the browser tests saved (tests/helpers/chromium.py)."""
    chromium = sys.modules.get("chromium")
    if chromium is not None and chromium.SHOTS:
        terminalreporter.section("browser screenshots")
        for path in chromium.SHOTS:
            terminalreporter.write_line(str(path))
