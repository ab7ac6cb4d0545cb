"""A trained speech detector: is this sound speech, or noise with a speech-like spectrum?

:func:`is_speech` scores a clip with the model shipped in
``phaselab/weights/speech_detector.keras``, trained by :func:`train_detector` (run
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
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import keras
import numpy as np
from scipy.signal import resample_poly

from phaselab import SAMPLE_RATE
from phaselab.atomic import atomic_path
from phaselab.nn.encoding_nets import encoding_model
from phaselab.training.scores import mean_sd, roc_auc
from phaselab.studies.speech_noise import KINDS, SAMPLES, make_speech_noise_examples, make_speech_noise_set

__all__ = [
    "is_speech",
    "speech_scores",
    "fit_speech_noise",
    "kind_accuracy",
    "compare_encodings_on_speech_noise",
    "summarise_seeds",
    "format_seed_summary",
    "load_results",
    "plot_speech_noise_curves",
    "train_detector",
    "training_clips",
    "noise_recordings",
    "noise_split",
    "NOISE_SPLITS",
    "leave_one_noise_out",
    "load_detector",
    "WEIGHTS",
    "DETECTOR_ENCODING",
]

WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "speech_detector.keras"
"""The shipped detector."""

NOISE_SPLITS: dict[str, tuple[str, ...]] = {
    "validation": ("exercise_bike", "recorded_forest_1"),
    "test": ("doing_the_dishes", "recorded_rain", "recorded_music"),
}
"""Background recordings (file stems) kept out of training for chapter 06's comparison: the models
validate on the first two and are tested on the other three; the other eight are for training."""

DETECTOR_ENCODING = "mag_if"
"""Features of the shipped detector: log-magnitude and instantaneous frequency."""


def fit_speech_noise(
    encoding: str,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    epochs: int = 5,
    batch_size: int = 32,
    filters: tuple[int, ...] = (8, 16, 32),
    seed: int = 0,
    verbose: int = 0,
) -> tuple[keras.Model, dict[str, list[float]]]:
    """Train an :func:`~phaselab.nn.encoding_nets.encoding_model` with two classes (noise, speech).

    Parameters
    ----------
    encoding : str
        One of :data:`phaselab.signal.encodings.ENCODINGS`.
    train, validation : (audio, labels)
        From :func:`phaselab.studies.speech_noise.make_speech_noise_set`: audio (n, samples),
        labels (n,) with 1 for speech.
    epochs, batch_size : int
    filters : tuple of ints
        Of the model body.
    seed : int
        Seeds the weights and the batch order.
    verbose : int
        Keras's verbosity.

    Returns
    -------
    model : keras.Model
        Audio -> ``(batch, 2)`` probabilities of (noise, speech).
    history : dict
        ``loss``, ``accuracy`` (and ``val_loss``, ``val_accuracy``) per epoch.
    """
    keras.utils.set_random_seed(seed)
    audio, labels = train
    model = encoding_model(encoding, samples=audio.shape[1], n_classes=2, filters=filters, name=f"speech-{encoding}")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(
        audio, labels, batch_size=batch_size, epochs=epochs, validation_data=validation, shuffle=True, verbose=verbose
    )
    return model, {key: [float(v) for v in values] for key, values in history.history.items()}


def kind_accuracy(scores: np.ndarray, kinds: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy overall and on each kind of sound of :data:`phaselab.studies.speech_noise.KINDS`.

    Parameters
    ----------
    scores : np.ndarray, shape (n,)
        Probability of speech.
    kinds : np.ndarray, shape (n,)
        Index into ``KINDS``; only ``speech`` (0) should score above ``threshold``.

    Returns
    -------
    dict
        ``{"accuracy": ..., "speech": ..., "twin": ..., ...}``; NaN for a kind absent from ``kinds``.
    """
    correct = (np.asarray(scores) > threshold) == (np.asarray(kinds) == KINDS.index("speech"))
    result = {"accuracy": float(correct.mean())}
    for i, kind in enumerate(KINDS):
        chosen = kinds == i
        result[kind] = float(correct[chosen].mean()) if chosen.any() else float("nan")
    return result


