"""Frames per second of a 256-frame slicing movie: phaselab's blitting pipe vs matplotlib's FuncAnimation.

Both draw the same two panels (overview with a moving line, slice below) at the same size
and encode H.264 / yuv420p at the same frame rate with the same ffmpeg binary:

straightforward
    ``matplotlib.animation.FuncAnimation`` without blitting, the slice image re-created
    every frame, saved with ``Animation.save`` and matplotlib's default ffmpeg writer
    (one ``savefig`` per frame). Its layout is computed once with ``tight_layout``: a
    layout engine (``layout="constrained"``) would make every frame about 2.5x slower,
    and the comparison is meant to be conservative.
phaselab
    :meth:`phaselab.display.animation.SlicingAnimation.to_mp4`: the static parts drawn once,
    the slice and line updated in place and blitted, RGBA frames piped to one ffmpeg.

Run: ``.venv/bin/python benchmarks/speed/bench_movie.py`` (prints both rates and their ratio;
takes one to two minutes on 2 cores, most of it in the straightforward version).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: benchmarks/ holds harness.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # first: sets the environment (MPLBACKEND=Agg) before matplotlib loads
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation

from phaselab.display.animation import SlicingAnimation
from phaselab.display.video import ffmpeg_exe, probe
from phaselab.signal.encodings import phased_spectrogram

FRAMES = 256
FPS = 25
SIZE = (640, 480)
DPI = 100


def make_volume(rng: np.random.Generator) -> np.ndarray:
    """A phased spectrogram of 256 frames (a chirp in noise), shape (256, 129, 10)."""
    t = np.arange(FRAMES * 64) / 16000
    audio = 0.5 * np.sin(2 * np.pi * (200 + 2000 * t) * t) + 0.05 * rng.standard_normal(t.size)
    return phased_spectrogram(audio.astype(np.float32))


def straightforward(volume: np.ndarray, path: Path) -> None:
    """FuncAnimation without blit, a new slice image per frame, ``Animation.save`` defaults."""
    labels = ("frame", "bin", "phase slice")
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(SIZE[0] / DPI, SIZE[1] / DPI), dpi=DPI)
    vmin, vmax = float(volume.min()), float(np.percentile(volume, 99))
    overview = volume.max(axis=2).T
    top.imshow(overview, origin="lower", aspect="auto", cmap="magma", vmax=np.percentile(overview, 99))
    top.set_xlabel(labels[0])
    top.set_ylabel(labels[1])
    line = top.axvline(0, color="cyan")
    bottom.set_xlabel(labels[2])
    bottom.set_ylabel(labels[1])
    fig.tight_layout()  # once: a layout engine would re-run at every frame's draw

    def update(index: int) -> None:
        for image in bottom.images:
            image.remove()
        bottom.imshow(volume[index], origin="lower", aspect="auto", cmap="magma", vmin=vmin, vmax=vmax)
        bottom.set_title(f"frame {index}")
        line.set_xdata([index, index])

    animation = FuncAnimation(fig, update, frames=volume.shape[0], blit=False)
    animation.save(path, writer="ffmpeg", fps=FPS, dpi=DPI)
    plt.close(fig)


def ours(volume: np.ndarray, path: Path) -> None:
    """:class:`SlicingAnimation` (blitting, one ffmpeg pipe)."""
    movie = SlicingAnimation(volume, 0, 2, ("frame", "bin", "phase slice"), size=SIZE, dpi=DPI)
    movie.to_mp4(path, fps=FPS)


def main() -> int:
    plt.rcParams["animation.ffmpeg_path"] = ffmpeg_exe()  # the straightforward writer uses the bundled ffmpeg
    print(harness.machine_line())
    volume = make_volume(np.random.default_rng(0))
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in (("straightforward (FuncAnimation, no blit, Animation.save)", straightforward),
                           ("phaselab SlicingAnimation.to_mp4 (blit, one ffmpeg pipe)", ours)):
            path = Path(tmp) / "movie.mp4"
            with harness.timer() as clock:
                make(volume, path)
            seconds = clock.seconds
            info = probe(path)
            assert info.n_frames == FRAMES and info.codec == "h264", info
            rates[name] = FRAMES / seconds
            print(f"{name}: {FRAMES} frames {info.width}x{info.height} {info.pix_fmt} in {seconds:.2f} s "
                  f"= {rates[name]:.1f} frames/s")
            os.remove(path)
    base, fast = rates.values()
    print(f"speed-up: {fast / base:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
