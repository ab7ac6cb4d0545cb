"""The chapters of the series: their order, what each needs, how long each takes.

Chapter 00 (the overview) shows this as a table and checks it against the ``notebooks/``
folder; the titles come from the notebooks themselves (:func:`phaselab.book.site.chapter_title`).

The times were measured on a 2-core Intel Xeon CPU (no GPU) by executing each chapter in full
(``jupyter nbconvert --execute``, without ``PHASELAB_QUICK``) in a fresh clone, one chapter at a time
with nothing else running.
``PHASELAB_QUICK=1`` (``make test``) shrinks every chapter to its mechanics.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["quick", "Chapter", "CHAPTERS", "chapter_files", "chapters_table"]


@dataclass(frozen=True)
class Chapter:
    """One chapter of the series."""

    file: str
    """The notebook's file name in ``notebooks/``."""
    after: tuple[str, ...]
    """Numbers of the chapters to read first."""
    data: str
    """What it reads (everything bundled with the repository)."""
    full: str
    """Time to execute it in full, on the 2-core CPU described above."""

    @property
    def number(self) -> str:
        """The two-digit number that starts the file name."""
        return self.file[:2]


CHAPTERS: tuple[Chapter, ...] = (
    Chapter("00_overview.ipynb", (), "nothing", "7 s"),
    Chapter("01_phase_randomization.ipynb", ("00",), "`data/samples/marvin.wav` (a real recording)", "9 s"),
    Chapter("02_phase_kernel_design.ipynb", ("01",), "`data/samples/marvin.wav` (a real recording)", "9 s"),
    Chapter("03_phased_spectrogram_movies.ipynb", ("02",), "`data/samples/sheila.wav` (a real recording)", "13 s"),
    Chapter("04_3d_cnn_training.ipynb", ("02",), "the bundled real set `data/real_speech_commands/` and the "
            "shipped keyword model", "2 min 36 s (a live training of 4 epochs)"),
    Chapter("05_phase_encodings_compared.ipynb", ("02", "04"), "the bundled real set and "
            "`benchmarks/results/encodings_real.json`", "1 min 4 s (three tiny live trainings)"),
    Chapter("06_speech_or_noise.ipynb", ("04", "05"), "the bundled real set and its background recordings", "1 min 43 s"),
)
"""Every chapter, in reading order."""


def chapter_files(folder: str | os.PathLike) -> list[str]:
    """The chapter notebooks (``[0-9]*.ipynb``) in a folder, sorted by name."""
    return sorted(p.name for p in Path(folder).glob("[0-9]*.ipynb"))


def chapters_table(folder: str | os.PathLike) -> str:
    """A Markdown table of the chapters: number, title (from the notebook), read after, data, time.

    Examples
    --------
    >>> chapters_table("notebooks").splitlines()[0]  # doctest: +SKIP
    '| chapter | title | read after | reads | full run, 2-core CPU |'
    """
    import nbformat

    from phaselab.book.site import chapter_title

    lines = ["| chapter | title | read after | reads | full run, 2-core CPU |", "|---|---|---|---|---|"]
    for chapter in CHAPTERS:
        title = chapter_title(nbformat.read(Path(folder) / chapter.file, as_version=4), chapter.file)
        after = ", ".join(chapter.after) or "-"
        lines.append(f"| {chapter.number} | {title} | {after} | {chapter.data} | {chapter.full} |")
    return "\n".join(lines)


def quick() -> bool:
    """Whether ``PHASELAB_QUICK=1`` asks for the small version of the work (as in the chapters)."""
    return os.environ.get("PHASELAB_QUICK") == "1"
