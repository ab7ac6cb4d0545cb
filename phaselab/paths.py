"""Where things are: the repository, its bundled ``data/``, the ``build/`` folder, the shipped weights, ffmpeg.

The one place that knows the layout of a checkout, so that chapters, benchmarks and the library
find their folders the same way (a chapter runs with ``notebooks/`` as its working directory,
a benchmark from anywhere).

Examples
--------
>>> (data_dir() / "samples" / "marvin.wav").is_file()
True
>>> build_dir().name
'build'
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["repo_root", "data_dir", "build_dir", "weights_dir", "results_dir", "ffmpeg_exe"]


def repo_root() -> Path:
    """The repository: the folder that holds ``data/``, ``notebooks/`` and ``benchmarks/`` beside ``phaselab/``."""
    return Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """The bundled ``data/`` folder (samples, the real and synthetic keyword sets)."""
    return repo_root() / "data"


def build_dir() -> Path:
    """Where generated files go: ``$PHASELAB_BUILD`` (set by ``make run``) if set, else ``build/`` in the repository."""
    value = os.environ.get("PHASELAB_BUILD")
    return Path(value) if value else repo_root() / "build"


def weights_dir() -> Path:
    """The package's ``weights/`` folder: the shipped keyword model and speech detector."""
    return Path(__file__).resolve().parent / "weights"


def results_dir() -> Path:
    """``benchmarks/results/``: the JSON of every experiment and benchmark the chapters and README quote."""
    return repo_root() / "benchmarks" / "results"


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped by the ``imageio-ffmpeg`` wheel (found at run time; no system ffmpeg needed)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()
