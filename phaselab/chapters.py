"""The chapters of the series: their order, what each needs, how long each takes.

Chapter 00 (the overview) shows this as a table and checks it against the ``notebooks/``
folder; the titles come from the notebooks themselves (:func:`phaselab.site.chapter_title`).

The times were measured on the project's 2-core AMD EPYC CPU (no GPU), with another
training run sharing the two cores, by executing each chapter with ``jupyter nbconvert
--execute``: ``quick`` with ``PHASELAB_QUICK=1`` (what ``make test`` does), ``full``
without (what ``make run`` does). A laptop with four or more cores should be faster.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Chapter", "CHAPTERS", "chapter_files", "chapters_table"]


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
    quick: str
    """Time to execute it with ``PHASELAB_QUICK=1``."""

    @property
    def number(self) -> str:
        """The two-digit number that starts the file name."""
        return self.file[:2]


CHAPTERS: tuple[Chapter, ...] = (
    Chapter("00_overview.ipynb", (), "nothing", "seconds", "seconds"),
    Chapter("01_phase_randomization.ipynb", ("00",), "`data/samples/marvin.wav`", "30 s", "30 s"),
    Chapter("02_phase_kernel_design.ipynb", ("01",), "`data/samples/marvin.wav`", "30 s", "25 s"),
    Chapter("03_phased_spectrogram_movies.ipynb", ("02",), "`data/samples/sheila.wav`", "1 min", "40 s"),
    Chapter("04_3d_cnn_training.ipynb", ("02",), "the bundled keyword set `data/mini_speech_commands/`",
            "25-48 min of training (`make model`), then about 5 min", "2 min"),
    Chapter("05_phase_encodings_compared.ipynb", ("02", "04"), "the bundled keyword set", "about 15 min", "1.5 min"),
    Chapter("06_speech_or_noise.ipynb", ("04", "05"), "the bundled keyword set", "7.5 min", "1 min"),
)
"""Every chapter, in reading order."""


def chapter_files(folder: str | os.PathLike) -> list[str]:
    """The chapter notebooks (``[0-9]*.ipynb``) in a folder, sorted by name."""
    return sorted(p.name for p in Path(folder).glob("[0-9]*.ipynb"))


def chapters_table(folder: str | os.PathLike) -> str:
    """A Markdown table of the chapters: number, title (from the notebook), read after, data, times.

    Examples
    --------
    >>> chapters_table("notebooks").splitlines()[0]  # doctest: +SKIP
    '| chapter | title | read after | reads | full run | quick run |'
    """
    import nbformat

    from phaselab.site import chapter_title

    lines = ["| chapter | title | read after | reads | full run | quick run |", "|---|---|---|---|---|---|"]
    for chapter in CHAPTERS:
        title = chapter_title(nbformat.read(Path(folder) / chapter.file, as_version=4), chapter.file)
        after = ", ".join(chapter.after) or "-"
        lines.append(f"| {chapter.number} | {title} | {after} | {chapter.data} | {chapter.full} | {chapter.quick} |")
    return "\n".join(lines)
