import numpy as np
import pytest

from phaselab.constants import MODEL_SAMPLES
from phaselab.studies.detector import is_speech, speech_scores
from phaselab.studies.speech_noise import random_phase_twin, training_clips
from phaselab.training.shipped import SHIPPED_DETECTOR as WEIGHTS
from phaselab.training.shipped import load_detector

HELD_OUT = 40
"""Held-out clips (test-split speakers) the shipped detector is checked on."""

MIN_ACCURACY = 0.9
"""Share of the 80 sounds (40 clips, 40 twins) it must get right.

Measured with ``python benchmarks/experiments/train_speech_detector.py`` on 1,000 examples made from the test
speakers: 0.952 of their speech scored speech and 0.996 of their twins noise
(``benchmarks/results/speech_detector.json``). The bar leaves a margin for the 40-clip subset
and for other BLAS / TensorFlow builds.
"""


@pytest.fixture(scope="module")
def held_out() -> np.ndarray:
    clips = training_clips("test")
    chosen = np.linspace(0, len(clips) - 1, HELD_OUT).round().astype(int)
    return np.stack([np.pad(clips[i], (0, MODEL_SAMPLES - len(clips[i]))) for i in chosen])


def test_the_weights_are_shipped_and_small() -> None:
    assert WEIGHTS.is_file() and WEIGHTS.stat().st_size < 2_000_000


def test_held_out_speech_is_speech_and_its_twins_are_not(held_out: np.ndarray) -> None:
    rng = np.random.default_rng(1)
    twins = np.stack([random_phase_twin(clip, rng) for clip in held_out])
    speech_p, twin_p = speech_scores(held_out), speech_scores(twins)
    accuracy = (np.sum(speech_p > 0.5) + np.sum(twin_p < 0.5)) / (2 * HELD_OUT)
    assert accuracy >= MIN_ACCURACY, (accuracy, np.round(speech_p, 2), np.round(twin_p, 2))
    assert np.median(speech_p) > 0.5 > np.median(twin_p)


def test_is_speech_agrees_with_the_batch_scores(held_out: np.ndarray) -> None:
    np.testing.assert_allclose(is_speech(held_out[0][:16000]), speech_scores(held_out[:1])[0], atol=1e-5)


def test_a_long_clip_scores_its_most_speech_like_window(held_out: np.ndarray) -> None:
    """Windows of MODEL_SAMPLES samples, hop MODEL_SAMPLES // 2, the last one flush with the end; 8 kHz input is resampled."""
    noise = 0.01 * np.random.default_rng(0).standard_normal(20000)
    long = np.concatenate([noise, held_out[0][:16000], np.zeros(12000)])
    starts = [0, 8192, 16384, 24576, len(long) - MODEL_SAMPLES]
    windows = np.stack([long[s : s + MODEL_SAMPLES] for s in starts])
    assert is_speech(long) == pytest.approx(float(speech_scores(windows).max()), abs=1e-6)
    assert 0.0 <= is_speech(held_out[0][:16000:2], sr=8000) <= 1.0


def test_bad_input_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="mono"):
        is_speech(np.zeros((2, 100)))
    with pytest.raises(ValueError, match="no speech detector"):
        load_detector(tmp_path / "missing.keras")


