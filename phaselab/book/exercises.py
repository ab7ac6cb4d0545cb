"""Solutions to the exercises at the end of every chapter, and the checks that grade them.

Each chapter ends with three exercises. Each exercise has, here,

- a **solution** function (its docstring's ``Notebook:`` line names the exercise), and
- a **check** ``check_...(solution=...)`` that runs a solution on the chapter's data and
  asserts the exercise's stated goal; it returns what it measured.

In a chapter, the learner's skeleton cell defines their own function and calls the check
with it; the cell after it runs the check with the solution from this module. ``make
test`` runs every check with every solution (``tests/book/test_exercises.py``) and again in
the chapters, so a solution cannot rot. :data:`EXERCISES` lists them all.

Checks that cost more than a second read ``PHASELAB_QUICK`` (as the chapters do) and do
less work when it is ``1``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from phaselab import SAMPLE_RATE
from phaselab.display.movie import bundled_clip
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

__all__ = [
    "Exercise", "EXERCISES", "exercises_of", "quick",
    # 01
    "randomize_phase_above", "check_randomize_phase_above",
    "iterations_to_reach", "check_iterations_to_reach",
    "pulse_period", "check_pulse_period",
    # 02
    "half_overlap_sigma", "check_half_overlap_sigma",
    "lit_slices", "expected_lit_slices", "check_lit_slices",
    "recentre_phase", "check_recentre_phase",
    # 03
    "word_movie", "check_word_movie",
    "coherence_by_lag", "check_coherence_by_lag",
    "vowel_steadiness", "check_vowel_steadiness",
    # 04
    "phase_roll_gap", "padding_comparison", "check_padding_comparison",
    "flops_by_width", "check_flops_by_width",
    "always_unknown_scores", "check_always_unknown_scores",
    # 05
    "log_complex", "check_log_complex",
    "rotation_sensitivity", "check_rotation_sensitivity",
    "encoding_costs", "check_encoding_costs",
    # 06
    "long_term_noise", "check_long_term_noise",
    "twin_convergence_by_hop", "check_twin_convergence_by_hop",
    "detector_on_long_term_noise", "check_detector_on_long_term_noise",
]


def quick() -> bool:
    """Whether ``PHASELAB_QUICK=1`` asks for the small version of the work (as in the chapters)."""
    return os.environ.get("PHASELAB_QUICK") == "1"


@dataclass(frozen=True)
class Exercise:
    """One exercise: where it is, what it asks, its solution and its check."""

    key: str
    """``"CC.N"``: chapter CC, exercise N."""
    title: str
    goal: str
    """The stated goal, which :attr:`check` asserts."""
    solution: Callable[..., Any]
    check: Callable[..., Any]

    @property
    def chapter(self) -> str:
        """The chapter's two-digit number."""
        return self.key.split(".")[0]


def _word(name: str, length: int | None = None) -> np.ndarray:
    return read_wav(bundled_clip(name), length=length)


def _long_term_bands_db(audio: np.ndarray, n_bands: int = 24) -> np.ndarray:
    """The clip's long-term band spectrum: mean mel-band energy over frames, in dB, shape (n_bands,)."""
    from phaselab.signal.bands import band_energies

    energies = band_energies(stft(audio, 512, 128, framing="full"), n_bands=n_bands)
    return 10 * np.log10(energies.mean(axis=0) + 1e-12)


# ---------------------------------------------------------------------------------------- chapter 01


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


def check_pulse_period(solution: Callable[[np.ndarray], int] = pulse_period) -> dict[str, Any]:
    """Goal: the zero-phase "marvin" buzzes at the frame rate: its pulses are one hop (128 samples,
    8 ms, 125 Hz) apart, while the original's autocorrelation peaks at its voice's pitch period.
    """
    marvin = _word("marvin")
    zeroed = zero_phase(marvin, 512, 128)
    period, voice = solution(zeroed), solution(marvin)
    print(f"zero phase: period {period} samples = {1000 * period / SAMPLE_RATE:.1f} ms; "
          f"original: {voice} samples ({SAMPLE_RATE / voice:.0f} Hz)")
    assert period == 128, f"the pulses should be one hop (128 samples) apart, got {period}"
    assert voice != 128, "the original's period should be its pitch, not the hop"
    return {"zero_phase_period": period, "voice_period": voice, "zeroed": zeroed}


