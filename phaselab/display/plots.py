"""Static plots with axes in physical units: seconds, hertz, radians, decibels.

Every function draws on the ``ax`` (or ``axes``) it is given, or on a new figure, and
returns what it drew, so a caller can add titles or reuse the colour scale. Images of
spectrograms put time on the horizontal axis and frequency upwards; each pixel is
centred on its frame time (:func:`phaselab.signal.stft.frame_times`) and bin frequency
(:func:`phaselab.signal.stft.bin_frequencies`).

A spectrogram is drawn in decibels over a fixed range (:data:`TOP_DB`, 80 dB below its
loudest bin), so that quiet high frequencies stay visible; panels that are compared go on
one colour scale (:func:`share_colour_scale`, :func:`plot_spectrograms`), so that a quiet
clip looks quiet. The phase is drawn only where the magnitude is above a floor: elsewhere
it is the phase of rounding noise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D

from phaselab import SAMPLE_RATE
from phaselab.signal.instantaneous import frequency_deviation
from phaselab.signal.stft import bin_frequencies, frame_times, stft

__all__ = ["plot_waveform", "plot_spectrogram", "plot_spectrograms", "plot_phase", "plot_instantaneous_frequency",
           "share_colour_scale", "level_db", "TOP_DB", "LEVEL_LABEL"]

TOP_DB = 80.0
"""Range of a spectrogram's colour scale: from its loudest bin down this many decibels."""

LEVEL_LABEL = "level 20 log₁₀|STFT| (dB)"
"""Colour-bar label of a spectrogram in decibels."""


TIME_LABEL = "time (s)"


FREQ_LABEL = "frequency (Hz)"


def _axes(ax: Axes | None, figsize: tuple[float, float] = (7.0, 3.0)) -> Axes:
    return plt.subplots(figsize=figsize, layout="constrained")[1] if ax is None else ax


def _extent(times: np.ndarray, n_bins: int, sr: int) -> tuple[float, float, float, float]:
    """Image extent putting pixel centres on ``times`` (s) and on the centres of ``n_bins`` bins (Hz)."""
    freqs = bin_frequencies(2 * (n_bins - 1), sr)
    dt = times[1] - times[0] if len(times) > 1 else 1.0 / sr
    df = freqs[1] - freqs[0]
    return (times[0] - dt / 2, times[-1] + dt / 2, freqs[0] - df / 2, freqs[-1] + df / 2)


def _time_frequency_image(
    ax: Axes, values: np.ndarray, times: np.ndarray, sr: int, label: str | None, **imshow_kw: object
) -> AxesImage:
    """Draw ``values`` (frames, bins) with pixels centred on ``times`` (s) and the bin frequencies (Hz).

    With ``label`` None the image gets no colour bar (a caller draws one for several panels).
    """
    extent = _extent(times, values.shape[1], sr)
    image = ax.imshow(values.T, origin="lower", aspect="auto", extent=extent, interpolation="nearest", **imshow_kw)
    ax.set_ylim(0, sr / 2)
    ax.set(xlabel=TIME_LABEL, ylabel=FREQ_LABEL)
    if label is not None:
        ax.figure.colorbar(image, ax=ax, label=label)
    return image


def level_db(spec: np.ndarray, floor: float = 1e-10) -> np.ndarray:
    """The level of every STFT bin in decibels, ``20 log10 max(|spec|, floor)``.

    Examples
    --------
    >>> level_db(np.array([1.0, 10j, 0.0]))
    array([   0.,   20., -200.])
    """
    return 20 * np.log10(np.maximum(np.abs(spec), floor))


def share_colour_scale(images: Sequence[AxesImage], span: float | None = None) -> tuple[float, float]:
    """Put compared images on one colour scale (their colour bars follow).

    Parameters
    ----------
    images : sequence of AxesImage
    span : float, optional
        The scale runs from the highest top of the images down ``span`` (e.g. :data:`TOP_DB`
        for spectrograms in dB); by default from the lowest bottom to the highest top.

    Returns
    -------
    (float, float)
        The shared colour limits.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> _, (a, b) = plt.subplots(1, 2)
    >>> loud, quiet = a.imshow([[0.0, 60.0]]), b.imshow([[-40.0, -20.0]])
    >>> share_colour_scale([loud, quiet], span=80.0)
    (-20.0, 60.0)
    >>> quiet.get_clim()
    (-20.0, 60.0)
    """
    if not images:
        raise ValueError("share_colour_scale needs at least one image")
    lows, highs = zip(*(image.get_clim() for image in images))
    high = float(max(highs))
    low = high - span if span is not None else float(min(lows))
    for image in images:
        image.set_clim(low, high)
    return low, high


