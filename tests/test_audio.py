from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from phaselab.audio import fit_length, read_wav, write_wav


def sine(freq: float, sr: int, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return 0.5 * np.sin(2 * np.pi * freq * t)


def peak_frequency(audio: np.ndarray, sr: int = 16000) -> float:
    spectrum = np.abs(np.fft.rfft(audio))
    return float(np.fft.rfftfreq(len(audio), 1 / sr)[spectrum.argmax()])


@pytest.mark.parametrize(
    "dtype, scale", [(np.int16, 32767), (np.int32, 2**31 - 1), (np.float32, 1.0), (np.uint8, None)]
)
def test_read_wav_scales_every_sample_format(tmp_path: Path, dtype, scale) -> None:
    x = sine(440, 16000)
    data = np.round(x * 127 + 128).astype(dtype) if scale is None else (x * scale).astype(dtype)
    wavfile.write(tmp_path / "a.wav", 16000, data)
    audio = read_wav(tmp_path / "a.wav")
    assert audio.dtype == np.float32 and audio.shape == (16000,)
    np.testing.assert_allclose(audio, x, atol=1e-2)


def test_read_wav_mixes_stereo_down(tmp_path: Path) -> None:
    left, right = sine(440, 16000), sine(1000, 16000)
    wavfile.write(tmp_path / "s.wav", 16000, np.stack([left, right], 1).astype(np.float32))
    np.testing.assert_allclose(read_wav(tmp_path / "s.wav"), (left + right) / 2, atol=1e-6)


@pytest.mark.parametrize("rate", [8000, 22050, 44100])
def test_read_wav_resamples_to_16k(tmp_path: Path, rate: int) -> None:
    wavfile.write(tmp_path / "r.wav", rate, sine(440, rate).astype(np.float32))
    audio = read_wav(tmp_path / "r.wav")
    assert audio.shape == (16000,)
    assert abs(peak_frequency(audio) - 440) <= 1


def test_read_wav_pads_and_crops(tmp_path: Path) -> None:
    wavfile.write(tmp_path / "p.wav", 16000, sine(440, 16000).astype(np.float32))
    assert read_wav(tmp_path / "p.wav", length=16384)[16000:].tolist() == [0.0] * 384
    assert read_wav(tmp_path / "p.wav", length=8000).shape == (8000,)


def test_fit_length_rejects_negative() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        fit_length(np.zeros(3), -1)


def test_write_wav_round_trips_and_leaves_no_temporary(tmp_path: Path) -> None:
    x = sine(300, 16000).astype(np.float32)
    write_wav(tmp_path / "w.wav", x)
    np.testing.assert_allclose(read_wav(tmp_path / "w.wav"), x, atol=1 / 32767)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.wav"]


def test_write_wav_rejects_multichannel(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mono"):
        write_wav(tmp_path / "w.wav", np.zeros((10, 2)))


def _valid_wav_bytes(tmp_path: Path) -> bytes:
    wavfile.write(tmp_path / "ok.wav", 16000, (sine(440, 16000) * 32767).astype(np.int16))
    return (tmp_path / "ok.wav").read_bytes()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.wav", None, "no such file"),
        ("empty.wav", b"", "empty"),
        ("text.wav", b"this is not audio at all", "not a WAV"),
        ("mp3.wav", b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(100), "not a WAV"),
        ("truncated.wav", "truncate", "broken WAV"),
        ("nodata.wav", "header-only", "broken WAV|no samples"),
    ],
)
def test_bad_wav_files_raise_a_clear_error(tmp_path: Path, name: str, content, message: str) -> None:
    path = tmp_path / name
    if content == "truncate":
        path.write_bytes(_valid_wav_bytes(tmp_path)[:30])
    elif content == "header-only":
        path.write_bytes(_valid_wav_bytes(tmp_path)[:44 - 8])
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        read_wav(path)
    assert name in str(info.value)
