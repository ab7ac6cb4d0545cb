import numpy as np
import pytest

from phaselab.constants import MODEL_SAMPLES
from phaselab.signal.reconstruction import spectral_convergence
from phaselab.signal.stft import stft
from phaselab.studies.speech_noise import (
    KINDS,
    make_speech_noise_examples,
    make_speech_noise_set,
    random_phase_twin,
    shaped_noise,
    training_clips,
    twin_closeness,
)


@pytest.fixture(scope="module")
def clips(speech: np.ndarray) -> list[np.ndarray]:
    """Two one-second speech clips: the bundled sample and a shifted, quieter copy."""
    return [speech[:16000], 0.3 * np.roll(speech, 4000)[:16000]]


def test_the_set_is_deterministic_and_labelled(clips: list[np.ndarray]) -> None:
    audio, labels = make_speech_noise_set(clips, 40, seed=3)
    again, same_labels = make_speech_noise_set(clips, 40, seed=3)
    np.testing.assert_array_equal(audio, again)
    np.testing.assert_array_equal(labels, same_labels)
    assert audio.shape == (40, MODEL_SAMPLES) and audio.dtype == np.float32
    assert labels.sum() == 20  # half speech
    other, _ = make_speech_noise_set(clips, 40, seed=4)
    assert not np.array_equal(audio, other)


def test_kinds_follow_the_mix_and_the_padding_is_shared(clips: list[np.ndarray]) -> None:
    audio, kinds = make_speech_noise_examples(clips, 40, seed=0)
    assert np.bincount(kinds, minlength=len(KINDS)).tolist() == [20, 10, 4, 4, 2]
    assert (audio[:, 16000:] == 0).all()  # every kind is one second, then padded: the tail tells nothing
    rms = np.sqrt(np.mean(audio[:, :16000] ** 2, axis=1))
    silent = kinds == KINDS.index("silence")
    assert rms[~silent].min() > 0.0029 and rms[silent].max() < 1.01e-3
    only_twins, twin_kinds = make_speech_noise_examples(clips, 5, seed=0, mix=(0, 1, 0, 0, 0))
    assert (twin_kinds == 1).all() and np.abs(only_twins).max() > 0


def test_the_noise_kind_cuts_the_recordings_it_is_given(clips: list[np.ndarray]) -> None:
    """With recordings, each noise example is a segment of one of them (at a random level); without, coloured noise."""
    recording = np.sin(2 * np.pi * 440 * np.arange(48000) / 16000).astype(np.float32)
    audio, kinds = make_speech_noise_examples(clips, 6, seed=1, mix=(0, 0, 0, 1, 0), noises=[recording])
    assert (kinds == KINDS.index("noise")).all()
    spectrum = np.abs(np.fft.rfft(audio[:, :16000], axis=1))
    assert (np.argmax(spectrum, axis=1) == 440).all()  # a 440 Hz tone: 1 Hz bins over one second
    coloured, _ = make_speech_noise_examples(clips, 6, seed=1, mix=(0, 0, 0, 1, 0))
    assert not (np.argmax(np.abs(np.fft.rfft(coloured[:, :16000], axis=1)), axis=1) == 440).all()


def test_twins_keep_most_of_the_magnitude_and_little_of_the_waveform(speech: np.ndarray) -> None:
    """Measured on "marvin": spectral convergence about 0.4 on the feature STFT (window 256, hop 64)."""
    rng = np.random.default_rng(0)
    twin = random_phase_twin(speech, rng)
    convergence = spectral_convergence(stft(speech), stft(twin))
    assert 0.2 < convergence < 0.55
    assert abs(np.corrcoef(speech, twin)[0, 1]) < 0.3  # measured 0.12
    noise = shaped_noise(speech, rng)
    assert spectral_convergence(stft(speech), stft(noise)) > convergence  # the noise adds its own fluctuations


def test_twin_closeness_reports_per_clip(clips: list[np.ndarray]) -> None:
    closeness = twin_closeness(clips, seed=0)
    assert closeness.spectral_convergence.shape == (2,)
    assert (closeness.log_magnitude_gap < closeness.log_magnitude_spread).all()
    assert ((closeness.rms_ratio > 0.7) & (closeness.rms_ratio < 1.0)).all()


def test_bad_arguments_are_refused(clips: list[np.ndarray]) -> None:
    with pytest.raises(ValueError, match="at least one speech clip"):
        make_speech_noise_set([], 4, 0)
    with pytest.raises(ValueError, match="n must be"):
        make_speech_noise_set(clips, 0, 0)
    with pytest.raises(ValueError, match="mix"):
        make_speech_noise_set(clips, 4, 0, mix=(1, 1))
    with pytest.raises(ValueError, match="non-silent mono"):
        make_speech_noise_set([np.zeros(16000)], 4, 0)


def test_the_real_noise_recordings_are_split_by_file() -> None:
    from phaselab.studies.speech_noise import (
        NOISE_SPLITS,
        noise_recordings,
        noise_split,
    )

    recordings = noise_recordings()
    assert len(recordings) == 13 and all(audio.ndim == 1 and len(audio) > 16000 for audio in recordings.values())
    held = [name for names in NOISE_SPLITS.values() for name in names]
    assert len(held) == len(set(held)) and set(held) < set(recordings)
    counts = {split: len(noise_split(split, recordings)) for split in ("train", "validation", "test")}
    assert counts == {"train": 13 - len(held), "validation": 2, "test": 3}
    with pytest.raises(ValueError, match="unknown split"):
        noise_split("dev", recordings)


def test_training_clips_are_real_speech_without_silence() -> None:
    from phaselab.data.speech_commands import SpeechCommands, resolve_data_root

    tree = SpeechCommands(resolve_data_root("real"))
    speech = [c for c in tree.clips("validation") if c.label != "silence"]
    clips = training_clips("validation")
    assert len(clips) == len(speech) < len(tree.clips("validation"))
