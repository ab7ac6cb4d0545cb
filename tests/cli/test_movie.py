import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from phaselab.cli.main import main
from phaselab.display.animation import SlicingAnimation
from phaselab.data.speech_commands import bundled_clip
from phaselab.display.video import probe
from phaselab.signal.audio import write_wav

SR = 16000


@pytest.fixture
def wav(tmp_path):
    t = np.arange(SR // 5) / SR
    path = tmp_path / "in" / "tone.wav"
    path.parent.mkdir()
    write_wav(path, 0.5 * np.sin(2 * np.pi * 500 * t))
    return path


@pytest.fixture
def out_dir(tmp_path):
    path = tmp_path / "out"
    path.mkdir()
    return path


def test_movie_of_a_wav_along_time(wav, out_dir, capsys):
    out = out_dir / "tone.mp4"
    assert main(["movie", str(wav), "--out", str(out), "--crop", "0:0.5", "--fps", "10", "--n-phases", "4"]) == 0
    info = probe(out)
    assert (info.codec, info.pix_fmt, info.n_frames) == ("h264", "yuv420p", 25)  # 50 frames, half kept
    assert info.duration == pytest.approx(2.5, abs=0.01)
    assert info.width % 2 == 0 and info.height % 2 == 0
    assert "wrote" in capsys.readouterr().out
    assert list(out_dir.iterdir()) == [out]


def test_movie_along_phase_as_gif_with_default_fps(wav, out_dir):
    from PIL import Image

    out = out_dir / "tone.gif"
    assert main(["movie", str(wav), "--out", str(out), "--axis", "phase", "--reducer", "mean",
                 "--n-phases", "3", "--sigma", "0.5"]) == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 3 and gif.info["duration"] == 200


def test_word_and_random_phase_twin(out_dir, monkeypatch):
    monkeypatch.setattr(SlicingAnimation, "n_frames", property(lambda self: 3))  # keep it short
    out = out_dir / "twin.mp4"
    assert main(["movie", "--word", "marvin", "--random-phase", "--out", str(out)]) == 0
    assert bundled_clip("marvin").is_file()
    assert probe(out).n_frames == 3


@pytest.mark.parametrize("content", [b"", b"RIFF\x00\x00\x00\x00WAVEfmt ", b"hello, not audio"])
def test_bad_wav_fails_with_exit_1_and_no_file(tmp_path, out_dir, content, capsys):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(content)
    assert main(["movie", str(bad), "--out", str(out_dir / "x.mp4")]) == 1
    assert "bad.wav" in capsys.readouterr().err
    assert list(out_dir.iterdir()) == []


def test_unwritable_output_fails_with_exit_1(wav, tmp_path, capsys):
    assert main(["movie", str(wav), "--out", str(tmp_path / "missing" / "x.mp4")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["movie", str(wav), "--out", str(tmp_path)]) == 1
    assert "is a directory" in capsys.readouterr().err


def test_failure_while_rendering_leaves_no_partial_movie(wav, out_dir, monkeypatch, capsys):
    render = SlicingAnimation.render

    def failing(self, index):
        if index == 3:
            raise ValueError("rendering failed")
        return render(self, index)

    monkeypatch.setattr(SlicingAnimation, "render", failing)
    assert main(["movie", str(wav), "--out", str(out_dir / "x.mp4")]) == 1
    assert "rendering failed" in capsys.readouterr().err
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    (["--crop", "0.8:0.2"], "crop"), (["--fps", "0"], "fps"), (["--n-phases", "0"], "n-phases"),
    (["--sigma", "-1"], "sigma"), (["--word", "nosuchword"], "no bundled clip"),
])
def test_bad_options_fail_with_exit_1(wav, out_dir, args, message, capsys):
    source = [] if "--word" in args else [str(wav)]
    assert main(["movie", *source, "--out", str(out_dir / "x.mp4"), *args]) == 1
    assert message in capsys.readouterr().err
    assert list(out_dir.iterdir()) == []


