"""The layout of ``benchmarks/``: every path to a script exists, every script imports the harness first.

Also the harness itself (timers, quick mode, the atomic JSON writer) and the README's chapter table
against :data:`phaselab.book.chapters.CHAPTERS`. Nothing here loads TensorFlow.
"""

from __future__ import annotations

import ast
import importlib.util
import json
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


def test_harness_timers():
    harness = load_harness()
    calls = []
    assert harness.rate(lambda: calls.append(1), repeats=3, per_call=10, warmup=2) > 0
    assert len(calls) == 5
    assert harness.median_seconds(lambda: calls.append(1), repeats=3, warmup=0) >= 0 and len(calls) == 8
    with harness.timer() as clock:
        pass
    assert 0 <= clock.seconds < 1


def test_harness_writes_json_atomically(tmp_path: Path):
    harness = load_harness()
    path = harness.write_json(tmp_path / "new" / "r.json", {"a": [1, 2.5]})
    assert json.loads(path.read_text()) == {"a": [1, 2.5]} and path.read_text().endswith("\n")
    assert [p.name for p in path.parent.iterdir()] == ["r.json"]  # no temporary file left


def test_readme_chapter_table_keeps_the_chapters_and_their_times():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line.split("|")[-2].strip()
            for line in readme.splitlines() if re.match(r"\| \d\d \|", line)}
    assert rows == {chapter.number: chapter.full for chapter in CHAPTERS}


def test_make_bench_finds_the_speed_benchmarks():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    (pattern,) = re.findall(r"for b in (benchmarks/\S+);", makefile)
    assert sorted(REPO.glob(pattern)) == sorted(BENCHMARKS.glob("speed/bench_*.py")) != []
