"""phaselab.data.espeak: placing a spoken word in a one-second clip."""

from __future__ import annotations

import numpy as np
import pytest

from phaselab.data.espeak import place_word


def test_place_word_puts_the_word_where_it_fits_over_noise_of_the_asked_level() -> None:
    word = np.ones(4000, dtype=np.float32)
    rng = np.random.default_rng(0)
    offsets = []
    for _ in range(50):
        clip = place_word(word, rng, 16000, noise_dbfs=-40.0)
        assert clip.shape == (16000,) and clip.dtype == np.float32
        start = int(np.argmax(clip > 0.5))
        offsets.append(start)
        assert np.all(clip[start : start + 4000] > 0.5)
        rest = np.concatenate([clip[:start], clip[start + 4000 :]])
        if rest.size > 2000:
            assert np.sqrt(np.mean(rest**2)) == pytest.approx(0.01, rel=0.15)
    assert min(offsets) < 2000 and max(offsets) > 10000


def test_place_word_without_rng_centres_a_clean_word_and_rejects_long_ones() -> None:
    clip = place_word(np.ones(6000, dtype=np.float32), None, 16000)
    assert np.flatnonzero(clip).tolist() == list(range(5000, 11000))
    with pytest.raises(ValueError, match="does not fit"):
        place_word(np.ones(16001, dtype=np.float32), None, 16000)