def _detector_script():
    """``benchmarks/experiments/train_speech_detector.py`` as a module (it trains the shipped detector)."""
    import importlib.util

    from phaselab.paths import results_dir

    spec = importlib.util.spec_from_file_location(
        "train_speech_detector", results_dir().parent / "experiments" / "train_speech_detector.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_detector_writes_a_loadable_model(tmp_path, held_out: np.ndarray) -> None:
    train_detector = _detector_script().train_detector
    with pytest.raises(ValueError, match=".keras"):
        train_detector(tmp_path / "model.h5", clips=[np.ones(16000, np.float32)])
    path = tmp_path / "detector.keras"
    model, history = train_detector(path, clips=list(held_out[:4, :16000]), n=16, epochs=1,
                                    validation_clips=list(held_out[4:6, :16000]))
    assert path.is_file() and len(history["loss"]) == 1
    reloaded = speech_scores(held_out[:2], load_detector(path))
    np.testing.assert_allclose(reloaded, speech_scores(held_out[:2], model), atol=1e-5)


def test_detector_study_sorts_the_folds_of_the_committed_results(tmp_path) -> None:
    import json

    from phaselab.paths import results_dir
    from phaselab.studies.detector import detector_study

    committed = json.loads((results_dir() / "speech_detector.json").read_text(encoding="utf-8"))
    study = detector_study()
    aucs = [fold["auc"] for fold in study["folds"]]
    assert aucs == sorted(aucs) and len(aucs) == len(committed["folds"])
    assert sorted(f["noise"] for f in study["folds"]) == sorted(f["noise"] for f in committed["folds"])
    assert study["held_out_speakers"] == committed["held_out_speakers"] and study["size_mb"] == committed["size_mb"]
    lines = study["table"].splitlines()
    assert len(lines) == 1 + len(committed["folds"])
    for line, fold in zip(lines[1:], study["folds"]):
        assert line.split() == [fold["noise"], f"{fold['caught']:.3f}", f"{fold['speech_kept']:.3f}", f"{fold['auc']:.3f}"]
    assert detector_study(tmp_path / "absent.json") is None
    (tmp_path / "no_folds.json").write_text(json.dumps({"size_mb": 1.0}))
    assert detector_study(tmp_path / "no_folds.json") is None


def test_clip_scores_pad_one_second_clips_as_is_speech_does(held_out: np.ndarray) -> None:
    from phaselab.studies.detector import clip_scores

    clips = held_out[:3, :16000]
    np.testing.assert_allclose(clip_scores(clips), [is_speech(clip) for clip in clips], atol=1e-5)
    with pytest.raises(ValueError, match="clip_scores expects"):
        clip_scores(np.zeros((2, MODEL_SAMPLES + 1)))


def test_speech_and_coherent_needs_both_detectors(held_out: np.ndarray) -> None:
    from phaselab.studies.anchors import silero_speech
    from phaselab.studies.detector import speech_and_coherent

    rng = np.random.default_rng(4)
    for clip in (held_out[1, :16000], random_phase_twin(held_out[1, :16000], rng)):
        assert speech_and_coherent(clip) == pytest.approx(min(silero_speech(clip), is_speech(clip)), abs=1e-6)


def test_is_speech_everyday_needs_all_three_above_their_own_thresholds(held_out: np.ndarray) -> None:
    from phaselab.studies.anchors import silero_speech
    from phaselab.studies.detector import MUSIC_WEIGHTS, everyday_thresholds, is_speech_everyday
    from phaselab.studies.detectors_world import rescaled

    thresholds = everyday_thresholds()
    assert set(thresholds) == {"silero", "is_speech", "is_speech_music"} and all(0 < t < 1 for t in thresholds.values())
    rng = np.random.default_rng(5)
    t = np.arange(16000) / 16000
    chord = sum(np.sin(2 * np.pi * f * t) / (k + 1) for k, f in enumerate((220, 277.2, 329.6, 440)))
    clips = [*held_out[:8, :16000], *(random_phase_twin(c, rng) for c in held_out[:4, :16000]), 0.2 * chord]
    music = load_detector(MUSIC_WEIGHTS)
    said = []
    for clip in clips:
        parts = {"silero": silero_speech(clip), "is_speech": is_speech(clip),
                 "is_speech_music": float(speech_scores(np.pad(clip, (0, MODEL_SAMPLES - len(clip)))[None], music)[0])}
        score = is_speech_everyday(clip)
        mapped = [rescaled(np.array([parts[k]]), thresholds[k])[0] for k in parts]
        assert score == pytest.approx(min(mapped), abs=1e-5)  # the smallest, each threshold mapped to 0.5
        assert (score > 0.5) == all(parts[k] > thresholds[k] for k in parts)
        said.append(score > 0.5)
    assert sum(said[:8]) >= 6 and not any(said[8:])  # most words; no twin, no chord
    from phaselab.studies.detector import everyday_scores

    batch = everyday_scores(np.stack(clips).astype(np.float32))  # the batch form a gate uses
    np.testing.assert_allclose(batch, [is_speech_everyday(c.astype(np.float32)) for c in clips], atol=1e-4)
    with pytest.raises(ValueError, match="mono"):
        is_speech_everyday(np.zeros((2, 100)))


def test_tonal_sounds_are_seeded_and_cycle_through_the_kinds() -> None:
    tonal_sounds = _detector_script().tonal_sounds
    first, second = tonal_sounds(6, 0.5, seed=2), tonal_sounds(6, 0.5, seed=2)
    assert [len(s) for s in first] == [8000] * 6
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert not np.array_equal(first[0], first[5])  # two melodies, different draws


def test_train_detector_can_add_tonal_noises(tmp_path, held_out: np.ndarray) -> None:
    train_detector = _detector_script().train_detector
    out = tmp_path / "tonal.keras"
    _, history = train_detector(out, clips=list(held_out[:4, :16000]), validation_clips=list(held_out[4:6, :16000]),
                                n=16, epochs=1, tonal=2, learning_rate=1e-4)
    assert out.is_file() and len(history["loss"]) == 1
