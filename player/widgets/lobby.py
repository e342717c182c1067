"""Waiting for the host: the game's title, the live player count, who you are."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from quizwire.play_model import PlayerModel
from quizwire.state import Phase
from tui.plural import counted
from tui.safe import clean

__all__ = ["LobbyView"]


def players_text(n: int) -> str:
    return "1 player in the lobby" if n == 1 else f"{n} players in the lobby"


class LobbyView(Vertical):
    DEFAULT_CSS = """
    LobbyView { align: center middle; padding: 1 2; }
    LobbyView Static { width: 100%; text-align: center; height: auto; }
    LobbyView #lobby-title { text-style: bold; color: $accent; margin-bottom: 1; }
    LobbyView #lobby-status { text-style: bold; margin-bottom: 1; }
    LobbyView #lobby-count { color: $success; text-style: bold; margin-bottom: 1; }
    LobbyView #lobby-you { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="lobby-title")
        yield Static(id="lobby-status")
        yield Static(id="lobby-count")
        yield Static(id="lobby-you")

    def show(self, model: PlayerModel, *, rejoined: bool = False) -> None:
        self.query_one("#lobby-title", Static).update(Text(clean(model.title or "Quizwire")))
        if model.phase == Phase.LOBBY and not model.started:
            status = "Waiting for the host to start the game…"
        else:
            status = "The game has started — get ready for the first question!"
        if rejoined:
            status = "Welcome back! " + status
        self.query_one("#lobby-status", Static).update(Text(status))
        self.query_one("#lobby-count", Static).update(Text(players_text(model.lobby_players)))
        you = Text("You are ")
        you.append(clean(model.name), style="bold")
        you.append(f" · game {clean(model.game_id)}")
        if model.total_questions:
            you.append(f" · {counted(model.total_questions, 'question')}")
        self.query_one("#lobby-you", Static).update(you)
