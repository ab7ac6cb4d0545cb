"""phaselab.book.solutions_signal: the helpers of the signal chapters' solutions."""

from __future__ import annotations

import numpy as np

from phaselab.book.solutions_signal import (
    iterations_to_reach,
    pulse_period,
    recentre_phase,
)


def test_iterations_to_reach_and_pulse_period():
    assert iterations_to_reach(np.array([0.5, 0.2]), 0.1) is None
    assert iterations_to_reach(np.array([0.05]), 0.1) == 1
    clicks = np.zeros(3000)
    clicks[::150] = 1
    assert pulse_period(clicks) == 150


def test_recentre_phase_is_a_half_frame_delay():
    spec = np.ones((2, 5), complex)
    np.testing.assert_allclose(recentre_phase(spec), [[1, -1, 1, -1, 1]] * 2, atol=1e-12)
