"""The top-N leaderboard as a ``DataTable`` updated by diff (row keys = player ids).

::

    table = LeaderboardTable(limit=10)
    table.update_entries(entries, highlight=my_player_id)

``entries`` are any objects with ``player_id``, ``name``, ``score`` and ``rank`` (e.g.
``quizwire.messages.LeaderboardEntry``), in any order; the table shows them by rank. Each call
removes rows that left, adds new ones, updates only the cells that changed (no width
recalculation) and re-sorts only when the order changed — never a clear-and-refill, so it is
cheap to call on every UI tick. Names are shown literally (see ``tui.safe``). The highlighted
player's row is bold and reversed and marked with ``▶`` (so it shows without colour).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from tui.fitcolumn import refit_name_column
from tui.safe import clean

__all__ = ["LeaderboardTable", "RankedEntry", "format_score"]

HIGHLIGHT_STYLE = "bold reverse"
MARKER = "▶"


class RankedEntry(Protocol):
    @property
    def player_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def score(self) -> int: ...
    @property
    def rank(self) -> int: ...


def format_score(score: int) -> str:
    """``1234567`` -> ``"1,234,567"``."""
    return f"{score:,}"


def _rank_of(cell: object) -> int:
    plain = cell.plain if isinstance(cell, Text) else str(cell)
    digits = "".join(ch for ch in plain if ch.isdigit())
    return int(digits) if digits else 0


class LeaderboardTable(DataTable[Text]):
    DEFAULT_CSS = """
    LeaderboardTable {
        height: auto;
        max-height: 100%;
        background: $surface;
    }
    """

    def __init__(
        self,
        *,
        limit: int = 10,
        name_width: int = 24,
        highlight: str | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(
            name=name,
            id=id,
            classes=classes,
            show_cursor=False,
            cursor_type="none",
            zebra_stripes=False,
        )
        self.limit = limit
        self.name_width = self.min_name_width = name_width
        self.highlight = highlight
        self._cells: dict[str, tuple[str, str, str, bool]] = {}
        self._shown: list[RankedEntry] = []
        self.add_column(Text("#", justify="right"), width=5, key="rank")
        self.add_column(Text("Player"), width=name_width, key="name")
        self.add_column(Text("Score", justify="right"), width=9, key="score")

    def on_resize(self, event: events.Resize) -> None:
        """Wide screens show whole names (re-rendering names once per resize, not per tick)."""
        width = refit_name_column(
            self, "name", current=self.name_width, minimum=self.min_name_width
        )
        if width is not None:
            self.name_width = width
            self.update_entries(self._shown)  # names are cut to the new width; only they change

    @property
    def player_ids(self) -> list[str]:
        """Row keys in display order (for tests)."""
        return [str(row.key.value) for row in self.ordered_rows]

    def update_entries(self, entries: Sequence[RankedEntry], highlight: str | None = None) -> bool:
        """Show ``entries`` (top ``limit`` by rank); returns True if anything changed."""
        if highlight is not None:
            self.highlight = highlight
        ranked = sorted(entries, key=lambda e: (e.rank, -e.score))[: self.limit]
        self._shown = ranked
        wanted: dict[str, tuple[str, str, str, bool]] = {}
        for entry in ranked:
            mine = entry.player_id == self.highlight
            rank = f"{MARKER} {entry.rank}" if mine else str(entry.rank)
            name = clean(entry.name, self.name_width)
            wanted[entry.player_id] = (rank, name, format_score(entry.score), mine)
        changed = False
        for key in [k for k in self._cells if k not in wanted]:
            self.remove_row(key)
            del self._cells[key]
            changed = True
        for key, cells in wanted.items():
            old = self._cells.get(key)
            if old == cells:
                continue
            changed = True
            rank_cell, name_cell, score_cell = self._render_cells(cells)
            if old is None:
                self.add_row(rank_cell, name_cell, score_cell, key=key)
            else:
                for column, (before, after, cell) in zip(
                    ("rank", "name", "score"),
                    zip(old[:3], cells[:3], (rank_cell, name_cell, score_cell), strict=True),
                    strict=True,
                ):
                    if before != after or old[3] != cells[3]:
                        self.update_cell(key, column, cell, update_width=False)
            self._cells[key] = cells
        if changed and self.player_ids != list(wanted):
            self.sort("rank", key=_rank_of)
        return changed

    @staticmethod
    def _render_cells(cells: tuple[str, str, str, bool]) -> tuple[Text, Text, Text]:
        rank, name, score, mine = cells
        style = HIGHLIGHT_STYLE if mine else ""
        return (
            Text(rank, style=style, justify="right"),
            Text(name, style=style),
            Text(score, style=style, justify="right"),
        )
