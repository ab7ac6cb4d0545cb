"""Keep TensorFlow's C++ log out of a learner's way, however Python or Jupyter was started.

TensorFlow writes a log of notes to the process's standard error (file descriptor 2, which
Jupyter shows as red stderr boxes): oneDNN's "custom operations are on", "Could not find cuda
drivers", "failed call to cuInit", grappler's "remapper failed", ... None is an error of the
learner's, and a chapter cannot act on any of them. Two things keep them out, both set up by
``import phaselab`` (:func:`install`, called by ``phaselab/__init__.py``), so before TensorFlow is
first imported by any chapter or module that imports phaselab first:

- ``TF_CPP_MIN_LOG_LEVEL=3`` (:data:`QUIET_ENVIRONMENT`, a default: a value already set wins)
  silences the log written after TensorFlow has started;
- the notes written *while* TensorFlow is imported come before its logging reads that variable
  (TensorFlow 2.21 logs through absl, which writes everything to standard error until it is
  initialised). :func:`install` therefore imports TensorFlow, when something first imports it,
  with standard error captured, and writes back every captured line that is not a known start-up
  note (:func:`is_startup_note`): an error line, a fatal one or a Python warning still shows.

Python exceptions are not log lines: a failing import or computation still raises, with its
message and traceback. To see the whole log again, start Python or Jupyter with
``TF_CPP_MIN_LOG_LEVEL=0``: :func:`install` then leaves the import alone as well.

Examples
--------
>>> is_startup_note("I0000 00:00:1796621432.584045   12100 cudart_stub.cc:31] Could not find cuda drivers")
True
>>> is_startup_note("E0000 00:00:1796621444.869320   12100 cuda_platform.cc:52] failed call to cuInit")
False
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any

__all__ = ["QUIET_ENVIRONMENT", "install", "is_startup_note", "captured_stderr"]

QUIET_ENVIRONMENT: dict[str, str] = {"TF_CPP_MIN_LOG_LEVEL": "3"}
"""Environment defaults set by :func:`install` (a value already in the environment wins)."""

_NOTE = re.compile(
    r"^(?:[IW]\d{4} [\d:.]+ +\d+ \S+:\d+\]"  # an absl INFO or WARNING line: "I0000 00:00:17.96 123 port.cc:153] ..."
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags\.)"
)


def is_startup_note(line: str) -> bool:
    """Whether a line of TensorFlow's import-time standard error is a note (INFO or WARNING), not an error."""
    return bool(_NOTE.match(line.strip()))


@contextmanager
def captured_stderr() -> Iterator[list[str]]:
    """Capture what is written to file descriptor 2 (C++ code included) into the list yielded, by line.

    The list is filled when the block ends, also when it raises.
    """
    lines: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield lines
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines.extend(capture.read().decode(errors="replace").splitlines())


class _QuietLoader(importlib.abc.Loader):
    """Runs the real loader of ``tensorflow`` with standard error captured, then writes back what is not a note."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        _uninstall_finder()  # once: the import is under way
        try:
            with captured_stderr() as lines:
                self._loader.exec_module(module)
        finally:  # also when the import fails: what it wrote may say why
            kept = [line for line in lines if line.strip() and not is_startup_note(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr)

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, is_package, get_code, ...
        return getattr(self._loader, name)


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` as the other finders do, and hands it a :class:`_QuietLoader` (removed when it runs)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "tensorflow":
            return None
        for finder in sys.meta_path:  # the others: an importlib.util.find_spec probe does not import, so stay
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _QuietLoader(spec.loader)
                return spec
        return None


def _uninstall_finder() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _QuietTensorFlowImport)]


def install() -> None:
    """Set :data:`QUIET_ENVIRONMENT` as defaults, and quiet TensorFlow's import if it is still to come.

    Called by ``import phaselab``; calling it again changes nothing. With ``TF_CPP_MIN_LOG_LEVEL``
    set to 0 (the whole log wanted), the import is left alone.
    """
    for name, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    wanted_log = os.environ.get("TF_CPP_MIN_LOG_LEVEL") == "0"
    if wanted_log or "tensorflow" in sys.modules or any(isinstance(f, _QuietTensorFlowImport) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _QuietTensorFlowImport())