def compare_encodings_on_speech_noise(
    encodings: Sequence[str],
    splits: dict[str, Sequence[np.ndarray]],
    sizes: dict[str, int],
    epochs: int,
    seed: int = 0,
    filters: tuple[int, ...] = (8, 16, 32),
    noises: Mapping[str, Sequence[np.ndarray]] | None = None,
) -> dict[str, dict]:
    """Train one speech-or-noise model per encoding on the same sets and score each on held-out voices.

    Parameters
    ----------
    encodings : sequence of str
        Names of :data:`phaselab.signal.encodings.ENCODINGS`.
    splits : {"train": clips, "validation": clips, "test": clips}
        Speech clips of each split (different voices in each).
    sizes : {"train": n, "validation": n, "test": n}
        Examples made from each split's clips (:func:`~phaselab.studies.speech_noise.make_speech_noise_examples`).
    epochs, seed : int
    filters : tuple of ints
    noises : {"train": recordings, "validation": ..., "test": ...}, optional
        Background recordings for each split's ``noise`` kind (coloured noise where absent).

    Returns
    -------
    dict
        Per encoding: ``history`` (per-epoch ``loss``, ``accuracy``, ``val_loss``,
        ``val_accuracy``), ``test`` (:func:`kind_accuracy` on the test set), ``params``,
        ``seconds`` (training wall time).
    """
    import time

    noises = noises or {}
    sets = {
        name: make_speech_noise_examples(splits[name], sizes[name], seed + i, noises=noises.get(name, ()))
        for i, name in enumerate(("train", "validation", "test"))
    }
    binary = {name: (audio, (kinds == 0).astype(np.int64)) for name, (audio, kinds) in sets.items()}
    results = {}
    for encoding in encodings:
        start = time.perf_counter()
        model, history = fit_speech_noise(
            encoding, binary["train"], binary["validation"], epochs=epochs, filters=filters, seed=seed
        )
        seconds = time.perf_counter() - start
        test_audio, test_kinds = sets["test"]
        scores = speech_scores(test_audio, model)
        results[encoding] = {
            "history": history,
            "test": kind_accuracy(scores, test_kinds),
            "auc": roc_auc(scores, test_kinds == KINDS.index("speech")),
            "params": int(model.count_params()),
            "seconds": seconds,
        }
    return results