def plot_waveform(audio: np.ndarray, sr: int = SAMPLE_RATE, ax: Axes | None = None, **plot_kw: object) -> Line2D:
    """Plot a clip's samples against time.

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        Samples in [-1, 1].
    sr : int
        Sample rate, in Hz.
    ax : Axes, optional
        Where to draw (default: a new figure).
    **plot_kw
        Passed to :meth:`Axes.plot` (colour, label, ...).

    Returns
    -------
    Line2D
        The waveform line; time axis in seconds, from 0 to ``n / sr``.
    """
    ax = _axes(ax, (7.0, 2.0))
    (line,) = ax.plot(np.arange(len(audio)) / sr, audio, linewidth=0.6, **plot_kw)
    ax.set(xlabel=TIME_LABEL, ylabel="amplitude", xlim=(0, len(audio) / sr))
    return line


def plot_spectrogram(
    audio_or_spec: np.ndarray,
    sr: int = SAMPLE_RATE,
    frame_length: int = 256,
    frame_step: int = 64,
    ax: Axes | None = None,
    cmap: str = "magma",
    top_db: float = TOP_DB,
    label: str | None = None,
) -> AxesImage:
    """Plot a spectrogram in decibels over a fixed range, or a real time-frequency image as it is.

    Parameters
    ----------
    audio_or_spec : np.ndarray, shape (n,) or (frames, bins)
        A clip, or a complex STFT in ``"tf"`` framing: drawn as :func:`level_db`, its colour
        scale from the loudest bin down ``top_db``. A real (frames, bins) image (a log
        spectrogram ``log(1 + |STFT|)``, a feature, a difference) is drawn as given.
    sr : int
        Sample rate, in Hz.
    frame_length, frame_step : int
        STFT window and hop, in samples (used for the clip and for the time axis).
    ax : Axes, optional
    cmap : str
    top_db : float
        Range of the colour scale of a level in dB. To compare panels, put them on one
        scale with :func:`share_colour_scale` (or draw them with :func:`plot_spectrograms`).
    label : str, optional
        Colour-bar label; default :data:`LEVEL_LABEL` for a level, ``"log(1 + |STFT|)"`` for
        a real image.

    Returns
    -------
    AxesImage
        Time in seconds across, 0 to ``sr / 2`` Hz upwards, labelled colour bar.
    """
    values = np.asarray(audio_or_spec)
    if values.ndim == 1:
        values = stft(values, frame_length, frame_step)
    if values.ndim != 2:
        raise ValueError(f"need a clip (n,) or a spectrogram (frames, bins), got shape {values.shape}")
    times = frame_times(values.shape[0], frame_length, frame_step, sr)
    if not np.iscomplexobj(values):
        return _time_frequency_image(_axes(ax), values, times, sr, label or "log(1 + |STFT|)", cmap=cmap)
    level = level_db(values)
    top = float(level.max())
    return _time_frequency_image(
        _axes(ax), level, times, sr, label or LEVEL_LABEL, cmap=cmap, vmin=top - top_db, vmax=top
    )


