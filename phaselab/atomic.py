"""Atomic writes: every file phaselab writes goes to ``.part-NAME`` first, then is renamed.

One temporary-name scheme for all of phaselab (WAVs, movies, JSON scores, run
directories): the file ``DIR/NAME`` is written as ``DIR/.part-NAME`` (hidden, and with
``NAME``'s suffix kept, which Keras wants) and renamed over ``DIR/NAME`` with
:func:`os.replace` once it is complete. A failure, Ctrl-C or SIGTERM (which
:func:`phaselab.cli.main.main` turns into an exception) removes the temporary file; a
``kill -9`` can leave one behind, and the next write of the same file removes it first.

(The resumable download of :mod:`phaselab.data.download` keeps its own
``.NAME.part``: that one is meant to survive, so that the next run continues it.)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["PART_PREFIX", "part_path", "atomic_path", "write_text", "check_output_file"]

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
