"""Perturbations of a 1 s keyword clip: speed, pitch, voice quality, vocal-tract length, room, position.

Each is a small pure function ``f(audio, ..., rng) -> audio`` of a mono float clip at 16 kHz that
keeps the clip's length; they change what differs between voices and rooms:

- :func:`change_speed` -- speaking rate *and* pitch (resampling, like playing a tape faster);
- :func:`shift_pitch` -- pitch only: a time-stretch (:func:`time_stretch`, WSOLA) followed by
  a resampling that undoes the duration change;
- :func:`tilt_spectrum` -- voice quality / microphone colour: a first-order shelving filter;
- :func:`warp_formants` -- vocal-tract length: the spectral *envelope* of every STFT frame
  (a cepstral "true envelope") is stretched along the frequency axis while the harmonics
  (pitch) and the STFT phase stay where they are (chosen over an all-pass frequency warp,
  which would move the harmonics, i.e. the pitch, too); the stretch may glide over the clip,
  so that the formants move as a vowel said in another accent moves them;
- :func:`reverberate` -- a room: convolution with exponentially decaying noise of a given RT60;
- :func:`shift_time` -- position in the window.

:class:`phaselab.data.augment.SoundPreprocessor` draws and applies them.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft as sp_fft
from scipy.signal import fftconvolve, lfilter, resample_poly
from scipy.signal.windows import hann

from phaselab import SAMPLE_RATE
from phaselab.signal.audio import fit_length

__all__ = ["change_speed", "fit_centered", "resample", "reverberate", "shift_pitch", "shift_time", "tilt_spectrum", "time_stretch", "warp_formants"]


_SIXTY_DB = 3.0 * np.log(10.0)
"""An amplitude envelope ``exp(-_SIXTY_DB * t / rt60)`` has fallen by 60 dB at ``t = rt60``."""


def _check_mono(audio: np.ndarray, name: str) -> np.ndarray:
    audio = np.asarray(audio)
    if audio.ndim != 1 or audio.size == 0:
        raise ValueError(f"{name} expects a non-empty mono clip of shape (n,), got shape {audio.shape}")
    return audio


def fit_centered(audio: np.ndarray, length: int) -> np.ndarray:
    """Crop both ends of, or zero-pad both ends of, a clip to ``length`` samples, keeping its middle.

    Returns
    -------
    np.ndarray, shape (length,)
    """
    excess = len(audio) - length
    if excess >= 0:
        return audio[excess // 2 : excess // 2 + length]
    return np.pad(audio, (-excess // 2, -excess - (-excess // 2)))


def resample(audio: np.ndarray, ratio: float) -> np.ndarray:
    """Resample by ``ratio`` (output samples per input sample) with a polyphase filter.

    The ratio is approximated by a fraction with denominator at most 64 (error < 0.03 %
    for ratios near 1), so the cost stays that of a short FIR filter.

    Returns
    -------
    np.ndarray, shape (round(n * ratio),), float32
    """
    audio = _check_mono(audio, "resample")
    if ratio <= 0:
        raise ValueError(f"resampling ratio must be positive, got {ratio}")
    fraction = Fraction(ratio).limit_denominator(64)
    out = resample_poly(audio.astype(np.float64), fraction.numerator, fraction.denominator)
    return fit_length(out, int(round(len(audio) * ratio))).astype(np.float32)


def change_speed(audio: np.ndarray, factor: float) -> np.ndarray:
    """Play a clip ``factor`` times faster: shorter *and* higher for ``factor > 1``.

    The resampled clip is centred in the original length (cropped or zero-padded at both ends).

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
    factor : float
        Speed factor; the word lasts ``1 / factor`` as long, its frequencies are ``factor`` times higher.

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    audio = _check_mono(audio, "change_speed")
    return fit_centered(resample(audio, 1.0 / factor), len(audio))


