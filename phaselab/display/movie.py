"""Phased-spectrogram movies of a clip: the volume, its axes, and which clip to film.

:func:`phased_movie` turns a clip into a :class:`phaselab.display.animation.SlicingAnimation` of
its phased spectrogram (time x frequency x phase), labelled in seconds, hertz and
radians, moving along the axis asked for:

``time``
    each frame a frequency x phase slice (phase horizontally), over a time x frequency
    overview reduced over phase -- the original study's movie;
``frequency``
    each frame a time x phase slice at one frequency bin, over a frequency x phase
    overview reduced over time;
``phase``
    each frame a time x frequency slice at one phase knot, over a phase x frequency
    overview reduced over time.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from phaselab import SAMPLE_RATE
from phaselab.display.animation import REDUCERS, SlicingAnimation
from phaselab.signal.encodings import phased_spectrogram
from phaselab.signal.stft import PHASE_REFERENCE
from phaselab.signal.kernels import PhaseKernel
from phaselab.signal.stft import n_frames as stft_frames

__all__ = ["MovieAxis", "AXES", "REDUCED_AXIS", "AXIS_LABELS", "VALUE_LABEL", "parse_crop",
           "crop_frames", "movie_size", "phased_volume", "phased_movie", "CHUNK_FRAMES"]

CHUNK_FRAMES = 1024
"""STFT frames :func:`phased_volume` computes at a time (its float64 temporaries stay this small)."""

MovieAxis = Literal["time", "frequency", "phase"]

AXES: dict[str, int] = {"time": 0, "frequency": 1, "phase": 2}
"""Axis of the phased spectrogram (frames, bins, phases) for each name."""

REDUCED_AXIS: dict[str, str] = {"time": "phase", "frequency": "time", "phase": "time"}
"""The axis the overview reduces, for each movie axis."""

AXIS_LABELS = ("time (s)", "frequency (Hz)", "phase (rad)")
"""Labels of the three axes of a phased spectrogram."""

VALUE_LABEL = "log(1 + |z|) × kernel"
"""What a phased spectrogram's values are: the colour-bar label of its slices."""


def parse_crop(text: str) -> tuple[float, float]:
    """Parse a crop ``"START:END"`` given in fractions of the clip's duration.

    Either side may be left out: ``":0.7"`` is ``(0, 0.7)``, the first 70% of time (the
    original study's crop), ``"0.2:"`` is ``(0.2, 1)``.

    Raises
    ------
    ValueError
        Unless ``0 <= START < END <= 1``.
    """
    parts = text.split(":")
    if len(parts) != 2:
        raise ValueError(f"crop must be START:END in fractions of the clip's duration, e.g. 0:0.7; got {text!r}")
    try:
        start = float(parts[0]) if parts[0].strip() else 0.0
        end = float(parts[1]) if parts[1].strip() else 1.0
    except ValueError:
        raise ValueError(f"crop must be START:END with numbers between 0 and 1, got {text!r}") from None
    if not 0.0 <= start < end <= 1.0:
        raise ValueError(f"crop needs 0 <= START < END <= 1 (fractions of the clip's duration), got {text!r}")
    return start, end


def crop_frames(n_frames: int, crop: tuple[float, float]) -> slice:
    """The frames kept by a crop in fractions of time (at least one frame)."""
    start, end = crop
    first = min(int(round(start * n_frames)), n_frames - 1)
    return slice(first, max(first + 1, int(round(end * n_frames))))


