"""Two small executed chapters (notebooks) for the tests of the site builder and of ``phaselab site``."""

from __future__ import annotations

from pathlib import Path

import nbformat

from phaselab.book.site import WIDGET_VIEW

v4 = nbformat.v4
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def chapter_one() -> nbformat.NotebookNode:
    """A chapter with a formula, a link, a widget output stored beside its PNG and a widget of controls only."""
    widget = v4.new_output("display_data", data={WIDGET_VIEW: {"version_major": 2, "model_id": "abc"},
                                                 "image/png": PNG, "text/plain": "SliceBrowser(...)"})
    controls = v4.new_output("display_data", data={WIDGET_VIEW: {"version_major": 2, "model_id": "def"},
                                                   "text/plain": "VBox(children=(IntSlider(value=0),))"})
    return v4.new_notebook(cells=[
        v4.new_markdown_cell("# 01 · First\n\nA magnitude $\\log(1 + |z|)$.\n\nThen [the second](02_second.ipynb)."),
        v4.new_code_cell("browser", outputs=[widget], execution_count=1),
        v4.new_code_cell("designer", outputs=[controls], execution_count=2),
        v4.new_markdown_cell("## A part\n\nWith its own heading, for the page's contents."),
    ], metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}},
                 "language_info": {"name": "python"}})


def write_chapters(folder: Path) -> list[Path]:
    nbformat.write(chapter_one(), folder / "01_first.ipynb")
    nbformat.write(v4.new_notebook(cells=[v4.new_markdown_cell("# 02 · Second\n\nBack to [one](01_first.ipynb).")]),
                   folder / "02_second.ipynb")
    return [folder / "01_first.ipynb", folder / "02_second.ipynb"]
