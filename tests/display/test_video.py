from pathlib import Path

import numpy as np
import pytest

from phaselab.atomic import check_output_file
from phaselab.display.video import (
    VideoInfo,
    VideoWriter,
    parse_ffmpeg_report,
    probe,
    video_html,
)
from phaselab.paths import ffmpeg_exe

REPORT = """Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 't.mp4':
  Duration: 00:01:01.48, start: 0.000000, bitrate: 65 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 322x240 [SAR 1:1 DAR 161:120], 58 kb/s, 29.97 fps, 29.97 tbr, 12800 tbn (default)
Stream mapping:
  Stream #0:0 -> #0:0 (copy)
Output #0, null, to 'pipe:':
  Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 999x999, 12 fps
frame=   10 fps=0.0 q=-1.0 size=N/A\rframe= 1843 fps=0.0 q=-1.0 Lsize=N/A time=00:01:01.40
"""


def frames(n, height=36, width=50, channels=3):
    """Frames whose brightness ramps up, so the encoder has something to encode."""
    return [np.full((height, width, channels), 8 * i % 256, np.uint8) for i in range(n)]


def test_parse_report_reads_the_input_stream_and_the_last_frame_count():
    info = parse_ffmpeg_report(REPORT)
    assert info == VideoInfo("h264", "yuv420p", 322, 240, 29.97, 1843, 61.48)


def test_parse_report_names_what_is_missing():
    with pytest.raises(ValueError, match="video stream"):
        parse_ffmpeg_report("Duration: 00:00:01.00, start: 0\nframe=   3")


@pytest.mark.parametrize("channels", [3, 4])
def test_writer_makes_a_browser_friendly_mp4(tmp_path, channels):
    path = tmp_path / "movie.mp4"
    with VideoWriter(path, fps=10) as writer:
        for frame in frames(17, channels=channels):
            writer.write(frame)
    info = probe(path)
    assert (info.codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", 50, 36)
    assert info.n_frames == 17
    assert info.fps == 10
    assert info.duration == pytest.approx(1.7, abs=0.01)
    assert list(tmp_path.iterdir()) == [path]


def test_writer_pads_odd_sizes_to_even(tmp_path):
    path = tmp_path / "odd.mp4"
    with VideoWriter(path, fps=5) as writer:
        for frame in frames(3, height=35, width=51):
            writer.write(frame)
    info = probe(path)
    assert (info.width, info.height, info.n_frames) == (52, 36, 3)


def test_writer_leaves_nothing_behind_on_error(tmp_path):
    path = tmp_path / "broken.mp4"
    with pytest.raises(ValueError, match="has shape"):
        with VideoWriter(path, fps=5) as writer:
            writer.write(frames(1)[0])
            writer.write(np.zeros((10, 10, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_writer_rejects_bad_frames_and_empty_movies(tmp_path):
    writer = VideoWriter(tmp_path / "x.mp4")
    with pytest.raises(ValueError, match="uint8"):
        writer.write(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="no frames"):
        writer.close()


def test_unwritable_destinations_are_refused(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        check_output_file(tmp_path / "missing" / "x.mp4", "the movie")
    with pytest.raises(ValueError, match="directory"):
        check_output_file(tmp_path, "the movie")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ValueError, match="does not exist"):
        VideoWriter(blocker / "x.mp4")


def test_probe_refuses_a_file_without_video(tmp_path):
    path = tmp_path / "fake.mp4"
    path.write_bytes(b"not a movie")
    with pytest.raises(ValueError, match="cannot read a video stream"):
        probe(path)
    with pytest.raises(ValueError, match="no such file"):
        probe(tmp_path / "absent.mp4")


def test_the_bundled_ffmpeg_is_there():
    assert Path(ffmpeg_exe()).is_file()


def test_video_html_inlines_the_file(tmp_path):
    import base64
    import re

    path = tmp_path / "m.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42 movie bytes")
    html = video_html(path, width=320)
    assert html.startswith('<video width="320" controls')
    assert base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1)) == path.read_bytes()