def plot_spectrograms(
    clips: Mapping[str, np.ndarray],
    sr: int = SAMPLE_RATE,
    frame_length: int = 256,
    frame_step: int = 64,
    axes: Sequence[Axes] | None = None,
    top_db: float = TOP_DB,
    cmap: str = "magma",
) -> list[AxesImage]:
    """Spectrograms to compare, side by side, in dB on one colour scale with one colour bar.

    The scale runs from the loudest bin of all the panels down ``top_db``, so a quiet clip
    (silence, a faint noise) looks quiet next to a loud one.

    Parameters
    ----------
    clips : mapping of str to np.ndarray, shape (n,)
        Title of each panel -> its clip (or its complex STFT, shape (frames, bins)).
    sr, frame_length, frame_step : int
        Sample rate (Hz), window and hop (samples).
    axes : sequence of Axes, optional
        One per clip; default a new row of panels sharing their axes.
    top_db : float
    cmap : str

    Returns
    -------
    list of AxesImage
        In the order of ``clips``; all with the same colour limits.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> images = plot_spectrograms({"noise": rng.normal(size=4000), "quiet": 0.01 * rng.normal(size=4000)})
    >>> [image.get_clim() == images[0].get_clim() for image in images]
    [True, True]
    """
    if not clips:
        raise ValueError("plot_spectrograms needs at least one clip")
    if axes is None:
        n = len(clips)
        axes = plt.subplots(1, n, figsize=(3.4 * n + 1.0, 3.0), sharex=True, sharey=True, layout="constrained")[1]
        axes = np.atleast_1d(axes)
    axes = list(axes)
    if len(axes) != len(clips):
        raise ValueError(f"need {len(clips)} axes for {len(clips)} clips, got {len(axes)}")
    images = []
    for ax, (title, clip) in zip(axes, clips.items()):
        values = np.asarray(clip)
        spec = stft(values, frame_length, frame_step) if values.ndim == 1 else values
        if spec.ndim != 2 or not np.iscomplexobj(spec):
            raise ValueError(f"{title}: need a clip (n,) or a complex STFT (frames, bins), got {spec.dtype} {spec.shape}")
        times = frame_times(spec.shape[0], frame_length, frame_step, sr)
        images.append(_time_frequency_image(ax, level_db(spec), times, sr, None, cmap=cmap))
        ax.set_title(title)
    for ax in axes[1:]:
        ax.set_ylabel("")
    share_colour_scale(images, span=top_db)
    axes[0].figure.colorbar(images[0], ax=axes, label=LEVEL_LABEL)
    return images


def plot_phase(
    spec: np.ndarray,
    sr: int = SAMPLE_RATE,
    frame_length: int = 256,
    frame_step: int = 64,
    ax: Axes | None = None,
    floor_db: float | None = -50.0,
) -> AxesImage:
    """Plot the raw phase angle of every loud STFT bin with the cyclic colormap ``twilight``.

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex
        STFT in ``"tf"`` framing.
    sr, frame_length, frame_step : int
        Sample rate (Hz), window and hop (samples), for the axes.
    ax : Axes, optional
    floor_db : float or None
        Bins quieter than this many dB below the loudest bin are left blank (their phase is
        that of noise); None draws every bin.

    Returns
    -------
    AxesImage
        Colour scale from -pi to pi radians (the two ends have the same colour).
    """
    spec = np.asarray(spec)
    if spec.ndim != 2 or not np.iscomplexobj(spec):
        raise ValueError(f"plot_phase needs a complex (frames, bins) STFT, got {spec.dtype} {spec.shape}")
    times = frame_times(spec.shape[0], frame_length, frame_step, sr)
    phase = np.angle(spec)
    label = "phase (rad)"
    if floor_db is not None:
        level = level_db(spec)
        phase = np.where(level < level.max() + floor_db, np.nan, phase)
        label = "phase (rad); quiet bins blank"
    image = _time_frequency_image(_axes(ax), phase, times, sr, label, cmap="twilight", vmin=-np.pi, vmax=np.pi)
    image.colorbar.set_ticks([-np.pi, -np.pi / 2, 0, np.pi / 2, np.pi], labels=["-π", "-π/2", "0", "π/2", "π"])
    return image


def plot_instantaneous_frequency(
    spec: np.ndarray,
    sr: int = SAMPLE_RATE,
    frame_length: int = 256,
    frame_step: int = 64,
    ax: Axes | None = None,
    floor_db: float = -50.0,
) -> AxesImage:
    """Plot the phase's time derivative as a frequency deviation from each bin's centre.

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex
        STFT in ``"tf"`` framing.
    sr, frame_length, frame_step : int
        Sample rate (Hz), window and hop (samples).
    ax : Axes, optional
    floor_db : float
        Bins quieter than this many dB below the loudest bin are left blank: their
        phase is noise.

    Returns
    -------
    AxesImage
        Deviation in Hz (:func:`phaselab.signal.instantaneous.frequency_deviation`),
        diverging colour scale over ``+-sr / (2 frame_step)``; pixels centred between frames.
    """
    deviation = frequency_deviation(spec, frame_step, sr)
    level = level_db(spec, 1e-12)
    quiet = np.minimum(level[1:], level[:-1]) < level.max() + floor_db
    times = frame_times(spec.shape[0], frame_length, frame_step, sr)
    limit = sr / (2 * frame_step)
    return _time_frequency_image(
        _axes(ax),
        np.where(quiet, np.nan, deviation),
        (times[1:] + times[:-1]) / 2,
        sr,
        "frequency − bin centre (Hz)",
        cmap="RdBu_r",
        vmin=-limit,
        vmax=limit,
    )
