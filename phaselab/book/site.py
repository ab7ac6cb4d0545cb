"""The book: the executed chapters published as one offline site with Sphinx, MyST-NB and sphinx-book-theme.

:func:`build_site` stages a Sphinx source folder and builds it with the configuration in
``phaselab/book/sphinx_conf/conf.py``:

- one copy of each executed chapter, each widget output replaced by the static picture the
  notebook stored beside it (:class:`StaticWidgetsPreprocessor`; a live widget needs its
  kernel, or a widget manager from a CDN, to show anything);
- ``index.md``, the home page: the chapters with their first paragraph, and the table of
  contents that the navigation sidebar shows;
- optionally ``movies.md``, a page playing each movie of a folder (``build/movies/``),
  copied beside the pages as ``movies/NAME.mp4``.

The theme gives the navigation sidebar, the per-page contents and the search box; Sphinx's
search reads ``searchindex.js`` through a ``<script>`` tag, so it works from ``file://``;
MathJax 2 is copied from the ``jupyter-server-mathjax`` wheel, so formulas render offline.
Links between chapters (``[chapter 02](02_x.ipynb)``) are resolved by MyST to the pages.

The site is built in a hidden folder next to ``out`` and moved into place when complete,
so a failure leaves the previous site (or none), never half of one.

Notebook: ``make site`` (part of ``make run``) builds ``build/site/`` from
``build/notebooks/`` and ``build/movies/``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.preprocessors import Preprocessor

from phaselab.atomic import atomic_dir

__all__ = ["WIDGET_VIEW", "CONTROLS_NOTE", "CONF_DIR", "SiteReport", "StaticWidgetsPreprocessor",
           "chapter_title", "chapter_summary", "build_site"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
"""The MIME type of a live ipywidgets view in a notebook's outputs."""

CONTROLS_NOTE = ('<p class="phaselab-controls"><em>Interactive controls (sliders, menus) stand here in the '
                 "notebook: open it in JupyterLab (<code>make lab</code>) to use them.</em></p>")
"""What the site shows in place of a widget that has no static picture."""

_ANSI = re.compile(r"\x1b\[[0-9;]*m")

CONF_DIR = Path(__file__).with_name("sphinx_conf")
"""Folder of the book's Sphinx configuration (``conf.py``) and its stylesheet."""


@dataclass
class SiteReport:
    """What :func:`build_site` wrote."""

    index: Path
    """The home page."""
    pages: list[Path] = field(default_factory=list)
    """One HTML page per chapter, in order."""
    widgets_replaced: int = 0
    """Widget outputs made static (their picture, or a note where a widget has only controls)."""
    movies: list[Path] = field(default_factory=list)
    """The movies copied beside the pages (played on ``movies.html``)."""
    warnings: list[str] = field(default_factory=list)
    """Sphinx's warnings, one line each (the site is built all the same)."""


class StaticWidgetsPreprocessor(Preprocessor):
    """Show every widget output by its static representation.

    A live widget needs its kernel, or the widget manager from a CDN, to show anything;
    a published page would otherwise show an empty output. This preprocessor removes the
    widget view from each output, so the page shows the static representation stored
    beside it (a PNG, HTML); an output that has only controls (sliders, menus, whose plain
    text is a meaningless repr) shows :data:`CONTROLS_NOTE` instead. It also drops the
    notebook's saved widget state.

    Examples
    --------
    >>> import nbformat
    >>> out = nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "x"}, "image/png": "iVBO"})
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[out])])
    >>> nb, _ = StaticWidgetsPreprocessor().preprocess(nb, {})
    >>> sorted(nb.cells[0].outputs[0].data)
    ['image/png']
    """

    replaced = 0

    def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
        self.replaced = 0
        nb, resources = super().preprocess(nb, resources)
        nb.metadata.pop("widgets", None)
        return nb, resources

    def preprocess_cell(self, cell: Any, resources: dict, index: int) -> tuple[Any, dict]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW not in data:
                continue
            del data[WIDGET_VIEW]
            if set(data) <= {"text/plain"}:  # controls only (sliders, menus): their repr would mean nothing
                data.clear()
                data["text/html"] = CONTROLS_NOTE
            self.replaced += 1
        return cell, resources


def chapter_title(nb: Any, default: str) -> str:
    """The text of a notebook's first Markdown heading (``default`` if it has none)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return default


def chapter_summary(nb: Any) -> str:
    """The first paragraph of a notebook's first Markdown cell that is not a heading ("" if none)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for paragraph in cell.source.split("\n\n"):
                text = paragraph.strip()
                if text and not text.startswith("#"):
                    return " ".join(text.split())
            return ""
    return ""


