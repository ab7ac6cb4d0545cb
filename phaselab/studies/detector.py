"""A trained speech detector: is this sound speech, or noise with a speech-like spectrum?

:func:`is_speech` scores a clip with the model shipped in ``phaselab/weights/speech_detector.keras``
(:data:`phaselab.training.shipped.SHIPPED_DETECTOR`), trained by :func:`train_detector` (run
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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
from scipy.signal import resample_poly

from phaselab import SAMPLE_RATE
from phaselab.atomic import atomic_path
from phaselab.constants import MODEL_SAMPLES
from phaselab.studies.speech_noise import (
    KINDS,
    make_speech_noise_examples,
    make_speech_noise_set,
    noise_recordings,
    training_clips,
)
from phaselab.studies.speech_noise_models import fit_speech_noise, speech_probability
from phaselab.training.shipped import SHIPPED_DETECTOR, load_detector
from phaselab.training.scores import roc_auc

__all__ = ["is_speech", "speech_scores", "train_detector", "leave_one_noise_out", "DETECTOR_ENCODING", "detector_study"]


DETECTOR_ENCODING = "mag_if"
"""Features of the shipped detector: log-magnitude and instantaneous frequency."""


def train_detector(
    out: str | os.PathLike = SHIPPED_DETECTOR,
    clips: Sequence[np.ndarray] | None = None,
    n: int = 2000,
    epochs: int = 12,
    seed: int = 0,
    noises: Sequence[np.ndarray] | None = None,
    validation_clips: Sequence[np.ndarray] | None = None,
) -> tuple[keras.Model, dict[str, list[float]]]:
    """Train the speech detector on training-speaker clips and save it to ``out``.

    :func:`~phaselab.studies.speech_noise_models.fit_speech_noise` trains it on ``n`` examples
    for ``epochs`` epochs; the model after the last epoch is saved. (The shipped detector was
    trained by the same recipe before it ran through :func:`~phaselab.training.loop.train`:
    Keras's own shuffling, no validation set.)

    Parameters
    ----------
    out : path-like
        A ``.keras`` file, written atomically.
    clips : sequence of np.ndarray, optional
        Speech clips; default the training speakers of the bundled real set.
    noises : sequence of np.ndarray, optional
        Background recordings of the ``noise`` kind; default all of the bundled real set's.
    n : int
        Examples in the training set (:func:`~phaselab.studies.speech_noise.make_speech_noise_set`).
    epochs, seed : int
    validation_clips : sequence of np.ndarray, optional
        Speech of the ``n // 4`` validation examples (scored after each epoch, not used to
        choose the model); default the validation speakers of the bundled real set.

    Returns
    -------
    The model and its history (:class:`~phaselab.training.config.TrainResult`'s).
    """
    import tempfile

    out = Path(out)
    if out.suffix != ".keras":
        raise ValueError(f"{out}: the detector is saved as a .keras file")
    clips = training_clips() if clips is None else clips
    validation_clips = training_clips("validation") if validation_clips is None else validation_clips
    noises = list(noise_recordings().values()) if noises is None else noises
    examples = make_speech_noise_set(clips, n, seed, noises=noises)
    validation = make_speech_noise_set(validation_clips, max(2, n // 4), seed + 1, noises=noises)
    with tempfile.TemporaryDirectory(prefix="phaselab-detector-") as run_dir:
        fitted = fit_speech_noise(DETECTOR_ENCODING, examples, validation, Path(run_dir) / "run", epochs, seed=seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        fitted.model.save(tmp)
    load_detector.cache_clear()
    return fitted.model, fitted.history


def leave_one_noise_out(
    n: int = 1000, epochs: int = 8, test_clips: int = 300, seed: int = 0, verbose: bool = True,
) -> list[dict[str, Any]]:
    """Does the detector catch a kind of noise it never heard? One fold per background recording.

    Each fold trains the detector's model (:data:`DETECTOR_ENCODING`, :func:`fit_speech_noise`)
    on examples made from the training speakers with every recording but one (validated on
    ``n // 4`` made from the validation speakers), then scores
    ``test_clips`` clips of the test speakers and as many segments of the left-out recording
    (at the same random levels as in training).

    Returns
    -------
    list of dict
        Per recording (sorted by name): ``noise``, ``caught`` (share of its segments scored as
        noise), ``speech_kept`` (share of held-out speech scored as speech), ``accuracy`` and
        ``auc`` (:func:`~phaselab.training.scores.roc_auc`, speech against that noise), ``seconds``.
    """
    import tempfile
    import time

    recordings = noise_recordings()
    train_speech, validation_speech, test_speech = (training_clips(split) for split in ("train", "validation", "test"))
    folds = []
    for i, held in enumerate(recordings):
        start = time.perf_counter()
        others = [audio for name, audio in recordings.items() if name != held]
        with tempfile.TemporaryDirectory(prefix="phaselab-fold-") as run_dir:
            model = fit_speech_noise(DETECTOR_ENCODING, make_speech_noise_set(train_speech, n, seed + i, noises=others),
                                     make_speech_noise_set(validation_speech, max(2, n // 4), seed + 50 + i, noises=others),
                                     Path(run_dir) / "run", epochs, seed=seed).model
        audio, kinds = make_speech_noise_examples(test_speech, 2 * test_clips, seed + 100 + i,
                                                  mix=(0.5, 0.0, 0.0, 0.5, 0.0), noises=[recordings[held]])
        scores = speech_scores(audio, model)
        speech = kinds == KINDS.index("speech")
        fold = {"noise": held, "caught": float(np.mean(scores[~speech] < 0.5)),
                "speech_kept": float(np.mean(scores[speech] > 0.5)),
                "accuracy": float(np.mean((scores > 0.5) == speech)), "auc": roc_auc(scores, speech),
                "seconds": time.perf_counter() - start}
        folds.append(fold)
        if verbose:
            print(f"left out {held:<26} caught {fold['caught']:.3f}  speech kept {fold['speech_kept']:.3f}  "
                  f"AUC {fold['auc']:.3f}  {fold['seconds']:.0f} s", flush=True)
    return folds


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
    audio = np.asarray(audio, dtype=np.float64)
    if audio.ndim != 1 or audio.size == 0:
        raise ValueError(f"is_speech expects a non-empty mono clip of shape (n,), got shape {audio.shape}")
    if sr != SAMPLE_RATE:
        divisor = np.gcd(int(sr), SAMPLE_RATE)
        audio = resample_poly(audio, SAMPLE_RATE // divisor, int(sr) // divisor)
    if len(audio) <= MODEL_SAMPLES:
        windows = np.pad(audio, (0, MODEL_SAMPLES - len(audio)))[None]
    else:
        starts = list(range(0, len(audio) - MODEL_SAMPLES + 1, MODEL_SAMPLES // 2))
        if starts[-1] != len(audio) - MODEL_SAMPLES:
            starts.append(len(audio) - MODEL_SAMPLES)
        windows = np.stack([audio[s : s + MODEL_SAMPLES] for s in starts])
    return float(speech_scores(windows).max())


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
        None when there are no results (or none of :func:`leave_one_noise_out`); else the
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

