"""Leaderboard order and ranks (pure, stdlib only).

Order: score descending, then ``correct_ms`` ascending (total time taken by the player's correct
answers on questions worth points: faster is better), then ``join_order`` ascending, then
``player_id`` (a stable key, so the order is total and deterministic).

Rank: **competition ranking** ("1, 2, 2, 4") on ``(score, correct_ms)`` only: players share a
rank only if both their score and their correct-answer time are equal; join order breaks the
*display order* of such true ties but not their rank. Hence, for any store::

    rank = 1 + count(active players with score > s or (score == s and correct_ms < c))

(SQL: one ``COUNT(*)`` query). Only active players (not kicked or banned) are ranked.

Podium: the players with **more than 0 points** whose rank is 1, 2 or 3. Tied players share a
place (two golds, then a bronze: "1, 1, 3"), so the podium may hold more than three names (at
most :data:`TOP_N`); a game where nobody scored has no podium. The stub, the Lambdas, both
apps and the results export all use these functions, so they agree on every tie.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from quizwire.ranks import competition_ranks
from quizwire.state import PlayerState

__all__ = [
    "PODIUM_PLACES",
    "TOP_N",
    "Ranked",
    "Standing",
    "beats",
    "on_podium",
    "podium",
    "rank_of",
    "rank_players",
    "ranking_key",
    "sort_key",
    "top_n",
]

TOP_N = 10
PODIUM_PLACES = 3
_PAD = 12  # digits in ranking_key fields
_MAX = 10**_PAD - 1


@dataclass(frozen=True, slots=True)
class Standing:
    """One leaderboard row."""

    rank: int
    player_id: str
    name: str
    score: int
    correct_ms: int
    correct_count: int
    #: the last question the player answered and what that answer earned (the leaderboard's
    #: "+850" after a reveal; :func:`quizwire.game.entries` decides when it may be shown)
    answered_index: int = -1
    last_points: int = 0


def sort_key(p: PlayerState) -> tuple[int, int, int, str]:
    """Sorting key: ascending order of this key is leaderboard order."""
    return (-p.score, p.correct_ms, p.join_order, p.player_id)


def beats(a: PlayerState, b: PlayerState) -> bool:
    """True if ``a`` ranks strictly above ``b`` (better score, or same score and less time)."""
    return (a.score, -a.correct_ms) > (b.score, -b.correct_ms)


def ranking_key(p: PlayerState) -> str:
    """A string whose ascending lexicographic order is leaderboard order.

    Handy as a DynamoDB GSI sort key or an SQL index column: zero-padded ``(MAX - score)``,
    ``correct_ms``, ``join_order``, then the player id.
    """
    score = min(max(p.score, 0), _MAX)
    return f"{_MAX - score:0{_PAD}d}#{min(p.correct_ms, _MAX):0{_PAD}d}#{min(p.join_order, _MAX):0{_PAD}d}#{p.player_id}"


def rank_players(players: Iterable[PlayerState]) -> list[Standing]:
    """Every active player in leaderboard order with competition ranks."""
    ordered = sorted((p for p in players if p.active), key=sort_key)
    ranks = competition_ranks([(p.score, p.correct_ms) for p in ordered])
    standings: list[Standing] = []
    for rank, p in zip(ranks, ordered, strict=True):
        standings.append(
            Standing(
                rank,
                p.player_id,
                p.name,
                p.score,
                p.correct_ms,
                p.correct_count,
                answered_index=p.answered_index,
                last_points=p.last_points,
            )
        )
    return standings


def top_n(players: Iterable[PlayerState], n: int = TOP_N) -> list[Standing]:
    """The first ``n`` rows of :func:`rank_players`."""
    return rank_players(players)[: max(n, 0)]


def rank_of(player: PlayerState, players: Iterable[PlayerState]) -> int:
    """Competition rank of ``player`` among ``players``.

    ``players`` may include (any version of) ``player`` itself: rows with its id are skipped.
    """
    return 1 + sum(
        1
        for other in players
        if other.active and other.player_id != player.player_id and beats(other, player)
    )


class Ranked(Protocol):
    """Anything with a rank and a score: a :class:`Standing` or a wire leaderboard entry."""

    @property
    def rank(self) -> int: ...

    @property
    def score(self) -> int: ...


R = TypeVar("R", bound=Ranked)


def on_podium(rank: int, score: int) -> bool:
    """A podium place: ranked 1-3 with points (nobody takes a medal for 0 points)."""
    return score > 0 and 1 <= rank <= PODIUM_PLACES


def podium(rows: Iterable[R]) -> list[R]:
    """The podium among ``rows`` (best first), tied players included, at most :data:`TOP_N`."""
    return [r for r in rows if on_podium(r.rank, r.score)][:TOP_N]
