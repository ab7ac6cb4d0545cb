"""A trained speech detector: is this sound speech, or noise with a speech-like spectrum?

:func:`is_speech` scores a clip with the model shipped in ``phaselab/weights/speech_detector.keras``
(:data:`phaselab.training.shipped.SHIPPED_DETECTOR`), trained by ``train_detector`` (run
``python benchmarks/experiments/train_speech_detector.py``) on the speech-or-noise task of
:mod:`phaselab.studies.speech_noise`, made from the *training* speakers of the bundled real set and
its real background-noise recordings (:func:`noise_recordings`).
Its noise class includes each clip's random-phase twin, which has nearly the same
magnitude spectrogram (how nearly: :func:`phaselab.studies.speech_noise.twin_closeness`). The
detector is a :func:`phaselab.nn.encoding_nets.encoding_model` over
:data:`DETECTOR_ENCODING`, log-magnitude plus instantaneous frequency; chapter 06
(notebooks/06_speech_or_noise.ipynb) compares it with a magnitude-only model.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import keras
import numpy as np
from scipy.signal import resample_poly

from phaselab import SAMPLE_RATE
from phaselab.constants import MODEL_SAMPLES
from phaselab.studies.speech_noise_models import speech_probability
from phaselab.training.shipped import SHIPPED_DETECTOR, load_detector

__all__ = ["is_speech", "speech_scores", "clip_scores", "speech_and_coherent", "TONAL_WEIGHTS", "MUSIC_WEIGHTS", "TONAL_MIX",
           "DETECTOR_ENCODING", "detector_study", "EVERYDAY_THRESHOLDS", "everyday_thresholds", "is_speech_everyday",
           "everyday_scores"]

TONAL_WEIGHTS = SHIPPED_DETECTOR.parent / "speech_detector_tonal.keras"
"""The same model trained with synthetic tonal sounds (music, strings, chirps...) among its noises, made by
``python benchmarks/experiments/train_speech_detector.py --tonal 60 --no-folds --out
phaselab/weights/speech_detector_tonal.keras --results benchmarks/results/speech_detector_tonal.json``
(``tonal=60``, ``mix=TONAL_MIX``, 2,000 examples, 12 epochs, seed 0). Chapter 06, section 6 measures it
(``benchmarks/results/detectors_world.json``): it rejects more everyday sounds than :func:`is_speech` but
fewer twins. Not the default detector."""

MUSIC_WEIGHTS = SHIPPED_DETECTOR.parent / "speech_detector_music.keras"
"""The same model trained with rendered instrument music (FluidSynth, General MIDI), tonal sounds and real sound
effects of animals and crafts (:func:`phaselab.data.everyday.effect_sounds`) among its noises, made by ``python
benchmarks/experiments/train_speech_detector.py --tonal 100 --music 200 --effects --n 4000 --epochs 16 --no-folds
--seed 2 --out phaselab/weights/speech_detector_music.keras --results benchmarks/results/speech_detector_music.json``
(``mix=TONAL_MIX``). Of six candidates (that recipe and the one without ``--effects``, seeds 0 to 2), the one whose
thresholds in :func:`is_speech_everyday` took the least validation non-speech (``benchmarks/FINDINGS.md``, 1.5b).
Chapter 06, section 6 measures it. Not the default detector: a part of :func:`is_speech_everyday`."""

TONAL_MIX = (0.5, 0.15, 0.05, 0.25, 0.05)
"""Its mix of :data:`~phaselab.studies.speech_noise.KINDS`: more of the ``noise`` kind, which holds the tonal sounds."""


DETECTOR_ENCODING = "mag_if"
"""Features of the shipped detector: log-magnitude and instantaneous frequency."""


def speech_scores(audio: np.ndarray, model: keras.Model | None = None, batch_size: int = 64) -> np.ndarray:
    """Probability of speech for a batch of 16 kHz clips of :data:`~phaselab.constants.MODEL_SAMPLES` samples.

    Parameters
    ----------
    audio : np.ndarray, shape (n, samples), float
    model : keras.Model, optional
        Default the shipped detector.

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    return speech_probability(model or load_detector(), audio, batch_size)


