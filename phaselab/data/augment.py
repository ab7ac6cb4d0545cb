"""Augmentation of 1 s keyword clips, and the preprocessing every clip gets.

The bundled training words are *synthetic* (espeak-ng voices), and the models are judged
on voices they never heard. So the augmenters change what differs between voices and
rooms, each as a small pure function ``f(audio, ..., rng) -> audio`` of a mono float clip
at 16 kHz that keeps the clip's length:

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
- :func:`shift_time`, :func:`add_noise` -- position in the window and background noise;
- :func:`rotate_phase` -- a global phase rotation ``e^{i theta}`` of every STFT value, the
  augmentation the original study suggested for phase-aware models.

:func:`normalize` and :func:`pad` are not augmentations: every clip, in training and in
evaluation, ends with ``(x - mean) / (rms + damping)`` and zero-padding 16000 -> 16384.
:class:`SoundPreprocessor` applies all of it as one :class:`AugmentConfig` says.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft as sp_fft
from scipy.signal import fftconvolve, hilbert, lfilter, resample_poly
from scipy.signal.windows import hann

from phaselab import SAMPLE_RATE
from phaselab.signal.audio import fit_length

__all__ = [
    "CLIP_SAMPLES",
    "MODEL_SAMPLES",
    "AugmentConfig",
    "SoundPreprocessor",
    "add_noise",
    "mix_at_snr",
    "change_speed",
    "coloured_noise",
    "fit_centered",
    "noise_segment",
    "normalize",
    "pad",
    "resample",
    "reverberate",
    "rotate_phase",
    "shift_pitch",
    "shift_time",
    "tilt_spectrum",
    "time_stretch",
    "warp_formants",
]

CLIP_SAMPLES = SAMPLE_RATE
"""Samples of a Speech Commands clip (1 s at 16 kHz)."""

MODEL_SAMPLES = 16384
"""Samples every model takes: a clip zero-padded at the end (256 STFT frames of hop 64)."""

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


def coloured_noise(length: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise with power spectrum ``~ 1 / f**exponent`` (0 white, 1 pink, 2 brown), peak 1.

    Returns
    -------
    np.ndarray, shape (length,), float32
    """
    spectrum = np.fft.rfft(rng.standard_normal(length))
    freqs = np.fft.rfftfreq(length)
    freqs[0] = freqs[1] if length > 1 else 1.0
    noise = np.fft.irfft(spectrum / freqs ** (exponent / 2.0), n=length)
    noise -= noise.mean()
    return (noise / (np.abs(noise).max() + 1e-12)).astype(np.float32)


