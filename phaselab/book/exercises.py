"""Solutions to the exercises at the end of every chapter, and the checks that grade them.

Each chapter ends with three exercises. Each exercise has, here,

- a **solution** function (its docstring's ``Notebook:`` line names the exercise), and
- a **check** ``check_...(solution=...)`` that runs a solution on the chapter's data and
  asserts the exercise's stated goal; it returns what it measured.

In a chapter, the learner's skeleton cell defines their own function and grades it with
:func:`attempt`, which answers in one line (not attempted yet, not there yet and why, or done);
the cell after it runs the check with the solution from this module. ``make
test`` runs every check with every solution (``tests/book/test_exercises.py``) and again in
the chapters, so a solution cannot rot. :data:`EXERCISES` lists them all.

Checks that cost more than a second read ``PHASELAB_QUICK`` (as the chapters do) and do
less work when it is ``1``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

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

__all__ = ["Attempt", "Exercise", "EXERCISES", "attempt", "exercises_of"]


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


class _NotAttempted(Exception):
    """The learner's function still raises the skeleton's ``NotImplementedError``."""


@dataclass(frozen=True)
class Attempt:
    """What :func:`attempt` found: the status, its one-line message and, when done, what the check measured."""

    key: str
    status: Literal["not attempted", "not there yet", "done"]
    message: str
    result: Any = None

    @property
    def done(self) -> bool:
        """Whether the check passed."""
        return self.status == "done"

    def __repr__(self) -> str:
        return self.message


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def attempt(key: str, function: Callable[..., Any], **check_kwargs: Any) -> Attempt:
    """Grade a learner's function with exercise ``key``'s check, in one line and without a traceback.

    The skeleton cell of every exercise ends with ``attempt("CC.N", my_function)``. While
    ``my_function`` still raises the skeleton's ``NotImplementedError`` the answer is "not
    attempted yet"; when the check's goal fails (an ``AssertionError``) it says which goal, in
    one line; when the goal is met it says so. Any other exception is a bug in the learner's
    code and propagates with its traceback, which points at the line to fix.

    Parameters
    ----------
    key : str
        ``"CC.N"``, as in :data:`EXERCISES`.
    function : callable
        The learner's solution, called by the check as the library's solution would be.
    **check_kwargs
        Passed on to the check (e.g. ``word="marvin"``).

    Returns
    -------
    Attempt
        Shown in a notebook as its one-line message; ``result`` holds what the check measured.

    Examples
    --------
    >>> def my_pulse_period(audio):
    ...     raise NotImplementedError("your turn")
    >>> attempt("01.3", my_pulse_period)
    Exercise 01.3 not attempted yet: write my_pulse_period above and run this cell again
    >>> attempt("01.3", lambda audio: 155)  # the check prints what it measured, then the verdict
    zero phase: period 155 samples ...
    Exercise 01.3 not there yet: the pulses should be one hop (128 samples) apart, got 155
    >>> attempt("01.3", pulse_period)
    zero phase: period 128 samples ...
    Exercise 01.3 done: the zero-phase clip's pulses are one hop (128 samples) apart
    """
    exercise = next((e for e in EXERCISES if e.key == key), None)
    if exercise is None:
        raise ValueError(f"no exercise {key!r}; the exercises are {', '.join(e.key for e in EXERCISES)}")
    name = getattr(function, "__name__", "your function")

    def learner(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except NotImplementedError as error:
            raise _NotAttempted from error

    try:
        result = exercise.check(learner, **check_kwargs)
    except _NotAttempted:
        return Attempt(key, "not attempted", f"Exercise {key} not attempted yet: write {name} above and run this "
                       "cell again")
    except AssertionError as error:
        reason = _one_line(error) or f"the goal is: {exercise.goal}"
        return Attempt(key, "not there yet", f"Exercise {key} not there yet: {reason}")
    return Attempt(key, "done", f"Exercise {key} done: {exercise.goal}", result)
