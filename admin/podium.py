"""The final podium on the projected screen, revealed place by place: 3rd, then 2nd, then 1st.

Three steps side by side (2nd, 1st, 3rd, each standing on the floor), each with the place, the
name in bold and the score. A place not revealed yet shows only its step. Names are untrusted:
cleaned, fitted to the step's width with an ellipsis, and never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from quizwire.messages import LeaderboardEntry
from tui.names import fit_name

__all__ = ["Podium", "place_text", "podium_places"]

PLACES = {1: "1st", 2: "2nd", 3: "3rd"}
#: the order of the reveal: the suspense builds towards the winner
REVEAL_ORDER = (3, 2, 1)
MAX_NAMES_PER_STEP = 3  # tied players share a step; more than this show as "+N tied"


def podium_places(entries: Sequence[LeaderboardEntry]) -> dict[int, list[LeaderboardEntry]]:
    """The podium by place: a place is a rank (1-3), and tied players share it ("1, 1, 3": two
    golds, no silver, a bronze; see :func:`quizwire.leaderboard.podium`)."""
    places: dict[int, list[LeaderboardEntry]] = {}
    for entry in sorted(entries, key=lambda e: (e.rank, -e.score)):
        if 1 <= entry.rank <= len(PLACES):
            places.setdefault(entry.rank, []).append(entry)
    return places


def place_text(
    place: int, entries: Sequence[LeaderboardEntry], *, shown: bool, width: int
) -> Text:
    """What one step says: its place, then (once revealed) the names and the score."""
    text = Text(("★ " if place == 1 else "") + PLACES[place], style="bold")
    if not shown:
        text.append("\n\n…", style="dim")
        return text
    if not entries:
        text.append("\n\n—", style="dim")
        return text
    text.append("\n\n")
    for entry in entries[:MAX_NAMES_PER_STEP]:
        text.append(fit_name(entry.name, max(4, width)), style="bold")
        text.append("\n")
    if len(entries) > MAX_NAMES_PER_STEP:
        text.append(f"+{len(entries) - MAX_NAMES_PER_STEP} tied\n", style="dim")
    text.append(f"{entries[0].score:,} pts" + (" each" if len(entries) > 1 else ""))
    return text


class Podium(Horizontal):
    DEFAULT_CSS = """
    Podium { height: 12; align-horizontal: center; }
    Podium .column { width: 1fr; max-width: 36; height: 100%; align-vertical: bottom; }
    Podium .step {
        width: 100%; margin: 0 1; text-align: center; content-align: center top;
        background: $panel; border-top: heavy $accent; padding-top: 1;
    }
    Podium #place-1 { height: 11; background: $primary-darken-1; color: $text; }
    Podium #place-2 { height: 8; }
    Podium #place-3 { height: 6; }
    Podium .step.-hidden { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        for place in (2, 1, 3):  # each step in a column, so each stands on the floor
            with Vertical(classes="column"):
                yield Static(id=f"place-{place}", classes="step")

    def show(self, entries: Sequence[LeaderboardEntry], revealed: int) -> None:
        """Show the podium with the last ``revealed`` places (3rd first) uncovered."""
        podium = podium_places(entries)
        uncovered = set(REVEAL_ORDER[: max(0, revealed)])
        for place in (1, 2, 3):
            step = self.query_one(f"#place-{place}", Static)
            width = (step.size.width or 20) - 2
            shown = place in uncovered
            step.set_class(not shown, "-hidden")
            step.update(place_text(place, podium.get(place, []), shown=shown, width=width))
