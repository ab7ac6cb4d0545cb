"""One word spoken by one espeak-ng voice, placed in a 1 s clip: the unit the synthetic set is made of.

A *speaker* (:class:`Speaker`) is one combination of an espeak-ng English voice (an accent), a
voice variant (``-v en-us+f3``: formants, pitch range, breathiness, echo...), a pitch (``-p``), a
speed (``-s``) and an amplitude (``-a``). Only this module runs espeak-ng (``apt-get install
espeak-ng``); given the same espeak-ng version, the same arguments give byte-identical audio.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from phaselab import SAMPLE_RATE
from phaselab.signal.audio import read_wav

__all__ = ["Speaker", "espeak_path", "synthesize_word", "place_word"]


_SILENCE = 1e-4
"""Samples below this magnitude (about 3 LSB of int16) count as silence when trimming."""


@dataclass(frozen=True)
class Speaker:
    """One synthetic speaker: the espeak-ng settings it speaks with and its split.

    Attributes
    ----------
    speaker_id : str
        8 lowercase hex digits, as in Speech Commands file names.
    voice : str
        espeak-ng voice (accent), e.g. ``"en-gb-scotland"``.
    variant : str
        espeak-ng variant, e.g. ``"f3"``; ``""`` for the voice's own.
    pitch, speed, amplitude : int
        ``espeak-ng -p``, ``-s`` (words per minute) and ``-a``.
    split : str
        ``"train"``, ``"validation"`` or ``"test"``.
    """

    speaker_id: str
    voice: str
    variant: str
    pitch: int
    speed: int
    amplitude: int
    split: str


def espeak_path() -> str:
    """The espeak-ng executable.

    Raises
    ------
    FileNotFoundError
        If espeak-ng is not on the PATH; the message says how to install it.
    """
    path = shutil.which("espeak-ng")
    if path is None:
        raise FileNotFoundError(
            "espeak-ng not found on the PATH; `phaselab data synth` needs it "
            "(Debian/Ubuntu: `sudo apt-get install espeak-ng`; macOS: `brew install espeak-ng`)"
        )
    return path


def synthesize_word(
    word: str,
    voice: str = "en-us",
    variant: str = "",
    pitch: int = 50,
    speed: int = 175,
    amplitude: int = 100,
    workdir: str | os.PathLike | None = None,
) -> np.ndarray:
    """Speak one word with espeak-ng and return it trimmed of leading and trailing silence.

    espeak-ng writes a 22050 Hz WAV (``-w``) into a fresh temporary directory, removed
    afterwards; :func:`phaselab.signal.audio.read_wav` resamples it to 16 kHz.

    Parameters
    ----------
    word : str
        The text to speak.
    voice, variant : str
        espeak-ng voice and variant (``-v voice+variant``; no ``+`` if variant is empty).
    pitch, speed, amplitude : int
        ``-p`` (0-99), ``-s`` (words per minute) and ``-a`` (0-200).
    workdir : path-like, optional
        Where to create the temporary directory (default: the system's).

    Returns
    -------
    np.ndarray, shape (n,), float32
        The word at 16 kHz; full scale is 1 (the resampler may overshoot it slightly).

    Raises
    ------
    FileNotFoundError
        If espeak-ng is not installed.
    ValueError
        If espeak-ng fails or produces only silence; the message names the settings.
    """
    exe = espeak_path()
    name = f"{voice}+{variant}" if variant else voice
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        wav = Path(tmp) / "word.wav"
        cmd = [exe, "-v", name, "-p", str(pitch), "-s", str(speed), "-a", str(amplitude), "-w", str(wav), word]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0 or not wav.is_file():
            raise ValueError(f"espeak-ng failed for {word!r} with -v {name}: {done.stderr.strip()}")
        audio = read_wav(wav)
    loud = np.flatnonzero(np.abs(audio) > _SILENCE)
    if loud.size == 0:
        raise ValueError(f"espeak-ng produced only silence for {word!r} with -v {name}")
    return audio[loud[0] : loud[-1] + 1]


def place_word(
    word: np.ndarray, rng: np.random.Generator | None, length: int = SAMPLE_RATE, noise_dbfs: float = -60.0
) -> np.ndarray:
    """Place a trimmed word in a clip of ``length`` samples: at random over noise, or centred and clean.

    Parameters
    ----------
    word : np.ndarray, shape (n,)
        The trimmed word, n <= length.
    rng : np.random.Generator or None
        Draws the offset (uniform over every position where the word fits) and white
        noise at ``noise_dbfs`` to add under the whole clip. None centres the word and
        adds nothing (clean samples).
    length : int
        Samples in the clip.
    noise_dbfs : float
        RMS level of the added white noise, in dB re full scale (ignored if rng is None).

    Returns
    -------
    np.ndarray, shape (length,), float32

    Raises
    ------
    ValueError
        If the word is longer than the clip.
    """
    if len(word) > length:
        raise ValueError(f"word of {len(word)} samples does not fit a clip of {length} samples")
    clip = np.zeros(length, dtype=np.float32)
    if rng is None:
        offset = (length - len(word)) // 2
    else:
        offset = int(rng.integers(0, length - len(word) + 1))
        clip += (10.0 ** (noise_dbfs / 20.0) * rng.standard_normal(length)).astype(np.float32)
    clip[offset : offset + len(word)] += word
    return clip
