"""The one-line bar on top of the game: game title, who you are, score, rank, connection."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from quizwire.play_model import PlayerModel
from quizwire.state import Phase
from tui.badge import ConnectionBadge
from tui.safe import clean

__all__ = ["TopBar", "standing_text", "team_text"]


def standing_text(model: PlayerModel) -> str:
    """``"2,410 pts · #3"`` (no rank in the lobby, where everyone is tied)."""
    text = f"{model.score:,} pts"
    if model.rank is not None and model.phase != Phase.LOBBY:
        text += f" · #{model.rank}"
    return text


def team_text(model: PlayerModel) -> Text:
    """``"Team Owls #1/3"`` in team mode (the team's rank once there is a team board)."""
    if not model.team:
        return Text("")
    text = Text(" · Team ")
    text.append(clean(model.team), style="bold")
    mine = model.my_team()
    if mine is not None and model.phase != "lobby":
        text.append(f" #{mine.rank}/{len(model.teams)}")
    return text


class TopBar(Horizontal):
    DEFAULT_CSS = """
    TopBar {
        height: 1;
        dock: top;
        background: $panel;
    }
    TopBar #brand { width: 1fr; padding: 0 1; text-style: bold; color: $accent; }
    TopBar #me { width: auto; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="brand")
        yield Static(id="me")
        yield ConnectionBadge(id="badge")

    def show(self, model: PlayerModel) -> None:
        brand = Text("QUIZWIRE", style="bold")
        if model.title:
            brand.append(" · ")
            brand.append(clean(model.title, 40), style="")
        self.query_one("#brand", Static).update(brand)
        me = Text(clean(model.name, 24), style="bold")
        me.append(" · " + standing_text(model))
        me.append_text(team_text(model))
        self.query_one("#me", Static).update(me)

    def set_connection(self, state: object) -> None:
        self.query_one(ConnectionBadge).set_state(state)
