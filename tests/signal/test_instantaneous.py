import numpy as np
import pytest

from phaselab.signal.instantaneous import frequency_deviation
from phaselab.signal.stft import stft


@pytest.mark.parametrize("framing", ["tf", "full"])
def test_tone_deviation_from_neighbouring_bins(framing):
    t = np.arange(16000) / 16000
    spec = stft(np.sin(2 * np.pi * 1020 * t), 256, 64, framing=framing)
    deviation = frequency_deviation(spec, 64)
    assert deviation.shape == (spec.shape[0] - 1, 129)
    middle = deviation[20:-20]
    # bins 15, 16, 17 are centred at 937.5, 1000 and 1062.5 Hz
    np.testing.assert_allclose(middle[:, 15:18].mean(axis=0), [82.5, 20.0, -42.5], atol=0.01)


def test_bad_input():
    with pytest.raises(ValueError, match="complex"):
        frequency_deviation(np.ones((4, 5)))
    with pytest.raises(ValueError, match="2 frames"):
        frequency_deviation(np.ones((1, 5), dtype=complex))
