"""Reading and writing WAV clips as float32 mono at phaselab's sample rate."""

from __future__ import annotations

import os
import struct
import warnings
from math import gcd
from pathlib import Path

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

from phaselab import SAMPLE_RATE
from phaselab.atomic import atomic_path

__all__ = ["read_wav", "write_wav", "decode_audio", "fit_length", "pcm_to_float", "MIN_RATE", "MAX_RATE"]

MIN_RATE = 1_000
"""The lowest sample rate :func:`read_wav` accepts, in Hz (a lower one is a broken header)."""

MAX_RATE = 384_000
"""The highest sample rate :func:`read_wav` accepts, in Hz (the highest in common audio use)."""


def pcm_to_float(data: np.ndarray) -> np.ndarray:
    """Integer PCM samples as float32 in [-1, 1], as a WAV file means them.

    uint8 is offset by 128 (8-bit WAVs are unsigned); signed integers are divided by
    ``2 ** (bits - 1)``, so int16 ``-32768 .. 32767`` becomes ``-1 .. 32767 / 32768``.
    Float arrays are returned as float32, unscaled.
    """
    data = np.asarray(data)
    if data.dtype == np.uint8:
        return (data.astype(np.float32) - 128.0) / 128.0
    if np.issubdtype(data.dtype, np.integer):
        return data.astype(np.float32) / float(-np.iinfo(data.dtype).min)
    return data.astype(np.float32)


def _to_float(data: np.ndarray) -> np.ndarray:
    """Scale integer or float samples to float32 in [-1, 1]."""
    if np.issubdtype(data.dtype, np.integer):
        return pcm_to_float(data)
    return np.clip(data.astype(np.float32), -1.0, 1.0)


def _scan_chunks(path: Path) -> tuple[int | None, int | None, int]:
    """The sample rate of the ``fmt`` chunk, and the bytes of samples the ``data`` chunk
    announces and holds: ``(rate, announced, present)``, None where the file does not say
    (no such chunk; RF64, whose sizes live elsewhere)."""
    size = path.stat().st_size
    rate = announced = None
    present = 0
    with open(path, "rb") as handle:
        head = handle.read(12)
        order = ">" if head[:4] == b"RIFX" else "<"
        while True:
            chunk = handle.read(8)
            if len(chunk) < 8:
                break
            name, length = chunk[:4], struct.unpack(order + "I", chunk[4:])[0]
            if name == b"fmt ":
                body = handle.read(min(length, 16))
                if len(body) >= 8:
                    rate = struct.unpack(order + "I", body[4:8])[0]
                handle.seek(length - len(body) + length % 2, os.SEEK_CUR)
            elif name == b"data":
                present = max(0, size - handle.tell())
                announced = None if head[:4] == b"RF64" else length
                break
            else:
                handle.seek(length + length % 2, os.SEEK_CUR)
    return rate, announced, present


def fit_length(audio: np.ndarray, length: int) -> np.ndarray:
    """Crop the end of, or zero-pad at the end, a clip to exactly ``length`` samples.

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        A mono clip.
    length : int
        Number of samples wanted.

    Returns
    -------
    np.ndarray, shape (length,)
        Same dtype as ``audio``.
    """
    if length < 0:
        raise ValueError(f"length must be non-negative, got {length}")
    if len(audio) >= length:
        return audio[:length]
    return np.pad(audio, (0, length - len(audio)))


