"""The exercise table, and checks that fail on wrong solutions.

Every reference solution runs through its check in its chapter (``make test`` runs the chapters under nbval),
so it is not run a second time here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from phaselab.book import exercises as ex
from phaselab.signal.encodings import cos_sin
from phaselab.signal.kernels import default_sigma
from phaselab.signal.reconstruction import randomize_phase
from phaselab.studies.speech_noise import shaped_noise

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def quick_mode(monkeypatch):
    monkeypatch.setenv("PHASELAB_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")


def test_every_chapter_runs_every_reference_solution_through_its_check():
    for e in ex.EXERCISES:
        (notebook,) = (REPO / "notebooks").glob(f"{e.chapter}_*.ipynb")
        code = "".join("".join(cell["source"]) for cell in json.loads(notebook.read_text())["cells"]
                       if cell["cell_type"] == "code")
        assert f"solutions.{e.check.__name__}(solutions.{e.solution.__name__}" in code, e.key


def test_every_chapter_has_three_to_five_exercises_and_each_solution_names_its_exercise():
    chapters = {e.chapter for e in ex.EXERCISES}
    assert chapters == {"01", "02", "03", "04", "05", "06"}
    for chapter in chapters:
        keys = [e.key for e in ex.exercises_of(chapter)]
        assert 3 <= len(keys) <= 5 and keys == [f"{chapter}.{n}" for n in range(1, len(keys) + 1)]
    for e in ex.EXERCISES:
        number = int(e.key.split(".")[1])
        assert f"Notebook: {e.chapter}, exercise {number} (" in e.solution.__doc__, e.key
        assert e.goal and e.title and e.check.__doc__.lstrip().startswith("Goal:")


WRONG = {
    "01.1 randomises every phase": (ex.check_randomize_phase_above,
                                    lambda audio, cutoff, rng: randomize_phase(audio, rng)),
    "01.2 counts from 0": (ex.check_iterations_to_reach,
                           lambda curve, target: int(np.argmax(np.asarray(curve) < target))),
    "01.3 finds the pitch, not the hop": (ex.check_pulse_period, lambda audio: 155),
    "02.1 returns the default width": (ex.check_half_overlap_sigma, default_sigma),
    "02.2 counts every slice": (ex.check_lit_slices, lambda audio, sigma: 10.0),
    "02.3 leaves the phase as it was": (ex.check_recentre_phase, lambda spec: spec),
    "03.2 no twins": (ex.check_coherence_by_lag, lambda audio: {lag: (0.6, 0.6) for lag in (1, 2, 3)}),
    "04.3 a perfect model": (ex.check_always_unknown_scores,
                             lambda split: {"accuracy": 1.0, "macro_f1": 1.0, "command_recall": 1.0}),
    "05.1 forgets the magnitude": (ex.check_log_complex, cos_sin),
    "06.1 follows the envelope": (ex.check_long_term_noise, shaped_noise),
    "06.2 the same at every hop": (ex.check_twin_convergence_by_hop, lambda clips: {32: 0.4, 64: 0.4, 128: 0.4}),
}


@pytest.mark.parametrize("name", WRONG)
def test_checks_fail_on_wrong_solutions(name):
    check, wrong = WRONG[name]
    with pytest.raises(AssertionError):
        check(wrong)


def _skeleton(name):
    def function(*args, **kwargs):
        raise NotImplementedError("your turn")
    function.__name__ = name
    return function


def test_an_unattempted_exercise_says_so_in_one_line():
    answer = ex.attempt("01.3", _skeleton("my_pulse_period"))
    assert answer.status == "not attempted" and answer.result is None and not answer.done
    assert repr(answer) == "Exercise 01.3 not attempted yet: write my_pulse_period above and run this cell again"


def test_a_wrong_answer_says_which_goal_failed_in_one_line(capsys):
    answer = ex.attempt("01.3", lambda audio: 155)
    assert answer.status == "not there yet" and "\n" not in repr(answer)
    assert repr(answer) == "Exercise 01.3 not there yet: the pulses should be one hop (128 samples) apart, got 155"
    assert "Traceback" not in capsys.readouterr().out


def test_a_right_answer_says_so_and_keeps_what_the_check_measured():
    answer = ex.attempt("01.3", ex.pulse_period)
    assert answer.done and answer.result["zero_phase_period"] == 128
    assert repr(answer) == f"Exercise 01.3 done: {ex.exercises_of('01')[2].goal}"


def test_a_bug_in_the_learners_code_keeps_its_traceback_and_an_unknown_key_is_refused():
    with pytest.raises(ZeroDivisionError):
        ex.attempt("01.3", lambda audio: 1 // 0)
    with pytest.raises(ValueError, match="no exercise '07.1'"):
        ex.attempt("07.1", ex.pulse_period)


def test_every_chapter_grades_its_skeletons_with_attempt_and_none_raises():
    import nbformat

    from phaselab.paths import repo_root

    for chapter in ("01", "02", "03", "04", "05", "06"):
        (path,) = (repo_root() / "notebooks").glob(f"{chapter}_*.ipynb")
        cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        assert not [c for c in cells if "raises-exception" in c.metadata.get("tags", [])], path.name
        graded = [c.source.strip().splitlines()[-1] for c in cells if "raise NotImplementedError" in c.source]
        assert [line.split(",")[0] for line in graded] == [f'attempt("{e.key}"' for e in ex.exercises_of(chapter)]