# ---------------------------------------------------------------------------------------- chapter 02


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
    5.47
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
    so the recentred STFT is ``spec * (-1)^k``.

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
    spec = stft(_word("marvin", length=16384))
    before, after = _half_turn_share(spec), _half_turn_share(solution(spec))
    print(f"neighbouring loud bins beyond a quarter turn: {before:.0%} before, {after:.0%} after recentring")
    assert before > 0.8 and after < 0.3, f"want > 80 % before and < 30 % after, got {before:.0%} and {after:.0%}"
    return {"before": before, "after": after}


# ---------------------------------------------------------------------------------------- chapter 03


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
        phases can come out fairly steady by chance (for the real "sheila" at lag 2:
        0.02, 0.09 and 0.35).
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


# ---------------------------------------------------------------------------------------- chapter 04


def phase_roll_gap(model: Any, audio: np.ndarray, shift: int = 3) -> float:
    """How far a model's pooled stem output moves when the phase axis of its input volume is rolled.

    Runs the layers of a ``cnn3d-small`` from its features to ``phase_pool`` on the phased
    spectrogram of ``audio`` and on the same volume rolled by ``shift`` phase slices (what a
    global phase rotation by ``2 pi shift / P`` does), and returns the largest difference
    relative to the largest output. With wrap-around padding the stem commutes with the roll
    and the max over phase removes it: 0 up to float rounding.

    Notebook: 04, exercise 1 (train with edge padding instead of wrap-around).
    """
    import keras

    from phaselab.signal.audio import fit_length

    clip = fit_length(np.asarray(audio, np.float32), model.input_shape[1])[None]
    volume = keras.ops.convert_to_numpy(model.get_layer("features")(clip))
    stem = keras.Model(model.get_layer("features").output, model.get_layer("phase_pool").output)

    def head(x: np.ndarray) -> np.ndarray:
        return stem.predict(x, verbose=0)

    plain, rolled = head(volume), head(np.roll(volume, shift, axis=3))
    return float(np.max(np.abs(plain - rolled)) / np.max(np.abs(plain)))


def padding_comparison(steps: int | None = None, seed: int = 0) -> dict[str, dict[str, Any]]:
    """Train ``cnn3d-small`` twice, the phase axis padded by wrap-around and by edge replication.

    Same seed, same batches, a small width; returns, per padding, the per-word validation
    F1 after the last epoch (None for a class the validation split lacks), the macro F1 and
    :func:`phase_roll_gap` of the trained model. Under ``PHASELAB_QUICK=1``: 2 batches of 4
    clips at width 1/8, mechanics only; otherwise 2 epochs of 40 batches of 8 at width 1/4
    (minutes on a CPU), still far from chapter 04's full run.

    Notebook: 04, exercise 1 (train with edge padding instead of wrap-around and compare per-word F1).

    Parameters
    ----------
    steps : int, optional
        Batches per epoch (default: 2 under ``PHASELAB_QUICK=1``, else 40).
    seed : int
    """
    from phaselab.data.labels import CLASSES
    from phaselab.training.config import TrainConfig
    from phaselab.training.loop import train

    epochs, per_epoch, batch, width = (1, steps or 2, 4, 0.125) if quick() else (2, steps or 40, 8, 0.25)
    marvin = _word("marvin")
    results = {}
    for padding in ("wrap", "edge"):
        config = TrainConfig("cnn3d-small", model_kwargs={"width": width, "phase_padding": padding}, epochs=epochs,
                             steps_per_epoch=per_epoch, batch_size=batch, seed=seed)
        with tempfile.TemporaryDirectory(prefix=f"phaselab-exercise-{padding}-") as run_dir:
            run = train(config, Path(run_dir), verbose=0)
        history = run.history
        results[padding] = {
            "f1": {name: history[f"val_f1_{name}"][-1] for name in CLASSES},
            "macro_f1": history["val_macro_f1"][-1],
            "roll_gap": phase_roll_gap(run.model, marvin),
        }
    return results