def read_wav(
    path: str | os.PathLike, sr: int = SAMPLE_RATE, length: int | None = None, allow_truncated: bool = False
) -> np.ndarray:
    """Read a WAV file as a float32 mono clip at ``sr`` Hz.

    int16, int32, uint8 and float WAVs are accepted; stereo is mixed down by averaging
    the channels; other sample rates (from :data:`MIN_RATE` to :data:`MAX_RATE`) are
    resampled with a polyphase filter. Float samples beyond [-1, 1] are clipped; NaN or
    infinite samples are refused.

    Parameters
    ----------
    path : str or path-like
        The WAV file.
    sr : int
        Sample rate wanted, in Hz.
    length : int, optional
        If given, crop or zero-pad the clip to this many samples (at ``sr``).
    allow_truncated : bool
        Read the samples a truncated file holds instead of refusing it.

    Returns
    -------
    np.ndarray, shape (n,), float32
        Samples in [-1, 1].

    Raises
    ------
    ValueError
        If the file is missing, a directory, empty, not a WAV, truncated (it holds fewer
        bytes of samples than its header announces), has a sample rate outside
        :data:`MIN_RATE` .. :data:`MAX_RATE`, holds no samples or non-finite ones; the
        message names the file and what is wrong.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path}: is a directory, not a WAV file")
    if path.is_symlink() and not path.exists():
        raise ValueError(f"{path}: a symbolic link to {os.readlink(path)}, which does not exist")
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: the file is empty (0 bytes), not a WAV")
    with open(path, "rb") as handle:
        head = handle.read(12)
    if head[:4] not in (b"RIFF", b"RIFX", b"RF64") or head[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a WAV file (no RIFF/WAVE header; starts with {head[:12]!r})")
    rate, announced, present = _scan_chunks(path)
    if rate is not None and not MIN_RATE <= rate <= MAX_RATE:
        raise ValueError(f"{path}: the header's sample rate, {rate} Hz, is outside the {MIN_RATE}-{MAX_RATE} Hz "
                         "phaselab reads (a broken header?)")
    if announced is not None and present < announced and not allow_truncated:
        raise ValueError(f"{path}: truncated WAV file: the header announces {announced} bytes of samples, "
                         f"the file holds {present}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", wavfile.WavFileWarning)
            rate, data = wavfile.read(path)
    except Exception as exc:  # scipy raises ValueError, EOFError or struct errors for broken files
        raise ValueError(f"{path}: broken WAV file ({type(exc).__name__}: {exc})") from exc
    if data.size == 0:
        raise ValueError(f"{path}: the WAV file holds no samples")
    if data.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(data.reshape(len(data), -1)).all(axis=1))
        if bad.size:
            raise ValueError(f"{path}: {bad.size} samples are NaN or infinite (the first at sample {bad[0]}); "
                             "phaselab reads finite audio only")
    audio = _to_float(data)
    if audio.ndim == 2:
        audio = audio.mean(axis=1)
    if rate != sr:
        common = gcd(int(rate), int(sr))
        audio = resample_poly(audio, sr // common, int(rate) // common).astype(np.float32)
    if length is not None:
        audio = fit_length(audio, length)
    return np.ascontiguousarray(audio, dtype=np.float32)


def write_wav(path: str | os.PathLike, audio: np.ndarray, sr: int = SAMPLE_RATE) -> Path:
    """Write a float clip in [-1, 1] as a 16-bit PCM mono WAV.

    The file is written to a temporary name and renamed, so an interrupted write
    never leaves a half-written WAV behind.

    Parameters
    ----------
    path : str or path-like
        Destination file.
    audio : np.ndarray, shape (n,)
        Float samples; values outside [-1, 1] are clipped.
    sr : int
        Sample rate, in Hz.

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    audio = np.asarray(audio)
    if audio.ndim != 1:
        raise ValueError(f"write_wav expects a mono clip of shape (n,), got shape {audio.shape}")
    pcm = np.round(np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)
    with atomic_path(path) as tmp:
        wavfile.write(tmp, sr, pcm)
    return path


def decode_audio(path: str | os.PathLike, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Any audio file ffmpeg reads (OGG, Opus, MP3, FLAC, WAV ...) as mono float32 at ``sr`` Hz.

    Returns
    -------
    np.ndarray, shape (n,), float32

    Raises
    ------
    ValueError
        If ffmpeg cannot decode the file (the message names it).
    """
    import subprocess

    from phaselab.paths import ffmpeg_exe

    done = subprocess.run([ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-ac", "1", "-ar", str(sr),
                           "-f", "f32le", "-"], capture_output=True)
    if done.returncode != 0 or not done.stdout:
        raise ValueError(f"{path}: ffmpeg cannot decode it ({done.stderr.decode(errors='replace').strip()[-200:]})")
    return np.clip(np.frombuffer(done.stdout, dtype="<f4"), -1.0, 1.0).astype(np.float32)
