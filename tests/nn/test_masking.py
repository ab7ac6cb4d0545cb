"""phaselab.nn.masking: the SpectralMasks layer."""

import keras
import numpy as np
import pytest

from phaselab.nn.masking import SpectralMasks


def _runs(flags: np.ndarray) -> list[int]:
    """Lengths of the runs of True in a 1-D boolean array."""
    edges = np.diff(np.concatenate([[0], flags.astype(int), [0]]))
    return list(np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1))


def test_spectral_masks_zero_whole_bands_in_training_only() -> None:
    layer = SpectralMasks(time_masks=2, max_frames=10, freq_masks=2, max_bins=6, seed=3)
    x = np.random.default_rng(0).uniform(1.0, 2.0, (16, 64, 40, 3)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), x)
    y = keras.ops.convert_to_numpy(layer(x, training=True))
    zero = y == 0
    np.testing.assert_array_equal(y[~zero], x[~zero])
    assert (zero == zero[..., :1]).all()  # trailing axes masked alike
    masked = 0
    for example in zero[..., 0]:
        frames, bins = example.all(axis=1), example.all(axis=0)
        np.testing.assert_array_equal(example, frames[:, None] | bins[None, :])
        for flags, widest in ((frames, 10), (bins, 6)):
            runs = _runs(flags)
            assert len(runs) <= 2 and sum(runs) <= 2 * widest
        masked += int(frames.any()) + int(bins.any())
    assert masked >= 24  # most examples lose a band along each axis (a band may be 0 wide)


def test_spectral_masks_are_seeded_and_switch_off() -> None:
    x = np.ones((4, 32, 20), "float32")
    first = keras.ops.convert_to_numpy(SpectralMasks(seed=7)(x, training=True))
    again = keras.ops.convert_to_numpy(SpectralMasks(seed=7)(x, training=True))
    np.testing.assert_array_equal(first, again)
    off = SpectralMasks(time_masks=0, freq_masks=0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(off(x, training=True)), x)
    config = SpectralMasks(1, 5, 3, 4, seed=2).get_config()
    assert {k: config[k] for k in ("time_masks", "max_frames", "freq_masks", "max_bins", "seed")} == {
        "time_masks": 1, "max_frames": 5, "freq_masks": 3, "max_bins": 4, "seed": 2}
    with pytest.raises(ValueError, match="max_bins"):
        SpectralMasks(max_bins=-1)
