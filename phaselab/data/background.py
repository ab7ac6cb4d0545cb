"""The synthetic set's background recordings: running tap, mains hum and coloured noises, made by code.

They stand in the synthetic tree's ``_background_noise_/`` where Speech Commands has real
recordings; the real set bundles real ones (:mod:`phaselab.data.real`).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve

from phaselab import SAMPLE_RATE
from phaselab.signal.noise import coloured_noise

__all__ = ["NOISE_SECONDS", "NOISE_FILES", "NOISE_RMS", "background_noises"]


NOISE_SECONDS = 15.0
"""Length of each ``_background_noise_`` file, in seconds."""


def _running_tap(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """A synthetic running tap: band-limited splashing noise with a slowly wandering level.

    White noise is band-passed to 300-4000 Hz (brick-wall in the frequency domain), then
    multiplied by a level that wanders slowly (white noise smoothed over 0.5 s) and by short
    "drop" bursts (40 per second at uniformly random times, gains 0.2-1, 2-10 ms decays). Unit RMS.
    """
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / sr)
    spectrum[(freqs < 300) | (freqs > 4000)] = 0
    splash = np.fft.irfft(spectrum, n)
    kernel = np.hanning(sr // 2)
    wander = fftconvolve(rng.standard_normal(n), kernel / kernel.sum(), mode="same")
    level = 1.0 + 0.3 * wander / np.abs(wander).max()
    drops = np.zeros(n)
    for start in rng.integers(0, n, size=int(40 * n / sr)):
        decay = rng.uniform(0.002, 0.010) * sr
        span = np.arange(min(n - start, int(6 * decay)))
        drops[start : start + len(span)] += rng.uniform(0.2, 1.0) * np.exp(-span / decay)
    noise = splash * level * (1.0 + drops)
    return noise / np.sqrt(np.mean(noise**2))


def _mains_hum(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """A synthetic mains hum: 50 Hz and its first 9 harmonics over faint pink noise.

    Harmonic k has amplitude 1/k (odd harmonics doubled, as from a transformer), a random
    starting phase, and a frequency that drifts by at most 0.1 Hz (white noise smoothed over 1 s, like a
    wandering grid frequency). Unit RMS.
    """
    kernel = np.hanning(sr)
    drift = fftconvolve(rng.standard_normal(n), kernel / kernel.sum(), mode="same")
    freq = 50.0 + 0.1 * drift / np.abs(drift).max()
    cycles = np.cumsum(freq) / sr
    hum = np.zeros(n)
    for k in range(1, 11):
        amp = (2.0 if k % 2 else 1.0) / k
        hum += amp * np.sin(2 * np.pi * k * cycles + rng.uniform(0, 2 * np.pi))
    hum /= np.sqrt(np.mean(hum**2))
    noise = hum + 0.05 * coloured_noise(n, 1.0, rng, "rms", np.float64)
    return noise / np.sqrt(np.mean(noise**2))


NOISE_FILES: dict[str, str] = {
    "white_noise.wav": "white Gaussian noise (flat power spectrum)",
    "pink_noise.wav": "pink noise: white Gaussian noise shaped in the frequency domain to a 1/f power spectrum",
    "brown_noise.wav": "brown (red) noise: shaped to a 1/f^2 power spectrum",
    "blue_noise.wav": "blue noise: shaped to an f power spectrum",
    "running_tap.wav": "a synthetic running tap: 300-4000 Hz band-passed noise with a slowly wandering level "
    "and random 2-10 ms drop bursts (about 40 per second)",
    "mains_hum.wav": "a synthetic mains hum: 50 Hz and 9 harmonics (amplitude 1/k, odd ones doubled), "
    "grid frequency drifting by at most 0.1 Hz, over faint pink noise",
}
"""The ``_background_noise_`` files and how each is made (all numpy, no recordings)."""


NOISE_RMS = 0.1
"""RMS level of every background noise file (full scale = 1)."""


def background_noises(seconds: float, rng: np.random.Generator, sr: int = SAMPLE_RATE) -> dict[str, np.ndarray]:
    """Make the ``_background_noise_`` clips listed in :data:`NOISE_FILES`.

    Parameters
    ----------
    seconds : float
        Length of each clip.
    rng : np.random.Generator
        Source of all randomness; the same state gives the same clips.
    sr : int
        Sample rate, in Hz.

    Returns
    -------
    dict of str to np.ndarray, shape (round(seconds * sr),), float32
        File name to clip, each with RMS :data:`NOISE_RMS`, in [-1, 1].
    """
    n = int(round(seconds * sr))
    unit = {
        "white_noise.wav": coloured_noise(n, 0.0, rng, "rms", np.float64),
        "pink_noise.wav": coloured_noise(n, 1.0, rng, "rms", np.float64),
        "brown_noise.wav": coloured_noise(n, 2.0, rng, "rms", np.float64),
        "blue_noise.wav": coloured_noise(n, -1.0, rng, "rms", np.float64),
        "running_tap.wav": _running_tap(n, sr, rng),
        "mains_hum.wav": _mains_hum(n, sr, rng),
    }
    return {name: np.clip(NOISE_RMS * audio, -1.0, 1.0).astype(np.float32) for name, audio in unit.items()}
