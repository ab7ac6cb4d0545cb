import numpy as np
import pytest

from phaselab.display.movie import (
    AXIS_LABELS,
    VALUE_LABEL,
    crop_frames,
    parse_crop,
    phased_movie,
    phased_volume,
)
from phaselab.signal.stft import bin_frequencies, frame_times

SR = 16000


@pytest.fixture
def chirp():
    t = np.arange(SR // 4) / SR
    return (0.5 * np.sin(2 * np.pi * (300 + 4000 * t) * t)).astype(np.float32)


@pytest.mark.parametrize("text, crop", [("0:0.7", (0.0, 0.7)), (":0.5", (0.0, 0.5)), ("0.25:", (0.25, 1.0)),
                                        ("0:1", (0.0, 1.0))])
def test_parse_crop(text, crop):
    assert parse_crop(text) == crop


@pytest.mark.parametrize("text", ["0.7", "a:b", "0.5:0.2", "0:1.5", "-0.1:0.5", "1:2:3"])
def test_parse_crop_refuses_bad_crops(text):
    with pytest.raises(ValueError, match="crop"):
        parse_crop(text)


def test_crop_frames_keeps_the_fraction_and_at_least_one_frame():
    assert crop_frames(256, (0.0, 0.7)) == slice(0, 179)
    assert crop_frames(100, (0.25, 1.0)) == slice(25, 100)
    assert crop_frames(10, (0.99, 1.0)) == slice(9, 10)


def test_phased_volume_extents_put_frames_bins_and_knots_at_their_centres(chirp):
    full, _ = phased_volume(chirp)
    volume, extents = phased_volume(chirp, crop=(0.5, 1.0), n_phases=8)
    kept = crop_frames(full.shape[0], (0.5, 1.0))
    assert volume.shape == (kept.stop - kept.start, 129, 8)
    centres = [frame_times(full.shape[0])[kept], bin_frequencies(256), 2 * np.pi * np.arange(8) / 8]
    for (lo, hi), centre in zip(extents, centres):
        n = len(centre)
        assert lo + (np.arange(n) + 0.5) * (hi - lo) / n == pytest.approx(centre)


def test_sigma_sets_the_kernel_width(chirp):
    narrow, _ = phased_volume(chirp, sigma=0.2)
    wide, _ = phased_volume(chirp, sigma=2.0)
    # a narrow kernel lights fewer phase slices per bin
    assert np.mean(narrow > 0.1 * narrow.max()) < np.mean(wide > 0.1 * wide.max())


@pytest.mark.parametrize("axis, frames, slice_axes", [
    ("time", round(0.7 * 63), ("phase (rad)", "frequency (Hz)")),  # 4000 samples: 63 frames
    ("frequency", 129, ("time (s)", "phase (rad)")),
    ("phase", 6, ("time (s)", "frequency (Hz)")),
])
def test_phased_movie_along_each_axis(chirp, axis, frames, slice_axes):
    movie = phased_movie(chirp, axis, crop=(0.0, 0.7), n_phases=6, size=(320, 240))
    assert movie.n_frames == frames
    assert (movie.slice_axes.get_xlabel(), movie.slice_axes.get_ylabel()) == slice_axes
    assert movie.axis_labels == AXIS_LABELS and movie.value_label == VALUE_LABEL
    assert movie.slice_image.get_clim() == pytest.approx((0.0, np.percentile(movie.volume, 99)))


def test_phased_movie_refuses_unknown_axes_and_reducers(chirp):
    with pytest.raises(ValueError, match="axis"):
        phased_movie(chirp, "space")
    with pytest.raises(ValueError, match="reducer"):
        phased_movie(chirp, reducer="median")


def test_phased_volume_computes_only_the_kept_frames_a_chunk_at_a_time(chirp, monkeypatch):
    import phaselab.display.movie
    from phaselab.signal.encodings import phased_spectrogram

    whole = phased_spectrogram(chirp)
    kept = crop_frames(whole.shape[0], (0.3, 0.9))
    monkeypatch.setattr(phaselab.display.movie, "CHUNK_FRAMES", 7)
    volume, _ = phased_volume(chirp, crop=(0.3, 0.9))
    assert volume.dtype == np.float32
    np.testing.assert_allclose(volume, whole[kept], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("axis", ["time", "frequency", "phase"])
def test_movie_size_is_known_before_computing(chirp, axis):
    from phaselab.display.movie import movie_size

    n_frames, volume_bytes = movie_size(len(chirp), axis, (0.0, 0.5), n_phases=4)
    movie = phased_movie(chirp, axis, crop=(0.0, 0.5), n_phases=4)
    assert n_frames == movie.n_frames
    assert volume_bytes == phased_volume(chirp, (0.0, 0.5), n_phases=4)[0].nbytes


def test_a_clip_shorter_than_half_a_window_still_has_its_frame():
    volume, _ = phased_volume(np.full(10, 0.5, np.float32), n_phases=4)
    assert volume.shape == (1, 129, 4) and volume.max() > 0
    with pytest.raises(ValueError, match="mono clip with samples"):
        phased_volume(np.zeros(0, np.float32))
