"""The removed players — kicked and banned — over the console, with readmit.

It reads the console's model (the 1 Hz admin view already carries every player's status) and
re-renders only when the list changes. Readmitting is the server's call: a kicked player comes
back; a ban is for good (the server refuses, and the console says so).

What a ban does *not* do: it blocks the player's credential, not the person. Anyone with the
game code can join again under another name (see README, "Kick and ban").
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from admin.model import ConsoleModel
from tui.safe import clean

REFRESH_S = 0.25
NAME_WIDTH = 24
LIMIT_NOTE = (
    "Kicked players can be readmitted (a). A ban is for good, but it blocks a credential, not a "
    "person: anyone with the game code can join again under a new name."
)

Readmit = Callable[[str, str], None]


class RemovedScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    RemovedScreen { align: center middle; }
    RemovedScreen #removed-box {
        width: 76; height: auto; max-height: 90%; border: round $accent; padding: 0 1;
        background: $surface;
    }
    RemovedScreen #removed-title { text-style: bold; color: $accent; }
    RemovedScreen DataTable { height: auto; max-height: 16; margin: 1 0; }
    RemovedScreen #removed-note { color: $text-muted; }
    """
    BINDINGS = [
        Binding("a", "readmit", "Readmit"),
        Binding("escape,u", "close", "Close"),
    ]

    def __init__(self, model: ConsoleModel, readmit: Readmit) -> None:
        super().__init__()
        self.model = model
        self.readmit = readmit
        self._shown: tuple[tuple[str, str, str, int], ...] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="removed-box"):
            yield Static(Text("Removed players (kicked or banned)"), id="removed-title")
            table: DataTable[Text] = DataTable(cursor_type="row", id="removed-table")
            table.add_column(Text("Player"), width=NAME_WIDTH, key="name")
            table.add_column(Text("Status"), width=7, key="status")
            table.add_column(Text("Score", justify="right"), width=7, key="score")
            table.add_column(Text(""), width=22, key="what")
            yield table
            yield Static(Text(LIMIT_NOTE), id="removed-note")
        yield Footer()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#removed-table", DataTable)

    @property
    def player_ids(self) -> list[str]:
        """The listed players' ids, top to bottom."""
        return [str(row.key.value) for row in self.table.ordered_rows]

    def on_mount(self) -> None:
        self.refresh_rows()
        self.set_interval(REFRESH_S, self.refresh_rows)
        self.table.focus()

    def refresh_rows(self) -> None:
        """Re-render when the removed players changed (they are few: rebuilt, not diffed)."""
        removed = tuple(
            (p.player_id, p.name, p.status, p.score)
            for p in self.model.players.values()
            if p.status != "active"
        )
        if removed == self._shown:
            return
        self._shown = removed
        table = self.table
        selected = self.selected()
        table.clear()
        for pid, name, status, score in removed:
            what = "a: readmit" if status == "kicked" else "for good"
            table.add_row(
                Text(clean(name, NAME_WIDTH)),
                Text(clean(status), style="red bold" if status == "banned" else "yellow"),
                Text(f"{score:,}", justify="right"),
                Text(what, style="dim"),
                key=pid,
            )
        if not removed:
            table.add_row(Text("nobody", style="dim"), Text(""), Text(""), Text(""))
        elif selected is not None and selected[0] in {r[0] for r in removed}:
            table.move_cursor(row=table.get_row_index(selected[0]))

    def selected(self) -> tuple[str, str] | None:
        """``(player id, name)`` under the cursor, if it is a removed player."""
        table = self.table
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # the cursor can point past a row that was just removed
            return None
        row = self.model.players.get(str(key)) if key is not None else None
        return None if row is None or row.status == "active" else (row.player_id, row.name)

    def action_readmit(self) -> None:
        selected = self.selected()
        if selected is not None:
            self.readmit(*selected)

    def action_close(self) -> None:
        self.dismiss()
