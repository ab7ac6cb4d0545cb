"""Solutions and checks of the exercises of chapters 01-03 (phase randomisation, kernels, movies).

Each solution's docstring has a ``Notebook:`` line naming its exercise; each ``check_...``
runs a solution on the chapter's data and asserts the exercise's stated goal, returning what it
measured. The table of all exercises is :data:`phaselab.book.exercises.EXERCISES`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from phaselab import SAMPLE_RATE
from phaselab.book.chapters import quick
from phaselab.data.speech_commands import bundled_clip
from phaselab.signal.audio import read_wav
from phaselab.signal.kernels import (
    PhaseKernel,
    chord_gaussian,
    default_sigma,
)
from phaselab.signal.reconstruction import (
    griffin_lim,
    randomize_phase,
    spectral_convergence,
    zero_phase,
)
from phaselab.signal.stft import stft

__all__ = ["randomize_phase_above", "check_randomize_phase_above", "iterations_to_reach", "check_iterations_to_reach", "pulse_period", "check_pulse_period", "half_overlap_sigma", "check_half_overlap_sigma", "lit_slices", "expected_lit_slices", "check_lit_slices", "recentre_phase", "check_recentre_phase", "word_movie", "check_word_movie", "coherence_by_lag", "check_coherence_by_lag", "vowel_steadiness", "check_vowel_steadiness"]


def _word(name: str, length: int | None = None) -> np.ndarray:
    return read_wav(bundled_clip(name), length=length)


def _long_term_bands_db(audio: np.ndarray, n_bands: int = 24) -> np.ndarray:
    """The clip's long-term band spectrum: mean mel-band energy over frames, in dB, shape (n_bands,)."""
    from phaselab.signal.bands import band_energies

    energies = band_energies(stft(audio, 512, 128, framing="full"), n_bands=n_bands)
    return 10 * np.log10(energies.mean(axis=0) + 1e-12)


def randomize_phase_above(
    audio: np.ndarray, cutoff_hz: float, rng: np.random.Generator, frame_length: int = 512, frame_step: int = 128
) -> np.ndarray:
    """Randomise the STFT phase of the bins above ``cutoff_hz`` only; keep every magnitude.

    Notebook: 01, exercise 1 (randomise only the phase above 2 kHz and listen).

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
        The clip, at 16 kHz.
    cutoff_hz : float
        Bins at or below this frequency keep their phase.
    rng : np.random.Generator
        Source of the white noise whose phase the other bins take.
    frame_length, frame_step : int
        STFT window and hop, in samples.

    Returns
    -------
    np.ndarray, shape (n,), float32

    Examples
    --------
    >>> clip = np.sin(2 * np.pi * 440 * np.arange(8000) / 16000)
    >>> randomize_phase_above(clip, 2000, np.random.default_rng(0)).shape
    (8000,)
    """
    from phaselab.signal.stft import istft

    spec = stft(audio, frame_length, frame_step, framing="full")
    noise = stft(rng.standard_normal(len(audio)), frame_length, frame_step, framing="full")
    high = np.fft.rfftfreq(frame_length, 1 / SAMPLE_RATE) > cutoff_hz
    phase = np.where(high, np.exp(1j * np.angle(noise)), np.exp(1j * np.angle(spec)))
    return istft(np.abs(spec) * phase, len(audio), frame_length, frame_step).astype(np.float32)


def _band_convergence(original: np.ndarray, modified: np.ndarray, cutoff_hz: float) -> tuple[float, float]:
    x, y = stft(original, 512, 128, framing="full"), stft(modified, 512, 128, framing="full")
    high = np.fft.rfftfreq(512, 1 / SAMPLE_RATE) > cutoff_hz
    return spectral_convergence(x[:, ~high], y[:, ~high]), spectral_convergence(x[:, high], y[:, high])


