"""The leaderboard between questions, for the projected screen: rank, arrow, name, score and
the points the last question earned, e.g. ``  2  ▲3  Nimble Otter      3,360  +950``.

Rendered from plain data (the model's board and the board at the question's opening); the
moves and gains come from :mod:`quizwire.movement`. Names are untrusted: fitted Text only.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from quizwire.messages import LeaderboardEntry, TeamEntry
from quizwire.movement import gain_text, moves
from tui.names import name_text

__all__ = ["board_text", "team_board_text"]

ARROW_STYLES = {"up": "bold green", "down": "bold red", "same": "dim"}
_FIXED = 3 + 2 + 4 + 2 + 9 + 2 + 7  # rank, gap, arrow, gap, score, gap, gain


def board_text(
    after: Sequence[LeaderboardEntry],
    before: Sequence[LeaderboardEntry],
    *,
    width: int,
    rows: int = 10,
    me: str | None = None,
) -> Text:
    """The top ``rows`` of ``after`` with arrows against ``before``, fitted to ``width`` cells."""
    if not after:
        return Text("No scores yet.", style="dim")
    moved = moves(before, after)
    name_cells = max(8, min(32, width - _FIXED))
    text = Text()
    for i, entry in enumerate(after[:rows]):
        if i:
            text.append("\n")
        move = moved[entry.player_id]
        mine = entry.player_id == me
        text.append(f"{entry.rank:>3}  ", style="bold")
        text.append(f"{move.arrow:<4}", style=ARROW_STYLES.get(move.direction, ""))
        text.append("  ")
        name = name_text(entry.name, name_cells, "bold reverse" if mine else "bold")
        name.pad_right(name_cells - name.cell_len)
        text.append_text(name)
        text.append(f"  {entry.score:>9,}", style="bold")
        text.append(f"  {gain_text(entry.last_points):<7}", style="green")
    return text


def team_board_text(teams: Sequence[TeamEntry], *, width: int) -> Text:
    """The team board: rank, team, mean score and members, e.g.
    ``  1  Owls          1,850  mean of 4``; the first line says what the score is."""
    if not teams:
        return Text("")
    name_cells = max(8, min(20, width - 3 - 2 - 2 - 9 - 13))
    text = Text("Teams", style="bold underline")
    text.append(" (score = mean of the members)", style="dim")
    for team in teams:
        text.append("\n")
        text.append(f"{team.rank:>3}  ", style="bold")
        name = name_text(team.name, name_cells, "bold")
        name.pad_right(name_cells - name.cell_len)
        text.append_text(name)
        text.append(f"  {team.score:>9,}", style="bold")
        text.append(f"  mean of {team.members}", style="dim")
    return text