def check_padding_comparison(solution: Callable[..., dict] = padding_comparison) -> dict[str, Any]:
    """Goal: both runs give a validation F1 for every word, side by side; the wrap-around model's
    pooled stem ignores a roll of the phase axis (relative change < 1e-4), the edge-padded one's
    does not (> 1e-3): edge padding breaks the invariance to a global phase rotation.
    """
    from phaselab.data.labels import CLASSES

    results = solution()
    def cell(value: float | None) -> str:
        return f"{value:8.3f}" if value is not None and np.isfinite(value) else f"{'-':>8}"

    print(f"{'word':<9}" + "".join(f"{p:>8}" for p in results))
    for name in CLASSES:
        print(f"{name:<9}" + "".join(cell(r['f1'][name]) for r in results.values()))
    print(f"{'macro F1':<9}" + "".join(f"{r['macro_f1']:8.3f}" for r in results.values()))
    print("relative change of the pooled stem under a phase roll: "
          + ", ".join(f"{p} {r['roll_gap']:.1e}" for p, r in results.items()))
    assert set(results) == {"wrap", "edge"} and all(set(r["f1"]) == set(CLASSES) for r in results.values())
    assert results["wrap"]["roll_gap"] < 1e-4, results["wrap"]["roll_gap"]
    assert results["edge"]["roll_gap"] > 1e-3, results["edge"]["roll_gap"]
    return results


def flops_by_width(widths: tuple[float, ...] = (0.5, 1.0)) -> dict[float, tuple[int, int]]:
    """Parameters and FLOPs per clip of ``cnn3d-small`` at several widths.

    Notebook: 04, exercise 2 (how do parameters and FLOPs grow with the width?).

    Returns
    -------
    dict
        ``{width: (parameters, FLOPs per clip)}``.
    """
    from phaselab.nn.cost import flops
    from phaselab.nn.registry import build_model

    found = {}
    for width in widths:
        model = build_model("cnn3d-small", width=width)
        found[width] = (model.count_params(), flops(model))
    return found


def check_flops_by_width(solution: Callable[..., dict] = flops_by_width) -> dict[str, Any]:
    """Goal: doubling the width multiplies FLOPs per clip and parameters by about 4 (between 3 and 4.5),
    since most of the cost is in layers whose inputs *and* outputs widen.
    """
    found = solution((0.5, 1.0))
    params = found[1.0][0] / found[0.5][0]
    cost = found[1.0][1] / found[0.5][1]
    for width, (p, f) in found.items():
        print(f"width {width}: {p:,} parameters, {f / 1e6:,.0f} MFLOPs per clip")
    print(f"doubling the width: parameters x{params:.2f}, FLOPs x{cost:.2f}")
    assert 3 < params < 4.5 and 3 < cost < 4.5
    return {"parameters_ratio": params, "flops_ratio": cost}


def always_unknown_scores(split: str = "test") -> dict[str, Any]:
    """Scores of a "model" that answers ``unknown`` for every clip of a split of the synthetic set.

    Notebook: 04, exercise 3 (why accuracy misleads: score the laziest model).
    """
    from phaselab.data.labels import CLASSES, UNKNOWN
    from phaselab.data.pipeline import class_indices
    from phaselab.data.speech_commands import SpeechCommands, resolve_data_root
    from phaselab.training.scores import classification_scores

    clips = SpeechCommands(resolve_data_root("mini")).clips(split)
    truth = class_indices(clips, CLASSES)
    return classification_scores(truth, np.full_like(truth, CLASSES.index(UNKNOWN)), CLASSES)


def check_always_unknown_scores(solution: Callable[[str], dict] = always_unknown_scores) -> dict[str, Any]:
    """Goal: answering ``unknown`` always reaches an accuracy of about 0.67 on the synthetic test split
    (two thirds of it is ``unknown``) but a macro F1 under 0.1 and a command recall of 0.
    """
    scores = solution("test")
    print(f"always 'unknown': accuracy {scores['accuracy']:.3f}, macro F1 {scores['macro_f1']:.3f}, "
          f"command recall {scores['command_recall']:.3f}")
    assert scores["accuracy"] > 0.6 and scores["macro_f1"] < 0.1 and scores["command_recall"] == 0
    return scores


