from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from phaselab import SAMPLE_RATE
from phaselab.signal.audio import decode_audio, fit_length, read_wav, write_wav
from encoded_audio import write_ogg


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


def _wav_with_rate(tmp_path: Path, rate: int) -> Path:
    """A valid 16 kHz int16 WAV whose header's sample rate (and byte rate) says ``rate``."""
    raw = bytearray(_valid_wav_bytes(tmp_path))
    raw[24:28] = rate.to_bytes(4, "little")
    raw[28:32] = (2 * rate % 2**32).to_bytes(4, "little")
    path = tmp_path / f"rate{rate}.wav"
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_are_refused_naming_the_file(tmp_path: Path, value: float) -> None:
    x = sine(440, 16000).astype(np.float32)
    x[100:200] = value
    wavfile.write(tmp_path / "nan.wav", 16000, x)
    with pytest.raises(ValueError, match=r"nan\.wav: 100 samples are NaN or infinite \(the first at sample 100\)"):
        read_wav(tmp_path / "nan.wav")


def test_non_finite_stereo_samples_are_counted_once(tmp_path: Path) -> None:
    x = np.zeros((1000, 2), np.float32)
    x[5, 1] = np.nan
    wavfile.write(tmp_path / "s.wav", 16000, x)
    with pytest.raises(ValueError, match="1 samples are NaN or infinite"):
        read_wav(tmp_path / "s.wav")


def test_a_truncated_data_chunk_is_refused_unless_allowed(tmp_path: Path) -> None:
    raw = _valid_wav_bytes(tmp_path)
    (tmp_path / "cut.wav").write_bytes(raw[:44 + 1000])
    with pytest.raises(ValueError, match=r"cut\.wav: truncated WAV file: the header announces 32000 bytes "
                                         r"of samples, the file holds 1000"):
        read_wav(tmp_path / "cut.wav")
    audio = read_wav(tmp_path / "cut.wav", allow_truncated=True)
    assert audio.shape == (500,)
    np.testing.assert_allclose(audio, sine(440, 16000)[:500], atol=1e-4)


@pytest.mark.parametrize("rate", [1, 999, 384_001, 2**31 - 1])
def test_sample_rates_outside_the_limits_are_refused_before_reading(tmp_path: Path, rate: int) -> None:
    path = _wav_with_rate(tmp_path, rate)
    with pytest.raises(ValueError, match=f"sample rate, {rate} Hz, is outside the 1000-384000 Hz"):
        read_wav(path)


@pytest.mark.parametrize("rate", [1000, 384_000])
def test_the_limits_themselves_are_read(tmp_path: Path, rate: int) -> None:
    assert read_wav(_wav_with_rate(tmp_path, rate)).shape == (-(-16000 * 16000 // rate),)  # ceil


def test_a_directory_and_a_dangling_link_say_what_they_are(tmp_path: Path) -> None:
    (tmp_path / "folder.wav").mkdir()
    with pytest.raises(ValueError, match=r"folder\.wav: is a directory, not a WAV file"):
        read_wav(tmp_path / "folder.wav")
    (tmp_path / "link.wav").symlink_to(tmp_path / "gone.wav")
    with pytest.raises(ValueError, match=r"link\.wav: a symbolic link to .*gone\.wav, which does not exist"):
        read_wav(tmp_path / "link.wav")


def test_write_wav_removes_a_stale_temporary_of_its_own(tmp_path: Path) -> None:
    (tmp_path / ".part-w.wav").write_bytes(b"left by a killed run")
    write_wav(tmp_path / "w.wav", np.zeros(10))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.wav"]


def test_decode_audio_reads_ogg_at_16_khz_and_names_a_broken_file(tmp_path: Path) -> None:
    t = np.arange(2 * 44100) / 44100
    path = write_ogg(tmp_path / "tone.ogg", 0.5 * np.sin(2 * np.pi * 440 * t))
    audio = decode_audio(path)
    assert audio.dtype == np.float32 and abs(len(audio) - 2 * SAMPLE_RATE) < 0.05 * SAMPLE_RATE
    spectrum = np.abs(np.fft.rfft(audio[: SAMPLE_RATE]))
    assert abs(np.argmax(spectrum) - 440) <= 2  # 1 Hz bins: the tone survived decoding and resampling
    (tmp_path / "broken.ogg").write_bytes(b"OggS not really")
    with pytest.raises(ValueError, match="broken.ogg: ffmpeg cannot decode it"):
        decode_audio(tmp_path / "broken.ogg")