def check_randomize_phase_above(solution: Callable[..., np.ndarray] = randomize_phase_above) -> dict[str, Any]:
    """Goal: below 2 kHz the waveform of "marvin" survives, above it only the magnitude does.

    Measured on the result's STFT: below the cutoff its spectral convergence to the
    original is under 0.05; above, the random phase leaves it over 0.2, like chapter 01's
    choir. Returns the clips and both numbers.
    """
    marvin = _word("marvin")
    result = solution(marvin, 2000.0, np.random.default_rng(0))
    assert result.shape == marvin.shape, f"the clip must keep its {len(marvin)} samples, got {result.shape}"
    below, above = _band_convergence(marvin, result, 2000.0)
    print(f"spectral convergence to marvin: below 2 kHz {below:.3f}, above {above:.3f}")
    assert below < 0.05, f"below 2 kHz the phase should be kept (spectral convergence {below:.3f}, want < 0.05)"
    assert above > 0.2, f"above 2 kHz the phase should be random (spectral convergence {above:.3f}, want > 0.2)"
    return {"original": marvin, "result": result, "below": below, "above": above}


def iterations_to_reach(convergence: np.ndarray, target: float) -> int | None:
    """The first iteration (counted from 1) whose spectral convergence is below ``target``, or None.

    Notebook: 01, exercise 2 (how many Griffin-Lim iterations reach a spectral convergence of 0.1?).

    Examples
    --------
    >>> iterations_to_reach(np.array([0.5, 0.2, 0.08, 0.05]), 0.1)
    3
    """
    below = np.flatnonzero(np.asarray(convergence) < target)
    return int(below[0]) + 1 if below.size else None


def check_iterations_to_reach(solution: Callable[[np.ndarray, float], int | None] = iterations_to_reach,
                              ) -> dict[str, Any]:
    """Goal: fast Griffin-Lim (momentum 0.99) reaches a spectral convergence of 0.1 on "marvin" in
    fewer iterations than the original (momentum 0), which may not reach it at all in the budget.
    """
    marvin = _word("marvin")
    magnitude = np.abs(stft(marvin, 512, 128, framing="full"))
    n_iter = 40 if quick() else 100
    runs = {m: griffin_lim(magnitude, len(marvin), n_iter=n_iter, momentum=m).convergence for m in (0.99, 0.0)}
    fast, plain = solution(runs[0.99], 0.1), solution(runs[0.0], 0.1)
    for name, value, curve in (("fast", fast, runs[0.99]), ("plain", plain, runs[0.0])):
        assert value == iterations_to_reach(curve, 0.1), f"{name}: got {value}, the curve first goes below 0.1 " \
            f"at iteration {iterations_to_reach(curve, 0.1)}"
    print(f"iterations to reach 0.1 (of {n_iter}): fast {fast}, plain {plain}")
    assert fast is not None and (plain is None or fast < plain), "fast Griffin-Lim should get there first"
    return {"fast": fast, "plain": plain, "n_iter": n_iter}


def pulse_period(audio: np.ndarray, min_lag: int = 32, max_lag: int = 400) -> int:
    """The lag, in samples, of the highest autocorrelation peak between ``min_lag`` and ``max_lag``.

    Notebook: 01, exercise 3 (zero phase puts a pulse in every frame: find their period).

    Examples
    --------
    >>> clicks = np.zeros(4000); clicks[::100] = 1
    >>> pulse_period(clicks)
    100
    """
    x = np.asarray(audio, dtype=np.float64) - np.mean(audio)
    spectrum = np.fft.rfft(x, 2 * len(x))
    autocorrelation = np.fft.irfft(np.abs(spectrum) ** 2)[: len(x)]
    return int(min_lag + np.argmax(autocorrelation[min_lag:max_lag]))


