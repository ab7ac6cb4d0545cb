"""Listening to a recording of any length: the keyword model slid over it, its guesses smoothed.

A keyword model hears one second at a time. To find commands in a longer recording,
:func:`window_probabilities` runs it on a 1 s window every ``stride_ms`` (each window
preprocessed exactly as a clip is, see :mod:`phaselab.training.inference`), and
:class:`CommandRecognizer` turns that stream of guesses into detections the way
TensorFlow's ``RecognizeCommands`` (``tensorflow/examples/speech_commands``) does:

1. **Smoothing**: the class probabilities of the windows of the last ``average_window_ms``
   are averaged; nothing is decided while fewer than ``minimum_count`` windows, or less than a
   quarter of ``average_window_ms``, are in the average.
2. **Threshold**: the top class of the average must exceed ``detection_threshold``.
3. **Suppression of repeats**: it must differ from the last class found, and come more than
   ``suppression_ms`` after it (a word heard in several overlapping windows is reported once).

Like ``RecognizeCommands``, every class takes part (a ``silence`` or ``unknown`` found in
between lets the same command be found again), but only commands are reported.

:func:`listen` does all of it for one recording; :mod:`phaselab.training.recordings` builds a
test recording of known words and scores what was heard.

Examples
--------
>>> import numpy as np
>>> from phaselab.data.labels import CLASSES
>>> recognizer = CommandRecognizer(average_window_ms=300, detection_threshold=0.5, minimum_count=2)
>>> yes = np.eye(len(CLASSES))[CLASSES.index("yes")]
>>> [recognizer.update(t, yes) for t in (0, 100, 200)][1:]
[Detection(label='yes', time=0.0, confidence=1.0, decided=1.1, peak=1.0), None]
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from phaselab.constants import CLIP_SAMPLES, SAMPLE_RATE
from phaselab.data.labels import CLASSES, COMMANDS, SILENCE

if TYPE_CHECKING:
    import keras

__all__ = [
    "Detection",
    "CommandRecognizer",
    "window_probabilities",
    "listen",
    "gate_detections",
    "detection_windows",
    "LISTEN_DEFAULTS",
]

LISTEN_DEFAULTS: dict[str, float] = {
    "stride_ms": 100.0,
    "average_window_ms": 1000.0,
    "detection_threshold": 0.6,
    "suppression_ms": 1000.0,
    "minimum_count": 3,
    "speech_floor": 0.5,
}
"""The settings :func:`listen` and ``phaselab listen`` use unless told otherwise.

