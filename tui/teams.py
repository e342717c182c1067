"""The team board as one line of text, for players (the console draws a table)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from quizwire.messages import TeamEntry
from tui.safe import clean

__all__ = ["team_line"]


def team_line(teams: Sequence[TeamEntry], mine: str = "") -> Text:
    """``"Teams: 1 Owls 1,850 · 2 Foxes 1,700 · 3 Otters 900"``; the player's team in bold with
    a ▶ (not colour alone). Names are literal text."""
    if not teams:
        return Text("")
    text = Text("Teams: ", style="bold")
    for i, team in enumerate(teams):
        if i:
            text.append(" · ")
        own = team.name == mine
        text.append(f"{'▶' if own else ''}{team.rank} ")
        text.append(clean(team.name, 20), style="bold" if own else "")
        text.append(f" {team.score:,}")
    return text