# ---------------------------------------------------------------------------------------- chapter 05


def log_complex(spec: np.ndarray) -> np.ndarray:
    """One more encoding: the log magnitude carried by the bin's point on the unit circle.

    ``log(1 + |z|) (cos phi, sin phi)``: two channels, like ``cos_sin``, but quiet bins are
    near 0 instead of carrying the phase of the background at full contrast.

    Notebook: 05, exercise 1 (one more encoding).

    Parameters
    ----------
    spec : np.ndarray, shape (frames, bins), complex

    Returns
    -------
    np.ndarray, shape (frames, bins, 2), float32

    Examples
    --------
    >>> log_complex(np.array([[np.e - 1 + 0j]]))[0, 0].round(3).tolist()
    [1.0, 0.0]
    """
    angle = np.angle(spec)
    return (np.log1p(np.abs(spec))[..., None] * np.stack([np.cos(angle), np.sin(angle)], axis=-1)).astype(np.float32)


def check_log_complex(solution: Callable[[np.ndarray], np.ndarray] = log_complex) -> dict[str, Any]:
    """Goal: on "marvin" the new encoding has shape (256, 129, 2), the length of every 2-vector is
    the log magnitude, and a global phase rotation by theta rotates every vector by theta.
    """
    spec = stft(_word("marvin", length=16384))
    features = solution(spec)
    assert features.shape == (256, 129, 2), features.shape
    np.testing.assert_allclose(np.hypot(features[..., 0], features[..., 1]), np.log1p(np.abs(spec)), atol=1e-5)
    theta = 0.7
    rotated = solution(spec * np.exp(1j * theta))
    c, s = np.cos(theta), np.sin(theta)
    expected = np.stack([c * features[..., 0] - s * features[..., 1], s * features[..., 0] + c * features[..., 1]], -1)
    np.testing.assert_allclose(rotated, expected, atol=1e-4)
    print("shape", features.shape, "| length = log(1 + |z|) | a rotation by theta rotates every vector by theta")
    return {"features": features}


