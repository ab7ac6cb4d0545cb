"""Synthetic sounds with coherent phase that are not speech: melodies, chords, plucked strings, drums, chirps, glides.

A detector that learns "speech has coherent phase, noise has random phase" takes every physical resonator
for speech: a violin, a trumpet, a bird. To teach it otherwise without spending recordings (which are kept
for testing), :func:`tonal_sound` makes such sounds from a few lines of NumPy each, every parameter drawn
at random:

``melody``
    One to three voices of notes (fundamental 80 Hz-1.5 kHz, 0.1-0.8 s), each a sum of harmonics with a
    random spectral tilt, attack, decay and vibrato: strings, winds, an organ.
``plucked``
    Notes whose harmonics decay faster the higher they are, slightly inharmonic: a guitar, a piano.
``drums``
    Decaying noise bursts and pitched thumps on a beat, over a bass line.
``chirps``
    Fast frequency sweeps of a nearly pure tone between 1.5 and 8 kHz, in syllables: a bird.
``glides``
    Slow, long glides of a harmonic tone between 60 Hz and 1.2 kHz: a whale's song.

Every sound then passes a random small-room reverberation (an exponentially decaying noise response) and
gets a faint noise floor (white noise 20-50 dB below it), as a recording would.
Used by ``benchmarks/experiments/train_speech_detector.py --tonal`` as extra negatives.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve

from phaselab import SAMPLE_RATE

__all__ = ["TONAL_KINDS", "tonal_sound"]

TONAL_KINDS = ("melody", "plucked", "drums", "chirps", "glides")
"""The kinds :func:`tonal_sound` makes."""


def _harmonic_note(f0: np.ndarray, rng: np.random.Generator, sr: int, decay: float = 0.0,
                   inharmonicity: float = 0.0) -> np.ndarray:
    """Harmonics of an instantaneous fundamental ``f0`` (Hz per sample), random tilt and start phases."""
    n = len(f0)
    t = np.arange(n) / sr
    phase0 = 2 * np.pi * np.cumsum(f0) / sr
    tilt = rng.uniform(0.6, 2.5)
    top = max(1, int(min(30, 0.45 * sr / max(f0.max(), 1.0))))
    out = np.zeros(n)
    for k in range(1, top + 1):
        stretch = k * np.sqrt(1 + inharmonicity * k * k)
        amplitude = k ** -tilt * rng.uniform(0.3, 1.0)
        envelope = np.exp(-decay * k * t) if decay else 1.0
        out += amplitude * envelope * np.sin(stretch * phase0 + rng.uniform(0, 2 * np.pi))
    return out


def _envelope(n: int, rng: np.random.Generator, sr: int, plucked: bool = False) -> np.ndarray:
    attack = max(1, int(rng.uniform(0.002, 0.01 if plucked else 0.08) * sr))
    env = np.ones(n)
    env[:attack] = np.linspace(0, 1, attack)[: n]
    tau = rng.uniform(0.1, 0.6) if plucked else rng.uniform(0.3, 3.0)
    env *= np.exp(-np.arange(n) / sr / tau)
    release = min(n, int(0.01 * sr))
    env[n - release :] *= np.linspace(1, 0, release)
    return env


def _voice(n: int, rng: np.random.Generator, sr: int, plucked: bool) -> np.ndarray:
    out = np.zeros(n)
    centre = np.exp(rng.uniform(np.log(80), np.log(1500)))
    start = 0
    while start < n:
        length = min(n - start, int(rng.uniform(0.1, 0.8) * sr))
        f0 = centre * 2 ** (rng.integers(-7, 8) / 12)
        vibrato = 0 if plucked else rng.uniform(0, 0.015) * np.sin(
            2 * np.pi * rng.uniform(4, 7) * np.arange(length) / sr + rng.uniform(0, 2 * np.pi))
        note = _harmonic_note(np.full(length, f0) * (1 + vibrato), rng, sr, decay=rng.uniform(0.5, 4) if plucked else 0,
                              inharmonicity=rng.uniform(0, 3e-4) if plucked else 0)
        out[start : start + length] += note * _envelope(length, rng, sr, plucked)
        start += length + (int(rng.uniform(0, 0.15) * sr) if rng.random() < 0.3 else 0)
    return out


def _drums(n: int, rng: np.random.Generator, sr: int) -> np.ndarray:
    out = 0.5 * _voice(n, rng, sr, plucked=True) * (rng.random() < 0.7)
    beat = int(rng.uniform(0.2, 0.6) * sr)
    for start in range(int(rng.uniform(0, 0.2) * sr), n, beat):
        length = min(n - start, int(0.4 * sr))
        t = np.arange(length) / sr
        if rng.random() < 0.5:  # a thump: a sine whose pitch drops
            f = rng.uniform(50, 150) * (1 + 2 * np.exp(-t / 0.03))
            hit = np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-t / rng.uniform(0.05, 0.2))
        else:  # a snare or a cymbal: decaying noise
            hit = rng.standard_normal(length) * np.exp(-t / rng.uniform(0.02, 0.15))
        out[start : start + length] += rng.uniform(0.5, 2.0) * hit
    return out


def _chirps(n: int, rng: np.random.Generator, sr: int) -> np.ndarray:
    out = np.zeros(n)
    start = int(rng.uniform(0, 0.3) * sr)
    while start < n:
        length = min(n - start, int(rng.uniform(0.03, 0.3) * sr))
        t = np.linspace(0, 1, length)
        low, high = np.sort(np.exp(rng.uniform(np.log(1500), np.log(8000), 2)))
        shape = rng.choice(["up", "down", "trill"])
        f = {"up": low + (high - low) * t, "down": high - (high - low) * t,
             "trill": (low + high) / 2 + (high - low) / 2 * np.sin(2 * np.pi * rng.uniform(3, 12) * t)}[shape]
        f = np.minimum(f, 0.45 * sr)
        tone = np.sin(2 * np.pi * np.cumsum(f) / sr) + 0.2 * np.sin(4 * np.pi * np.cumsum(f) / sr) * (2 * f < 0.45 * sr)
        out[start : start + length] += tone * np.hanning(length)
        start += length + int(rng.uniform(0.02, 0.4) * sr)
    return out


def _glides(n: int, rng: np.random.Generator, sr: int) -> np.ndarray:
    out = np.zeros(n)
    start = 0
    while start < n:
        length = min(n - start, int(rng.uniform(0.5, 3.0) * sr))
        ends = np.exp(rng.uniform(np.log(60), np.log(1200), 3))
        f0 = np.interp(np.linspace(0, 2, length), [0, 1, 2], ends)
        out[start : start + length] += _harmonic_note(f0, rng, sr) * np.hanning(length)
        start += length + int(rng.uniform(0, 0.8) * sr)
    return out


def tonal_sound(kind: str, seconds: float, rng: np.random.Generator, sr: int = SAMPLE_RATE) -> np.ndarray:
    """One synthetic sound of a kind of :data:`TONAL_KINDS`, reverberated, at RMS 0.1.

    Parameters
    ----------
    kind : str
    seconds : float
    rng : np.random.Generator
        Draws every parameter.
    sr : int
        Sample rate in Hz.

    Returns
    -------
    np.ndarray, shape (round(seconds * sr),), float32

    Examples
    --------
    >>> sound = tonal_sound("chirps", 1.0, np.random.default_rng(0))
    >>> sound.shape, round(float(np.sqrt(np.mean(sound ** 2))), 3)
    ((16000,), 0.1)
    """
    n = int(round(seconds * sr))
    if n < 1:
        raise ValueError(f"seconds must give at least one sample, got {seconds}")
    if kind == "melody":
        sound = sum(_voice(n, rng, sr, plucked=False) for _ in range(int(rng.integers(1, 4))))
    elif kind == "plucked":
        sound = sum(_voice(n, rng, sr, plucked=True) for _ in range(int(rng.integers(1, 3))))
    elif kind == "drums":
        sound = _drums(n, rng, sr)
    elif kind == "chirps":
        sound = _chirps(n, rng, sr)
    elif kind == "glides":
        sound = _glides(n, rng, sr)
    else:
        raise ValueError(f"unknown kind {kind!r}; kinds are {', '.join(TONAL_KINDS)}")
    decay = rng.uniform(0.02, 0.4)
    response = rng.standard_normal(int(decay * sr)) * np.exp(-np.arange(int(decay * sr)) / sr / (decay / 6))
    response[0] = 1 / rng.uniform(0.1, 1.0)
    sound = fftconvolve(np.asarray(sound, np.float64), response)[:n]
    rms = np.sqrt(np.mean(sound ** 2))
    sound = sound + rms * 10 ** (-rng.uniform(20, 50) / 20) * rng.standard_normal(n)  # a recording's noise floor
    rms = np.sqrt(np.mean(sound ** 2))
    return (sound * (0.1 / rms if rms > 0 else 0)).astype(np.float32)

