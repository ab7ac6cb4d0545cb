"""The numbers every layer of phaselab agrees on: sample rate, clip length, model input length.

Pure Python (no NumPy): anything may import it.

Examples
--------
>>> from phaselab.constants import CLIP_SAMPLES, MODEL_SAMPLES, SAMPLE_RATE
>>> SAMPLE_RATE, CLIP_SAMPLES, MODEL_SAMPLES, MODEL_SAMPLES // 64
(16000, 16000, 16384, 256)
"""

from __future__ import annotations

__all__ = ["SAMPLE_RATE", "CLIP_SAMPLES", "MODEL_SAMPLES"]

SAMPLE_RATE = 16000
"""Sample rate of every clip phaselab works with, in Hz (the Speech Commands rate)."""

CLIP_SAMPLES = SAMPLE_RATE
"""Samples of a Speech Commands clip (1 s at 16 kHz)."""

MODEL_SAMPLES = 16384
"""Samples every model takes: a clip zero-padded at the end to a power of two (256 STFT frames of hop 64)."""
