"""The console's own widgets. Each renders from plain data and repaints only on change."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual import events
from textual.strip import Strip
from textual.timer import Timer
from textual.visual import VisualType
from textual.widget import Widget
from textual.widgets import DataTable, Static

from admin.bigfont import big_lines
from admin.feed import StreamItem
from admin.model import JoinEvent, PlayerRow
from tui.fitcolumn import refit_name_column
from tui.safe import clean
from tui.symbols import choice_color, choice_letter, choice_symbol

NAME_WIDTH = 18
_CONSOLE = Console(width=200, color_system="truecolor", legacy_windows=False)  # renders Text
TABLE_NAME_WIDTH = 12
#: shown instead of the choice while it is hidden (projector-safe): answered, but not what
ANSWERED_MARK = "in "  # no choice symbol: "●" would read as choice C
#: the player table's "last answer" of someone who answered, choice hidden
ANSWERED = "answered"


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


def _choice_cell(choice: int | str | None) -> Text:
    if choice is None:
        return Text("-", style="dim")
    if isinstance(choice, str) or choice < 0:  # answered, choice hidden (or a typed answer)
        return Text(ANSWERED_MARK.strip(), style="bold")
    return Text(f"{choice_symbol(choice)} {choice_letter(choice)}", style=choice_color(choice))


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
        self._cells: dict[str, tuple[str, int, int, int | str | None, str]] = {}
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
        if row.connected is None:
            return "?"  # the backend cannot tell (AppSync on AWS): neither "on" nor "away"
        return "on" if row.connected else "away"

    def _cell(self, column: str, value: object) -> Text:
        if column == "name":
            return Text(clean(value, self.name_width))
        if column in ("score", "correct"):
            return Text(f"{value:,}", justify="right")
        if column == "last":
            return _choice_cell(value if isinstance(value, int | str) else None)
        style = {"on": "green", "away": "yellow", "?": "dim"}.get(str(value), "red bold")
        return Text(str(value), style=style)

    def selected_player(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # the cursor can point past a row that was just removed
            return None
        return None if key.value is None else str(key.value)

    def update_players(self, rows: Iterable[PlayerRow], choices_visible: bool = True) -> bool:
        """Add, remove and update only what changed; re-sort by score only when scores moved.
        Without ``choices_visible`` the last-answer column says only *that* a player answered."""
        wanted = {
            r.player_id: (
                ("⏱ " if r.extra_time else "") + r.name,  # extra time shows in the list
                r.score,
                r.correct,
                r.last_answer if choices_visible or r.last_answer is None else ANSWERED,
                self._conn(r),
            )
            for r in rows
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


class Readout(Static):
    """A Static the console sets on every tick (10 Hz): unchanged content is not repainted, and
    the screen is laid out again only when the content's shape (its lines' widths) changed.
    Under an answer flood a layout per tick was most of the console's CPU."""

    def __init__(self, content: str | Text = "", **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._shown: object = content
        self._shape = _shape(content)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        if content == self._shown:
            return
        shape = _shape(content)
        layout = layout and shape != self._shape
        self._shown, self._shape = content, shape
        super().update(content, layout=layout)


def _shape(content: object) -> tuple[int, ...] | None:
    """Cell width of each line (what the laid-out size depends on); None if unknown."""
    if isinstance(content, Text):
        return tuple(cell_len(line) for line in content.plain.split("\n"))
    if isinstance(content, str):
        return tuple(cell_len(line) for line in content.split("\n"))
    return None


class AnswerStream(Widget):
    """The last answers as they arrive, newest first: who and which choice — nothing else (who
    only while ``choices_visible`` is off: on a projector a choice is there to be copied).

    Under a flood it is the largest thing on screen that changes, so it is the cheapest one to
    show: a Line API widget of ready-made strips, repainted at most every REPAINT_S (the
    latest answers then; the counts and the histogram still move ten times a second). As a
    Static re-rendered ten times a second it was most of the console's CPU at 5,000 answers/s.
    """

    DEFAULT_CSS = """
    AnswerStream { height: 1fr; overflow: hidden; }
    """
    REPAINT_S = 0.25

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._version = -1
        self._items: Sequence[StreamItem] = ()
        self._painted_at = 0.0
        self._timer: Timer | None = None
        self._base: list[Strip] = [_strip(Text("waiting for answers…", style="dim"))]
        self._lines: list[Strip] = []  # _base fitted to the width, in the widget's style
        self._fitted: tuple[int, Style] | None = None
        self.choices_visible = True

    def show(self, items: Sequence[StreamItem], version: int, choices_visible: bool = True) -> None:
        if version == self._version and choices_visible == self.choices_visible:
            return
        self._version, self._items = version, items
        self.choices_visible = choices_visible
        wait = self._painted_at + self.REPAINT_S - time.monotonic()
        if wait <= 0:
            self._paint()
        elif self._timer is None:  # the latest items, once the interval is over
            self._timer = self.set_timer(wait, self._paint)

    def _paint(self) -> None:
        self._timer = None
        self._painted_at = time.monotonic()
        rows = self.size.height  # only the lines that fit are worth rendering (0: not laid out)
        shown = self._items[-rows:] if rows else self._items
        if not shown:
            self._base = [_strip(Text("waiting for answers…", style="dim"))]
        else:
            self._base = [
                _strip(_stream_line(item, self.choices_visible)) for item in reversed(shown)
            ]
        self._fitted = None
        self.refresh()

    def render(self) -> Text:
        """The answers the stream shows (or is about to: a repaint may be waiting), as text."""
        if not self._items:
            return Text("waiting for answers…", style="dim")
        return Text("\n").join(
            _stream_line(item, self.choices_visible) for item in reversed(self._items)
        )

    def render_line(self, y: int) -> Strip:
        width, style = self.size.width, self.rich_style
        if self._fitted != (width, style):  # new lines, a resize or another theme
            self._fitted = (width, style)
            self._lines = [
                line.crop_extend(0, width, None).apply_style(style).simplify()
                for line in self._base
            ]
        if y < len(self._lines):
            return self._lines[y]
        return Strip.blank(width, style)


def _stream_line(item: StreamItem, with_choice: bool = True) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(clean(item.name, NAME_WIDTH).ljust(NAME_WIDTH + 1))
    if with_choice and item.value:
        text.append(clean(item.value, 14).ljust(15), style="bold")  # a typed answer, literally
    elif with_choice and item.choice >= 0:
        text.append(
            f"{choice_symbol(item.choice)} {choice_letter(item.choice)}",
            style=choice_color(item.choice),
        )
    else:
        text.append(ANSWERED_MARK, style="bold")
    if item.elapsed_ms is not None:
        text.append(f"  {item.elapsed_ms / 1000:5.1f}s", style="dim")
    return text


def _strip(text: Text) -> Strip:
    return Strip(text.render(_CONSOLE))


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
