"""Between questions: the top-10 with you highlighted, and your own rank below it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from quizwire.movement import gain_text
from quizwire.play_model import PlayerModel
from tui.leaderboard import LeaderboardTable
from tui.plural import counted
from tui.teams import team_line

__all__ = ["StandingsView", "own_move_text", "own_rank_text"]

MOVE_STYLES = {"up": "bold green", "down": "bold red", "same": "dim"}


def own_move_text(model: PlayerModel) -> Text:
    """``"This question: +950 · ▲2"``: the revealed question's gain and the rank's move."""
    gain, move = model.last_gain(), model.move()
    if gain is None and (move is None or not move.arrow):
        return Text("")
    text = Text("This question: ")
    if gain is not None:
        text.append(gain_text(gain), style="bold green" if gain else "bold")
    if move is not None and move.arrow:
        if gain is not None:
            text.append(" · ")
        text.append(move.arrow, style=MOVE_STYLES.get(move.direction, ""))
        if move.before is not None and move.places:
            text.append(f" (from #{move.before})", style="dim")
    return text


def own_rank_text(model: PlayerModel) -> Text:
    """``"You are #14 of 230 with 1,230 points."``"""
    if model.rank is None:
        return Text(f"You have {counted(model.score, 'point')} (not ranked yet).")
    text = Text("You are ")
    text.append(f"#{model.rank}", style="bold")
    if model.ranked_players:
        text.append(f" of {model.ranked_players}")
    text.append(f" with {counted(model.score, 'point')}")
    if model.streak > 1:
        text.append(f" · streak {model.streak}")
    return text


class StandingsView(Vertical):
    DEFAULT_CSS = """
    StandingsView { padding: 0 2; }
    StandingsView #board-head { height: 1; text-style: bold; color: $accent; margin-bottom: 1; }
    StandingsView LeaderboardTable { max-height: 13; width: auto; }
    StandingsView #board-you { height: auto; margin-top: 1; }
    StandingsView #board-move { height: auto; }
    StandingsView #board-hint { height: auto; color: $text-muted; }
    StandingsView #board-teams { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="board-head")
        yield LeaderboardTable(limit=10, id="board")
        yield Static(id="board-you")
        yield Static(id="board-teams")
        yield Static(id="board-move")
        yield Static(id="board-hint")

    def show(self, model: PlayerModel) -> None:
        head = "Leaderboard"
        question = model.reveal or model.question
        if question is not None:
            head += f" after question {question.index + 1}/{question.total}"
        self.query_one("#board-head", Static).update(Text(head))
        self.query_one(LeaderboardTable).update_entries(model.leaderboard, model.player_id)
        self.query_one("#board-you", Static).update(own_rank_text(model))
        teams = self.query_one("#board-teams", Static)
        teams.display = bool(model.teams)
        teams.update(team_line(model.teams, model.team))
        self.query_one("#board-move", Static).update(own_move_text(model))
        self.query_one("#board-hint", Static).update(
            Text("Next question when the host is ready · L: your result")
        )