def _pulse_offset(audio: np.ndarray, period: int) -> tuple[int, float]:
    """Where, within each ``period``, the clip's energy peaks (offset in ``[-period/2, period/2)`` from a
    multiple of ``period``), and the share of the energy within 3 samples of that peak."""
    n = len(audio) // period * period
    profile = np.roll((np.asarray(audio[:n], dtype=np.float64).reshape(-1, period) ** 2).sum(axis=0), period // 2)
    peak = int(np.argmax(profile))
    near = profile[np.arange(peak - 3, peak + 4) % period].sum() / profile.sum()
    return peak - period // 2, float(near)


def check_pulse_period(solution: Callable[[np.ndarray], int] = pulse_period) -> dict[str, Any]:
    """Goal: the zero-phase "marvin" buzzes at the frame rate: its pulses are one hop (128 samples,
    8 ms, 125 Hz) apart and sit at the frames' centres (multiples of the hop, within 3 samples),
    while the original's autocorrelation peaks at its voice's pitch period.
    """
    marvin = _word("marvin")
    zeroed = zero_phase(marvin, 512, 128)
    period, voice = solution(zeroed), solution(marvin)
    print(f"zero phase: period {period} samples = {1000 * period / SAMPLE_RATE:.1f} ms; "
          f"original: {voice} samples ({SAMPLE_RATE / voice:.0f} Hz)")
    assert period == 128, f"the pulses should be one hop (128 samples) apart, got {period}"
    assert voice != 128, "the original's period should be its pitch, not the hop"
    offset, near = _pulse_offset(zeroed, period)
    print(f"the pulses peak {offset:+d} samples from the frame centres; {near:.0%} of the energy within 3 samples")
    assert abs(offset) <= 3 and near > 0.3, f"the pulses should sit at the frame centres, got offset {offset}"
    return {"zero_phase_period": period, "voice_period": voice, "offset": offset, "zeroed": zeroed}


def half_overlap_sigma(n_phases: int = 10) -> float:
    """The width at which neighbouring chord-Gaussian slices overlap by half.

    Half-way between two knots (``pi / n_phases`` from each) each of the two kernels is
    half its peak: ``exp(-(2 - 2 cos(pi / P)) / (2 sigma^2)) = 1/2``, found here with a
    root finder.

    Notebook: 02, exercise 1 (find the sigma at which the chord Gaussian's slices overlap by half).

    Examples
    --------
    >>> round(half_overlap_sigma(10), 4)
    0.2657
    """
    from scipy.optimize import brentq

    midpoint = np.pi / n_phases
    return float(brentq(lambda s: chord_gaussian(np.array(midpoint), s) - 0.5, 1e-3, 10.0, xtol=1e-12))


def check_half_overlap_sigma(solution: Callable[[int], float] = half_overlap_sigma) -> dict[str, Any]:
    """Goal: at the sigma found, the kernels of knots 0 and 1 both equal 1/2 half-way between them
    (for 10 and for 16 knots), and it is narrower than the original's default width.
    """
    found = {}
    for n_phases in (10, 16):
        sigma = solution(n_phases)
        midpoint = np.pi / n_phases
        values = PhaseKernel("chord", sigma)(np.array([midpoint, midpoint - 2 * np.pi / n_phases]))
        assert np.allclose(values, 0.5, atol=1e-6), f"P={n_phases}: kernels at the midpoint are {values}, want 1/2"
        assert sigma < default_sigma(n_phases), "half overlap is narrower than the default width"
        found[n_phases] = sigma
        print(f"P = {n_phases}: sigma = {sigma:.4f} (default {default_sigma(n_phases):.4f})")
    return found


def lit_slices(audio: np.ndarray, sigma: float, n_phases: int = 10) -> float:
    """Mean number of phase slices above 1 % of their bin's peak, over the loud bins of a clip.

    Notebook: 02, exercise 2 (how many slices does a loud bin light, as the kernel narrows?).

    Parameters
    ----------
    audio : np.ndarray, shape (n,)
    sigma : float
        Width of the chord Gaussian.
    n_phases : int

    Returns
    -------
    float
        Between 1 and ``n_phases``.
    """
    from phaselab.signal.encodings import phased_spectrogram

    volume = phased_spectrogram(audio, n_phases=n_phases, kernel=PhaseKernel("chord", sigma))
    peak = volume.max(axis=-1)
    loud = peak > 0.01 * peak.max()
    return float(np.sum(volume[loud] > 0.01 * peak[loud, None], axis=-1).mean())


def expected_lit_slices(sigma: float, n_phases: int = 10) -> float:
    """Chapter 02's prediction: ``P arccos(1 + ln(0.01) sigma^2) / pi`` slices (all ``P`` if the arc covers the circle).

    Examples
    --------
    >>> round(expected_lit_slices(default_sigma(10)), 2)
    5.52
    """
    return float(n_phases * np.arccos(np.clip(1 + np.log(0.01) * sigma**2, -1, 1)) / np.pi)


def check_lit_slices(solution: Callable[..., float] = lit_slices) -> dict[str, Any]:
    """Goal: on "marvin", the slices lit per loud bin follow chapter 02's formula within 0.5 slice
    for three widths, and narrowing the kernel from the default to 0.2 lights fewer than half as many.
    """
    marvin = _word("marvin", length=16384)
    widths = (0.2, 0.35, default_sigma(10))
    measured = {w: solution(marvin, w) for w in widths}
    for width, lit in measured.items():
        expected = expected_lit_slices(width)
        print(f"sigma = {width:.3f}: {lit:.2f} slices lit, expected {expected:.2f}")
        assert abs(lit - expected) < 0.5, f"sigma {width:.3f}: {lit:.2f} slices, the formula says {expected:.2f}"
    assert measured[0.2] < measured[default_sigma(10)] / 2
    return measured


def recentre_phase(spec: np.ndarray, frame_length: int = 256) -> np.ndarray:
    """Measure every bin's phase from its frame's centre instead of its first sample.

    A delay of ``frame_length / 2`` samples turns bin ``k`` by ``2 pi k (N/2) / N = pi k``,
    so the recentred STFT is ``spec * (-1)^k``: from ``stft(..., reference="start")`` it gives
    phaselab's default, ``stft(...)`` (:func:`phaselab.signal.stft.reference_turn`).

    Notebook: 02, exercise 3 (make the checkerboard of section 5 disappear).

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex
    frame_length : int

    Returns
    -------
    np.ndarray, shape (frames, bins), complex
    """
    k = np.arange(spec.shape[-1])
    return spec * np.exp(1j * np.pi * k * (frame_length // 2) * 2 / frame_length)


def _half_turn_share(spec: np.ndarray) -> float:
    magnitude = np.abs(spec)
    loud_pairs = np.minimum(magnitude[:, 1:], magnitude[:, :-1]) > 0.1 * magnitude.max()
    step = np.angle(spec[:, 1:] * np.conj(spec[:, :-1]))[loud_pairs]
    return float(np.mean(np.abs(step) > np.pi / 2))


def check_recentre_phase(solution: Callable[[np.ndarray], np.ndarray] = recentre_phase) -> dict[str, Any]:
    """Goal: after recentring, neighbouring loud bins of "marvin" differ by more than a quarter turn
    in under 30 % of the pairs (over 80 % before): the checkerboard was the framing.
    """
    spec = stft(_word("marvin", length=16384), reference="start")  # the original study's frame-start phase
    before, after = _half_turn_share(spec), _half_turn_share(solution(spec))
    print(f"neighbouring loud bins beyond a quarter turn: {before:.0%} before, {after:.0%} after recentring")
    assert before > 0.8 and after < 0.3, f"want > 80 % before and < 30 % after, got {before:.0%} and {after:.0%}"
    return {"before": before, "after": after}


def word_movie(word: str, axis: str = "frequency", out_dir: str | os.PathLike | None = None,
               size: tuple[int, int] = (320, 240), fps: float = 25) -> Path:
    """Render the phased-spectrogram movie of a bundled word along one axis, as an MP4.

    Notebook: 03, exercise 1 (render the movie of a word of your choice along frequency).

    Parameters
    ----------
    word : str
        A bundled word (``phaselab movie --word`` takes the same).
    axis : {"time", "frequency", "phase"}
    out_dir : path-like, optional
        Where to write ``<word>_<axis>.mp4`` (default: a new temporary folder).
    size : (int, int)
        Frame size in pixels.
    fps : float

    Returns
    -------
    Path
        The MP4.
    """
    from phaselab.display.movie import phased_movie

    out_dir = Path(tempfile.mkdtemp(prefix="phaselab-exercise-")) if out_dir is None else Path(out_dir)
    movie = phased_movie(_word(word), axis, crop=(0.0, 0.7), size=size, title=f'"{word}", movie along {axis}')
    return movie.to_mp4(out_dir / f"{word}_{axis}.mp4", fps=fps)


def _formant_bins(audio: np.ndarray, n: int = 3) -> list[float]:
    """Frequencies (Hz) of the ``n`` loudest bins of the clip's vowel frames, lowest first."""
    from phaselab.signal.coherence import loud_frames, low_frequency_share

    spec = stft(audio)
    vowels = loud_frames(spec, 10) & (low_frequency_share(spec) > 0.5)
    energy = np.sum(np.abs(spec[vowels]) ** 2, axis=0)
    return sorted(float(b * SAMPLE_RATE / 256) for b in np.argsort(energy)[-n:])


def check_word_movie(solution: Callable[..., Path] = word_movie, word: str = "marvin") -> dict[str, Any]:
    """Goal: a playable H.264 movie of the word along frequency, one frame per bin (129), and the
    bins its vowels are loudest in (where to look in the movie: the formants and the pitch harmonics).
    """
    from phaselab.display.video import probe

    path = solution(word, "frequency")
    info = probe(path)
    print(info)
    assert (info.codec, info.pix_fmt) == ("h264", "yuv420p"), info
    assert info.n_frames == 129, f"one frame per frequency bin: want 129, got {info.n_frames}"
    loudest = _formant_bins(_word(word))
    print(f"{word}: its vowels are loudest at {', '.join(f'{f:.0f}' for f in loudest)} Hz")
    assert all(f < 4000 for f in loudest)
    return {"path": path, "info": info, "loudest_hz": loudest}


def coherence_by_lag(audio: np.ndarray, lags: tuple[int, ...] = (1, 2, 3, 4), n_twins: int = 3,
                     ) -> dict[int, tuple[float, float]]:
    """Advance coherence of a word's vowels and of its random-phase twins, for several lags.

    Notebook: 03, exercise 2 (at which lag does the word stand out from its twins?).

    Returns
    -------
    dict
        ``{lag: (word's coherence, mean of the twins')}``. The mean, not the largest: a
        twin's coherence rests on the few loud bins of the vowels, so one of three random
        phases can come out fairly steady by chance (chapter 03, section 5; measured:
        ``benchmarks/FINDINGS.md``, "Notes moved from docstrings").
    """
    from phaselab.signal.coherence import (
        advance_coherence,
        loud_frames,
        low_frequency_share,
    )

    spec = stft(audio)
    vowels = loud_frames(spec, 10) & (low_frequency_share(spec) > 0.5)
    twins = [stft(randomize_phase(audio, np.random.default_rng(s), 256, 64)) for s in range(n_twins)]
    return {lag: (advance_coherence(spec, vowels, lag=lag),
                  float(np.mean([advance_coherence(t, vowels, lag=lag) for t in twins]))) for lag in lags}


def check_coherence_by_lag(solution: Callable[..., dict] = coherence_by_lag) -> dict[str, Any]:
    """Goal: at lag 1 the twins of "sheila" look nearly as steady as the word (both over 0.5); at lags
    2 and 3 the word is more than twice as steady as its twins on average.
    """
    table = solution(_word("sheila"))
    for lag, (word, twin) in table.items():
        print(f"lag {lag}: word {word:.2f}, twins on average {twin:.2f}")
    assert min(table[1]) > 0.5, "at lag 1 the frames overlap by 3/4: even noise looks steady"
    for lag in (2, 3):
        word, twin = table[lag]
        assert word > 2 * twin, f"lag {lag}: the word ({word:.2f}) should be twice as steady as its twins ({twin:.2f})"
    return table


def vowel_steadiness(word: str, n_twins: int = 3) -> tuple[float, float]:
    """Advance coherence (lag 2) in the vowels of a bundled word, and the mean of its twins'.

    Notebook: 03, exercise 3 (is "sheila" special, or do other words' vowels move steadily too?).
    """
    return coherence_by_lag(_word(word), lags=(2,), n_twins=n_twins)[2]


def check_vowel_steadiness(solution: Callable[[str], tuple[float, float]] = vowel_steadiness) -> dict[str, Any]:
    """Goal: in "marvin" too the vowels' phase advance is more than twice as steady as in its twins (on average)."""
    found = {}
    for word in ("marvin", "sheila"):
        steady, twins = solution(word)
        print(f"{word}: vowels {steady:.2f}, twins on average {twins:.2f}")
        assert steady > 2 * twins, f"{word}: {steady:.2f} is not twice {twins:.2f}"
        found[word] = (steady, twins)
    return found
