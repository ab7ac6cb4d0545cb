"""Tables shown as tables: rows (or a table's text) rendered as HTML in a notebook.

A printed table wraps mid-word in a narrow window and aligns only in a monospaced font;
:func:`table` returns a :class:`Table`, which a notebook shows as an HTML table (numbers
right-aligned, the header bold, no wrapping inside a number) and a terminal as aligned text.

Examples
--------
>>> table([{"model": "cnn3d", "parameters": 1563736}, {"model": "cnn3d-small", "parameters": 26112}])
model        parameters
cnn3d         1,563,736
cnn3d-small      26,112
>>> table("| word | F1 |\\n|---|---|\\n| yes | 0.91 |")
word    F1
yes   0.91
"""

from __future__ import annotations

import html
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["Table", "table"]

Format = str | Callable[[Any], str]
"""How to write a cell: a format spec such as ``",.1f"``, or a function of the value."""


def _cell(value: Any, fmt: Format | None) -> str:
    if callable(fmt):
        return str(fmt(value))
    if fmt is not None:
        return format(value, fmt)
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    if isinstance(value, numbers.Real):
        return f"{value:.3g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "").replace("−", "-").replace("±", "").split()[0])
    except (ValueError, IndexError):
        return False
    return True


def _parse_text(text: str) -> tuple[str, list[str], list[list[str]]]:
    """Title, header and rows of a Markdown pipe table, or of a plain-text table whose columns are 2+ spaces apart.

    A plain-text table may start with a title: a first line of one cell above a header of several.
    """
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    title = ""
    if len(lines) > 2 and not lines[0].startswith("|") and len(re.split(r"\s{2,}", lines[0])) == 1 < len(re.split(r"\s{2,}", lines[1])):
        title, lines = lines[0], lines[1:]
    if lines and all(line.startswith("|") for line in lines):
        cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
        rows = [row for row in cells if not all(set(c) <= set(":- ") and c for c in row)]  # drop |---|---|
    else:
        rows = [re.split(r"\s{2,}", line) for line in lines]
        if len(rows) < 2 or len({len(row) for row in rows}) != 1:
            raise ValueError("not a table: need a Markdown pipe table, or lines of as many cells 2+ spaces apart")
    return title, rows[0], rows[1:]


class Table:
    """A table of text cells: HTML in a notebook (:meth:`_repr_html_`), aligned text elsewhere.

    Attributes
    ----------
    columns : list of str
        The header.
    rows : list of list of str
        The cells, already written as text.
    caption : str
    """

    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence[str]], caption: str = "") -> None:
        self.columns = [str(c) for c in columns]
        self.rows = [[str(c) for c in row] for row in rows]
        bad = [row for row in self.rows if len(row) != len(self.columns)]
        if bad:
            raise ValueError(f"every row needs {len(self.columns)} cells ({', '.join(self.columns)}), got {bad[0]}")
        self.caption = caption

    def _numeric(self) -> list[bool]:
        blank = ("", "-", "—")  # an undefined value does not make a column of numbers text
        return [all(_is_number(row[j]) for row in self.rows if row[j] not in blank)
                and any(row[j] not in blank for row in self.rows) for j in range(len(self.columns))]

    def _repr_html_(self) -> str:
        numeric = self._numeric()

        def cells(tag: str, values: Sequence[str]) -> str:
            return "".join(f'<{tag} style="text-align:{"right" if n else "left"}; white-space:nowrap">'
                           f"{html.escape(v)}</{tag}>" for v, n in zip(values, numeric))

        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        body = "".join(f"<tr>{cells('td', row)}</tr>" for row in self.rows)
        return f"<table>{caption}<thead><tr>{cells('th', self.columns)}</tr></thead><tbody>{body}</tbody></table>"

    def __repr__(self) -> str:
        numeric = self._numeric()
        widths = [max(len(v) for v in column) for column in zip(self.columns, *self.rows)]

        def line(values: Sequence[str]) -> str:
            return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()

        text = "\n".join([line(self.columns), *map(line, self.rows)])
        return f"{self.caption}\n{text}" if self.caption else text


def table(
    rows: Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]] | str,
    columns: Sequence[str] | Mapping[str, str] | None = None,
    formats: Mapping[str, Format] | None = None,
    caption: str = "",
) -> Table:
    """A table to display: a list of dicts, a list of rows with their columns, or a Markdown pipe table.

    Parameters
    ----------
    rows : list of dict, list of sequences, or str
        Dicts (one per row, keyed by column); sequences (one per row, in the order of
        ``columns``); or the text of a table, its first row the header: a Markdown pipe
        table, or a plain-text one whose cells are two or more spaces apart (as the
        ``format_...`` functions of phaselab print them), optionally under a one-line title
        (the caption, unless ``caption`` is given).
    columns : sequence of str, or mapping of str to str, optional
        The columns to show, in order (default: the keys of the first dict). A mapping
        renames them: key in the rows -> header shown.
    formats : mapping of str to format, optional
        Column key -> a format spec (``",.1f"``) or a function writing the value. Default:
        integers with thousands separators, other numbers to 3 significant digits.
    caption : str

    Returns
    -------
    Table
        The last expression of a cell, or ``display(table(...))``: an HTML table in a notebook.
    """
    if isinstance(rows, str):
        title, header, cells = _parse_text(rows)
        return Table(header, cells, caption or title)
    rows = list(rows)
    formats = dict(formats or {})
    if columns is None:
        if not rows or not isinstance(rows[0], Mapping):
            raise ValueError("rows that are not dicts need their columns")
        columns = list(rows[0])
    keys = list(columns)
    header = [columns[k] for k in keys] if isinstance(columns, Mapping) else keys
    cells = []
    for row in rows:
        values = [row.get(k) for k in keys] if isinstance(row, Mapping) else list(row)
        if len(values) != len(keys):
            raise ValueError(f"every row needs {len(keys)} cells ({', '.join(keys)}), got {values}")
        cells.append([_cell(v, formats.get(k)) for k, v in zip(keys, values)])
    return Table(header, cells, caption)
