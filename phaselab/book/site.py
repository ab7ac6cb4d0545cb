"""One browsable site from the executed chapters, working offline from the file system.

:func:`build_site` converts executed notebooks to HTML with nbconvert's ``HTMLExporter``
and the ``phaselab`` template (``phaselab/book/site_template/phaselab``, built on nbconvert's
``lab`` template), and writes

- ``index.html``: the contents page, a list of the chapters with their titles and first
  paragraph, rendered by the same exporter;
- one page per chapter with its outputs, audio players, figures and movies (all inlined
  by the notebooks as ``data:`` URIs), a link to the previous and the next chapter and to
  the contents page, and links between chapters pointing at the pages (``.ipynb`` ->
  ``.html``);
- ``_static/mathjax/``: a copy of MathJax 2 from the ``jupyter-server-mathjax`` wheel,
  so that formulas render with no network (nbconvert's default loads MathJax from a CDN).

Nothing is fetched from the network: the template drops require.js and the widget
manager (both from a CDN), and :class:`StaticWidgetsPreprocessor` replaces each widget
output with the static picture the notebook stored beside it (``phaselab.display.widgets``
stores a PNG of the current slice with every slice browser).

The site is built in a hidden folder next to ``out`` and moved into place when
complete, so a failure leaves the previous site (or none), never half of one.

Notebook: ``make site`` (part of ``make run``) builds ``build/site/`` from
``build/notebooks/``.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

from phaselab.atomic import atomic_dir

__all__ = ["WIDGET_VIEW", "CONTROLS_NOTE", "TEMPLATE_DIR", "SiteReport", "StaticWidgetsPreprocessor", "ChapterLinksPreprocessor",
           "chapter_title", "chapter_summary", "mathjax_source", "build_site"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
"""The MIME type of a live ipywidgets view in a notebook's outputs."""

CONTROLS_NOTE = ('<p class="phaselab-controls"><em>Interactive controls (sliders, menus) stand here in the '
                 "notebook: open it in JupyterLab (<code>make lab</code>) to use them.</em></p>")
"""What the site shows in place of a widget that has no static picture."""

TEMPLATE_DIR = Path(__file__).with_name("site_template")
"""Folder holding the ``phaselab`` nbconvert template."""