Set for the shipped model on a recording of the *validation* speakers, never the test ones, with the game music and
stamp sounds of the validation role between the words: the detection threshold and speech floor with the most hits
minus wrong words minus false alarms (``python benchmarks/experiments/listen.py --split validation --words 1000
--held-out-sounds --gate --sweep``; the sweep: ``benchmarks/FINDINGS.md``). ``speech_floor`` is the score phaselab's
speech detector must give a detection's window (:func:`gate_detections`); ``phaselab listen`` uses it unless told
``--no-gate``, :func:`listen` only when given a detector. TensorFlow's own streaming test uses a 30 ms stride, a
500 ms average, threshold 0.7 and 1500 ms suppression for its model."""


@dataclass(frozen=True)
class Detection:
    """A command heard in a recording.

    Attributes
    ----------
    label : str
        The command (one of :data:`phaselab.data.labels.COMMANDS`).
    time : float
        Where the word is, in seconds from the start: the start of the 1 s window (among those
        averaged) in which the command was most probable.
    confidence : float
        The command's averaged probability when it was found, in [0, 1] (as ``RecognizeCommands``
        reports it: just past the threshold, as a rule, since it is found as soon as it passes).
    decided : float
        When a live listener would have found it, in seconds: the end of the latest window.
    peak : float
        The command's probability in the window at ``time``: how sure the model was at best.
    """

    label: str
    time: float
    confidence: float
    decided: float
    peak: float


class CommandRecognizer:
    """Smooth a stream of window predictions into detections (TensorFlow's ``RecognizeCommands``).

    Feed it one window's class probabilities at a time, in time order, with :meth:`update`;
    it returns a :class:`Detection` when a new command is found, else None.

    Parameters
    ----------
    labels : sequence of str
        The classes, in the order of the probabilities (default
        :data:`phaselab.data.labels.CLASSES`).
    average_window_ms : float
        Probabilities of the windows that started in the last ``average_window_ms`` are averaged.
    detection_threshold : float
        The averaged top probability must exceed it.
    suppression_ms : float
        A new class is found only this long after the last one.
    minimum_count : int
        Windows needed in the average before anything is decided.
    window_ms : float
        Length of a window (the time of a detection's ``decided`` is its start plus this).
    report : sequence of str
        Classes reported as detections (default the commands); the others only reset the
        suppression of repeats.

    Examples
    --------
    A word seen by three windows is found once; after a ``silence`` the same word is found again:

    >>> import numpy as np
    >>> from phaselab.data.labels import CLASSES
    >>> probs = {name: np.eye(len(CLASSES))[CLASSES.index(name)] for name in ("go", "silence")}
    >>> recognizer = CommandRecognizer(average_window_ms=200, suppression_ms=0, minimum_count=2)
    >>> stream = ["go"] * 3 + ["silence"] * 3 + ["go"] * 3
    >>> found = [recognizer.update(100 * i, probs[name]) for i, name in enumerate(stream)]
    >>> [(d.label, d.time) for d in found if d]
    [('go', 0.0), ('go', 0.6)]
    """

    def __init__(
        self,
        labels: Sequence[str] = CLASSES,
        average_window_ms: float = LISTEN_DEFAULTS["average_window_ms"],
        detection_threshold: float = LISTEN_DEFAULTS["detection_threshold"],
        suppression_ms: float = LISTEN_DEFAULTS["suppression_ms"],
        minimum_count: int = int(LISTEN_DEFAULTS["minimum_count"]),
        window_ms: float = 1000.0 * CLIP_SAMPLES / SAMPLE_RATE,
        report: Sequence[str] = COMMANDS,
    ) -> None:
        if average_window_ms <= 0 or suppression_ms < 0 or minimum_count < 1 or not 0 <= detection_threshold < 1:
            raise ValueError(
                "CommandRecognizer needs average_window_ms > 0, suppression_ms >= 0, minimum_count >= 1 and "
                f"0 <= detection_threshold < 1, got {average_window_ms}, {suppression_ms}, {minimum_count}, "
                f"{detection_threshold}")
        self.labels = tuple(labels)
        self.average_window_ms = float(average_window_ms)
        self.detection_threshold = float(detection_threshold)
        self.suppression_ms = float(suppression_ms)
        self.minimum_count = int(minimum_count)
        self.window_ms = float(window_ms)
        self.report = frozenset(report)
        self._results: deque[tuple[float, np.ndarray]] = deque()
        self._previous_label = SILENCE
        self._previous_time = -np.inf

    def update(self, time_ms: float, probabilities: Sequence[float] | np.ndarray) -> Detection | None:
        """Add the probabilities of the window starting at ``time_ms``; a new command found, or None.

        Parameters
        ----------
        time_ms : float
            Start of the window in the recording, in ms; never earlier than the previous one.
        probabilities : array-like, shape (len(labels),)

        Raises
        ------
        ValueError
            Probabilities of the wrong length, or a time earlier than the previous one.
        """
        row = np.asarray(probabilities, dtype=np.float64)
        if row.shape != (len(self.labels),):
            raise ValueError(f"expected {len(self.labels)} probabilities, got shape {row.shape}")
        if self._results and time_ms < self._results[-1][0]:
            raise ValueError(f"results must come in time order: {time_ms} ms after {self._results[-1][0]} ms")
        self._results.append((float(time_ms), row))
        while self._results[0][0] < time_ms - self.average_window_ms:
            self._results.popleft()
        span = time_ms - self._results[0][0]
        if len(self._results) < self.minimum_count or span < self.average_window_ms / 4:
            return None
        stack = np.stack([r for _, r in self._results])
        average = stack.mean(axis=0)
        top = int(np.argmax(average))
        label, score = self.labels[top], float(average[top])
        since = np.inf if self._previous_label == SILENCE else time_ms - self._previous_time
        if score <= self.detection_threshold or label == self._previous_label or since <= self.suppression_ms:
            return None
        self._previous_label, self._previous_time = label, float(time_ms)
        if label not in self.report:
            return None
        best = int(np.argmax(stack[:, top]))
        return Detection(label, round(self._results[best][0] / 1000.0, 6), round(score, 6),
                         round((time_ms + self.window_ms) / 1000.0, 6), round(float(stack[best, top]), 6))


def _window_starts(n: int, stride: int, window: int = CLIP_SAMPLES) -> np.ndarray:
    """Starts (samples) of the windows covering ``n`` samples; the last one reaches the end."""
    last = max(n - window, 0)
    starts = np.arange(0, last + 1, stride)
    return starts if starts[-1] == last else np.append(starts, last)


def window_probabilities(
    model: keras.Model | str | os.PathLike,
    audio: np.ndarray,
    stride_ms: float = LISTEN_DEFAULTS["stride_ms"],
    batch_size: int = 64,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The model's class probabilities for a 1 s window every ``stride_ms``, in batches.

    Each window is preprocessed as a clip is (mean removal, damped RMS normalisation, padding
    to the model's input length). A recording shorter than 1 s is one zero-padded window.
    Batches are made as they are needed, so a recording of any length fits in memory.

    Parameters
    ----------
    model : keras.Model, or path of a ``.keras`` file or run directory
    audio : np.ndarray, shape (n,)
        The recording at 16 kHz.
    stride_ms : float
        Time between window starts, in ms.
    batch_size : int
        Windows per forward pass.

    Yields
    ------
    times_ms : np.ndarray, shape (m,)
        Start of each window, in ms.
    probabilities : np.ndarray, shape (m, len(CLASSES)), float32
    """
    from phaselab.data.augment import SoundPreprocessor
    from phaselab.signal.audio import fit_length
    from phaselab.training.inference import _check_batch_size, _finite, _load

    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1 or audio.size == 0:
        raise ValueError(f"expected a non-empty mono recording of shape (n,), got shape {audio.shape}")
    stride = int(round(stride_ms * SAMPLE_RATE / 1000))
    if stride < 1:
        raise ValueError(f"stride_ms must be at least {1000 / SAMPLE_RATE} ms, got {stride_ms}")
    _check_batch_size(batch_size)
    network, augment, name = _load(model)
    preprocessor = SoundPreprocessor(augment)
    starts = _window_starts(len(audio), stride)
    for first in range(0, len(starts), batch_size):
        chunk = starts[first:first + batch_size]
        batch = np.stack([preprocessor.finish(fit_length(audio[s:s + CLIP_SAMPLES], CLIP_SAMPLES)) for s in chunk])
        probabilities = np.asarray(network.predict(batch, batch_size=batch_size, verbose=0), dtype=np.float32)
        yield 1000.0 * chunk / SAMPLE_RATE, _finite(probabilities, [f"window at {s / SAMPLE_RATE:.2f} s" for s in chunk], name)


def detection_windows(detections: Sequence[Detection], audio: np.ndarray) -> np.ndarray:
    """The 1 s window of the recording at each detection's ``time``, zero-padded past the end.

    Parameters
    ----------
    detections : sequence of Detection
    audio : np.ndarray, shape (n,)
        The recording at 16 kHz.

    Returns
    -------
    np.ndarray, shape (len(detections), 16000), float32

    Examples
    --------
    >>> import numpy as np
    >>> audio = np.arange(20000, dtype=np.float32)
    >>> windows = detection_windows([Detection("go", 0.5, 0.6, 1.5, 0.9)], audio)
    >>> windows.shape, float(windows[0, 0]), float(windows[0, -1])
    ((1, 16000), 8000.0, 0.0)
    """
    from phaselab.signal.audio import fit_length

    starts = [int(round(d.time * SAMPLE_RATE)) for d in detections]
    if not starts:
        return np.zeros((0, CLIP_SAMPLES), np.float32)
    return np.stack([fit_length(np.asarray(audio[s:s + CLIP_SAMPLES], np.float32), CLIP_SAMPLES) for s in starts])


def gate_detections(
    detections: Sequence[Detection], audio: np.ndarray, speech: Callable[[np.ndarray], np.ndarray],
    floor: float = LISTEN_DEFAULTS["speech_floor"],
) -> list[Detection]:
    """The detections whose window a speech detector scores at least ``floor``: a command needs a voice.

    A keyword model names a command for some music, birds and machines; a detector that tells speech from
    them (``phaselab.studies.detector.everyday_scores``) hears the 1 s window at each detection's ``time``
    (zero-padded past the end) and vetoes those it does not take for speech. Only the detections are scored,
    not every window, so the gate costs a few detector calls per minute. A vetoed detection has already
    reset the recogniser's suppression of repeats, as a detection does.

    Parameters
    ----------
    detections : sequence of Detection
        From :func:`listen` or :class:`CommandRecognizer`.
    audio : np.ndarray, shape (n,)
        The recording at 16 kHz.
    speech : callable
        Maps windows, shape (m, 16000) float32, to speech scores in [0, 1], shape (m,).
    floor : float
        A detection whose window scores below it is dropped.

    Returns
    -------
    list of Detection
        The kept detections, in their order.

    Examples
    --------
    >>> import numpy as np
    >>> found = [Detection("yes", 0.0, 0.6, 1.0, 0.9), Detection("no", 1.0, 0.6, 2.0, 0.9)]
    >>> audio = np.concatenate([np.ones(16000), np.zeros(16000)]).astype(np.float32)
    >>> loud = lambda windows: (np.abs(windows).max(axis=1) > 0.5).astype(float)
    >>> [d.label for d in gate_detections(found, audio, loud)]
    ['yes']
    """
    if not detections:
        return []
    scores = np.asarray(speech(detection_windows(detections, audio)), dtype=np.float64).reshape(-1)
    if scores.shape != (len(detections),):
        raise ValueError(f"the speech detector gave {scores.shape[0]} scores for {len(detections)} windows")
    return [d for d, score in zip(detections, scores) if score >= floor]


def listen(
    model: keras.Model | str | os.PathLike,
    recording: str | os.PathLike | np.ndarray,
    stride_ms: float = LISTEN_DEFAULTS["stride_ms"],
    average_window_ms: float = LISTEN_DEFAULTS["average_window_ms"],
    detection_threshold: float = LISTEN_DEFAULTS["detection_threshold"],
    suppression_ms: float = LISTEN_DEFAULTS["suppression_ms"],
    minimum_count: int = int(LISTEN_DEFAULTS["minimum_count"]),
    batch_size: int = 64,
    speech: Callable[[np.ndarray], np.ndarray] | None = None,
    speech_floor: float = LISTEN_DEFAULTS["speech_floor"],
) -> list[Detection]:
    """The commands heard in a recording of any length, in time order.

    Parameters
    ----------
    model : keras.Model, or path of a ``.keras`` file or run directory
    recording : path-like or np.ndarray, shape (n,)
        A WAV file (any rate, mono or stereo; :func:`phaselab.signal.audio.read_wav`), or
        samples at 16 kHz.
    stride_ms, batch_size
        As in :func:`window_probabilities`.
    average_window_ms, detection_threshold, suppression_ms, minimum_count
        As in :class:`CommandRecognizer`.
    speech, speech_floor
        A speech detector and its floor (:func:`gate_detections`); none by default.

    Returns
    -------
    list of Detection

    Raises
    ------
    ValueError
        A missing, empty, broken or non-WAV file, a sample rate :func:`read_wav` refuses, or
        bad settings; the message names the problem in one line.

    Examples
    --------
    >>> from phaselab.training.shipped import shipped_model_path
    >>> from phaselab.data.speech_commands import resolve_data_root
    >>> clip = resolve_data_root("real") / "yes" / "0c40e715_nohash_0.wav"
    >>> [(d.label, d.time) for d in listen(shipped_model_path(), clip)]  # doctest: +SKIP
    [('yes', 0.0)]
    """
    from phaselab.signal.audio import read_wav

    recognizer = CommandRecognizer(CLASSES, average_window_ms, detection_threshold, suppression_ms, minimum_count)
    audio = recording if isinstance(recording, np.ndarray) else read_wav(recording)
    detections = []
    for times, probabilities in window_probabilities(model, audio, stride_ms, batch_size):
        for time_ms, row in zip(times, probabilities):
            found = recognizer.update(float(time_ms), row)
            if found is not None:
                detections.append(found)
    return detections if speech is None else gate_detections(detections, audio, speech, speech_floor)