def movie_size(
    n_samples: int,
    axis: MovieAxis = "time",
    crop: tuple[float, float] = (0.0, 1.0),
    n_phases: int = 10,
    frame_length: int = 256,
    frame_step: int = 64,
) -> tuple[int, int]:
    """What the movie of a clip of ``n_samples`` samples will cost, known before computing it.

    Returns
    -------
    n_frames : int
        Frames of the movie (kept STFT frames along ``time``, bins along ``frequency``,
        ``n_phases`` along ``phase``).
    volume_bytes : int
        Size of the float32 phased spectrogram the movie slices.
    """
    kept = crop_frames(max(1, stft_frames(n_samples, frame_length, frame_step)), crop)
    shape = (kept.stop - kept.start, frame_length // 2 + 1, n_phases)
    return shape[AXES[axis]], 4 * shape[0] * shape[1] * shape[2]


def phased_volume(
    audio: np.ndarray,
    crop: tuple[float, float] = (0.0, 1.0),
    n_phases: int = 10,
    sigma: float | None = None,
    frame_length: int = 256,
    frame_step: int = 64,
    sr: int = SAMPLE_RATE,
    reference: str = PHASE_REFERENCE,
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The cropped phased spectrogram of a clip and the extents of its axes.

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        Mono clip.
    crop : (float, float)
        Fractions of the clip's frames kept, see :func:`parse_crop`.
    n_phases : int
        Number of phase slices.
    sigma : float, optional
        Width of the chord kernel in radians (default: the original study's
        ``0.8 * 2 pi / n_phases``).
    frame_length, frame_step : int
        STFT window and hop, in samples.
    sr : int
        Sample rate, in Hz.
    reference : {"centre", "start"}
        Where each bin's phase is measured from (:func:`phaselab.signal.stft.stft`); the
        original study's movies used ``"start"``.

    Returns
    -------
    volume : np.ndarray, shape (kept frames, frame_length // 2 + 1, n_phases), float32
    extents : list of 3 (float, float)
        Edges of the time axis (s), the frequency axis (Hz, bins centred on
        ``k sr / frame_length``) and the phase axis (rad, slices centred on the knots
        ``2 pi k / n_phases``).
    """
    kernel = "chord" if sigma is None else PhaseKernel("chord", sigma)
    audio = np.asarray(audio)
    if audio.ndim != 1 or audio.size == 0:
        raise ValueError(f"a movie needs a mono clip with samples, got shape {audio.shape}")
    kept = crop_frames(stft_frames(len(audio), frame_length, frame_step), crop)
    volume = np.empty((kept.stop - kept.start, frame_length // 2 + 1, n_phases), np.float32)
    for first in range(kept.start, kept.stop, CHUNK_FRAMES):  # only the kept frames, a chunk at a time
        last = min(first + CHUNK_FRAMES, kept.stop)
        piece = audio[first * frame_step:(last - 1) * frame_step + frame_length]
        chunk = phased_spectrogram(piece, frame_length, frame_step, n_phases, kernel, reference=reference)
        volume[first - kept.start:last - kept.start] = chunk[:last - first]
    hop, bin_width, knot_step = frame_step / sr, sr / frame_length, 2 * np.pi / n_phases
    centre = (kept.start * frame_step + frame_length / 2) / sr
    extents = [
        (centre - hop / 2, centre + (volume.shape[0] - 0.5) * hop),
        (-bin_width / 2, sr / 2 + bin_width / 2),
        (-knot_step / 2, 2 * np.pi - knot_step / 2),
    ]
    return volume, extents


def phased_movie(
    audio: np.ndarray,
    axis: MovieAxis = "time",
    reducer: str = "max",
    crop: tuple[float, float] = (0.0, 1.0),
    n_phases: int = 10,
    sigma: float | None = None,
    percentile: float = 99.0,
    size: tuple[int, int] = (640, 480),
    title: str | None = None,
    reference: str = PHASE_REFERENCE,
) -> SlicingAnimation:
    """The phased-spectrogram movie of a clip along ``axis``.

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        Mono clip at 16 kHz.
    axis : {"time", "frequency", "phase"}
        The axis the movie runs along (see the module docstring).
    reducer : {"max", "mean"}
        How the overview reduces its axis.
    crop, n_phases, sigma, reference
        See :func:`phased_volume`.
    percentile : float
        The slices' colour scale tops out at this percentile of the volume (99, as in
        the original study).
    size : (int, int)
        Frame size in pixels (width, height), rounded up to even numbers.
    title : str, optional
        Title above the overview.

    Returns
    -------
    SlicingAnimation
        ``n_frames`` is the number of kept STFT frames (``time``), of bins
        (``frequency``) or ``n_phases`` (``phase``).

    Notebook: ``03_phased_spectrogram_movies.ipynb``
    """
    if axis not in AXES:
        raise ValueError(f"axis must be one of {', '.join(AXES)}, got {axis!r}")
    if reducer not in REDUCERS:
        raise ValueError(f"reducer must be one of {', '.join(REDUCERS)}, got {reducer!r}")
    volume, extents = phased_volume(audio, crop, n_phases, sigma, reference=reference)
    return SlicingAnimation(
        volume,
        animation_axis=AXES[axis],
        reduction_axis=AXES[REDUCED_AXIS[axis]],
        axis_labels=AXIS_LABELS,
        extents=extents,
        vmin=0.0,
        vmax=float(np.percentile(volume, percentile)),
        reducer=REDUCERS[reducer],
        size=size,
        title=title,
        value_label=VALUE_LABEL,
    )