def noise_segment(noises: Sequence[np.ndarray], length: int, rng: np.random.Generator) -> np.ndarray:
    """A random ``length``-sample cut of a random noise recording (tiled if the recording is shorter).

    Returns
    -------
    np.ndarray, shape (length,), float32
    """
    if not noises:
        raise ValueError("noise_segment needs at least one noise recording")
    noise = np.asarray(noises[int(rng.integers(len(noises)))], dtype=np.float32)
    if len(noise) < length:
        noise = np.tile(noise, -(-length // len(noise)))
    start = int(rng.integers(len(noise) - length + 1))
    return noise[start : start + length]


def add_noise(audio: np.ndarray, noise: np.ndarray, magnitude: float) -> np.ndarray:
    """``audio + magnitude * noise`` (the original study's background-noise augmentation).

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    audio = _check_mono(audio, "add_noise")
    if noise.shape != audio.shape:
        raise ValueError(f"noise of shape {noise.shape} does not match the clip's shape {audio.shape}")
    return (audio + magnitude * noise).astype(np.float32)


def mix_at_snr(audio: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``audio`` plus ``noise`` scaled so that their RMS ratio is ``snr_db`` decibels.

    Unlike :func:`add_noise`, whose fixed magnitude drowns a quiet recording and barely
    touches a loud one, the noise level follows the clip's own level: real recordings
    differ by 20 dB in level (Speech Commands' clips: RMS 0.01 to 0.14, 5th to 95th percentile).

    Parameters
    ----------
    audio, noise : np.ndarray, shape (n,)
    snr_db : float
        Signal-to-noise ratio in dB (20 log10 of the RMS ratio); ``inf`` adds nothing.

    Returns
    -------
    np.ndarray, shape (n,), float32

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x, n = rng.standard_normal(16000), 5 * rng.standard_normal(16000)
    >>> y = mix_at_snr(x, n, 10.0)
    >>> round(float(20 * np.log10(np.sqrt(np.mean(x**2)) / np.sqrt(np.mean((y - x)**2)))), 3)
    10.0
    """
    audio = _check_mono(audio, "mix_at_snr")
    if noise.shape != audio.shape:
        raise ValueError(f"noise of shape {noise.shape} does not match the clip's shape {audio.shape}")
    signal_rms = np.sqrt(np.mean(np.square(audio, dtype=np.float64)))
    noise_rms = np.sqrt(np.mean(np.square(noise, dtype=np.float64)))
    if noise_rms == 0 or not np.isfinite(snr_db):
        return audio.astype(np.float32)
    return (audio + noise * (signal_rms / noise_rms / 10 ** (snr_db / 20))).astype(np.float32)


def rotate_phase(audio: np.ndarray, theta: float) -> np.ndarray:
    """Rotate the phase of every frequency component by ``theta``, keeping every magnitude.

    This is "multiply every STFT value by ``e^{i theta}`` and invert": a global rotation
    commutes with the STFT, so it is computed once on the whole clip instead of frame by
    frame, as the rotated analytic signal ``Re(e^{i theta} (x + i H[x]))
    = x cos(theta) - H[x] sin(theta)`` (``H`` the Hilbert transform, one FFT pair). The
    frame-wise ``phaselab.signal.stft`` version (``framing="full"``) agrees to within about 1 %
    (tests/data/test_augment.py checks it) at a tenth of the cost. The ear hardly hears it.

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    audio = _check_mono(audio, "rotate_phase")
    return np.real(hilbert(audio.astype(np.float64)) * np.exp(1j * theta)).astype(np.float32)


def normalize(audio: np.ndarray, damping: float = 1e-3) -> np.ndarray:
    """Mean subtraction and damped RMS normalisation: ``(x - mean) / (rms + damping)``.

    ``rms`` is that of ``x - mean``; ``damping`` keeps near-silent clips from being blown up
    to full scale (a clip of rms 1e-3 comes out at rms 0.5 with the default).

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    audio = _check_mono(audio, "normalize").astype(np.float64)
    centred = audio - audio.mean()
    return (centred / (np.sqrt(np.mean(centred**2)) + damping)).astype(np.float32)


def pad(audio: np.ndarray, length: int = MODEL_SAMPLES) -> np.ndarray:
    """Zero-pad (or crop) the end of a clip to ``length`` samples, the models' input length."""
    return fit_length(_check_mono(audio, "pad"), length)


Range = tuple[float, float]


@dataclass(frozen=True)
class AugmentConfig:
    """Everything :class:`SoundPreprocessor` does to a clip, with the probability of each step.

    Each ``*_fraction`` is the probability that a clip gets that augmentation; the
    augmentation's strength is then drawn uniformly from its range. Steps run in the order
    speed, pitch, formants, tilt, reverberation, time shift, background noise, phase
    rotation, normalisation, padding. The defaults are our choice for synthetic training
    voices; silence and noise follow the original study (10 % silence; noise on 30 % of
    clips at magnitude 0.01-0.1). :meth:`none` switches every augmentation off.

    Attributes
    ----------
    shift_ms : float
        Largest random time shift, either way, in milliseconds.
    silence_fraction : float
        Share of each training batch made of silence clips cut from background noise
        (used by the samplers of :mod:`phaselab.data.pipeline`).
    noise_fraction, noise_range : float, (float, float)
        Background noise added at ``magnitude`` in ``noise_range`` (:func:`add_noise`), or,
        with ``noise_snr``, at a signal-to-noise ratio in dB drawn from ``noise_range``
        (:func:`mix_at_snr`).
    noise_snr : bool
        Read ``noise_range`` as decibels of SNR (the real-speech recipe) instead of magnitudes.
    speed_fraction, speed_range : float, (float, float)
        Speed factor (:func:`change_speed`).
    pitch_fraction, pitch_range : float, (float, float)
        Pitch shift in semitones (:func:`shift_pitch`).
    formant_fraction, formant_range : float, (float, float)
        Formant warp factor (:func:`warp_formants`).
    formant_glide : float
        Probability that a formant warp glides from its factor to a second one drawn from
        ``formant_range`` over the clip (the ``end_factor`` of :func:`warp_formants`). 0.5 did
        not help ``cnn3d-small`` on the bundled set's held-out voices: macro F1 0.883 ± 0.033
        over four seeds, the default 0.881 ± 0.006 over two
        (``benchmarks/experiments/keyword_models.py --augment '{"formant_glide": 0.5}'``).
    tilt_fraction, tilt_range : float, (float, float)
        Shelf gain in dB at Nyquist relative to DC (:func:`tilt_spectrum`).
    reverb_fraction, rt60_range, drr_range : float, (float, float), (float, float)
        Reverberation time in seconds and direct-to-reverberant ratio in dB (:func:`reverberate`).
    phase_fraction : float
        Probability of a global phase rotation by a uniform angle in [0, 2 pi) (:func:`rotate_phase`).
    damping : float
        Of :func:`normalize`.
    length : int
        Samples of the output clip (:func:`pad`).
    """

    shift_ms: float = 100.0
    silence_fraction: float = 0.1
    noise_fraction: float = 0.3
    noise_range: Range = (0.01, 0.1)
    noise_snr: bool = False
    speed_fraction: float = 0.8
    speed_range: Range = (0.85, 1.15)
    pitch_fraction: float = 0.8
    pitch_range: Range = (-3.0, 3.0)
    formant_fraction: float = 0.8
    formant_range: Range = (0.87, 1.15)
    formant_glide: float = 0.0
    tilt_fraction: float = 0.5
    tilt_range: Range = (-10.0, 10.0)
    reverb_fraction: float = 0.3
    rt60_range: Range = (0.1, 0.8)
    drr_range: Range = (0.0, 12.0)
    phase_fraction: float = 0.5
    damping: float = 1e-3
    length: int = MODEL_SAMPLES

    def __post_init__(self) -> None:
        for name in ("silence_fraction", "noise_fraction", "speed_fraction", "pitch_fraction",
                     "formant_fraction", "formant_glide", "tilt_fraction", "reverb_fraction", "phase_fraction"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"AugmentConfig.{name} must be in [0, 1], got {value}")
        for name in ("noise_range", "speed_range", "pitch_range", "formant_range", "tilt_range",
                     "rt60_range", "drr_range"):
            low, high = getattr(self, name)
            if low > high:
                raise ValueError(f"AugmentConfig.{name} must be (low, high) with low <= high, got {(low, high)}")
        if self.speed_range[0] <= 0 or self.formant_range[0] <= 0 or self.rt60_range[0] <= 0:
            raise ValueError("AugmentConfig speed_range, formant_range and rt60_range must be positive")
        if self.shift_ms < 0 or self.damping < 0 or self.length < CLIP_SAMPLES:
            raise ValueError(
                f"AugmentConfig needs shift_ms >= 0, damping >= 0 and length >= {CLIP_SAMPLES}, "
                f"got {self.shift_ms}, {self.damping}, {self.length}"
            )

    @classmethod
    def real_speech(cls) -> AugmentConfig:
        """The augmentation of the default recipe, for real recordings (``phaselab train``'s default).

        Real speakers already differ in pitch, formants and rooms, so the pitch shift, formant
        warp and reverberation that give synthetic voices variety are off, and so is the
        global phase rotation (a magnitude model does not see it; a phase model's recipe may
        switch it on); half the clips change speed, and 60 % get real background noise mixed
        at a signal-to-noise ratio of 10-30 dB (:func:`mix_at_snr`), since a fixed magnitude
        drowns quiet recordings. Chosen on the real set's validation split (README, "What we
        found").
        """
        return cls(pitch_fraction=0.0, formant_fraction=0.0, speed_fraction=0.5, noise_fraction=0.6,
                   noise_snr=True, noise_range=(10.0, 30.0), reverb_fraction=0.0, phase_fraction=0.0)

    @classmethod
    def none(cls) -> AugmentConfig:
        """No augmentation and no silence: only normalisation and padding (for evaluation)."""
        return cls(
            shift_ms=0.0, silence_fraction=0.0, noise_fraction=0.0, speed_fraction=0.0, pitch_fraction=0.0,
            formant_fraction=0.0, tilt_fraction=0.0, reverb_fraction=0.0, phase_fraction=0.0,
        )


class SoundPreprocessor:
    """Applies an :class:`AugmentConfig` to 1 s clips and cuts silence clips from noise.

    Parameters
    ----------
    config : AugmentConfig
    noises : sequence of np.ndarray, shape (m,)
        Background-noise recordings at 16 kHz (Speech Commands' ``_background_noise_``).
        If empty, synthetic coloured noise (white to brown, random exponent) stands in.

    Notes
    -----
    All randomness comes from the ``rng`` passed to each call, so a clip's augmentation is
    fixed by the generator's seed whatever thread runs it.
    """

    def __init__(self, config: AugmentConfig, noises: Sequence[np.ndarray] = ()) -> None:
        self.config = config
        self.noises = [np.asarray(n, dtype=np.float32) for n in noises]
        for i, noise in enumerate(self.noises):
            if noise.ndim != 1 or len(noise) == 0:
                raise ValueError(f"noise recording {i} must be a non-empty mono array, got shape {noise.shape}")

    def _noise(self, rng: np.random.Generator) -> np.ndarray:
        if self.noises:
            return noise_segment(self.noises, CLIP_SAMPLES, rng)
        return coloured_noise(CLIP_SAMPLES, rng.uniform(0.0, 2.0), rng)

    def finish(self, audio: np.ndarray) -> np.ndarray:
        """Normalise and pad: what every clip gets, augmented or not. Returns shape (length,) float32."""
        return pad(normalize(audio, self.config.damping), self.config.length)

    def __call__(self, audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Augment one clip (cropped or padded to 1 s first), then normalise and pad it.

        Parameters
        ----------
        audio : np.ndarray, shape (n,)
            A clip at 16 kHz.
        rng : np.random.Generator
            Source of every random choice.

        Returns
        -------
        np.ndarray, shape (config.length,), float32
        """
        c = self.config
        x = fit_length(_check_mono(audio, "SoundPreprocessor").astype(np.float32), CLIP_SAMPLES)
        if rng.random() < c.speed_fraction:
            x = change_speed(x, rng.uniform(*c.speed_range))
        if rng.random() < c.pitch_fraction:
            x = shift_pitch(x, rng.uniform(*c.pitch_range))
        if rng.random() < c.formant_fraction:
            factor = rng.uniform(*c.formant_range)
            glide = c.formant_glide > 0 and rng.random() < c.formant_glide  # no draw at 0: old runs replay
            x = warp_formants(x, factor, rng.uniform(*c.formant_range) if glide else None)
        if rng.random() < c.tilt_fraction:
            x = tilt_spectrum(x, rng.uniform(*c.tilt_range))
        if rng.random() < c.reverb_fraction:
            x = reverberate(x, rng.uniform(*c.rt60_range), rng.uniform(*c.drr_range), rng)
        if c.shift_ms > 0:
            limit = int(c.shift_ms * SAMPLE_RATE / 1000)
            x = shift_time(x, int(rng.integers(-limit, limit + 1)))
        if rng.random() < c.noise_fraction:
            noise, level = self._noise(rng), rng.uniform(*c.noise_range)
            x = mix_at_snr(x, noise, level) if c.noise_snr else add_noise(x, noise, level)
        if rng.random() < c.phase_fraction:
            x = rotate_phase(x, rng.uniform(0.0, 2.0 * np.pi))
        return self.finish(x)

    def silence(self, rng: np.random.Generator) -> np.ndarray:
        """A silence clip: 1 s of background noise at a random gain in [0, 1], normalised and padded.

        Returns
        -------
        np.ndarray, shape (config.length,), float32
        """
        return self.finish(self._noise(rng) * np.float32(rng.uniform(0.0, 1.0)))