def clip_scores(audio: np.ndarray, model: keras.Model | None = None) -> np.ndarray:
    """:func:`is_speech` of every clip of a batch of 16 kHz clips up to :data:`~phaselab.constants.MODEL_SAMPLES` long.

    Parameters
    ----------
    audio : np.ndarray, shape (n, samples), float
        ``samples`` at most ``MODEL_SAMPLES``; each clip is zero-padded to it, as :func:`is_speech` pads one.
    model : keras.Model, optional
        Default the shipped detector.

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    audio = np.asarray(audio, np.float32)
    if audio.ndim != 2 or audio.shape[1] > MODEL_SAMPLES:
        raise ValueError(f"clip_scores expects clips of shape (n, samples <= {MODEL_SAMPLES}), got {audio.shape}")
    return speech_scores(np.pad(audio, ((0, 0), (0, MODEL_SAMPLES - audio.shape[1]))), model)


def speech_and_coherent(audio: np.ndarray, sr: int = SAMPLE_RATE) -> float:
    """Speech by a magnitude detector *and* by the phase-aware one: the smaller of Silero VAD's score and :func:`is_speech`.

    Silero VAD (:func:`phaselab.studies.anchors.silero_speech`) sees only magnitudes: it knows speech's
    spectral shapes from music's, but takes a random-phase twin for speech. :func:`is_speech` sees phase
    too: it rejects the twins, but takes most coherent sounds (music, instruments) for speech. A clip
    counts as speech here only if both say so. Chapter 06 measures it (section 6).

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        Mono clip, any level and length (as :func:`is_speech` takes it).
    sr : int
        Its sample rate in Hz.

    Returns
    -------
    float
        In [0, 1]; above 0.5 means speech.

    Examples
    --------
    >>> speech_and_coherent(np.zeros(16000)) < 0.5
    True
    """
    from phaselab.studies.anchors import silero_speech

    return min(silero_speech(audio, sr), is_speech(audio, sr))


EVERYDAY_THRESHOLDS = SHIPPED_DETECTOR.parent / "speech_detector_everyday.json"
"""The thresholds of :func:`is_speech_everyday` (``{"thresholds": {part: threshold}, ...}``), chosen on validation
material and written by ``python benchmarks/experiments/detectors_world.py --ship`` (the ``all_three_music_neg``
row of chapter 06's table)."""


def everyday_thresholds(path: str | os.PathLike | None = None) -> dict[str, float]:
    """The three thresholds of :func:`is_speech_everyday`: ``{"silero", "is_speech", "is_speech_music"}`` -> score.

    Parameters
    ----------
    path : path-like, optional
        Default :data:`EVERYDAY_THRESHOLDS`.

    Examples
    --------
    >>> sorted(everyday_thresholds())
    ['is_speech', 'is_speech_music', 'silero']
    """
    import json

    return {k: float(v) for k, v in json.loads(Path(path or EVERYDAY_THRESHOLDS).read_text())["thresholds"].items()}


def is_speech_everyday(audio: np.ndarray, sr: int = SAMPLE_RATE) -> float:
    """Speech by magnitude, by phase *and* by a detector that heard music and animals: phaselab's detector for the world.

    A clip is speech only if all three say so, each above its own threshold (:func:`everyday_thresholds`):
    Silero VAD (:func:`phaselab.studies.anchors.silero_speech`, magnitude: tells speech from music, but takes a
    random-phase twin for speech), :func:`is_speech` (phase: rejects the twins, takes every resonator for
    speech) and the same network trained with instrument music, tonal sounds and real sound effects among its
    noises (:data:`MUSIC_WEIGHTS`). The thresholds were chosen on validation speakers, their twins and
    validation non-speech (``choose_thresholds_against``), never on the sounds chapter 06 reports; its table
    says what this detector (``all_three_music_neg``) does on held-out speakers, twins and everyday sounds.

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        Mono clip, any level; made for clips of about a second (a longer one is scored by each detector's most
        speech-like window, as :func:`is_speech` does).
    sr : int
        Its sample rate in Hz.

    Returns
    -------
    float
        In [0, 1]; above 0.5 means speech: the smallest of the three scores, each first mapped so that its
        threshold lands on 0.5 (:func:`phaselab.studies.detectors_world.rescaled`).

    Examples
    --------
    >>> is_speech_everyday(np.zeros(16000)) < 0.5
    True
    """
    from phaselab.studies.anchors import silero_speech

    windows = _windows(audio, sr, "is_speech_everyday")
    parts = {"silero": silero_speech(audio, sr), "is_speech": float(speech_scores(windows).max()),
             "is_speech_music": float(speech_scores(windows, load_detector(MUSIC_WEIGHTS)).max())}
    return float(_all_three(parts)[0])


def everyday_scores(audio: np.ndarray) -> np.ndarray:
    """:func:`is_speech_everyday` of every clip of a batch of 16 kHz clips up to :data:`~phaselab.constants.MODEL_SAMPLES` long.

    For a gate in front of a keyword model (``benchmarks/experiments/false_alarms.py``) and for tables: the three
    parts score the whole batch at once.

    Parameters
    ----------
    audio : np.ndarray, shape (n, samples), float
        ``samples`` at most ``MODEL_SAMPLES``; zero-padded as :func:`clip_scores` pads.

    Returns
    -------
    np.ndarray, shape (n,), float64
        In [0, 1]; above 0.5 means speech.

    Examples
    --------
    >>> everyday_scores(np.zeros((2, 16000))).tolist() == [is_speech_everyday(np.zeros(16000))] * 2
    True
    """
    from phaselab.studies.anchors import silero_scores

    audio = np.asarray(audio, np.float32)
    return _all_three({"silero": silero_scores(audio), "is_speech": clip_scores(audio),
                       "is_speech_music": clip_scores(audio, load_detector(MUSIC_WEIGHTS))})


def _all_three(parts: dict[str, Any]) -> np.ndarray:
    """The three parts' scores combined at the shipped thresholds, as chapter 06's ``all_three_music_neg``."""
    from phaselab.studies.detectors_world import with_combined

    name = "all_three_music_neg"
    scores = {part: {"x": np.atleast_1d(np.asarray(value, np.float64))} for part, value in parts.items()}
    return with_combined(scores, {name: everyday_thresholds()})[name]["x"]


def _windows(audio: np.ndarray, sr: int, name: str) -> np.ndarray:
    """A clip at 16 kHz as windows of MODEL_SAMPLES (zero-padded, or cut with hop half a window)."""
    audio = np.asarray(audio, dtype=np.float64)
    if audio.ndim != 1 or audio.size == 0:
        raise ValueError(f"{name} expects a non-empty mono clip of shape (n,), got shape {audio.shape}")
    if sr != SAMPLE_RATE:
        divisor = np.gcd(int(sr), SAMPLE_RATE)
        audio = resample_poly(audio, SAMPLE_RATE // divisor, int(sr) // divisor)
    if len(audio) <= MODEL_SAMPLES:
        return np.pad(audio, (0, MODEL_SAMPLES - len(audio)))[None]
    starts = list(range(0, len(audio) - MODEL_SAMPLES + 1, MODEL_SAMPLES // 2))
    if starts[-1] != len(audio) - MODEL_SAMPLES:
        starts.append(len(audio) - MODEL_SAMPLES)
    return np.stack([audio[s : s + MODEL_SAMPLES] for s in starts])


def is_speech(audio: np.ndarray, sr: int = SAMPLE_RATE) -> float:
    """Probability that a clip is speech rather than noise, by the shipped detector.

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        Mono clip, any level. Resampled to 16 kHz if ``sr`` differs. A clip up to
        :data:`~phaselab.constants.MODEL_SAMPLES` samples is zero-padded; a longer one is cut
        into windows of that length, hop half of it, and the most speech-like window counts.
    sr : int
        Its sample rate in Hz.

    Returns
    -------
    float
        In [0, 1]; above 0.5 means speech.
    """
    return float(speech_scores(_windows(audio, sr, "is_speech")).max())


def detector_study(path: str | os.PathLike | None = None) -> dict[str, Any] | None:
    """The shipped detector's leave-one-noise-out study read back, with the table chapter 06 shows.

    Parameters
    ----------
    path : path-like, optional
        A results file of ``benchmarks/experiments/train_speech_detector.py``; by default the committed one,
        ``benchmarks/results/speech_detector.json`` (:func:`phaselab.paths.results_dir`).

    Returns
    -------
    dict or None
        None when there are no results (or none of the script's ``leave_one_noise_out``); else the
        file's entries (``held_out_speakers``: the shipped detector's scores on held-out
        speakers; ``size_mb``: its file size in MB; ...) with ``folds`` sorted by ROC AUC,
        hardest first (per fold: the recording left out, the share of its examples ``caught``
        as noise, ``speech_kept``, ``auc``), and ``table``: one line per fold.

    Examples
    --------
    >>> study = detector_study()
    >>> study["table"].splitlines()[0].split()
    ['left', 'out', 'caught', 'speech', 'kept', 'ROC', 'AUC']

    Notebook: ``06_speech_or_noise`` (section 5).
    """
    from phaselab.paths import results_dir
    from phaselab.studies.speech_noise_models import load_results

    detector = load_results(results_dir() / "speech_detector.json" if path is None else path)
    if detector is None or "folds" not in detector:
        return None
    folds = sorted(detector["folds"], key=lambda fold: fold["auc"])
    lines = [f"{'left out':<26}{'caught':>8}{'speech kept':>13}{'ROC AUC':>9}"]
    lines += [f"{fold['noise']:<26}{fold['caught']:>8.3f}{fold['speech_kept']:>13.3f}{fold['auc']:>9.3f}" for fold in folds]
    return {**detector, "folds": folds, "table": "\n".join(lines)}

