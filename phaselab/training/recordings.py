"""Test recordings for :mod:`phaselab.training.listen`: known words between stretches of sound, and the score of what was heard.

:func:`assemble_recording` puts word clips one after another with non-speech between them and
says where each is; :func:`match_detections` scores a listener's detections against them
(hits, wrong words, misses, false alarms per minute, as TensorFlow's ``StreamingAccuracyStats``
in ``tensorflow/examples/speech_commands``). ``benchmarks/experiments/listen.py`` uses both on
the held-out speakers of the bundled real-speech set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from phaselab.constants import SAMPLE_RATE
from phaselab.data.labels import COMMANDS, SILENCE
from phaselab.training.listen import Detection

__all__ = ["Segment", "assemble_recording", "match_detections"]


@dataclass(frozen=True)
class Segment:
    """One piece of an assembled recording.

    Attributes
    ----------
    start, end : float
        Seconds from the start of the recording.
    kind : str
        ``"word"`` (a clip of a spoken word) or ``"sound"`` (a stretch of non-speech).
    label : str
        The word's class (a command or ``unknown``); ``"silence"`` for a sound.
    source : str
        The file it was cut from.
    """

    start: float
    end: float
    kind: str
    label: str
    source: str


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def assemble_recording(
    words: Sequence[tuple[np.ndarray, str, str]],
    sounds: Sequence[tuple[np.ndarray, str]],
    rng: np.random.Generator | int = 0,
    gap_s: tuple[float, float] = (1.0, 3.0),
    sound_db: tuple[float, float] = (-20.0, 0.0),
    fade_ms: float = 10.0,
) -> tuple[np.ndarray, list[Segment]]:
    """A recording of spoken words with stretches of non-speech sound between them, and where each is.

    Before every word (and after the last) comes a stretch of ``gap_s`` seconds cut at random
    from one of ``sounds``, scaled so that its RMS lies ``sound_db`` dB from the median RMS of
    the words, and faded in and out over ``fade_ms``.

    Parameters
    ----------
    words : sequence of (np.ndarray, str, str)
        ``(samples at 16 kHz, class, source)`` of each word clip, in the order they are said.
    sounds : sequence of (np.ndarray, str)
        ``(samples at 16 kHz, source)`` of non-speech recordings (any length).
    rng : np.random.Generator or int
        Source of every random choice (an int is a seed).
    gap_s : (float, float)
        Range of the length of each stretch of sound, in seconds (uniform).
    sound_db : (float, float)
        Range of the level of each stretch relative to the words' median RMS, in dB (uniform).
    fade_ms : float
        Fade in and out of each stretch, in ms.

    Returns
    -------
    audio : np.ndarray, shape (n,), float32
        Clipped to [-1, 1].
    segments : list of Segment
        Every word and stretch of sound, in time order.

    Examples
    --------
    >>> import numpy as np
    >>> word = (0.1 * np.ones(16000, np.float32), "yes", "yes.wav")
    >>> audio, segments = assemble_recording([word], [(np.ones(8000, np.float32), "hum.wav")], gap_s=(0.5, 0.5))
    >>> len(audio), [(s.kind, s.label, s.start) for s in segments]
    (32000, [('sound', 'silence', 0.0), ('word', 'yes', 0.5), ('sound', 'silence', 1.5)])
    """
    if not words or not sounds:
        raise ValueError("assemble_recording needs at least one word and one sound")
    rng = np.random.default_rng(rng)
    reference = float(np.median([_rms(w) for w, _, _ in words])) or 1.0
    fade = int(fade_ms * SAMPLE_RATE / 1000)
    pieces: list[np.ndarray] = []
    segments: list[Segment] = []
    position = 0

    def add(piece: np.ndarray, kind: str, label: str, source: str) -> None:
        nonlocal position
        pieces.append(piece.astype(np.float32))
        segments.append(Segment(position / SAMPLE_RATE, (position + len(piece)) / SAMPLE_RATE, kind, label, source))
        position += len(piece)

    def stretch() -> None:
        sound, source = sounds[int(rng.integers(len(sounds)))]
        n = min(int(rng.uniform(*gap_s) * SAMPLE_RATE), len(sound))
        start = int(rng.integers(len(sound) - n + 1))
        piece = np.asarray(sound[start:start + n], dtype=np.float64)
        level = _rms(piece)
        piece = piece * (reference * 10 ** (rng.uniform(*sound_db) / 20) / level) if level > 0 else piece
        ramp = np.linspace(0.0, 1.0, min(fade, n // 2))
        if len(ramp):
            piece[:len(ramp)] *= ramp
            piece[len(piece) - len(ramp):] *= ramp[::-1]
        add(piece, "sound", SILENCE, source)

    for samples, label, source in words:
        stretch()
        add(np.asarray(samples), "word", label, source)
    stretch()
    return np.clip(np.concatenate(pieces), -1.0, 1.0).astype(np.float32), segments


def match_detections(
    detections: Sequence[Detection], segments: Sequence[Segment], tolerance_s: float = 0.75
) -> dict[str, Any]:
    """Score detections against the words of an assembled recording (TensorFlow's streaming statistics).

    A detection within ``tolerance_s`` of the start of a command not yet found, with the
    right label, is a **hit**; one within ``tolerance_s`` of a command with another label (or
    found already) is a **wrong** word; any other detection is a **false alarm**, counted by
    where it falls (during another word or during non-speech). A command without a hit is a
    **miss**.

    Parameters
    ----------
    detections : sequence of Detection
    segments : sequence of Segment
        As :func:`assemble_recording` returns them.
    tolerance_s : float
        In seconds (TensorFlow's ``time_tolerance_ms`` is 750).

    Returns
    -------
    dict
        ``commands`` (said), ``hits``, ``wrong``, ``misses``, ``false_alarms``,
        ``false_alarms_words`` and ``false_alarms_sounds`` (where they fell), ``minutes`` (of
        the recording), ``false_alarms_per_minute``, ``hit_rate`` (hits / commands; NaN if
        none), and ``events``: one ``[time, label, outcome]`` per detection.

    Examples
    --------
    >>> segments = [Segment(0.0, 1.0, "sound", "silence", "a"), Segment(1.0, 2.0, "word", "yes", "b"),
    ...             Segment(2.0, 60.0, "sound", "silence", "a")]
    >>> found = [Detection("yes", 1.1, 0.9, 2.1, 0.9), Detection("no", 30.0, 0.6, 31.0, 0.6)]
    >>> stats = match_detections(found, segments)
    >>> stats["hits"], stats["misses"], stats["false_alarms"], stats["false_alarms_per_minute"]
    (1, 0, 1, 1.0)
    """
    commands = [s for s in segments if s.kind == "word" and s.label in COMMANDS]
    found: set[int] = set()
    counts = dict.fromkeys(("hits", "wrong", "false_alarms", "false_alarms_words", "false_alarms_sounds"), 0)
    events = []
    for detection in detections:
        near = [i for i, s in enumerate(commands) if abs(s.start - detection.time) <= tolerance_s]
        hit = next((i for i in near if commands[i].label == detection.label and i not in found), None)
        if hit is not None:
            found.add(hit)
            outcome = "hit"
        elif near:
            outcome = "wrong"
        else:
            middle = detection.time + 0.5
            where = next((s.kind for s in segments if s.start <= middle < s.end), "sound")
            counts[f"false_alarms_{where}s"] += 1
            outcome = "false alarm"
        counts[{"hit": "hits", "wrong": "wrong", "false alarm": "false_alarms"}[outcome]] += 1
        events.append([detection.time, detection.label, outcome])
    minutes = (segments[-1].end if segments else 0.0) / 60.0
    return {
        "commands": len(commands),
        **counts,
        "misses": len(commands) - len(found),
        "minutes": minutes,
        "false_alarms_per_minute": counts["false_alarms"] / minutes if minutes else float("nan"),
        "hit_rate": len(found) / len(commands) if commands else float("nan"),
        "events": events,
    }
