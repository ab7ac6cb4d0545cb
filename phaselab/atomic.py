"""Atomic writes: every file or folder phaselab writes goes to ``.part-NAME`` first, then is renamed.

One temporary-name scheme for all of phaselab (WAVs, movies, JSON scores, run
directories): the file ``DIR/NAME`` is written as ``DIR/.part-NAME`` (hidden, and with
``NAME``'s suffix kept, which Keras wants) and renamed over ``DIR/NAME`` with
:func:`os.replace` once it is complete. A failure, Ctrl-C or SIGTERM (which
:func:`phaselab.cli.main.main` turns into an exception) removes the temporary file; a
``kill -9`` can leave one behind, and the next write of the same file removes it first.

Folders (a synthesised or bundled tree, an unpacked archive, the HTML site) are built under the
same temporary name by :func:`atomic_dir`, and an existing folder is replaced only once the new
one is complete. :func:`write_json` is the one JSON writer (NaN and infinities as ``null``). The
resumable download of :mod:`phaselab.data.download` uses the same ``.part-NAME`` (:func:`part_path`)
but keeps it on failure, so that the next run continues it.

Examples
--------
>>> import json, tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> path = write_json({"f1": float("nan"), "n": 3}, folder / "scores.json")
>>> json.loads(path.read_text()), sorted(p.name for p in folder.iterdir())
({'f1': None, 'n': 3}, ['scores.json'])
>>> with atomic_dir(folder / "tree") as tmp:
...     _ = (tmp / "a.txt").write_text("a")
...     print(tmp.name)
.part-tree
>>> sorted(p.name for p in (folder / "tree").iterdir())
['a.txt']
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["PART_PREFIX", "part_path", "atomic_path", "atomic_dir", "write_text", "write_json", "json_ready", "check_output_file"]

PART_PREFIX = ".part-"
"""Files are written as ``.part-NAME`` and renamed to ``NAME``."""


def part_path(path: str | os.PathLike) -> Path:
    """The temporary name ``path`` is written under before it is renamed to ``path``."""
    path = Path(path)
    return path.with_name(PART_PREFIX + path.name)


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Write a file under its temporary name, renamed to ``path`` if the block succeeds.

    A stale temporary of an earlier, killed write is removed first. If the block raises
    (``KeyboardInterrupt`` included) the temporary is removed and ``path`` is untouched.

    Parameters
    ----------
    path : str or path-like
        The file to write.

    Yields
    ------
    Path
        The temporary file to write to (:func:`part_path` of ``path``).

    Examples
    --------
    >>> with atomic_path("scores.json") as tmp:  # doctest: +SKIP
    ...     tmp.write_text("{}")
    """
    path = Path(path)
    tmp = part_path(path)
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def check_output_file(path: str | os.PathLike, what: str = "the file") -> Path:
    """Check that a file can be written at ``path``: not a directory, in a writable directory.

    Parameters
    ----------
    path : str or path-like
        The file to write.
    what : str
        What is written, for the message (e.g. ``"the movie"``).

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        Naming the path and what is wrong (a directory, a missing directory, a regular
        file where a directory should be, a directory that is not writable).
    """
    path = Path(path)
    parent = path.parent
    if path.is_dir():
        raise ValueError(f"{path}: cannot write {what}, this is a directory")
    if not parent.is_dir():
        above = next((p for p in (parent, *parent.parents) if p.exists()), None)
        if above is not None and not above.is_dir():
            raise ValueError(f"{path}: cannot write {what}, directory {parent} does not exist: "
                             f"{above} is a file, not a directory")
        raise ValueError(f"{path}: cannot write {what}, directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise ValueError(f"{path}: cannot write {what}, directory {parent} is not writable")
    return path


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns ``path``."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def json_ready(value: Any) -> Any:
    """``value`` with every NaN or infinite float (NumPy scalars included) replaced by None, recursively.

    Examples
    --------
    >>> json_ready({"a": [1.0, float("nan")], "b": float("inf")})
    {'a': [1.0, None], 'b': None}
    """
    if isinstance(value, dict):
        return {key: json_ready(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0:  # a NumPy scalar
        return json_ready(value.item())
    return value


def write_json(value: Any, path: str | os.PathLike, indent: int | None = 2) -> Path:
    """Write ``value`` as JSON (NaN and infinities as ``null``) to ``path`` atomically; returns ``path``."""
    return write_text(path, json.dumps(json_ready(value), indent=indent) + "\n")


@contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Build a folder under its temporary name, renamed to ``path`` if the block succeeds.

    A stale temporary of an earlier, killed build is removed first. If the block raises, the
    temporary folder is removed and ``path`` is untouched. An existing ``path`` is moved aside
    (to ``.part-NAME.old``) only once the new folder is complete, then deleted.

    Parameters
    ----------
    path : str or path-like
        The folder to write; its parent must exist.

    Yields
    ------
    Path
        The empty temporary folder to fill (:func:`part_path` of ``path``).
    """
    path = Path(path)
    tmp, old = part_path(path), part_path(path.with_name(path.name + ".old"))
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        os.chmod(tmp, 0o755)
        if path.exists():
            os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
