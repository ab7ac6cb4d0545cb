"""The package's layout: the layering rule, and every subpackage re-exporting its modules' public names."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "phaselab"
SUBPACKAGES = ("signal", "data", "nn", "training", "studies", "display", "book")


def test_the_signal_layer_never_imports_tensorflow() -> None:
    modules = sorted(p.stem for p in (PACKAGE / "signal").glob("*.py") if p.stem != "__init__")
    code = ("import sys, importlib\n"
            f"for m in {modules!r}: importlib.import_module('phaselab.signal.' + m)\n"
            "import phaselab, phaselab.constants, phaselab.paths, phaselab.atomic\n"
            "print(sorted(m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def _all(path: Path) -> list[str]:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError(f"{path}: no __all__")


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_a_subpackage_reexports_what_its_modules_make_public(name: str) -> None:
    package = importlib.import_module(f"phaselab.{name}")
    modules = {p.stem: _all(p) for p in (PACKAGE / name).glob("*.py") if p.stem != "__init__"}
    seen: dict[str, int] = {}
    for names in modules.values():
        for n in names:
            seen[n] = seen.get(n, 0) + 1
    expected = {n for n, count in seen.items() if count == 1 and n not in modules}  # ambiguous names stay in their modules
    assert set(package.__all__) == expected
    for public in sorted(expected)[:50]:
        assert getattr(package, public) is not None


def test_no_module_is_over_about_400_lines() -> None:
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {path: n for path, n in sizes.items() if n > 440} == {}
