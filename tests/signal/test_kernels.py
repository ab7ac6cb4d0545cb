import numpy as np
import pytest

from phaselab.signal.kernels import (
    PhaseKernel,
    chord_gaussian,
    default_sigma,
    phase_knots,
    von_mises,
    wrap_angle,
    wrapped_gaussian,
)

DPHI = np.linspace(-3 * np.pi, 3 * np.pi, 1001)


def test_chord_gaussian_is_von_mises_exactly() -> None:
    """|u - u_k|^2 = 2 - 2 cos(dphi) on the unit circle, so the chord Gaussian is von Mises."""
    for sigma in (0.2, default_sigma(10), 1.5):
        np.testing.assert_allclose(chord_gaussian(DPHI, sigma), von_mises(DPHI, 1 / sigma**2), rtol=1e-12)


def test_chord_gaussian_from_points_matches_the_original_formula() -> None:
    rng = np.random.default_rng(0)
    phi, knot, sigma = rng.uniform(-np.pi, np.pi, 50), rng.uniform(0, 2 * np.pi, 50), 0.5
    u, u_k = np.exp(1j * phi), np.exp(1j * knot)
    original = np.exp(-0.5 * np.abs(u - u_k) ** 2 / sigma**2)
    np.testing.assert_allclose(chord_gaussian(phi - knot, sigma), original, rtol=1e-12)


@pytest.mark.parametrize("kernel", [PhaseKernel("chord", 0.5), PhaseKernel("von_mises", 4.0), PhaseKernel("wrapped_gaussian", 0.5)])
def test_kernels_peak_at_zero_and_are_periodic_and_even(kernel: PhaseKernel) -> None:
    values = kernel(DPHI)
    assert kernel(np.array(0.0)) == pytest.approx(1.0)
    assert values.max() <= 1 + 1e-12 and values.min() > 0
    np.testing.assert_allclose(kernel(DPHI + 2 * np.pi), values, atol=1e-12)
    np.testing.assert_allclose(kernel(-DPHI), values, atol=1e-12)
    assert kernel(np.array(np.pi)) < kernel(np.array(np.pi / 4))


def test_wrapped_gaussian_is_a_gaussian_for_narrow_width() -> None:
    dphi = np.linspace(-1, 1, 11)
    np.testing.assert_allclose(wrapped_gaussian(dphi, 0.3), np.exp(-(dphi**2) / (2 * 0.3**2)), atol=1e-12)


def test_wrap_angle_and_knots() -> None:
    np.testing.assert_allclose(wrap_angle(np.array([np.pi, 3 * np.pi / 2, -np.pi / 2])), [-np.pi, -np.pi / 2, -np.pi / 2])
    np.testing.assert_allclose(phase_knots(4), [0, np.pi / 2, np.pi, 3 * np.pi / 2])
    assert default_sigma(10) == pytest.approx(0.8 * 2 * np.pi / 10)
    with pytest.raises(ValueError):
        phase_knots(0)


@pytest.mark.parametrize("name, width", [("gauss", 1.0), ("chord", 0.0), ("von_mises", -1.0)])
def test_phase_kernel_refuses_bad_settings(name: str, width: float) -> None:
    with pytest.raises(ValueError):
        PhaseKernel(name, width)
