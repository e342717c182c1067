"""The console's own widgets. Each renders from plain data and repaints only on change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text
from textual import events
from textual.widget import Widget
from textual.widgets import DataTable, Static

from admin.bigfont import big_lines
from admin.feed import StreamItem
from admin.model import JoinEvent, PlayerRow
from tui.fitcolumn import refit_name_column
from tui.safe import clean
from tui.symbols import CHOICE_COLORS, choice_letter, choice_symbol

NAME_WIDTH = 18
TABLE_NAME_WIDTH = 12


class BigCode(Widget):
    """The join code in 5-row block letters."""

    DEFAULT_CSS = """
    BigCode { width: auto; height: 5; color: $accent; text-style: bold; }
    """

    def __init__(self, code: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.code = code

    def set_code(self, code: str) -> None:
        if code != self.code:
            self.code = code
            self.refresh(layout=True)

    def get_content_width(self, container: object, viewport: object) -> int:
        return len(big_lines(self.code)[0]) if self.code else 0

    def render(self) -> Text:
        return Text("\n".join(big_lines(clean(self.code))), no_wrap=True)


def _choice_cell(choice: int | None) -> Text:
    if choice is None:
        return Text("-", style="dim")
    return Text(f"{choice_symbol(choice)} {choice_letter(choice)}", style=CHOICE_COLORS[choice % 6])


class PlayerTable(DataTable[Text]):
    """Every player: name, score, correct count, last answer, connection — diffed by row key."""

    DEFAULT_CSS = """
    PlayerTable { height: 1fr; }
    """
    COLUMNS = ("name", "score", "correct", "last", "conn")

    def __init__(
        self,
        *,
        name_width: int = TABLE_NAME_WIDTH,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.name_width = self.min_name_width = name_width
        self._cells: dict[str, tuple[str, int, int, int | None, str]] = {}
        self.add_column(Text("Player"), width=name_width, key="name")
        self.add_column(Text("Score", justify="right"), width=6, key="score")
        self.add_column(Text("✓", justify="right"), width=2, key="correct")
        self.add_column(Text("Ans"), width=3, key="last")
        self.add_column(Text("Link"), width=4, key="conn")

    def on_resize(self, event: events.Resize) -> None:
        """Wide screens show whole names (re-rendering names once per resize, not per tick)."""
        width = refit_name_column(
            self, "name", current=self.name_width, minimum=self.min_name_width
        )
        if width is not None:
            self.name_width = width
            for key, cells in self._cells.items():
                self.update_cell(key, "name", self._cell("name", cells[0]), update_width=False)

    @staticmethod
    def _conn(row: PlayerRow) -> str:
        if row.status != "active":
            return {"kicked": "kick", "banned": "ban"}.get(row.status, row.status[:4])
        return "on" if row.connected else "away"

    def _cell(self, column: str, value: object) -> Text:
        if column == "name":
            return Text(clean(value, self.name_width))
        if column in ("score", "correct"):
            return Text(f"{value:,}", justify="right")
        if column == "last":
            return _choice_cell(value if isinstance(value, int) else None)
        style = {"on": "green", "away": "yellow"}.get(str(value), "red bold")
        return Text(str(value), style=style)

    def selected_player(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # the cursor can point past a row that was just removed
            return None
        return None if key.value is None else str(key.value)

    def update_players(self, rows: Iterable[PlayerRow]) -> bool:
        """Add, remove and update only what changed; re-sort by score only when scores moved."""
        wanted = {
            r.player_id: (r.name, r.score, r.correct, r.last_answer, self._conn(r)) for r in rows
        }
        changed = resort = False
        for key in [k for k in self._cells if k not in wanted]:
            self.remove_row(key)
            del self._cells[key]
            changed = True
        for key, cells in wanted.items():
            old = self._cells.get(key)
            if old == cells:
                continue
            changed = True
            if old is None:
                self.add_row(
                    *(self._cell(c, v) for c, v in zip(self.COLUMNS, cells, strict=True)), key=key
                )
                resort = True
            else:
                for column, before, after in zip(self.COLUMNS, old, cells, strict=True):
                    if before != after:
                        self.update_cell(key, column, self._cell(column, after), update_width=False)
                resort = resort or old[1] != cells[1]
            self._cells[key] = cells
        if resort and len(self._cells) > 1:
            self.sort("score", key=lambda cell: -int(cell.plain.replace(",", "") or 0))
        return changed


class AnswerStream(Static):
    """The last answers as they arrive, newest first: who and which choice — nothing else."""

    DEFAULT_CSS = """
    AnswerStream { height: 1fr; overflow: hidden; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._version = -1

    def show(self, items: Sequence[StreamItem], version: int) -> None:
        if version == self._version:
            return
        self._version = version
        text = Text(no_wrap=True, overflow="ellipsis")
        for item in reversed(items):
            text.append(clean(item.name, NAME_WIDTH).ljust(NAME_WIDTH + 1))
            text.append(
                f"{choice_symbol(item.choice)} {choice_letter(item.choice)}",
                style=CHOICE_COLORS[item.choice % 6],
            )
            if item.elapsed_ms is not None:
                text.append(f"  {item.elapsed_ms / 1000:5.1f}s", style="dim")
            text.append("\n")
        self.update(text if items else Text("waiting for answers…", style="dim"))


class JoinFeed(Static):
    """Who joined, left, came back or was removed — newest first."""

    DEFAULT_CSS = """
    JoinFeed { height: 1fr; overflow: hidden; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._last: tuple[JoinEvent, ...] | None = None

    def show(self, events: Sequence[JoinEvent]) -> None:
        latest = tuple(events)[-30:]
        if latest == self._last:
            return
        self._last = latest
        marks = {"joined": ("+", "green"), "back": ("↺", "green"), "left": ("-", "yellow")}
        text = Text(no_wrap=True, overflow="ellipsis")
        for event in reversed(latest):
            mark, style = marks.get(event.kind, ("✕", "red"))
            text.append(f"{mark} ", style=style)
            text.append(clean(event.name, NAME_WIDTH))
            text.append(f" {event.kind}\n", style="dim")
        self.update(text if latest else Text("waiting for players…", style="dim"))
