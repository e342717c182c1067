"""The end: a podium for the top three places (ties share one), your final rank and score."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from quizwire.leaderboard import podium
from quizwire.messages import LeaderboardEntry
from quizwire.play_model import PlayerModel
from tui.plural import counted
from tui.safe import clean
from tui.teams import team_line

__all__ = ["FinalView", "podium_of", "step_text", "tied"]

PLACES = {1: "1st", 2: "2nd", 3: "3rd"}


def podium_of(model: PlayerModel) -> dict[int, list[LeaderboardEntry]]:
    """Podium by place (1-3), tied players sharing a place: the finished message's podium, else
    the leaderboard's (the same rule, :func:`quizwire.leaderboard.podium`)."""
    entries = model.podium or tuple(podium(model.leaderboard))
    places: dict[int, list[LeaderboardEntry]] = {}
    for entry in sorted(entries, key=lambda e: (e.rank, -e.score)):
        if entry.rank in PLACES:
            places.setdefault(entry.rank, []).append(entry)
    return places


def tied(model: PlayerModel) -> bool:
    """True if another player we know of has the player's rank."""
    return any(
        e.rank == model.rank and e.player_id != model.player_id
        for e in (*model.leaderboard, *model.podium)
    )


def step_text(place: int, entries: list[LeaderboardEntry], player_id: str) -> Text:
    """One podium step: the place, one name (ours first if we share it), the score, the ties."""
    text = Text(("★ " if place == 1 else "") + PLACES[place], style="bold")
    if not entries:
        text.append("\n—")
        return text
    shown = next((e for e in entries if e.player_id == player_id), entries[0])
    mine = shown.player_id == player_id
    name = clean(shown.name, 18)
    text.append("\n")
    text.append(f"▶ {name} ◀" if mine else name, style="bold" if mine else "")
    text.append(f"\n{shown.score:,}")
    if len(entries) > 1:
        text.append(f" · +{len(entries) - 1} tied")
    return text


class FinalView(Vertical):
    DEFAULT_CSS = """
    FinalView { padding: 0 2; align-horizontal: center; }
    FinalView Static { width: 100%; text-align: center; height: auto; }
    FinalView #final-head { text-style: bold; color: $accent; margin-bottom: 1; }
    FinalView #podium { height: 8; align-horizontal: center; width: 100%; }
    FinalView .column { width: 24; height: 100%; align-vertical: bottom; }
    FinalView .step {
        width: 22; margin: 0 1; text-align: center; content-align: center top;
        background: $panel; border-top: heavy $accent;
    }
    FinalView #step-1 { height: 7; background: $primary-darken-1; color: $text; }
    FinalView #step-2 { height: 5; }
    FinalView #step-3 { height: 4; }
    FinalView #final-you { text-style: bold; margin-top: 1; }
    FinalView #final-note { color: $text-muted; }
    FinalView #final-teams { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="final-head")
        with Horizontal(id="podium"):
            for place in (2, 1, 3):  # each step in a column, so each sits on the floor
                with Vertical(classes="column"):
                    yield Static(id=f"step-{place}", classes="step")
        yield Static(id="final-you")
        yield Static(id="final-teams")
        yield Static(id="final-note")

    def show(self, model: PlayerModel) -> None:
        head = Text("Game over")
        if model.title:
            head.append(" — " + clean(model.title, 40))
        self.query_one("#final-head", Static).update(head)
        places = podium_of(model)
        for place in (1, 2, 3):
            step = self.query_one(f"#step-{place}", Static)
            step.update(step_text(place, places.get(place, []), model.player_id))
        you = Text("You finished ")
        if model.rank is not None:
            you.append(f"tied #{model.rank}" if tied(model) else f"#{model.rank}")
            if model.ranked_players:
                you.append(f" of {model.ranked_players}")
            you.append(" ")
        you.append(f"with {counted(model.score, 'point')}.")
        if not places:
            you.append(" Nobody scored: no podium.")
        self.query_one("#final-you", Static).update(you)
        teams = self.query_one("#final-teams", Static)
        teams.display = bool(model.teams)
        teams.update(team_line(model.teams, model.team))
        note = "The host ended the game early. " if model.finish_reason == "ended" else ""
        self.query_one("#final-note", Static).update(Text(note + "Thanks for playing! q: quit"))
