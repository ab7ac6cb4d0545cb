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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from phaselab.book.solutions_networks import (
    always_unknown_scores,
    check_always_unknown_scores,
    check_detector_on_long_term_noise,
    check_encoding_costs,
    check_flops_by_width,
    check_log_complex,
    check_long_term_noise,
    check_padding_comparison,
    check_rotation_sensitivity,
    check_twin_convergence_by_hop,
    detector_on_long_term_noise,
    encoding_costs,
    flops_by_width,
    log_complex,
    long_term_noise,
    padding_comparison,
    rotation_sensitivity,
    twin_convergence_by_hop,
)
from phaselab.book.solutions_signal import (
    check_coherence_by_lag,
    check_half_overlap_sigma,
    check_iterations_to_reach,
    check_lit_slices,
    check_pulse_period,
    check_randomize_phase_above,
    check_recentre_phase,
    check_vowel_steadiness,
    check_word_movie,
    coherence_by_lag,
    half_overlap_sigma,
    iterations_to_reach,
    lit_slices,
    pulse_period,
    randomize_phase_above,
    recentre_phase,
    vowel_steadiness,
    word_movie,
)

__all__ = ["Exercise", "EXERCISES", "exercises_of"]


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