def run_movie(*args: str) -> subprocess.CompletedProcess:
    """``python -m phaselab movie ARGS`` in a subprocess."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "phaselab", "movie", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def assert_one_line_error(done: subprocess.CompletedProcess, code: int, *fragments: str) -> None:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("phaselab movie: error: "), done.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_nan_audio_is_refused_naming_the_file(tmp_path, out_dir):
    from scipy.io import wavfile

    x = np.zeros(SR // 5, np.float32)
    x[1000:1100] = np.nan
    wavfile.write(tmp_path / "nan.wav", SR, x)
    assert_one_line_error(run_movie(str(tmp_path / "nan.wav"), "--out", str(out_dir / "x.mp4")), 1,
                          "nan.wav: 100 samples are NaN or infinite")
    assert list(out_dir.iterdir()) == []


def test_the_input_is_never_overwritten(wav):
    before = wav.read_bytes()
    assert_one_line_error(run_movie(str(wav), "--out", str(wav), "--force"), 1, "must end in .mp4")
    twin = wav.with_name("tone.mp4")
    twin.write_bytes(before)  # a WAV that is misnamed .mp4, filmed onto itself
    assert_one_line_error(run_movie(str(twin), "--out", str(twin), "--force"), 1, "--out is the input clip")
    assert wav.read_bytes() == before and twin.read_bytes() == before


@pytest.mark.parametrize("name", ["x.wav", "x.png", "x"])
def test_an_output_that_is_not_a_movie_is_refused(wav, out_dir, name, capsys):
    assert main(["movie", str(wav), "--out", str(out_dir / name)]) == 1
    assert "--out must end in .mp4" in capsys.readouterr().err
    assert list(out_dir.iterdir()) == []


def test_an_existing_movie_is_overwritten_only_with_force(wav, out_dir, capsys):
    out = out_dir / "x.gif"
    out.write_bytes(b"an older movie")
    args = ["movie", str(wav), "--out", str(out), "--axis", "phase", "--n-phases", "2"]
    assert main(args) == 1
    assert "exists; pass --force" in capsys.readouterr().err
    assert out.read_bytes() == b"an older movie"
    assert main([*args, "--force"]) == 0
    assert out.read_bytes()[:3] == b"GIF"


@pytest.mark.parametrize("fps", ["nan", "inf"])
def test_fps_must_be_a_finite_positive_number(wav, out_dir, fps, capsys):
    assert main(["movie", str(wav), "--out", str(out_dir / "x.mp4"), "--fps", fps]) == 1
    assert "--fps must be a positive number" in capsys.readouterr().err
    assert list(out_dir.iterdir()) == []


def test_a_long_clip_is_refused_up_front_unless_cropped(tmp_path, out_dir, capsys):
    long = tmp_path / "long.wav"
    write_wav(long, np.zeros(60 * SR))  # a minute: 15000 STFT frames
    out = out_dir / "x.mp4"
    assert main(["movie", str(long), "--out", str(out)]) == 1
    assert "15000 frames (600 s at 25 fps), more than --max-frames 1500" in capsys.readouterr().err
    assert main(["movie", str(long), "--out", str(out), "--axis", "phase", "--max-memory", "0.05"]) == 1
    assert "would need 0.1 GB, more than --max-memory 0.05" in capsys.readouterr().err
    assert list(out_dir.iterdir()) == []
    assert main(["movie", str(long), "--out", str(out), "--crop", "0:0.0004"]) == 0
    assert probe(out).n_frames == 6


def test_an_output_under_a_regular_file_says_so(wav, tmp_path, capsys):
    (tmp_path / "file").write_text("not a directory")
    assert main(["movie", str(wav), "--out", str(tmp_path / "file" / "x.mp4")]) == 1
    assert "is a file, not a directory" in capsys.readouterr().err


def test_a_stale_temporary_of_the_output_is_removed(wav, out_dir):
    (out_dir / ".part-x.mp4").write_bytes(b"left by a kill -9")
    assert main(["movie", str(wav), "--out", str(out_dir / "x.mp4"), "--crop", "0:0.1"]) == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["x.mp4"]


def test_sigterm_while_encoding_leaves_nothing_behind(tmp_path, out_dir):
    clip = tmp_path / "clip.wav"
    write_wav(clip, 0.3 * np.sin(2 * np.pi * 440 * np.arange(4 * SR) / SR))  # 1000 frames: many seconds
    out = out_dir / "x.mp4"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    process = subprocess.Popen([sys.executable, "-m", "phaselab", "movie", str(clip), "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 120
    while not (out_dir / ".part-x.mp4").exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the movie never started"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 143, errors
    assert "phaselab movie: terminated" in errors and "Traceback" not in errors
    assert list(out_dir.iterdir()) == []
