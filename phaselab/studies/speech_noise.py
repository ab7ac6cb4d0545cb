"""Speech or noise? A task that a magnitude spectrogram alone should find hard.

The original study guessed that phase matters most for telling speech from noise: in
noise the phase is random whatever the spectrum. To test that, the noise class here holds
sounds whose *magnitude* spectrograms are speech's:

``twin``
    A speech clip's random-phase twin (the "choir"): its STFT magnitude with the phase of
    white noise (:func:`phaselab.signal.reconstruction.randomize_phase`), made with the very STFT
    the features use (window 256, hop 64) so that the twin's re-analysed magnitude is as
    close to the original's as an inverse STFT allows (:func:`twin_closeness` measures how
    close).
``shaped``
    White noise shaped frame by frame by a speech clip's magnitude: the noise's STFT times
    the speech's STFT magnitude. Speech's envelope, with the noise's own (Rayleigh)
    fluctuations on top.
``noise``
    A segment of a real background-noise recording (the bundled set's ``_background_noise_``:
    running tap, dishes, an exercise bike, rain, wind, music...), or, where no recordings are
    given, Gaussian noise with a ``1 / f^a`` power spectrum, ``a`` uniform in [0, 2].
``silence``
    Faint white noise.

against the ``speech`` class: the clips themselves. Every sound is one second long, the
noises are made from the *same* pool of clips as the speech, and each example gets a
random level (:data:`LEVEL_RANGE`), so loudness gives nothing away (except for silence,
which is faint by definition).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from phaselab.constants import MODEL_SAMPLES
from phaselab.data.augment import noise_segment
from phaselab.signal.audio import fit_length
from phaselab.signal.noise import coloured_noise
from phaselab.signal.reconstruction import randomize_phase, spectral_convergence
from phaselab.signal.stft import istft, log_spectrogram, stft

__all__ = ["training_clips", "noise_recordings", "noise_split", "NOISE_SPLITS", 
    "KINDS",
    "MIX",
    "FRAME_LENGTH",
    "FRAME_STEP",
    "MODEL_SAMPLES",
    "make_speech_noise_examples",
    "make_speech_noise_set",
    "random_phase_twin",
    "shaped_noise",
    "twin_closeness",
    "TwinCloseness",
]

KINDS: tuple[str, ...] = ("speech", "twin", "shaped", "noise", "silence")
"""The kinds of sound in the set; only ``speech`` has label 1."""

MIX: tuple[float, ...] = (0.5, 0.25, 0.1, 0.1, 0.05)
"""Share of each kind in a set, in the order of :data:`KINDS`: half speech, half noise."""

FRAME_LENGTH = 256
FRAME_STEP = 64
"""The STFT of the models' features, also used to make the twins and the shaped noise."""


LEVEL_RANGE = (0.003, 0.3)
"""RMS of every non-silent example, log-uniform in this range.

The bundled clips' own RMS runs from about 0.003 to 0.07 (median 0.014), so clips at
their natural level fall inside it."""

SILENCE_RANGE = (1e-5, 1e-3)
"""RMS of silence, log-uniform in this range."""