_MATHJAX = "_static/mathjax"
_LINK = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:)([^)\s#]+)\.ipynb(#[^)\s]*)?\)")


@dataclass
class SiteReport:
    """What :func:`build_site` wrote."""

    index: Path
    """The contents page."""
    pages: list[Path] = field(default_factory=list)
    """One HTML page per chapter, in order."""
    widgets_replaced: int = 0
    """Widget outputs made static (their picture, or a note where a widget has only controls)."""


class StaticWidgetsPreprocessor(Preprocessor):
    """Show every widget output by its static representation.

    A live widget needs its kernel, or the widget manager from a CDN, to show anything;
    an exported page would otherwise show an empty output. This preprocessor removes the
    widget view from each output, so the exporter shows the static representation stored
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


class ChapterLinksPreprocessor(Preprocessor):
    """Point relative links to notebooks (``02_x.ipynb#part``) at their pages (``02_x.html#part``).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("see [02](02_x.ipynb#a), "
    ...     "[web](https://example.org/y.ipynb)")])
    >>> ChapterLinksPreprocessor().preprocess(nb, {})[0].cells[0].source
    'see [02](02_x.html#a), [web](https://example.org/y.ipynb)'
    """

    def preprocess_cell(self, cell: Any, resources: dict, index: int) -> tuple[Any, dict]:
        if cell.cell_type == "markdown":
            cell.source = _LINK.sub(lambda m: f"]({m[1]}.html{m[2] or ''})", cell.source)
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


def mathjax_source() -> Path:
    """The folder of MathJax 2 shipped by the ``jupyter-server-mathjax`` wheel (holds ``MathJax.js``)."""
    import jupyter_server_mathjax

    return Path(jupyter_server_mathjax.__file__).parent / "static"


def _exporter() -> tuple[HTMLExporter, StaticWidgetsPreprocessor]:
    exporter = HTMLExporter(template_name="phaselab", extra_template_basedirs=[str(TEMPLATE_DIR)])
    widgets = StaticWidgetsPreprocessor()
    exporter.register_preprocessor(widgets, enabled=True)
    exporter.register_preprocessor(ChapterLinksPreprocessor(), enabled=True)
    return exporter, widgets


def _contents(chapters: Sequence[tuple[str, str, str]], title: str) -> Any:
    lines = [f"# {title}", "", "The chapters, executed, with their sounds, figures and movies:", ""]
    for number, (href, name, summary) in enumerate(chapters):
        lines.append(f"{number + 1}. [{name}]({href})" + (f"  \n   {summary}" if summary else ""))
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("\n".join(lines))],
                                    metadata={"title": title})


def build_site(notebooks: Sequence[str | os.PathLike], out: str | os.PathLike, title: str = "phaselab") -> SiteReport:
    """Build the browsable site of executed notebooks.

    Parameters
    ----------
    notebooks : sequence of path-like
        Executed ``.ipynb`` files, in reading order (the chapters).
    out : path-like
        The site's folder (replaced if it exists); its parent must exist.
    title : str
        Title of the contents page.

    Returns
    -------
    SiteReport
        The contents page, the chapter pages and how many widget outputs were replaced.

    Raises
    ------
    ValueError
        If no notebook is given, a notebook is missing or two share a name, or ``out`` is a
        file or has no parent folder.

    Examples
    --------
    >>> import nbformat, tempfile
    >>> tmp = Path(tempfile.mkdtemp())
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# One\\n\\n$x^2$")]),
    ...                tmp / "01_one.ipynb")
    >>> report = build_site([tmp / "01_one.ipynb"], tmp / "site")
    >>> [p.name for p in report.pages], report.index.name
    (['01_one.html'], 'index.html')
    """
    paths = [Path(p) for p in notebooks]
    if not paths:
        raise ValueError("no notebooks to build a site from")
    for path in paths:
        if not path.is_file():
            raise ValueError(f"{path}: no such notebook")
    if len({p.stem for p in paths}) != len(paths):
        raise ValueError("two notebooks share a name: " + ", ".join(str(p) for p in paths))
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: cannot write the site, this is a file")
    if not out.parent.is_dir():
        raise ValueError(f"{out}: cannot write the site, directory {out.parent} does not exist")
    with atomic_dir(out) as staging:
        shutil.copytree(mathjax_source(), staging / _MATHJAX)
        mathjax_url = f"{_MATHJAX}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
        books = [nbformat.read(p, as_version=4) for p in paths]
        hrefs = [f"{p.stem}.html" for p in paths]
        titles = [chapter_title(nb, p.stem) for nb, p in zip(books, paths)]
        index = {"href": "index.html", "title": "contents"}
        exporter, widgets = _exporter()
        report = SiteReport(index=out / "index.html")
        for i, (nb, path) in enumerate(zip(books, paths)):
            site = {"mathjax_url": mathjax_url, "index": index,
                    "previous": {"href": hrefs[i - 1], "title": titles[i - 1]} if i > 0 else None,
                    "next": {"href": hrefs[i + 1], "title": titles[i + 1]} if i + 1 < len(paths) else None}
            body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": titles[i]},
                                                                 "phaselab_site": site})
            (staging / hrefs[i]).write_text(body, encoding="utf-8")
            report.pages.append(out / hrefs[i])
            report.widgets_replaced += widgets.replaced
        contents = _contents([(h, t, chapter_summary(nb)) for h, t, nb in zip(hrefs, titles, books)], title)
        site = {"mathjax_url": mathjax_url, "index": None, "previous": None,
                "next": {"href": hrefs[0], "title": titles[0]}}
        body, _ = exporter.from_notebook_node(contents, resources={"metadata": {"name": html.escape(title)},
                                                                   "phaselab_site": site})
        (staging / "index.html").write_text(body, encoding="utf-8")
    return report
