"""``phaselab choir`` and ``phaselab griffin-lim``, run as a user runs them: in a subprocess."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from phaselab.data.speech_commands import bundled_clip
from phaselab.signal.audio import read_wav
from phaselab.signal.reconstruction import (
    randomize_phase,
    spectral_convergence,
    zero_phase,
)
from phaselab.signal.stft import stft

SR = 16000
REPO = Path(__file__).resolve().parents[2]


def phaselab(*args: str) -> subprocess.CompletedProcess:
    """Run ``python -m phaselab ARGS`` with this checkout first on the path."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "phaselab", *args], capture_output=True, text=True, env=env,
                          timeout=900)


@pytest.fixture
def wav(tmp_path):
    """A 0.25 s vowel-like clip: 150 Hz harmonics, as a stereo 22.05 kHz WAV (read_wav converts it)."""
    rate = 22050
    t = np.arange(rate // 4) / rate
    clip = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 8)) * 0.2
    path = tmp_path / "in" / "vowel.wav"
    path.parent.mkdir()
    wavfile.write(path, rate, np.round(np.stack([clip, 0.5 * clip], axis=1) * 32767).astype(np.int16))
    return path


@pytest.fixture
def out_dir(tmp_path):
    path = tmp_path / "out"
    path.mkdir()
    return path


def magnitude(audio):
    return np.abs(stft(audio, 512, 128, framing="full"))


def test_choir_keeps_the_magnitude_and_replaces_the_waveform(wav, out_dir):
    out = out_dir / "choir.wav"
    done = phaselab("choir", str(wav), str(out), "--seed", "3")
    assert done.returncode == 0, done.stderr
    original, choir = read_wav(wav), read_wav(out)
    assert choir.shape == original.shape
    expected = randomize_phase(original, np.random.default_rng(3))  # the library's choir, same seed
    assert np.max(np.abs(choir - expected)) < 2 / 32767  # 16-bit rounding only
    printed = float(re.search(r"spectral convergence to the original magnitude: ([0-9.]+)", done.stdout)[1])
    assert printed == pytest.approx(spectral_convergence(magnitude(original), magnitude(expected)), abs=2e-3)
    assert abs(np.corrcoef(original, choir)[0, 1]) < 0.5  # a different waveform
    assert list(out_dir.iterdir()) == [out]


def test_choir_zero_phase(wav, out_dir):
    out = out_dir / "zero.wav"
    done = phaselab("choir", "--zero", str(wav), str(out))
    assert done.returncode == 0, done.stderr
    assert "zero phase" in done.stdout
    assert np.max(np.abs(read_wav(out) - zero_phase(read_wav(wav)))) < 2 / 32767


def test_griffin_lim_converges_and_prints_it(wav, out_dir):
    out = out_dir / "gl.wav"
    done = phaselab("griffin-lim", str(wav), str(out), "--iterations", "30")
    assert done.returncode == 0, done.stderr
    match = re.search(r"spectral convergence after 30 iterations: ([0-9.]+) \(after the first: ([0-9.]+)\)", done.stdout)
    final, first = float(match[1]), float(match[2])
    assert final < first / 2  # Griffin-Lim made the magnitude consistent
    rebuilt = read_wav(out)
    assert spectral_convergence(magnitude(read_wav(wav)), magnitude(rebuilt)) == pytest.approx(final, abs=2e-3)


def test_word_takes_the_bundled_clip(out_dir):
    out = out_dir / "marvin_choir.wav"
    done = phaselab("choir", "--word", "marvin", str(out))
    assert done.returncode == 0, done.stderr
    assert "marvin" in done.stdout
    assert len(read_wav(out)) == len(read_wav(bundled_clip("marvin")))
    out = out_dir / "marvin_gl.wav"
    assert phaselab("griffin-lim", "--word", "marvin", str(out), "--iterations", "2").returncode == 0
    assert out.is_file()


@pytest.mark.parametrize("command", ["choir", "griffin-lim"])
@pytest.mark.parametrize("content", [b"", b"RIFF\x00\x00\x00\x00WAVEfmt ", b"hello, not audio"])
def test_bad_wav_fails_on_one_line_with_no_file(tmp_path, out_dir, command, content):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(content)
    done = phaselab(command, str(bad), str(out_dir / "x.wav"))
    assert done.returncode == 1
    assert done.stderr.startswith(f"phaselab {command}: error: ") and "bad.wav" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    (["IN", "OUT", "--iterations", "0"], "--iterations"),
    (["IN", "OUT", "--momentum", "1"], "--momentum"),
    (["IN", "OUT", "--frame-step", "0"], "--frame-step"),
    (["IN"], "expected IN.wav OUT.wav"),
    (["--word", "marvin", "IN", "OUT"], "expected OUT.wav"),
    (["--word", "nosuchword", "OUT"], "no bundled clip"),
    (["IN", "MISSING"], "does not exist"),
    (["IN", "DIR"], "is a directory"),
    (["IN", "OUT.mp3"], "must be a .wav"),
    (["IN", "IN"], "overwrite the input"),
    (["NOFILE", "OUT"], "no such file"),
])
def test_bad_arguments_fail_on_one_line_with_no_file(wav, tmp_path, out_dir, args, message):
    paths = {"IN": str(wav), "OUT": str(out_dir / "x.wav"), "MISSING": str(tmp_path / "missing" / "x.wav"),
             "DIR": str(out_dir), "OUT.mp3": str(out_dir / "x.mp3"), "NOFILE": str(tmp_path / "nofile.wav")}
    done = phaselab("griffin-lim", *[paths.get(a, a) for a in args])
    assert done.returncode == 1, done.stdout
    assert message in done.stderr and done.stderr.count("\n") == 1
    assert list(out_dir.iterdir()) == []
    assert sorted(p.name for p in wav.parent.iterdir()) == ["vowel.wav"]
