"""Give a ``DataTable``'s name column the width the table has, instead of a fixed guess.

A presenter on a wide screen should read whole names; at 80 columns the column shrinks back to
its minimum. Names are cut (``tui.safe.clean``) to the column's width when rendered, so a width
change re-renders the name cells -- once per resize, never per update.
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from quizwire.names import MAX_NAME_LEN

__all__ = ["refit_name_column"]

_SCROLLBAR = 2


def refit_name_column(
    table: DataTable[Any], name_key: str, *, current: int, minimum: int
) -> int | None:
    """Resize the name column to fill ``table`` (between ``minimum`` and the longest nickname);
    the new width, or None if it stays. The caller re-renders its name cells at the new width."""
    others = sum(
        column.get_render_width(table)
        for key, column in table.columns.items()
        if key.value != name_key
    )
    room = table.size.width - others - 2 * table.cell_padding - _SCROLLBAR
    width = max(minimum, min(MAX_NAME_LEN, room))
    column = table.columns[ColumnKey(name_key)]
    if width == current == column.width:
        return None
    change = width - column.width
    column.width = width
    # DataTable sizes its scrollable area only when rows or cells change (as its own
    # watch_cell_padding does, adjust it by the change): left stale after a shrink it shows a
    # horizontal scrollbar over the last row.
    virtual = table.virtual_size
    table.virtual_size = Size(virtual.width + change, virtual.height)
    table.refresh(layout=True)
    return width
