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

Synthetic harmonics are still not instruments: :func:`rendered_music` plays a random piece
(:func:`random_midi`: a melody, chords and a bass on General MIDI instruments drawn at random, drums on half
of them) through FluidSynth and its General MIDI sound font, sampled recordings of real instruments (Debian:
``apt-get install fluidsynth fluid-soundfont-gm``; only a detector's training needs them).
Used by ``benchmarks/experiments/train_speech_detector.py --tonal --music`` as extra negatives.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from scipy.signal import fftconvolve

from phaselab import SAMPLE_RATE

__all__ = ["TONAL_KINDS", "tonal_sound", "VOICE_PROGRAMS", "random_midi", "SOUND_FONTS", "MissingSynthesizer", "render_midi",
           "rendered_music"]

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



VOICE_PROGRAMS = (52, 53, 54, 85, 91)
"""General MIDI programs (0-based) that imitate a voice (choir aahs, voice oohs, synth voice, a voice lead, a
choir pad): :func:`random_midi` never draws them, so that a detector is not taught that a voice is not speech."""

SOUND_FONTS = (Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"), Path("/usr/share/sounds/sf2/default-GM.sf2"))
"""Where Debian's ``fluid-soundfont-gm`` puts its General MIDI sound font; :func:`render_midi` takes the first there."""


class MissingSynthesizer(RuntimeError):
    """FluidSynth or a General MIDI sound font is not installed (the message says what to install)."""


def _vlq(value: int) -> bytes:
    """A MIDI variable-length quantity."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def random_midi(seconds: float, rng: np.random.Generator) -> bytes:
    """A random piece of music as a Standard MIDI File (format 0): melody, chords, bass and perhaps drums.

    A key and a tempo (60-180 beats per minute) are drawn; the melody walks the scale in notes of a half,
    one or two beats, the chords change every two or four beats, the bass plays their roots, and on half of
    the pieces channel 10 plays a drum pattern. Each part takes a General MIDI instrument (program 0-119)
    drawn at random, never one of :data:`VOICE_PROGRAMS`; velocities vary.

    Parameters
    ----------
    seconds : float
        Length of the music, without the last notes' release.
    rng : np.random.Generator
        Draws everything.

    Returns
    -------
    bytes
        The file's content (:func:`render_midi` plays it).

    Examples
    --------
    >>> midi = random_midi(2.0, np.random.default_rng(0))
    >>> midi[:4], midi[-3:]
    (b'MThd', b'\\xff/\\x00')
    """
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    ticks, tempo = 480, float(rng.uniform(60, 180))
    beats = int(np.ceil(seconds * tempo / 60))
    programs = [p for p in range(120) if p not in VOICE_PROGRAMS]
    scale = np.array([0, 2, 4, 5, 7, 9, 11]) if rng.random() < 0.6 else np.array([0, 2, 3, 5, 7, 8, 10])
    key = int(rng.integers(0, 12))
    events: list[tuple[int, bytes]] = []  # (tick, message)

    def note(channel: int, pitch: int, start: float, length: float, velocity: int) -> None:
        pitch = int(np.clip(pitch, 21, 108))
        events.append((int(start * ticks), bytes([0x90 | channel, pitch, int(np.clip(velocity, 1, 127))])))
        events.append((int((start + length) * ticks), bytes([0x80 | channel, pitch, 0])))

    for channel in range(3):
        events.append((0, bytes([0xC0 | channel, int(rng.choice(programs))])))
    degree, beat = int(rng.integers(0, 7)), 0.0
    while beat < beats:  # the melody, channel 0
        length = float(rng.choice([0.5, 1.0, 1.0, 2.0]))
        degree = int(np.clip(degree + rng.integers(-2, 3), -3, 10))
        pitch = 60 + key + 12 * (degree // 7) + int(scale[degree % 7])
        note(0, pitch, beat, length * rng.uniform(0.7, 1.0), int(rng.integers(60, 120)))
        beat += length
    chord_beats, beat = int(rng.choice([2, 4])), 0.0
    while beat < beats:  # chords (channel 1) and their roots in the bass (channel 2)
        root = int(rng.integers(0, 7))
        for step in (0, 2, 4):
            d = root + step
            note(1, 48 + key + 12 * (d // 7) + int(scale[d % 7]), beat, chord_beats * 0.95, int(rng.integers(40, 90)))
        note(2, 36 + key + int(scale[root]), beat, chord_beats * 0.9, int(rng.integers(60, 110)))
        beat += chord_beats
    if rng.random() < 0.5:  # drums on channel 10 (index 9): kick, snare, hi-hat
        for b in np.arange(0, beats, 0.5):
            if b % 2 == 0:
                note(9, 36, b, 0.25, int(rng.integers(80, 120)))
            if b % 2 == 1:
                note(9, 38, b, 0.25, int(rng.integers(70, 110)))
            note(9, 42, b, 0.2, int(rng.integers(40, 90)))
    events.sort(key=lambda e: (e[0], e[1][0] & 0xF0 == 0x90))  # note-offs before note-ons at one tick
    micro = int(round(60e6 / tempo))
    track = _vlq(0) + b"\xff\x51\x03" + micro.to_bytes(3, "big")
    last = 0
    for tick, message in events:
        track += _vlq(tick - last) + message
        last = tick
    track += _vlq(0) + b"\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, ticks) + b"MTrk" + struct.pack(">I", len(track)) + track


def render_midi(midi: bytes, sr: int = SAMPLE_RATE, sound_font: str | os.PathLike | None = None) -> np.ndarray:
    """Play a MIDI file through FluidSynth: mono float32 audio at ``sr`` Hz, with the synthesizer's reverb.

    Parameters
    ----------
    midi : bytes
        A Standard MIDI File (:func:`random_midi`).
    sr : int
        Sample rate in Hz.
    sound_font : path-like, optional
        A ``.sf2`` file; default the first of :data:`SOUND_FONTS` that exists.

    Returns
    -------
    np.ndarray, shape (n,), float32

    Raises
    ------
    MissingSynthesizer
        Where ``fluidsynth`` or a sound font is missing (the message says what to install).
    RuntimeError
        Where FluidSynth fails.
    """
    from phaselab.signal.audio import read_wav

    program = shutil.which("fluidsynth")
    font = Path(sound_font) if sound_font is not None else next((f for f in SOUND_FONTS if f.is_file()), None)
    if program is None or font is None or not font.is_file():
        raise MissingSynthesizer("rendering music needs FluidSynth and a General MIDI sound font: "
                                 "apt-get install fluidsynth fluid-soundfont-gm")
    with tempfile.TemporaryDirectory(prefix="phaselab-midi-") as folder:
        source, target = Path(folder) / "piece.mid", Path(folder) / "piece.wav"
        source.write_bytes(midi)
        done = subprocess.run([program, "-ni", "-q", "-g", "0.5", "-r", str(sr), "-T", "wav", "-F", str(target),
                               str(font), str(source)], capture_output=True, text=True)
        if done.returncode != 0 or not target.is_file():
            raise RuntimeError(f"fluidsynth failed: {(done.stderr or done.stdout).strip()[-300:]}")
        return read_wav(target, sr)


def rendered_music(seconds: float, rng: np.random.Generator, sr: int = SAMPLE_RATE) -> np.ndarray:
    """A random piece (:func:`random_midi`) played by FluidSynth, cut or padded to ``seconds``, at RMS 0.1.

    Returns
    -------
    np.ndarray, shape (round(seconds * sr),), float32
    """
    n = int(round(seconds * sr))
    audio = render_midi(random_midi(seconds, rng), sr)[:n]
    audio = np.pad(audio, (0, n - len(audio)))
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    return (audio * (0.1 / rms if rms > 0 else 0.0)).astype(np.float32)
