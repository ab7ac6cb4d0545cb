"""``phaselab site``: one browsable, offline site from the executed chapters.

Examples
--------
``phaselab site build/notebooks --out build/site``
    Every executed chapter of ``build/notebooks/`` (``[0-9]*.ipynb``, in name order)
    as a page of the book ``build/site/`` (Sphinx, MyST-NB, sphinx-book-theme), with
    ``index.html`` listing them, a navigation sidebar and full-text search.
``phaselab site build/notebooks --movies build/movies --out build/site``
    The same, with a page playing the movies of ``build/movies/`` (``make site``).
``phaselab site a.ipynb b.ipynb --out site``
    These notebooks, in this order.

The site is built in a hidden folder and moved into place when complete (see
:func:`phaselab.book.site.build_site`), so a failure leaves no half-built site.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register", "run", "chapters_in"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``phaselab site``."""
    parser = subparsers.add_parser(
        "site",
        help="build the book: one browsable offline HTML site from executed notebooks",
        description="Publish executed notebooks as one HTML book with Sphinx and MyST-NB (home page, a page per "
        "chapter, navigation sidebar, search, per-page contents, local MathJax, widgets shown by their static "
        "picture) that works offline from the file system.",
    )
    parser.add_argument("sources", nargs="+", metavar="NOTEBOOK_OR_DIR",
                        help="executed .ipynb files, or a folder whose [0-9]*.ipynb are taken in name order")
    parser.add_argument("--out", required=True, metavar="DIR", help="the site's folder (replaced if it exists)")
    parser.add_argument("--movies", metavar="DIR", help="a folder of .mp4 movies to play on a page of their own")
    parser.add_argument("--title", default="phaselab", help="title of the contents page (default %(default)s)")
    parser.set_defaults(func=run)


def chapters_in(sources: list[str]) -> list[Path]:
    """The notebooks named by ``sources``: files as given, folders expanded to their ``[0-9]*.ipynb``, sorted.

    Raises
    ------
    ValueError
        If a source does not exist or a folder holds no chapter.
    """
    notebooks: list[Path] = []
    for source in map(Path, sources):
        if source.is_dir():
            found = sorted(source.glob("[0-9]*.ipynb"))
            if not found:
                raise ValueError(f"{source}: no executed chapters ([0-9]*.ipynb) in this folder")
            notebooks.extend(found)
        elif source.is_file():
            notebooks.append(source)
        else:
            raise ValueError(f"{source}: no such notebook or folder")
    return notebooks


def run(args: argparse.Namespace) -> int:
    """Build the site described by the parsed arguments; returns the exit status."""
    from phaselab.book.site import build_site

    report = build_site(chapters_in(args.sources), args.out, title=args.title, movies=args.movies)
    for warning in report.warnings:
        print(f"warning: {warning}")
    movies = f", {len(report.movies)} movie{'s' if len(report.movies) > 1 else ''}" if report.movies else ""
    print(f"wrote {report.index} and {len(report.pages)} chapter pages"
          f" ({report.widgets_replaced} widget outputs made static{movies})")
    return 0
