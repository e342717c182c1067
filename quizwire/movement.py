"""How the standings moved over one question: rank arrows and point gains (pure, stdlib only).

Between questions the console shows the leaderboard with each player's gain on the question just
revealed (``+850``, from the server's ``lastPoints``) and how their rank moved since the question
opened: ``▲2`` (up two places), ``▼1``, ``=``. Clients keep the leaderboard they held when the
question opened (the public standings do not move while it is open) and compare it with the one
that follows the reveal. A player who was not on the earlier top 10 climbed into it: ``▲`` with
no number, since how far is not known. While nobody has a point (before the first question every
player shares first place) there is no order to compare with, and no arrow is shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from quizwire.messages import LeaderboardEntry

__all__ = ["Move", "gain_text", "move_of", "moves"]

UP, DOWN, SAME = "▲", "▼", "="


@dataclass(frozen=True, slots=True)
class Move:
    """A rank change: ``before`` is None when the player was not on the earlier board."""

    before: int | None
    after: int
    known: bool = True  # False: there was no earlier board to compare with

    @property
    def places(self) -> int:
        """Places gained (negative: lost); 0 if unknown."""
        return 0 if self.before is None else self.before - self.after

    @property
    def arrow(self) -> str:
        """``▲2``, ``▼1``, ``=``, ``▲`` (new on the board) or ``""`` (nothing to compare)."""
        if not self.known:
            return ""
        if self.before is None:
            return UP
        if self.places > 0:
            return f"{UP}{self.places}"
        if self.places < 0:
            return f"{DOWN}{-self.places}"
        return SAME

    @property
    def direction(self) -> str:
        """``up``, ``down``, ``same`` or ``""``: for colouring the arrow."""
        arrow = self.arrow
        if not arrow:
            return ""
        return {UP: "up", DOWN: "down"}.get(arrow[0], "same")


def move_of(before: int | None, after: int, *, known: bool = True) -> Move:
    """One player's move from rank ``before`` (None: unranked before) to ``after``."""
    return Move(before, after, known)


def moves(before: Iterable[LeaderboardEntry], after: Iterable[LeaderboardEntry]) -> dict[str, Move]:
    """Each player on the ``after`` board, by id: their move since the ``before`` board."""
    before = list(before)
    earlier = {e.player_id: e.rank for e in before}
    known = any(e.score > 0 for e in before)
    return {e.player_id: Move(earlier.get(e.player_id), e.rank, known) for e in after}


def gain_text(points: int | None) -> str:
    """``+850``, ``+0``, or ``""`` when the gain is not known."""
    if points is None:
        return ""
    return f"+{points:,}"