def summarise_seeds(runs: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Mean and sample standard deviation over seeds of :func:`compare_encodings_on_speech_noise`'s results.

    Parameters
    ----------
    runs : {seed: {encoding: result}}
        One :func:`compare_encodings_on_speech_noise` result per seed; every seed must
        hold the same encodings.

    Returns
    -------
    dict
        Per encoding, in the first seed's order: ``seeds`` (how many), the mean of
        ``accuracy`` and of each kind's accuracy (:data:`~phaselab.studies.speech_noise.KINDS`)
        on the test set and of ``seconds`` (training wall time, s), each with its sample
        standard deviation under ``<key>_std`` (0 for a single seed), and ``params``.
    """
    if not runs:
        raise ValueError("no runs to summarise")
    encodings = list(next(iter(runs.values())))
    for seed, results in runs.items():
        if list(results) != encodings:
            raise ValueError(f"seed {seed} has encodings {list(results)}, the first seed {encodings}")
    summary = {}
    for encoding in encodings:
        results = [run[encoding] for run in runs.values()]
        params = {result["params"] for result in results}
        if len(params) != 1:
            raise ValueError(f"{encoding}: the seeds' models differ in size ({sorted(params)} parameters)")
        entry: dict[str, Any] = {"seeds": len(results)}
        for key in ("accuracy", *KINDS, "seconds", "auc"):
            if key == "auc" and not all("auc" in result for result in results):
                continue
            values = [result[key] if key in ("seconds", "auc") else result["test"][key] for result in results]
            entry[key], entry[f"{key}_std"] = mean_sd(values)
        entry["params"] = params.pop()
        summary[encoding] = entry
    return summary


def format_seed_summary(summary: Mapping[str, Mapping[str, Any]]) -> str:
    """Plain-text table of :func:`summarise_seeds`: mean ± standard deviation over the seeds."""
    keys = ("accuracy", *KINDS) + (("auc",) if all("auc" in e for e in summary.values()) else ())
    lines = [f"{'encoding':<11}{'seeds':>6}{'params':>8}{'train s':>12}" + "".join(f"{k:>16}" for k in keys)]
    for encoding, e in summary.items():
        scores = "".join(f"{e[k]:>8.3f} ± {e[f'{k}_std']:.3f}" for k in keys)
        seconds = f"{e['seconds']:>6.0f} ± {e['seconds_std']:<3.0f}"
        lines.append(f"{encoding:<11}{e['seeds']:>6}{e['params']:>8,}{seconds}{scores}")
    return "\n".join(lines)


def load_results(path: str | os.PathLike) -> dict[str, Any] | None:
    """A results file of ``benchmarks/experiments/speech_noise_models.py`` or ``train_speech_detector.py``, or None if absent.

    Notebook: ``06_speech_or_noise`` (sections 4 and 5).
    """
    import json

    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def plot_speech_noise_curves(results: dict[str, dict], title: str = "") -> Any:
    """Learning curves of :func:`compare_encodings_on_speech_noise`'s models: loss and accuracy per epoch.

    Parameters
    ----------
    results : dict
        ``{encoding: {"history": {...}}}``.
    title : str

    Returns
    -------
    matplotlib Figure
        Two panels; per encoding one colour, training solid, validation (held-out voices) dashed.
    """
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 3.5), layout="constrained")
    for i, (encoding, result) in enumerate(results.items()):
        history = result["history"]
        epochs = np.arange(1, len(history["loss"]) + 1)
        for ax, key in zip(axes, ("loss", "accuracy")):
            ax.plot(epochs, history[key], color=f"C{i}", marker="o", label=f"{encoding} (training)")
            if f"val_{key}" in history:
                ax.plot(epochs, history[f"val_{key}"], color=f"C{i}", linestyle="--", marker="o",
                        label=f"{encoding} (validation)")
    for ax, key in zip(axes, ("loss", "accuracy")):
        ax.set(xlabel="epoch", ylabel=key)
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize="small")
    if title:
        figure.suptitle(title)
    return figure


def train_detector(
    out: str | os.PathLike = WEIGHTS,
    clips: Sequence[np.ndarray] | None = None,
    n: int = 2000,
    epochs: int = 12,
    seed: int = 0,
    noises: Sequence[np.ndarray] | None = None,
) -> tuple[keras.Model, dict[str, list[float]]]:
    """Train the speech detector on training-speaker clips and save it to ``out``.

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

    Returns
    -------
    The model and its history (see :func:`fit_speech_noise`).
    """
    out = Path(out)
    if out.suffix != ".keras":
        raise ValueError(f"{out}: the detector is saved as a .keras file")
    if clips is None:
        clips = training_clips()
    if noises is None:
        noises = list(noise_recordings().values())
    examples = make_speech_noise_set(clips, n, seed, noises=noises)
    model, history = fit_speech_noise(DETECTOR_ENCODING, examples, epochs=epochs, seed=seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        model.save(tmp)
    load_detector.cache_clear()
    return model, history


def training_clips(split: str = "train", data: str = "real") -> list[np.ndarray]:
    """The speech clips (every word, no ``_silence_``) of one split of a bundled set, decoded.

    Parameters
    ----------
    split : {"train", "validation", "test"}
        ``"test"``: speakers never heard in training.
    data : str
        ``"real"`` (default) or ``"synthetic"`` (:func:`~phaselab.data.speech_commands.resolve_data_root`).

    Returns
    -------
    list of np.ndarray, each shape (16000,), float32
    """
    from phaselab.data.labels import SILENCE
    from phaselab.data.pipeline import decode_clips
    from phaselab.data.speech_commands import SpeechCommands, resolve_data_root

    tree = SpeechCommands(resolve_data_root(data))
    return list(decode_clips([clip.path for clip in tree.clips(split) if clip.label != SILENCE]))


def noise_recordings(data: str = "real") -> dict[str, np.ndarray]:
    """The background-noise recordings of a bundled set: file stem -> audio (16 kHz, float32), sorted by name."""
    from phaselab.signal.audio import read_wav
    from phaselab.data.speech_commands import SpeechCommands, resolve_data_root

    files = sorted(SpeechCommands(resolve_data_root(data)).background_noise_files())
    return {Path(path).stem: read_wav(path) for path in files}


def noise_split(split: str, recordings: Mapping[str, np.ndarray] | None = None) -> list[np.ndarray]:
    """The recordings of one split of :data:`NOISE_SPLITS` (``"train"``: all the others)."""
    recordings = noise_recordings() if recordings is None else recordings
    if split == "train":
        held = {name for names in NOISE_SPLITS.values() for name in names}
        return [audio for name, audio in recordings.items() if name not in held]
    if split not in NOISE_SPLITS:
        raise ValueError(f"unknown split {split!r}; expected train, validation or test")
    return [recordings[name] for name in NOISE_SPLITS[split]]


def leave_one_noise_out(
    n: int = 1000, epochs: int = 8, test_clips: int = 300, seed: int = 0, verbose: bool = True,
) -> list[dict[str, Any]]:
    """Does the detector catch a kind of noise it never heard? One fold per background recording.

    Each fold trains the detector's model (:data:`DETECTOR_ENCODING`, :func:`fit_speech_noise`)
    on examples made from the training speakers with every recording but one, then scores
    ``test_clips`` clips of the test speakers and as many segments of the left-out recording
    (at the same random levels as in training).

    Returns
    -------
    list of dict
        Per recording (sorted by name): ``noise``, ``caught`` (share of its segments scored as
        noise), ``speech_kept`` (share of held-out speech scored as speech), ``accuracy`` and
        ``auc`` (:func:`~phaselab.training.scores.roc_auc`, speech against that noise), ``seconds``.
    """
    import time

    recordings = noise_recordings()
    train_speech, test_speech = training_clips("train"), training_clips("test")
    folds = []
    for i, held in enumerate(recordings):
        start = time.perf_counter()
        others = [audio for name, audio in recordings.items() if name != held]
        model, _ = fit_speech_noise(DETECTOR_ENCODING, make_speech_noise_set(train_speech, n, seed + i, noises=others),
                                    epochs=epochs, seed=seed)
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


@lru_cache(maxsize=1)
def load_detector(path: str | os.PathLike = WEIGHTS) -> keras.Model:
    """The detector saved at ``path`` (default the shipped one), loaded once."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no speech detector; train one with `python benchmarks/experiments/train_speech_detector.py`")
    return keras.saving.load_model(path, compile=False)


