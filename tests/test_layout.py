"""The package's layering, as the README's picture draws it: no module imports a layer above its own."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "phaselab"
BASE = {"constants", "paths", "atomic"}
BELOW: dict[str, set[str]] = {
    "signal": set(),
    "data": {"signal"},
    "nn": {"signal"},
    "training": {"signal", "data", "nn"},
    "studies": {"signal", "data", "nn", "training"},
    "display": {"signal", "data", "nn", "training", "studies"},
    "book": {"signal", "data", "nn", "training", "studies", "display"},
    "cli": {"signal", "data", "nn", "training", "studies", "display", "book"},
}
"""What each subpackage may import besides itself and the base modules (``constants``, ``paths``, ``atomic``)."""


def _phaselab_imports(path: Path) -> set[str]:
    """The first part under ``phaselab.`` of every import in the file, at module level or in a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
        for name in names:
            parts = name.split(".")
            if parts[0] == "phaselab" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_no_module_imports_a_layer_above_its_own() -> None:
    wrong = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        part = path.relative_to(PACKAGE).parts
        layer = part[0] if len(part) > 1 else None
        allowed = BASE | ({layer} | BELOW[layer] if layer else set())
        if layer is None and path.stem in BASE:
            allowed = BASE
        elif layer is None:
            continue  # phaselab/__init__.py and __main__.py
        extra = _phaselab_imports(path) - allowed
        if extra:
            wrong[str(path.relative_to(ROOT))] = sorted(extra)
    assert wrong == {}


def test_the_readme_draws_these_layers() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    picture = readme.split("## The library", 1)[1].split("```", 2)[1]
    rows = [re.findall(r"\b([a-z]+)/", line) for line in picture.splitlines()]
    order = [names for names in rows if names]
    assert order[0] == ["cli", "display", "book"]  # the top row: what you run, watch and read
    column = [names[0] for names in order[1:]]
    assert column == ["studies", "training", "nn", "signal"]  # bottom up: signal, nn, training, studies
    assert "data" in order[2]  # beside training, feeding it
    base = re.findall(r"\b([a-z]+)\.py\b", picture)
    assert set(base) == BASE and set(BELOW) == {"signal", "data", "nn", "training", "studies", "display", "book", "cli"}


def test_the_signal_layer_never_imports_tensorflow() -> None:
    modules = sorted(p.stem for p in (PACKAGE / "signal").glob("*.py") if p.stem != "__init__")
    code = ("import sys, importlib\n"
            f"for m in {modules!r}: importlib.import_module('phaselab.signal.' + m)\n"
            "import phaselab, phaselab.constants, phaselab.paths, phaselab.atomic\n"
            "print(sorted(m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
