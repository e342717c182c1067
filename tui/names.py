"""Untrusted names fitted to a number of terminal cells: cleaned, then cut with an ellipsis.

:func:`tui.safe.clean` cuts by characters; a name of wide characters (CJK, emoji) takes two
cells each, so grids and podiums that line names up cut by cells instead.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from tui.safe import clean

__all__ = ["fit_name", "name_text"]

ELLIPSIS = "…"


def fit_name(name: object, cells: int) -> str:
    """``name`` cleaned and at most ``cells`` wide, with ``…`` when it was cut."""
    text = clean(name)
    if cells <= 0:
        return ""
    if cell_len(text) <= cells:
        return text
    cut = set_cell_size(text, cells - 1).rstrip()
    while cell_len(cut) > cells - 1:  # a wide character straddled the edge
        cut = cut[:-1]
    return cut + ELLIPSIS


def name_text(name: object, cells: int, style: str = "") -> Text:
    """:func:`fit_name` as a Rich ``Text`` (never parsed as markup)."""
    return Text(fit_name(name, cells), style=style, no_wrap=True)