def speech_scores(audio: np.ndarray, model: keras.Model | None = None, batch_size: int = 64) -> np.ndarray:
    """Probability of speech for a batch of 16 kHz clips of :data:`~phaselab.studies.speech_noise.SAMPLES` samples.

    Parameters
    ----------
    audio : np.ndarray, shape (n, samples), float
    model : keras.Model, optional
        Default the shipped detector.

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    model = model or load_detector()
    probabilities = model.predict(np.asarray(audio, np.float32), batch_size=batch_size, verbose=0)
    return np.asarray(probabilities[:, 1], np.float32)


def is_speech(audio: np.ndarray, sr: int = SAMPLE_RATE) -> float:
    """Probability that a clip is speech rather than noise, by the shipped detector.

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        Mono clip, any level. Resampled to 16 kHz if ``sr`` differs. A clip up to
        :data:`~phaselab.studies.speech_noise.SAMPLES` samples is zero-padded; a longer one is cut
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
    if len(audio) <= SAMPLES:
        windows = np.pad(audio, (0, SAMPLES - len(audio)))[None]
    else:
        starts = list(range(0, len(audio) - SAMPLES + 1, SAMPLES // 2))
        if starts[-1] != len(audio) - SAMPLES:
            starts.append(len(audio) - SAMPLES)
        windows = np.stack([audio[s : s + SAMPLES] for s in starts])
    return float(speech_scores(windows).max())