def rotation_sensitivity(audio: np.ndarray, theta: float) -> dict[str, float]:
    """How much each encoding changes, at most, in the loud bins when every STFT value turns by ``theta``.

    Chapter 05's section 2 on any clip: magnitude, instantaneous frequency and group delay
    (on the circle) do not change; cos/sin does; the phased volume rolls along phase.

    Notebook: 05, exercise 2 (check section 2's table on another word).

    Returns
    -------
    dict
        ``{"magnitude", "if", "group_delay", "cos_sin", "phased_unrolled", "phased_rolled"}``:
        the largest change; the phased volume compared as it is and rolled back by
        ``theta P / 2 pi`` slices (a whole number of slices when ``theta`` is a knot angle).
    """
    from phaselab.signal.encodings import (
        cos_sin,
        group_delay,
        instantaneous_frequency,
        kernel_activations,
        make_kernel,
    )

    spec = stft(audio)
    rotated = spec * np.exp(1j * theta)
    loud = np.abs(spec) > 0.05 * np.abs(spec).max()

    def circular(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.abs((a - b + 1) % 2 - 1)

    kernel = make_kernel("chord", 10)
    before, after = kernel_activations(spec[loud], 10, kernel), kernel_activations(rotated[loud], 10, kernel)
    shift = int(round(theta * 10 / (2 * np.pi)))
    pairs_t, pairs_f = loud[1:] & loud[:-1], loud[:, 1:] & loud[:, :-1]
    return {
        "magnitude": float(np.abs(np.log1p(np.abs(rotated)) - np.log1p(np.abs(spec)))[loud].max()),
        "if": float(circular(instantaneous_frequency(rotated), instantaneous_frequency(spec))[1:][pairs_t].max()),
        "group_delay": float(circular(group_delay(rotated), group_delay(spec))[:, 1:][pairs_f].max()),
        "cos_sin": float(np.abs(cos_sin(rotated) - cos_sin(spec))[loud].max()),
        "phased_unrolled": float(np.abs(after - before).max()),
        "phased_rolled": float(np.abs(after - np.roll(before, shift, axis=-1)).max()),
    }


def check_rotation_sensitivity(solution: Callable[..., dict] = rotation_sensitivity) -> dict[str, Any]:
    """Goal: on "sheila" (the chapter used "marvin"), turning every STFT value by 3/10 of a turn leaves
    magnitude, IF and group delay unchanged (< 1e-3), changes cos/sin by over 1, and only rolls the
    phased volume by three slices (< 1e-3 after rolling back, over 0.5 before).
    """
    found = solution(_word("sheila", length=16384), 2 * np.pi * 3 / 10)
    for name, value in found.items():
        print(f"{name:<16} {value:.2e}")
    assert max(found["magnitude"], found["if"], found["group_delay"], found["phased_rolled"]) < 1e-3, found
    assert found["cos_sin"] > 1 and found["phased_unrolled"] > 0.5, found
    return found


def encoding_costs() -> dict[str, tuple[int, int]]:
    """Parameters and FLOPs per clip of chapter 05's network over each encoding.

    Notebook: 05, exercise 3 (what does each encoding cost the same body?).

    Returns
    -------
    dict
        ``{encoding: (parameters, FLOPs per clip)}`` for magnitude, phased, cos_sin, if and mag_if.
    """
    from phaselab.nn.cost import flops
    from phaselab.nn.encoding_nets import encoding_model

    found = {}
    for encoding in ("magnitude", "phased", "cos_sin", "if", "mag_if"):
        model = encoding_model(encoding, filters=(8, 16, 32))
        found[encoding] = (model.count_params(), flops(model))
    return found


def check_encoding_costs(solution: Callable[[], dict] = encoding_costs) -> dict[str, Any]:
    """Goal: every encoding's model has within 10 % of the magnitude model's parameters (only the stem's
    input differs), while the phased one costs over 1.5 times its FLOPs (its stem runs on 10 slices).
    """
    found = solution()
    base_params, base_flops = found["magnitude"]
    for encoding, (params, cost) in found.items():
        print(f"{encoding:<10} {params:>7,} parameters ({params / base_params:.2f}x), "
              f"{cost / 1e6:7.1f} MFLOPs ({cost / base_flops:.2f}x)")
        assert abs(params / base_params - 1) < 0.1, encoding
    assert found["phased"][1] > 1.5 * base_flops
    return found


# ---------------------------------------------------------------------------------------- chapter 06


def long_term_noise(clip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One more noise type: white noise shaped by the clip's *long-term* spectrum, at the clip's RMS.

    Unlike chapter 06's ``shaped`` noise, which follows the clip's magnitude frame by frame,
    this one has the right average colour and no time envelope at all: no syllables.

    Notebook: 06, exercise 1 (one more noise type).

    Parameters
    ----------
    clip : np.ndarray, shape (n,)
    rng : np.random.Generator

    Returns
    -------
    np.ndarray, shape (n,), float32
    """
    from phaselab.signal.stft import istft

    spec = stft(clip, 512, 128, framing="full")
    long_term = np.sqrt(np.mean(np.abs(spec) ** 2, axis=0))
    noise = stft(rng.standard_normal(len(clip)), 512, 128, framing="full")
    out = istft(noise / (np.abs(noise) + 1e-12) * long_term, len(clip), 512, 128)
    rms = np.sqrt(np.mean(np.square(clip)))
    return (out * rms / max(np.sqrt(np.mean(np.square(out))), 1e-12)).astype(np.float32)


def _envelope_spread_db(audio: np.ndarray) -> float:
    frames = 10 * np.log10(np.mean(np.abs(stft(audio, 512, 128, framing="full")) ** 2, axis=1) + 1e-12)
    return float(np.std(frames[2:-2]))


def check_long_term_noise(solution: Callable[..., np.ndarray] = long_term_noise) -> dict[str, Any]:
    """Goal: the noise of "marvin" has its long-term band spectrum within 3 dB in the median band, but
    its frame energies spread by less than a third of the word's (no syllables).
    """
    marvin = _word("marvin")
    noise = solution(marvin, np.random.default_rng(0))
    assert noise.shape == marvin.shape
    bands = np.abs(_long_term_bands_db(marvin) - _long_term_bands_db(noise))
    word_spread, noise_spread = _envelope_spread_db(marvin), _envelope_spread_db(noise)
    print(f"long-term band spectrum: median |difference| {np.median(bands):.2f} dB; frame energy spread: "
          f"word {word_spread:.1f} dB, noise {noise_spread:.1f} dB")
    assert np.median(bands) < 3 and noise_spread < word_spread / 3
    return {"noise": noise, "band_gap_db": float(np.median(bands)), "spread_db": (word_spread, noise_spread)}


def twin_convergence_by_hop(clips: list[np.ndarray], hops: tuple[int, ...] = (32, 64, 128),
                            frame_length: int = 256) -> dict[int, float]:
    """Mean spectral convergence of random-phase twins to their clips, made and re-analysed at several hops.

    Notebook: 06, exercise 2 (how close can a random-phase twin get, with less frame overlap?).

    Returns
    -------
    dict
        ``{hop: mean spectral convergence}``.
    """
    found = {}
    for hop in hops:
        values = []
        for i, clip in enumerate(clips):
            twin = randomize_phase(clip, np.random.default_rng(i), frame_length, hop)
            values.append(spectral_convergence(stft(clip, frame_length, hop, framing="full"),
                                               stft(twin, frame_length, hop, framing="full")))
        found[hop] = float(np.mean(values))
    return found


def check_twin_convergence_by_hop(solution: Callable[..., dict] = twin_convergence_by_hop) -> dict[str, Any]:
    """Goal: the less the frames overlap, the closer the twins: at a hop of half the window (50 %
    overlap) the spectral convergence is at least 0.04 lower than at 1/4 and 1/8 of the window.
    """
    from phaselab.studies.detector import training_clips

    clips = training_clips("test")[: 6 if quick() else 30]
    found = solution(clips)
    for hop, value in found.items():
        print(f"hop {hop:>3} (overlap {1 - hop / 256:.0%}): spectral convergence {value:.3f}")
    assert found[128] < min(found[32], found[64]) - 0.04, found
    return found


def detector_on_long_term_noise(clips: list[np.ndarray], seed: int = 0) -> dict[str, np.ndarray]:
    """``is_speech`` probabilities of clips, of their random-phase twins and of their :func:`long_term_noise`.

    Notebook: 06, exercise 3 (does the shipped detector catch the new noise?).

    Returns
    -------
    dict
        ``{"speech", "twin", "long_term"}``: probabilities of speech, each of shape (n,).
    """
    from phaselab.data.augment import pad
    from phaselab.studies.detector import speech_scores
    from phaselab.studies.speech_noise import SAMPLES, random_phase_twin

    rng = np.random.default_rng(seed)
    sounds = {"speech": clips, "twin": [random_phase_twin(c, rng) for c in clips],
              "long_term": [long_term_noise(c, rng) for c in clips]}
    return {kind: speech_scores(np.stack([pad(c, SAMPLES) for c in found])) for kind, found in sounds.items()}


def check_detector_on_long_term_noise(solution: Callable[..., dict] = detector_on_long_term_noise,
                                      ) -> dict[str, Any]:
    """Goal: find out whether the shipped detector, trained on four kinds of noise, catches a fifth.
    It scores most held-out speech as speech and at least 80 % of the twins as noise (chapter 06's
    section 5); the long-term noise, which it never saw, it catches *less* often than the twins.
    """
    from phaselab.studies.detector import training_clips

    clips = training_clips("test")[:: 6 if quick() else 2]
    scores = solution(clips)
    kept = float(np.mean(scores["speech"] > 0.5))
    caught = {kind: float(np.mean(scores[kind] < 0.5)) for kind in ("twin", "long_term")}
    print(f"{len(clips)} held-out clips: {kept:.0%} scored as speech; as noise: their twins {caught['twin']:.0%}, "
          f"their long-term noise {caught['long_term']:.0%}")
    assert kept > 0.5 and caught["twin"] >= 0.8, (kept, caught)
    assert caught["long_term"] < caught["twin"], caught  # measured: 15 % of 20 clips in quick mode
    return {"scores": scores, "kept": kept, "caught": caught}


EXERCISES: tuple[Exercise, ...] = (
    Exercise("01.1", "Randomise only the phase above 2 kHz", "below 2 kHz the waveform survives (spectral "
             "convergence < 0.05), above it only the magnitude (> 0.2)", randomize_phase_above,
             check_randomize_phase_above),
    Exercise("01.2", "How many Griffin-Lim iterations?", "fast Griffin-Lim reaches a spectral convergence of 0.1 "
             "in fewer iterations than the original", iterations_to_reach, check_iterations_to_reach),
    Exercise("01.3", "The period of zero phase's buzz", "the zero-phase clip's pulses are one hop (128 samples) "
             "apart", pulse_period, check_pulse_period),
    Exercise("02.1", "Half overlap", "the sigma at which neighbouring slices cross at half their peak",
             half_overlap_sigma, check_half_overlap_sigma),
    Exercise("02.2", "Lit slices against the formula", "the slices lit per loud bin follow the formula within "
             "0.5 for three widths", lit_slices, check_lit_slices),
    Exercise("02.3", "Undo the checkerboard", "recentred phases: under 30 % of loud neighbours a half turn apart",
             recentre_phase, check_recentre_phase),
    Exercise("03.1", "A movie of your word along frequency", "an H.264 movie with one frame per bin (129)",
             word_movie, check_word_movie),
    Exercise("03.2", "Coherence at every lag", "at lag 1 even the twins look steady; from lag 2 the word is "
             "twice as steady as its twins on average", coherence_by_lag, check_coherence_by_lag),
    Exercise("03.3", "Another word's vowels", "the vowels of marvin, too, are twice as steady as its twins",
             vowel_steadiness, check_vowel_steadiness),
    Exercise("04.1", "Edge padding instead of wrap-around", "per-word F1 side by side; only wrap-around keeps "
             "the pooled stem blind to a phase roll", padding_comparison, check_padding_comparison),
    Exercise("04.2", "Cost against width", "doubling the width multiplies parameters and FLOPs by 3 to 4.5",
             flops_by_width, check_flops_by_width),
    Exercise("04.3", "The laziest model", "always answering unknown: accuracy over 0.6, macro F1 under 0.1",
             always_unknown_scores, check_always_unknown_scores),
    Exercise("05.1", "One more encoding", "log(1 + |z|)(cos, sin): the right length, rotated by a phase rotation",
             log_complex, check_log_complex),
    Exercise("05.2", "Section 2 on another word", "magnitude, IF, group delay unchanged by a rotation; cos/sin "
             "changed; the phased volume rolled", rotation_sensitivity, check_rotation_sensitivity),
    Exercise("05.3", "What each encoding costs", "parameters within 10 %, phased over 1.5x the FLOPs",
             encoding_costs, check_encoding_costs),
    Exercise("06.1", "One more noise type", "the clip's long-term spectrum (within 3 dB), no syllables",
             long_term_noise, check_long_term_noise),
    Exercise("06.2", "Twins with less overlap", "the twins get closer as the hop grows",
             twin_convergence_by_hop, check_twin_convergence_by_hop),
    Exercise("06.3", "The detector on the new noise", "does the detector catch a noise it never saw as often as "
             "the twins?",
             detector_on_long_term_noise, check_detector_on_long_term_noise),
)
"""Every exercise of the series, in chapter order."""


def exercises_of(chapter: str) -> list[Exercise]:
    """The exercises of one chapter (``"01"`` .. ``"06"``), in order.

    Examples
    --------
    >>> [e.key for e in exercises_of("02")]
    ['02.1', '02.2', '02.3']
    """
    return [e for e in EXERCISES if e.chapter == chapter]
