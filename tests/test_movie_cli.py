import numpy as np
import pytest

from phaselab.animation import SlicingAnimation
from phaselab.audio import write_wav
from phaselab.cli import main
from phaselab.movie import bundled_clip
from phaselab.video import probe

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