def _home_page(title: str, chapters: Sequence[tuple[str, str, str]], movies: Sequence[str]) -> str:
    """``index.md``: the chapters (file, title, summary) as a list, and the table of contents."""
    lines = [f"# {title}", "", "The chapters, executed, with their sounds, figures and movies. Use the sidebar to "
             "move between them and the search box to find a word in any chapter.", ""]
    for number, (name, heading, summary) in enumerate(chapters):
        lines.append(f"{number + 1}. [{heading}]({name})" + (f"  \n   {summary}" if summary else ""))
    if movies:
        lines += ["", "The [movies](movies.md) of chapter 03, to play or download."]
    pages = [name for name, _, _ in chapters] + (["movies.md"] if movies else [])
    lines += ["", "```{toctree}", ":hidden:", ":maxdepth: 1", ":caption: Chapters", "", *pages, "```", ""]
    return "\n".join(lines)


def _movies_page(names: Sequence[str]) -> str:
    lines = ["# Movies", "", "The movies of the phased spectrogram (chapter 03), made by `make movies`.", ""]
    for name in names:
        lines += [f"## {name}", "", f'<video controls loop muted playsinline width="640" src="movies/{name}"></video>',
                  "", f'<a href="movies/{name}" download>Download {name}</a>', ""]
    return "\n".join(lines)


def _sphinx(source: Path, out: Path, work: Path, overrides: dict) -> list[str]:
    from sphinx.application import Sphinx
    from sphinx.errors import SphinxError
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    warnings = io.StringIO()
    try:  # as sphinx-build does: docutils' registries restored afterwards, so a second build starts clean
        with patch_docutils(CONF_DIR), docutils_namespace():
            app = Sphinx(str(source), str(CONF_DIR), str(out), str(work / "doctrees"), "html",
                         confoverrides=overrides, status=None, warning=warnings, freshenv=True)
            app.build(force_all=True)
    except SphinxError as error:  # a notebook Sphinx cannot read, say
        raise ValueError(f"Sphinx could not build the book: {error}") from error
    return [_ANSI.sub("", line) for line in warnings.getvalue().splitlines() if line.strip()]


def build_site(notebooks: Sequence[str | os.PathLike], out: str | os.PathLike, title: str = "phaselab",
               movies: str | os.PathLike | None = None) -> SiteReport:
    """Build the book: the executed notebooks as one offline site.

    Parameters
    ----------
    notebooks : sequence of path-like
        Executed ``.ipynb`` files, in reading order (the chapters).
    out : path-like
        The site's folder (replaced if it exists); its parent must exist.
    title : str
        Title of the home page and the site.
    movies : path-like, optional
        A folder of ``.mp4`` movies to play on a page of their own (none if it holds none).

    Returns
    -------
    SiteReport
        The home page, the chapter pages, the widget outputs replaced, the movies, Sphinx's warnings.

    Raises
    ------
    ValueError
        If no notebook is given, a notebook is missing or two share a name, ``movies`` is not a
        folder, ``out`` is a file or has no parent folder, or Sphinx cannot build the book.

    Examples
    --------
    >>> import nbformat, tempfile
    >>> tmp = Path(tempfile.mkdtemp())
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# One\\n\\n$x^2$")]),
    ...                tmp / "01_one.ipynb")
    >>> report = build_site([tmp / "01_one.ipynb"], tmp / "site")
    >>> [p.name for p in report.pages], report.index.name, (tmp / "site" / "searchindex.js").is_file()
    (['01_one.html'], 'index.html', True)
    """
    paths = [Path(p) for p in notebooks]
    if not paths:
        raise ValueError("no notebooks to build a site from")
    for path in paths:
        if not path.is_file():
            raise ValueError(f"{path}: no such notebook")
    if len({p.stem for p in paths}) != len(paths):
        raise ValueError("two notebooks share a name: " + ", ".join(str(p) for p in paths))
    if movies is not None and not Path(movies).is_dir():
        raise ValueError(f"{movies}: no such folder of movies")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: cannot write the site, this is a file")
    if not out.parent.is_dir():
        raise ValueError(f"{out}: cannot write the site, directory {out.parent} does not exist")
    films = sorted(Path(movies).glob("*.mp4")) if movies is not None else []
    report = SiteReport(index=out / "index.html")
    with tempfile.TemporaryDirectory(prefix="phaselab-book-") as tmp, atomic_dir(out) as staging:
        source, extra = Path(tmp) / "source", Path(tmp) / "extra"
        source.mkdir()
        chapters, widgets = [], StaticWidgetsPreprocessor()
        for path in paths:
            nb, _ = widgets.preprocess(nbformat.read(path, as_version=4), {})
            report.widgets_replaced += widgets.replaced
            nbformat.write(nb, source / path.name)
            chapters.append((path.name, chapter_title(nb, path.stem), chapter_summary(nb)))
            report.pages.append(out / f"{path.stem}.html")
        (source / "index.md").write_text(_home_page(title, chapters, [f.name for f in films]), encoding="utf-8")
        overrides: dict[str, Any] = {"project": title, "html_title": title}
        if films:
            (source / "movies.md").write_text(_movies_page([f.name for f in films]), encoding="utf-8")
            (extra / "movies").mkdir(parents=True)
            for film in films:
                shutil.copy2(film, extra / "movies" / film.name)
                report.movies.append(out / "movies" / film.name)
            overrides["html_extra_path"] = [str(extra)]
        report.warnings = _sphinx(source, staging, Path(tmp), overrides)
    return report
