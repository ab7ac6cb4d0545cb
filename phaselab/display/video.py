"""Writing and checking MP4 movies with the ffmpeg of the ``imageio-ffmpeg`` wheel.

No system ffmpeg is needed: :func:`phaselab.paths.ffmpeg_exe` finds the binary the wheel ships, and
:class:`VideoWriter` drives it through ``ffmpeg-python``, piping raw frames into one
ffmpeg process that encodes H.264 in yuv420p with an even frame size, the format that
browsers and slide software play. The wheel ships no ffprobe, so :func:`probe` reads
the stream description and frame count that ffmpeg itself prints when it copies the
video stream to nowhere.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np

from phaselab.atomic import check_output_file, part_path
from phaselab.paths import ffmpeg_exe

__all__ = [
    "VideoWriter",
    "VideoInfo",
    "probe",
    "parse_ffmpeg_report",
    "video_html",
]


class VideoWriter:
    """Encode frames into an H.264 / yuv420p MP4 through one ffmpeg process.

    The movie is written to a hidden temporary file next to ``path`` (``.part-NAME``, see
    :mod:`phaselab.atomic`) and renamed to ``path`` only when :meth:`close` succeeds; on
    any error (or :meth:`abort`) the temporary file is removed, so no half-written MP4 is
    ever left behind, and a stale one of a killed writer is removed when the next writer
    of the same ``path`` starts.

    Parameters
    ----------
    path : str or path-like
        The MP4 to write. Its directory must exist and be writable.
    fps : float
        Frames per second.
    crf : int
        x264 constant rate factor (0 lossless .. 51 worst; 23 is x264's default).
    preset : str
        x264 speed preset (``"ultrafast"`` .. ``"veryslow"``).

    Notes
    -----
    Frames are ``uint8`` arrays of shape (height, width, 3) RGB or (height, width, 4)
    RGBA (alpha is ignored); all frames must have the shape of the first. An odd width
    or height is padded by one black pixel, since yuv420p needs even sizes.

    Examples
    --------
    >>> with VideoWriter("out.mp4", fps=25) as writer:  # doctest: +SKIP
    ...     for frame in frames:
    ...         writer.write(frame)
    """

    def __init__(self, path: str | os.PathLike, fps: float = 25, crf: int = 23, preset: str = "medium") -> None:
        if not 0 < fps < float("inf"):
            raise ValueError(f"fps must be a positive number, got {fps}")
        self.path = check_output_file(path, "the movie")
        self.fps = fps
        self.crf = crf
        self.preset = preset
        self.n_frames = 0
        self._shape: tuple[int, ...] | None = None
        self._process: subprocess.Popen | None = None
        self._tmp = part_path(self.path)
        self._tmp.unlink(missing_ok=True)  # left by an earlier writer that was killed

    def _start(self, height: int, width: int, channels: int) -> None:
        import ffmpeg

        pix_fmt = {3: "rgb24", 4: "rgba"}[channels]
        stream = ffmpeg.input("pipe:", format="rawvideo", pix_fmt=pix_fmt, s=f"{width}x{height}", framerate=self.fps)
        if width % 2 or height % 2:
            stream = stream.filter("pad", width + width % 2, height + height % 2)
        stream = stream.output(
            str(self._tmp),
            format="mp4",
            vcodec="libx264",
            pix_fmt="yuv420p",
            crf=self.crf,
            preset=self.preset,
            movflags="+faststart",
        )
        stream = stream.global_args("-hide_banner", "-loglevel", "error", "-nostats").overwrite_output()
        self._process = stream.run_async(pipe_stdin=True, pipe_stderr=True, cmd=ffmpeg_exe())

    def write(self, frame: np.ndarray) -> None:
        """Append one frame, shape (height, width, 3 or 4), uint8."""
        frame = np.asarray(frame)
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] not in (3, 4):
            raise ValueError(f"a frame must be uint8 of shape (height, width, 3 or 4), got {frame.dtype} {frame.shape}")
        if self._shape is None:
            self._shape = frame.shape
            self._start(*frame.shape)
        elif frame.shape != self._shape:
            raise ValueError(f"frame {self.n_frames} has shape {frame.shape}, the first had {self._shape}")
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(np.ascontiguousarray(frame).data)
        except BrokenPipeError:
            self.abort()
            raise RuntimeError(f"{self.path}: ffmpeg stopped while encoding frame {self.n_frames}") from None
        self.n_frames += 1

    def close(self) -> Path:
        """Finish encoding and move the movie to ``path``; returns ``path``."""
        if self._process is None:
            raise ValueError(f"{self.path}: no frames were written")
        assert self._process.stdin is not None and self._process.stderr is not None
        self._process.stdin.close()
        errors = self._process.stderr.read().decode(errors="replace")
        status = self._process.wait()
        self._process = None
        if status != 0:
            self._tmp.unlink(missing_ok=True)
            raise RuntimeError(f"{self.path}: ffmpeg failed with status {status}: {errors.strip()[-2000:]}")
        try:
            os.replace(self._tmp, self.path)
        finally:
            self._tmp.unlink(missing_ok=True)
        return self.path

    def abort(self) -> None:
        """Stop ffmpeg and remove the temporary file; ``path`` is left untouched."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            for pipe in (self._process.stdin, self._process.stderr):
                if pipe is not None:
                    pipe.close()
            self._process = None
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe` finds out about the first video stream of a file."""

    codec: str
    """Codec name as ffmpeg prints it, e.g. ``"h264"``."""
    pix_fmt: str
    """Pixel format, e.g. ``"yuv420p"``."""
    width: int
    """Frame width in pixels."""
    height: int
    """Frame height in pixels."""
    fps: float
    """Frame rate in frames per second."""
    n_frames: int
    """Number of video frames (packets) in the stream."""
    duration: float
    """Duration of the container in seconds."""


_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_STREAM = re.compile(
    r"Stream #\d+:\d+\S*: Video: (?P<codec>\w+)[^,]*(?:\([^)]*\))?, (?P<pix_fmt>\w+)(?:\([^)]*\))?, "
    r"(?P<width>\d+)x(?P<height>\d+)\b.*?, (?P<fps>[\d.]+k?) fps"
)
_FRAMES = re.compile(r"frame=\s*(\d+)")


def parse_ffmpeg_report(report: str) -> VideoInfo:
    """Read a :class:`VideoInfo` from what ``ffmpeg -i FILE -map 0:v:0 -c copy -f null -`` prints.

    Parameters
    ----------
    report : str
        ffmpeg's standard error: the input description (``Duration: ...``,
        ``Stream #0:0...: Video: h264 ..., yuv420p(...), 640x480 ..., 25 fps``) and the
        final statistics line (``frame=  256 ...``).

    Returns
    -------
    VideoInfo

    Raises
    ------
    ValueError
        If the report lacks a duration, a video stream or a frame count.
    """
    inputs = report.split("Stream mapping:")[0]
    duration = _DURATION.search(inputs)
    stream = _STREAM.search(inputs)
    frames = _FRAMES.findall(report)
    if duration is None or stream is None or not frames:
        found = {"duration": duration, "video stream": stream, "frame count": frames}
        missing = [name for name, value in found.items() if not value]
        raise ValueError(f"ffmpeg's report has no {', '.join(missing)}: {report.strip()[-500:]!r}")
    hours, minutes, seconds = duration.groups()
    fps = stream["fps"]
    return VideoInfo(
        codec=stream["codec"],
        pix_fmt=stream["pix_fmt"],
        width=int(stream["width"]),
        height=int(stream["height"]),
        fps=float(fps[:-1]) * 1000 if fps.endswith("k") else float(fps),
        n_frames=int(frames[-1]),
        duration=int(hours) * 3600 + int(minutes) * 60 + float(seconds),
    )


def probe(path: str | os.PathLike) -> VideoInfo:
    """Codec, pixel format, size, frame rate, frame count and duration of a movie.

    Runs the bundled ffmpeg to copy the first video stream to the null muxer (fast:
    nothing is decoded) and parses its report with :func:`parse_ffmpeg_report`.

    Raises
    ------
    ValueError
        If the file is missing or ffmpeg cannot read a video stream from it.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-"],
        capture_output=True,
        text=True,
        errors="replace",
    )
    if result.returncode != 0:
        raise ValueError(f"{path}: ffmpeg cannot read a video stream: {result.stderr.strip()[-500:]}")
    return parse_ffmpeg_report(result.stderr)


def video_html(path: str | os.PathLike, width: int | None = None) -> str:
    """An HTML5 ``<video>`` player with the MP4 at ``path`` inlined as base64 (for notebooks).

    Parameters
    ----------
    path : str or path-like
        An MP4 file.
    width : int, optional
        Display width in CSS pixels (default: the movie's own width).
    """
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    size = f' width="{width}"' if width else ""
    return (
        f'<video{size} controls loop muted playsinline>'
        f'<source type="video/mp4" src="data:video/mp4;base64,{data}"></video>'
    )
