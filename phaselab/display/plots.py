"""Static plots with axes in physical units: seconds, hertz, radians.

Every function draws on the ``ax`` (or ``axes``) it is given, or on a new figure, and
returns what it drew, so a caller can add titles or reuse the colour scale. Images of
spectrograms put time on the horizontal axis and frequency upwards; each pixel is
centred on its frame time (:func:`phaselab.signal.stft.frame_times`) and bin frequency
(:func:`phaselab.signal.stft.bin_frequencies`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D

from phaselab import SAMPLE_RATE
from phaselab.signal.instantaneous import frequency_deviation
from phaselab.signal.stft import bin_frequencies, frame_times, log_spectrogram

__all__ = ["plot_waveform", "plot_spectrogram", "plot_phase", "plot_instantaneous_frequency"]


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
    ax: Axes, values: np.ndarray, times: np.ndarray, sr: int, label: str, **imshow_kw: object
) -> AxesImage:
    """Draw ``values`` (frames, bins) with pixels centred on ``times`` (s) and the bin frequencies (Hz)."""
    extent = _extent(times, values.shape[1], sr)
    image = ax.imshow(values.T, origin="lower", aspect="auto", extent=extent, interpolation="nearest", **imshow_kw)
    ax.set_ylim(0, sr / 2)
    ax.set(xlabel=TIME_LABEL, ylabel=FREQ_LABEL)
    ax.figure.colorbar(image, ax=ax, label=label)
    return image


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
    audio_or_log_spec: np.ndarray,
    sr: int = SAMPLE_RATE,
    frame_length: int = 256,
    frame_step: int = 64,
    ax: Axes | None = None,
    cmap: str = "magma",
) -> AxesImage:
    """Plot a log-magnitude spectrogram ``log(1 + |STFT|)``.

    Parameters
    ----------
    audio_or_log_spec : np.ndarray, shape (n,) or (frames, bins)
        A clip (its :func:`~phaselab.signal.stft.log_spectrogram` is drawn) or a log
        spectrogram already computed in ``"tf"`` framing.
    sr : int
        Sample rate, in Hz.
    frame_length, frame_step : int
        STFT window and hop, in samples (used for the clip and for the time axis).
    ax : Axes, optional
    cmap : str

    Returns
    -------
    AxesImage
        Time in seconds across, 0 to ``sr / 2`` Hz upwards, labelled colour bar.
    """
    values = np.asarray(audio_or_log_spec)
    if values.ndim == 1:
        values = log_spectrogram(values, frame_length, frame_step)
    if values.ndim != 2:
        raise ValueError(f"need a clip (n,) or a spectrogram (frames, bins), got shape {values.shape}")
    times = frame_times(values.shape[0], frame_length, frame_step, sr)
    return _time_frequency_image(_axes(ax), values, times, sr, "log(1 + |STFT|)", cmap=cmap)


def plot_phase(
    spec: np.ndarray, sr: int = SAMPLE_RATE, frame_length: int = 256, frame_step: int = 64, ax: Axes | None = None
) -> AxesImage:
    """Plot the raw phase angle of every STFT bin with the cyclic colormap ``twilight``.

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex
        STFT in ``"tf"`` framing.
    sr, frame_length, frame_step : int
        Sample rate (Hz), window and hop (samples), for the axes.
    ax : Axes, optional

    Returns
    -------
    AxesImage
        Colour scale from -pi to pi radians (the two ends have the same colour).
    """
    spec = np.asarray(spec)
    if spec.ndim != 2 or not np.iscomplexobj(spec):
        raise ValueError(f"plot_phase needs a complex (frames, bins) STFT, got {spec.dtype} {spec.shape}")
    times = frame_times(spec.shape[0], frame_length, frame_step, sr)
    image = _time_frequency_image(
        _axes(ax), np.angle(spec), times, sr, "phase (rad)", cmap="twilight", vmin=-np.pi, vmax=np.pi
    )
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
    level = 20 * np.log10(np.abs(spec) + 1e-12)
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
