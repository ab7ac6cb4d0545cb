"""The layout of ``benchmarks/``: every path to a script exists, every script imports the harness first.

Also the harness itself (paths, timers, quick mode) and the README's chapter table
against :data:`phaselab.book.chapters.CHAPTERS`. Nothing here loads TensorFlow.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import math
import os
import re
from pathlib import Path

import pytest

from phaselab.book.chapters import CHAPTERS

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = REPO / "benchmarks"
SCRIPTS = sorted([*BENCHMARKS.glob("speed/*.py"), *BENCHMARKS.glob("experiments/*.py")])
SCRIPT_PATH = re.compile(r"benchmarks/[A-Za-z0-9_/]+\.py")


def load_harness():
    """``benchmarks/harness.py`` as a module, leaving this process's environment as it was."""
    saved = dict(os.environ)
    spec = importlib.util.spec_from_file_location("harness", BENCHMARKS / "harness.py")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return module


def documents() -> list[Path]:
    """Every file that may name a benchmark script."""
    files = [REPO / "README.md", REPO / "Makefile", REPO / "data" / "README.md", BENCHMARKS / "FINDINGS.md"]
    files += sorted((REPO / "notebooks").glob("*.ipynb"))
    for folder in ("phaselab", "tests", "benchmarks"):
        files += sorted((REPO / folder).rglob("*.py"))
    return files


def test_the_two_folders_hold_the_scripts():
    assert {p.parent.name for p in SCRIPTS} == {"speed", "experiments"}
    assert [p.name for p in BENCHMARKS.glob("*.py")] == ["harness.py"]  # the scripts live in the two folders
    assert {p.name for p in BENCHMARKS.glob("speed/bench_*.py")} >= {"bench_data.py", "bench_train.py"}


def test_every_named_script_exists():
    missing = set()
    for path in documents():
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            text = "".join("".join(cell["source"]) for cell in json.loads(text)["cells"])
        for name in SCRIPT_PATH.findall(text):
            if "*" not in name and not (REPO / name).is_file():
                missing.add(f"{path.relative_to(REPO)}: {name}")
    assert not missing, sorted(missing)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_script_imports_the_harness_before_anything_that_may_load_tensorflow(script: Path):
    tree = ast.parse(script.read_text(encoding="utf-8"))
    imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    names = [(node.names[0].name if isinstance(node, ast.Import) else node.module or "").split(".")[0]
             for node in imports]
    assert "harness" in names, script
    before = names[: names.index("harness")]
    assert not {"tensorflow", "keras", "phaselab", "matplotlib", "jax"} & set(before), (script, before)
    assert "os.environ.setdefault(\"TF_CPP_MIN_LOG_LEVEL\"" not in script.read_text(encoding="utf-8")


def test_harness_paths_and_quick_mode(monkeypatch):
    harness = load_harness()
    assert harness.REPO == REPO and harness.RESULTS == BENCHMARKS / "results" and harness.RESULTS.is_dir()
    monkeypatch.setenv("PHASELAB_QUICK", "1")
    assert harness.quick()
    monkeypatch.setenv("PHASELAB_QUICK", "0")
    assert not harness.quick()
    monkeypatch.setenv("PHASELAB_BUILD", "/tmp/elsewhere")
    assert load_harness().BUILD == Path("/tmp/elsewhere")  # as the chapters' build_dir()


def test_harness_timers():
    harness = load_harness()
    calls = []
    assert harness.rate(lambda: calls.append(1), repeats=3, per_call=10, warmup=2) > 0
    assert len(calls) == 5
    assert harness.median_seconds(lambda: calls.append(1), repeats=3, warmup=0) >= 0 and len(calls) == 8
    with harness.timer() as clock:
        pass
    assert 0 <= clock.seconds < 1


def _row(model: str, seed: int, held: float) -> dict:
    voices = lambda f1: {"macro_f1": f1, "command_recall": f1 / 2, "accuracy": 1.0, "f1": {}}
    return {"model": model, "seed": seed, "params": 10, "mflops": 2.0, "train_seconds": 60.0 * (seed + 1),
            "train_voices": voices(0.9), "heldout_voices": voices(held)}


def test_summarise_runs_mean_and_sample_sd_per_model() -> None:
    harness = load_harness()
    summary = harness.summarise_runs([_row("a", 0, 0.5), _row("b", 0, 0.7), _row("a", 1, 0.7)])
    assert [e["model"] for e in summary] == ["a", "b"]
    a, b = summary
    assert a["seeds"] == [0, 1] and a["minutes"] == pytest.approx(1.5)
    assert a["heldout_voices_macro_f1"] == pytest.approx(0.6)
    assert a["heldout_voices_macro_f1_sd"] == pytest.approx(0.1 * math.sqrt(2))
    assert a["heldout_voices_command_recall"] == pytest.approx(0.3)
    assert math.isnan(b["heldout_voices_macro_f1_sd"])
    text = harness.format_run_summary(summary).splitlines()
    assert text[1].split()[:2] == ["a", "2"] and "0.600 ± 0.141" in text[1] and "±" not in text[2]
    big = harness.format_run_summary(harness.summarise_runs([{**_row("c", 0, 0.5), "params": 1_563_736}])).splitlines()[1]
    assert big.split()[1:3] == ["1", "1,563,736"]  # a reference-sized count keeps its column
    with pytest.raises(ValueError, match="no runs"):
        harness.summarise_runs([])


def test_summarise_juries_by_hand() -> None:
    harness = load_harness()
    def item(recipe: str, small: float, big: float) -> dict:
        return {"model": "m", "recipe": recipe, "small": {"macro_f1": small}, "big": {"macro_f1": big}}

    items = [item("default", 0.8, 0.85), item("x", 0.95, 0.9), item("default", 0.9, 0.95)]
    default, x = harness.summarise_juries(items, ("small", "big"))
    assert (default["recipe"], default["n"], x["n"]) == ("default", 2, 1)
    assert default["small"] == pytest.approx(0.85) and default["big_sd"] == pytest.approx(0.05 * math.sqrt(2))
    assert (default["big_min"], default["big_max"], default["reached"], x["reached"]) == (0.85, 0.95, 1, 1)
    assert math.isnan(x["small_sd"])
    lines = harness.format_jury_summary([default, x], {"small": "few clips", "big": "many clips"}).splitlines()
    assert "few clips" in lines[0] and ">= 0.9" in lines[0]
    assert "0.900 ± 0.071 [0.85-0.95]" in lines[1] and lines[1].endswith("1 of 2") and "0.950 [0.95-0.95]" in lines[2]
    with pytest.raises(ValueError, match="nothing"):
        harness.summarise_juries([], ("small",))


def test_readme_chapter_table_keeps_the_chapters_and_their_times():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line.split("|")[-2].strip()
            for line in readme.splitlines() if re.match(r"\| \d\d \|", line)}
    assert rows == {chapter.number: chapter.full for chapter in CHAPTERS}


def test_make_bench_finds_the_speed_benchmarks():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    (pattern,) = re.findall(r"for b in (benchmarks/\S+);", makefile)
    assert sorted(REPO.glob(pattern)) == sorted(BENCHMARKS.glob("speed/bench_*.py")) != []
