"""Augmentation of 1 s keyword clips as one :class:`AugmentConfig` says, and the preprocessing every clip gets.

:class:`SoundPreprocessor` draws, per clip, the perturbations of :mod:`phaselab.data.perturb`
(speed, pitch, spectral tilt, formant warp, reverberation, time shift), background noise
(:func:`noise_segment` of a recording, or :func:`phaselab.signal.noise.coloured_noise`, mixed by
:func:`add_noise` or :func:`mix_at_snr`), silence clips and a global phase rotation
(:func:`rotate_phase`: ``e^{i theta}`` on every STFT value, the augmentation the original study
suggested for phase-aware models).

:func:`normalize` and :func:`pad` are not augmentations: every clip, in training and in
evaluation, ends with ``(x - mean) / (rms + damping)`` and zero-padding 16000 -> 16384.

Notebook: ``04_3d_cnn_training.ipynb``
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.signal import hilbert

from phaselab import SAMPLE_RATE
from phaselab.constants import CLIP_SAMPLES, MODEL_SAMPLES
from phaselab.data.perturb import (
    _check_mono,
    change_speed,
    reverberate,
    shift_pitch,
    shift_time,
    tilt_spectrum,
    warp_formants,
)
from phaselab.signal.audio import fit_length
from phaselab.signal.noise import coloured_noise

__all__ = ["AugmentConfig", "SoundPreprocessor", "add_noise", "mix_at_snr", "noise_segment", "normalize", "pad", "rotate_phase",
           "splice_words"]


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


def _active_region(audio: np.ndarray, frame: int = 160, floor_db: float = -25.0) -> tuple[int, int]:
    """First and last sample (exclusive) of the 10 ms frames within ``floor_db`` of the loudest one."""
    frames = len(audio) // frame
    if frames == 0:
        return 0, len(audio)
    rms = np.sqrt(np.mean(np.square(audio[:frames * frame].reshape(frames, frame), dtype=np.float64), axis=1))
    loud = np.flatnonzero(rms >= rms.max() * 10 ** (floor_db / 20)) if rms.max() > 0 else np.arange(frames)
    return int(loud[0]) * frame, int(loud[-1] + 1) * frame


def splice_words(first: np.ndarray, second: np.ndarray, rng: np.random.Generator,
                 cut: tuple[float, float] = (0.3, 0.7), fade_ms: float = 10.0) -> np.ndarray:
    """The start of one spoken word joined to the end of another: a word that is neither.

    Each clip's word is found as the span of its 10 ms frames within 25 dB of the loudest; both are
    cut at the same fraction ``u`` of their word, drawn from ``cut``; the end of ``second`` is scaled
    to the RMS of ``first``'s word and joined after ``first``'s start with a crossfade of ``fade_ms``.
    A keyword model that hears "p" + "own" as ``down``, or "d" + "ollars" as ``down``, learns from such
    words (labelled ``unknown``) that a command needs its whole sound (``AugmentConfig.splice_fraction``).

    Parameters
    ----------
    first, second : np.ndarray, shape (n,) and (m,)
        Two clips at 16 kHz, of different words.
    rng : np.random.Generator
    cut : (float, float)
        Range of the cut's place within each word, as a fraction of it.
    fade_ms : float
        Length of the crossfade.

    Returns
    -------
    np.ndarray, shape (k,), float32
        ``first`` up to its cut, then ``second`` from its cut (``k`` is the two lengths less the crossfade).

    Examples
    --------
    >>> t = np.arange(16000) / 16000
    >>> low, high = np.sin(2 * np.pi * 200 * t), 0.1 * np.sin(2 * np.pi * 3000 * t)
    >>> out = splice_words(low, high, np.random.default_rng(0), cut=(0.5, 0.5))
    >>> len(out), round(float(np.std(out[:7000])), 2), round(float(np.std(out[-7000:])), 2)
    (15840, 0.71, 0.71)
    """
    first, second = (np.asarray(x, np.float64) for x in (first, second))
    u = rng.uniform(*cut)
    (a1, b1), (a2, b2) = _active_region(first), _active_region(second)
    c1, c2 = a1 + int(u * (b1 - a1)), a2 + int(u * (b2 - a2))
    level = lambda x, a, b: float(np.sqrt(np.mean(np.square(x[a:b])))) if b > a else 0.0
    gain = level(first, a1, b1) / level(second, a2, b2) if level(second, a2, b2) > 0 else 1.0
    fade = max(1, min(int(fade_ms * SAMPLE_RATE / 1000), c1, len(second) - c2))
    ramp = np.linspace(0.0, 1.0, fade)
    head, tail = first[:c1].copy(), gain * second[c2:]
    head[len(head) - fade:] *= ramp[::-1]
    tail[:fade] *= ramp
    out = np.concatenate([head[:len(head) - fade], head[len(head) - fade:] + tail[:fade], tail[fade:]])
    return np.clip(out, -1.0, 1.0).astype(np.float32)


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
    tonal_fraction : float
        Share of those silence clips that are a synthetic tonal sound instead (a melody, plucked
        strings, drums, bird-like chirps or whale-like glides: :func:`phaselab.data.tones.tonal_sound`),
        so that a keyword model learns that a sound with coherent harmonics is not yet a word; 0
        by default (``benchmarks/experiments/false_alarms.py --model`` measures what it does).
    splice_fraction : float
        Share of the ``unknown`` clips drawn for a batch that are replaced by a spliced word: the start of
        the drawn word joined to the end of a command, or the start of a command to the end of the drawn
        word, said by the same speaker where the tree has one (:func:`splice_words`; the samplers of
        :mod:`phaselab.data.pipeline`). A model that has heard "p" + "own" as ``unknown`` has a reason not
        to take "pound" for ``down``. 0 by default.
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
        ``formant_range`` over the clip (the ``end_factor`` of :func:`warp_formants`); 0 by
        default (what 0.5 did: ``benchmarks/FINDINGS.md``).
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
    tonal_fraction: float = 0.0
    splice_fraction: float = 0.0
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
        for name in ("silence_fraction", "tonal_fraction", "splice_fraction", "noise_fraction", "speed_fraction", "pitch_fraction",
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

        With probability ``config.tonal_fraction`` the second is a synthetic tonal sound of a random
        kind instead (:func:`phaselab.data.tones.tonal_sound`).

        Returns
        -------
        np.ndarray, shape (config.length,), float32
        """
        if self.config.tonal_fraction > 0 and rng.random() < self.config.tonal_fraction:  # no draw at 0: old runs replay
            from phaselab.data.tones import TONAL_KINDS, tonal_sound

            kind = TONAL_KINDS[int(rng.integers(len(TONAL_KINDS)))]
            sound = fit_length(tonal_sound(kind, 1.0, rng).astype(np.float32), CLIP_SAMPLES)
            return self.finish(sound * np.float32(rng.uniform(0.0, 1.0)))
        return self.finish(self._noise(rng) * np.float32(rng.uniform(0.0, 1.0)))