def random_phase_twin(clip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The clip's STFT magnitude (window 256, hop 64) with white noise's phase, inverted.

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    return randomize_phase(clip, rng, FRAME_LENGTH, FRAME_STEP)


def shaped_noise(clip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """White noise whose every STFT value is multiplied by the clip's STFT magnitude, inverted.

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    noise = stft(rng.standard_normal(len(clip)), FRAME_LENGTH, FRAME_STEP, framing="full")
    magnitude = np.abs(stft(clip, FRAME_LENGTH, FRAME_STEP, framing="full"))
    return istft(noise * magnitude, len(clip), FRAME_LENGTH, FRAME_STEP).astype(np.float32)


def _at_rms(audio: np.ndarray, rms: float) -> np.ndarray:
    current = np.sqrt(np.mean(np.square(audio, dtype=np.float64)))
    return (audio * (rms / current) if current > 0 else audio).astype(np.float32)


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def make_speech_noise_examples(
    clips: Sequence[np.ndarray], n: int, seed: int, mix: Sequence[float] = MIX, noises: Sequence[np.ndarray] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sounds of the kinds in :data:`KINDS`, made from speech clips, in a random order.

    Parameters
    ----------
    clips : sequence of np.ndarray, each shape (samples,)
        Speech clips at 16 kHz (e.g. one second each); each example draws one at random.
    n : int
        Number of examples.
    seed : int
        Everything (choice of clip, kind order, noise, levels) follows from it.
    mix : sequence of 5 floats
        Share of each kind (normalised to sum to 1); counts are rounded, the rest goes to
        ``speech``.
    noises : sequence of np.ndarray, optional
        Background recordings at 16 kHz for the ``noise`` kind (a random segment of a random
        one); empty: coloured noise instead.

    Returns
    -------
    audio : np.ndarray, shape (n, MODEL_SAMPLES), float32
        Each sound is ``len(clip)`` long, then zero-padded (or cropped) to :data:`MODEL_SAMPLES`.
    kinds : np.ndarray, shape (n,), int64
        Index into :data:`KINDS`.
    """
    if not clips:
        raise ValueError("make_speech_noise_examples needs at least one speech clip")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    mix = np.asarray(mix, dtype=np.float64)
    if mix.shape != (len(KINDS),) or (mix < 0).any() or mix.sum() <= 0:
        raise ValueError(f"mix must be {len(KINDS)} non-negative shares ({', '.join(KINDS)}), got {mix.tolist()}")
    counts = np.floor(mix / mix.sum() * n).astype(int)
    counts[0] += n - counts.sum()
    rng = np.random.default_rng(seed)
    kinds = rng.permutation(np.repeat(np.arange(len(KINDS)), counts))
    audio = np.zeros((n, MODEL_SAMPLES), np.float32)
    for i, kind in enumerate(kinds):
        clip = np.asarray(clips[int(rng.integers(len(clips)))], dtype=np.float32)
        if clip.ndim != 1 or not np.any(clip):
            raise ValueError(f"clip must be a non-silent mono array, got shape {clip.shape}")
        name = KINDS[kind]
        if name == "speech":
            sound = clip
        elif name == "twin":
            sound = random_phase_twin(clip, rng)
        elif name == "shaped":
            sound = shaped_noise(clip, rng)
        elif name == "noise" and noises:
            sound = noise_segment(noises, len(clip), rng)
        elif name == "noise":
            sound = coloured_noise(len(clip), rng.uniform(0.0, 2.0), rng)
        else:
            sound = rng.standard_normal(len(clip)).astype(np.float32)
        level = _log_uniform(rng, *(SILENCE_RANGE if name == "silence" else LEVEL_RANGE))
        audio[i] = fit_length(np.clip(_at_rms(sound, level), -1.0, 1.0), MODEL_SAMPLES)
    return audio, kinds.astype(np.int64)


def make_speech_noise_set(
    clips: Sequence[np.ndarray], n: int, seed: int, mix: Sequence[float] = MIX, noises: Sequence[np.ndarray] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """A speech-or-noise set: :func:`make_speech_noise_examples` with binary labels.

    Returns
    -------
    audio : np.ndarray, shape (n, MODEL_SAMPLES), float32
    labels : np.ndarray, shape (n,), int64
        1 for speech, 0 for every kind of noise. The same arguments give the same arrays.
    """
    audio, kinds = make_speech_noise_examples(clips, n, seed, mix, noises)
    return audio, (kinds == KINDS.index("speech")).astype(np.int64)


class TwinCloseness(NamedTuple):
    """How close random-phase twins' re-analysed magnitudes are to their originals' (:func:`twin_closeness`)."""

    spectral_convergence: np.ndarray
    """Per clip, ``|| |X| - |Y| || / || |X| ||`` on the feature STFT, shape (clips,)."""
    log_magnitude_gap: np.ndarray
    """Per clip, mean ``|log(1 + |X|) - log(1 + |Y|)|`` over the bins, shape (clips,)."""
    log_magnitude_spread: np.ndarray
    """Per clip, mean ``|log(1 + |X|) - mean|`` over the bins: the size of the features themselves."""
    rms_ratio: np.ndarray
    """Per clip, RMS of the twin over RMS of the original."""


def twin_closeness(clips: Sequence[np.ndarray], seed: int = 0) -> TwinCloseness:
    """Measure how much of a clip's magnitude its random-phase twin keeps, on the features' STFT.

    An STFT with overlapping windows is redundant: not every array of complex numbers is
    the STFT of a signal. Speech's magnitude with random phase is not, so the inverse STFT
    returns the signal whose STFT is *closest*, and re-analysing it gives a magnitude that
    differs from speech's. This is what a magnitude-only model sees of the difference.

    Parameters
    ----------
    clips : sequence of np.ndarray
        Speech clips.
    seed : int
        Seeds the twins' random phase.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for clip in clips:
        clip = np.asarray(clip, dtype=np.float32)
        twin = random_phase_twin(clip, rng)
        original, twin_log = log_spectrogram(clip), log_spectrogram(twin)
        rows.append(
            (
                spectral_convergence(stft(clip), stft(twin)),
                np.abs(original - twin_log).mean(),
                np.abs(original - original.mean()).mean(),
                np.sqrt(np.mean(twin.astype(np.float64) ** 2) / np.mean(clip.astype(np.float64) ** 2)),
            )
        )
    return TwinCloseness(*(np.array(column) for column in zip(*rows)))


NOISE_SPLITS: dict[str, tuple[str, ...]] = {
    "validation": ("exercise_bike", "recorded_forest_1"),
    "test": ("doing_the_dishes", "recorded_rain", "recorded_music"),
}
"""Background recordings (file stems) kept out of training for chapter 06's comparison: the models
validate on the first two and are tested on the other three; the other eight are for training."""


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
    from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
    from phaselab.signal.audio import read_wav

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
