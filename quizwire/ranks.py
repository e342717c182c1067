"""Competition ranking ("1, 2, 2, 4"), shared by the player board and the team board."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

__all__ = ["competition_ranks"]


def competition_ranks(keys: Sequence[Hashable]) -> list[int]:
    """Ranks for rows already in board order, given each row's ranking key: equal keys next to
    each other share the rank of the first of them; the next key takes its position."""
    ranks: list[int] = []
    previous: object = object()
    rank = 0
    for position, key in enumerate(keys, start=1):
        if key != previous:
            rank, previous = position, key
        ranks.append(rank)
    return ranks
