"""The lobby's name grid for the projected screen: every player's whole name, in columns that
fill as players join, the newest highlighted; when more have joined than fit, the newest that
fit and ``+N more``.

The layout is worked out from the widget's size at render time (so a resize re-flows it), by
the pure :func:`grid_layout`. Names are untrusted: cleaned and fitted, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from quizwire.messages import MAX_NAME_LEN
from tui.names import fit_name

__all__ = ["GridLayout", "NameGrid", "grid_layout"]

GAP = 2  # cells between columns
MIN_COLUMN = 10


@dataclass(frozen=True, slots=True)
class GridLayout:
    """``shown``: the names to show, in join order; ``more``: how many are left out;
    ``columns``/``column_width``: the grid (names fill each row, left to right, then the next)."""

    shown: tuple[str, ...]
    more: int
    columns: int
    rows: int
    column_width: int


def grid_layout(names: Sequence[str], width: int, height: int) -> GridLayout:
    """Fit ``names`` (join order) into ``width`` x ``height`` cells.

    Columns are as wide as the longest name needs (a whole name when there is room, at most
    :data:`MAX_NAME_LEN` cells), and as many as fit. If not every name fits, the last cell says
    ``+N more`` and the others show the newest names.
    """
    rows = max(1, height)
    longest = max((cell_len(fit_name(n, MAX_NAME_LEN)) for n in names), default=MIN_COLUMN)
    column_width = max(MIN_COLUMN, min(longest, MAX_NAME_LEN, max(1, width - GAP))) + GAP
    columns = max(1, (width + GAP) // column_width)
    capacity = columns * rows
    if len(names) <= capacity:
        return GridLayout(tuple(names), 0, columns, rows, column_width)
    keep = max(0, capacity - 1)  # one cell for "+N more"
    shown = tuple(names[len(names) - keep :]) if keep else ()
    return GridLayout(shown, len(names) - keep, columns, rows, column_width)


class NameGrid(Widget):
    """Whole names in columns; the newest in reverse video."""

    DEFAULT_CSS = """
    NameGrid { height: 1fr; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.names: tuple[str, ...] = ()

    def set_names(self, names: Sequence[str]) -> None:
        """The players' names in join order (repaints only if they changed)."""
        names = tuple(names)
        if names != self.names:
            self.names = names
            self.refresh()

    def on_resize(self) -> None:
        self.refresh()

    def render(self) -> Text:
        if not self.names:
            return Text("Waiting for players to join…", style="dim")
        layout = grid_layout(self.names, self.size.width, self.size.height)
        cells: list[Text] = []
        newest = len(layout.shown) - 1 if layout.shown else -1
        name_cells = layout.column_width - GAP
        for i, name in enumerate(layout.shown):
            style = "bold reverse" if i == newest else "bold"
            cells.append(Text(fit_name(name, name_cells), style=style))
        if layout.more:
            cells.append(Text(f"+{layout.more:,} more", style="bold italic"))
        lines = [Text() for _ in range(-(-len(cells) // layout.columns))]
        for i, cell in enumerate(cells):
            row, column = divmod(i, layout.columns)
            line = lines[row]
            line.pad_right(column * layout.column_width - line.cell_len)
            line.append_text(cell)
        return Text("\n").join(lines)