def time_stretch(audio: np.ndarray, rate: float, frame_length: int = 512, tolerance: int = 128) -> np.ndarray:
    """Change the duration of a clip by ``1 / rate`` keeping its pitch (WSOLA).

    Waveform-similarity overlap-add: output frames of ``frame_length`` samples with a Hann
    window are laid every ``frame_length // 2`` samples; each is read from the input near
    ``rate`` times its output position, shifted by up to ``tolerance`` samples to the spot
    whose waveform best continues the previous frame (cross-correlation), so periods line
    up and no phase vocoder (no STFT phase) is needed.

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
    rate : float
        ``> 1`` shortens, ``< 1`` lengthens.
    frame_length : int
        Frame length in samples (32 ms by default: a few pitch periods).
    tolerance : int
        Largest shift, in samples, allowed to align a frame (should exceed half a pitch period).

    Returns
    -------
    np.ndarray, shape (round(n / rate),), float32
    """
    audio = _check_mono(audio, "time_stretch")
    if rate <= 0:
        raise ValueError(f"stretch rate must be positive, got {rate}")
    hop = frame_length // 2
    window = hann(frame_length, sym=False)
    out_len = int(round(len(audio) / rate))
    n_out_frames = -(-out_len // hop) + 2
    margin = tolerance + frame_length
    x = np.pad(audio.astype(np.float64), (margin, margin + int(np.ceil(n_out_frames * hop * rate)) + frame_length))
    out = np.zeros(n_out_frames * hop + frame_length)
    previous = None
    for j in range(n_out_frames):
        # Output frame j starts at output time (j - 1) * hop, so the first kept sample is fully overlapped.
        nominal = margin + int(round((j - 1) * hop * rate))
        if previous is None:
            start = nominal
        else:
            natural = x[previous + hop : previous + hop + frame_length]
            region = x[nominal - tolerance : nominal + tolerance + frame_length]
            start = nominal - tolerance + int(np.argmax(np.correlate(region, natural, mode="valid")))
        out[j * hop : j * hop + frame_length] += window * x[start : start + frame_length]
        previous = start
    return out[hop : hop + out_len].astype(np.float32)


def shift_pitch(audio: np.ndarray, semitones: float) -> np.ndarray:
    """Raise (or lower) the pitch by ``semitones`` without changing the duration.

    The clip is time-stretched to ``2**(semitones / 12)`` times its length (:func:`time_stretch`),
    then resampled back to its length, which multiplies every frequency by that ratio.
    Formants move with the pitch, as in any resampling-based pitch shift.

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    audio = _check_mono(audio, "shift_pitch")
    ratio = 2.0 ** (semitones / 12.0)
    stretched = time_stretch(audio, 1.0 / ratio)
    return fit_length(resample(stretched, len(audio) / len(stretched)), len(audio))


def tilt_spectrum(audio: np.ndarray, gain_db: float, corner_hz: float = 1000.0) -> np.ndarray:
    """Tilt the spectrum with a first-order high-shelving filter.

    ``H(s) = (G s + w) / (s + w)`` with ``w = 2 pi corner_hz``, bilinear-transformed with
    prewarping: gain 1 at DC, ``G = 10**(gain_db / 20)`` at Nyquist, a gentle 6 dB/octave
    transition around the corner. Positive ``gain_db`` brightens, negative darkens.

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    audio = _check_mono(audio, "tilt_spectrum")
    gain = 10.0 ** (gain_db / 20.0)
    k = np.tan(np.pi * corner_hz / SAMPLE_RATE)
    b = np.array([gain + k, k - gain])
    a = np.array([1.0 + k, k - 1.0])
    return lfilter(b / a[0], a / a[0], audio.astype(np.float64)).astype(np.float32)


def _frames(audio: np.ndarray, frame_length: int, frame_step: int) -> np.ndarray:
    """Hann-windowed frames of the clip zero-padded by ``frame_length`` at both ends, (frames, frame_length)."""
    padded = np.pad(audio.astype(np.float64), frame_length)
    frames = sliding_window_view(padded, frame_length)[::frame_step]
    return frames * hann(frame_length, sym=False)


def _overlap_add(frames: np.ndarray, length: int, frame_step: int) -> np.ndarray:
    """Invert :func:`_frames` (Hann synthesis window, weighted overlap-add), shape (length,)."""
    frame_length = frames.shape[1]
    window = hann(frame_length, sym=False)
    total = (len(frames) - 1) * frame_step + frame_length
    out = np.zeros(total)
    weight = np.zeros(total)
    for i, frame in enumerate(frames):
        out[i * frame_step : i * frame_step + frame_length] += frame * window
        weight[i * frame_step : i * frame_step + frame_length] += window**2
    return out[frame_length : frame_length + length] / weight[frame_length : frame_length + length]


def warp_formants(
    audio: np.ndarray,
    factor: float,
    end_factor: float | None = None,
    frame_length: int = 512,
    frame_step: int = 128,
    n_cepstra: int = 40,
    iterations: int = 5,
) -> np.ndarray:
    """Move the formants by ``factor`` along the frequency axis, keeping pitch and phase.

    For every STFT frame (periodic Hann window, every frame that touches the clip) the
    spectral envelope is a "true envelope" (Roebel and Rodet 2005): the log-magnitude
    smoothed by keeping its first ``n_cepstra`` cepstral coefficients (quefrencies below
    2.5 ms, shorter than the pitch period of voices up to 400 Hz), then ``iterations``
    times the smoothing of the maximum of the log-magnitude and the previous envelope, so
    that the envelope rides on the harmonic peaks instead of averaging them with the
    valleys between them (plain cepstral smoothing underestimates a formant). The
    magnitude is divided by that envelope and multiplied by the envelope read at
    ``f / factor``, so a resonance at ``f`` moves to ``factor * f`` (a shorter vocal tract
    for ``factor > 1``) while the harmonics stay put. With ``end_factor`` the stretch glides
    linearly, frame by frame, from ``factor`` to ``end_factor``, so the formants also move
    *during* the clip, as a diphthong said in another accent does. The phase of every bin is kept; a
    weighted overlap-add inverts the STFT (exactly, for ``factor == 1``). The STFT is framed
    here in one vectorised step: :func:`phaselab.signal.stft.stft` calls one FFT per frame and
    would make this the slowest augmentation.

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
    factor : float
        Envelope stretch; envelope values beyond the top bin are held at the top bin's value.
    end_factor : float, optional
        Stretch of the last frame (None: ``factor`` throughout).
    frame_length, frame_step : int
        STFT window and hop in samples (``frame_step`` at most ``frame_length / 2``).
    n_cepstra : int
        Cepstral coefficients kept for the envelope.
    iterations : int
        Refinements of the envelope towards the spectral peaks.

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    audio = _check_mono(audio, "warp_formants")
    end_factor = factor if end_factor is None else end_factor
    if factor <= 0 or end_factor <= 0:
        raise ValueError(f"formant warp factors must be positive, got {factor} and {end_factor}")
    spec = sp_fft.rfft(_frames(audio, frame_length, frame_step), axis=1)
    log_magnitude = np.log(np.abs(spec) + 1e-9)

    def smooth(log_spectrum: np.ndarray) -> np.ndarray:
        cepstrum = sp_fft.irfft(log_spectrum, n=frame_length, axis=1)
        cepstrum[:, n_cepstra : frame_length - n_cepstra + 1] = 0.0
        return sp_fft.rfft(cepstrum, axis=1).real

    envelope = smooth(log_magnitude)
    for _ in range(iterations):
        envelope = smooth(np.maximum(log_magnitude, envelope))
    factors = np.linspace(factor, end_factor, len(spec))[:, None]
    source = np.minimum(np.arange(spec.shape[1]) / factors, spec.shape[1] - 1)  # (frames, bins)
    low = np.floor(source).astype(int)
    high = np.minimum(low + 1, spec.shape[1] - 1)
    frac = source - low
    warped = (np.take_along_axis(envelope, low, axis=1) * (1.0 - frac)
              + np.take_along_axis(envelope, high, axis=1) * frac)
    frames = sp_fft.irfft(spec * np.exp(warped - envelope), n=frame_length, axis=1)
    return _overlap_add(frames, len(audio), frame_step).astype(np.float32)


def reverberate(audio: np.ndarray, rt60: float, drr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Convolve with a synthetic room: a direct path plus exponentially decaying noise.

    The impulse response is 1 at lag 0 (the direct sound) followed, over ``rt60`` seconds,
    by Gaussian noise under the envelope ``exp(-6.91 t / rt60)`` (60 dB down at ``rt60``),
    scaled so that direct-to-reverberant energy ratio is ``drr_db``. The output keeps the
    input's length (the tail past the end is cut).

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
    rt60 : float
        Reverberation time in seconds.
    drr_db : float
        Direct-to-reverberant ratio in dB (lower: more distant / wetter).
    rng : np.random.Generator
        Draws the noise of the tail.

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    audio = _check_mono(audio, "reverberate")
    if rt60 <= 0:
        raise ValueError(f"rt60 must be positive, got {rt60}")
    t = np.arange(1, max(2, int(rt60 * SAMPLE_RATE))) / SAMPLE_RATE
    tail = rng.standard_normal(len(t)) * np.exp(-_SIXTY_DB * t / rt60)
    tail *= np.sqrt(10.0 ** (-drr_db / 10.0) / np.sum(tail**2))
    response = np.concatenate([[1.0], tail])
    return fftconvolve(audio.astype(np.float64), response)[: len(audio)].astype(np.float32)


def shift_time(audio: np.ndarray, shift: int) -> np.ndarray:
    """Delay (``shift > 0``) or advance (``shift < 0``) a clip by ``shift`` samples, filling with zeros.

    Returns
    -------
    np.ndarray, shape (n,), same dtype
    """
    audio = _check_mono(audio, "shift_time")
    out = np.zeros_like(audio)
    if shift >= 0:
        out[shift:] = audio[: len(audio) - shift]
    else:
        out[:shift] = audio[-shift:]
    return out
