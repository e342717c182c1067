"""Give a ``DataTable``'s name column the width the table has, instead of a fixed guess.

A presenter on a wide screen should read whole names; at 80 columns the column shrinks back to
its minimum. Names are cut (``tui.safe.clean``) to the column's width when rendered, so a width
change re-renders the name cells -- once per resize, never per update.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

__all__ = ["MAX_NAME_WIDTH", "fitted_name_width", "refit_name_column"]

#: nicknames are at most 24 characters (quizwire.names)
MAX_NAME_WIDTH = 24
_SCROLLBAR = 2


def fitted_name_width(table: DataTable[Any], name_key: str, *, minimum: int) -> int:
    """The name column's width that fills ``table`` (between ``minimum`` and 24)."""
    padding = 2 * table.cell_padding
    others = sum(
        column.get_render_width(table)
        for key, column in table.columns.items()
        if key.value != name_key
    )
    room = table.size.width - others - padding - _SCROLLBAR
    return max(minimum, min(MAX_NAME_WIDTH, room))


def refit_name_column(
    table: DataTable[Any], name_key: str, *, current: int, minimum: int
) -> int | None:
    """Resize the name column to fill ``table``; the new width, or None if it stays. The caller
    re-renders its name cells at the new width."""
    width = fitted_name_width(table, name_key, minimum=minimum)
    if width == current:
        return None
    table.columns[ColumnKey(name_key)].width = width
    table.refresh(layout=True)
    return width
