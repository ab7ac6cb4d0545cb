"""Compressed audio files for the tests of :func:`phaselab.signal.audio.decode_audio` and its readers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from phaselab.paths import ffmpeg_exe


def write_ogg(path: Path, audio: np.ndarray, sr: int = 44100) -> Path:
    """Encode a mono float clip as Ogg Vorbis at ``sr`` Hz with the ffmpeg of imageio-ffmpeg."""
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "f32le", "-ar", str(sr), "-ac", "1", "-i", "-",
                    "-c:a", "libvorbis", str(path)], input=np.asarray(audio, "<f4").tobytes(), check=True)
    return path
