"""Sphinx configuration of phaselab's book: the executed chapters as an offline site.

:func:`phaselab.book.site.build_site` stages the chapters and an ``index.md`` in a source
folder and builds it with this configuration (Sphinx + MyST-NB + sphinx-book-theme). Every
page works from ``file://`` with no network:

- MathJax 2 is the copy shipped by the ``jupyter-server-mathjax`` wheel, copied to
  ``_static/mathjax/`` (Sphinx's default loads MathJax from a CDN);
- no widget JavaScript (it comes from a CDN): the chapters' widgets are shown by the static
  picture stored beside them;
- search uses Sphinx's ``searchindex.js``, loaded by a ``<script>`` tag, so it works offline;
- the theme's fonts and icons are bundled with it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

project = "phaselab"
author = "phaselab"
copyright = "phaselab authors"

extensions = ["myst_nb"]
# the chapters are executed beforehand (`make notebooks`): their outputs are shown as stored
nb_execution_mode = "off"
nb_ipywidgets_js: dict = {}  # no require.js or widget manager from a CDN
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # chapters use a heading level for emphasis in places
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# a local MathJax 2 (copied into _static by setup() below)
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax2_config = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                "processEscapes": True, "processClass": "math|output_area", "ignoreClass": "document"},
    "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web", "imageFont": None},
    "messageStyle": "none",
}

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = [str(Path(__file__).parent / "_static")]
html_css_files = ["phaselab.css"]
html_copy_source = False
html_show_search_summary = False  # a summary is fetched from the page, which file:// forbids
html_show_sourcelink = False
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
}
html_last_updated_fmt = None


def mathjax_source() -> Path:
    """The folder of MathJax 2 shipped by the ``jupyter-server-mathjax`` wheel (holds ``MathJax.js``)."""
    import jupyter_server_mathjax

    return Path(jupyter_server_mathjax.__file__).parent / "static"


def _copy_mathjax(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        shutil.copytree(mathjax_source(), Path(app.outdir) / "_static" / "mathjax", dirs_exist_ok=True)


def setup(app) -> None:
    app.connect("build-finished", _copy_mathjax)
