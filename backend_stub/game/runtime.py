"""One game held in memory by the stub's game service, written through to the store.

The rules (:mod:`quizwire.game`, :mod:`quizwire.answers`) decide; this only keeps what they need
at hand: the game row, the players, a rank index, the open question's tally, presence.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
from dataclasses import dataclass, field
from typing import Any

from quizwire.leaderboard import Standing, rank_players, sort_key
from quizwire.names import name_key
from quizwire.state import GameState, PlayerState, PlayerStatus
from quizwire.tally import Tally


class RankIndex:
    """Competition rank in O(log n): the sorted keys ``(-score, correct_ms)`` of active players.

    ``rank = 1 + number of players strictly better`` — the same rule as
    :func:`quizwire.leaderboard.rank_players`, without a full sort per answer.
    """

    def __init__(self) -> None:
        self._keys: list[tuple[int, int]] = []
        self._by_player: dict[str, tuple[int, int]] = {}

    def update(self, player: PlayerState) -> None:
        self.remove(player.player_id)
        if player.active:
            key = (-player.score, player.correct_ms)
            bisect.insort(self._keys, key)
            self._by_player[player.player_id] = key

    def remove(self, player_id: str) -> None:
        old = self._by_player.pop(player_id, None)
        if old is not None:
            del self._keys[bisect.bisect_left(self._keys, old)]

    def rank(self, player_id: str) -> int | None:
        key = self._by_player.get(player_id)
        return None if key is None else bisect.bisect_left(self._keys, key) + 1

    def __len__(self) -> int:
        return len(self._keys)


@dataclass(eq=False)
class GameRuntime:
    game: GameState
    players: dict[str, PlayerState] = field(default_factory=dict)
    secret_hashes: dict[str, str] = field(default_factory=dict)
    taken_names: set[str] = field(default_factory=set)
    ranks: RankIndex = field(default_factory=RankIndex)
    tally: Tally | None = None
    connected: dict[str, int] = field(default_factory=dict)  # player id -> live scores subs
    last_reveal: dict[str, Any] | None = None
    last_leaderboard: dict[str, Any] | None = None
    lobby_dirty: bool = False
    leaderboard_dirty: bool = False
    last_lobby_at: float = 0.0
    last_leaderboard_at: float = 0.0
    timer: asyncio.TimerHandle | None = None

    @property
    def game_id(self) -> str:
        return self.game.game_id

    def add_player(self, player: PlayerState, secret_hash: str) -> None:
        self.players[player.player_id] = player
        self.secret_hashes[player.player_id] = secret_hash
        self.taken_names.add(name_key(player.name))
        self.ranks.update(player)

    def put_player(self, player: PlayerState) -> None:
        self.players[player.player_id] = player
        self.ranks.update(player)

    @property
    def active_count(self) -> int:
        return sum(1 for p in self.players.values() if p.status is PlayerStatus.ACTIVE)

    @property
    def connected_active(self) -> int:
        return sum(
            1
            for pid, n in self.connected.items()
            if n > 0 and (p := self.players.get(pid)) is not None and p.active
        )

    def top(self, n: int) -> list[Standing]:
        """The first ``n`` standings without sorting everyone (heap select, then exact ranks)."""
        best = heapq.nsmallest(n, (p for p in self.players.values() if p.active), key=sort_key)
        standings = rank_players(best)
        # rank_players ranked within the subset; the true rank counts everyone better.
        return [
            Standing(
                self.ranks.rank(s.player_id) or s.rank,
                s.player_id,
                s.name,
                s.score,
                s.correct_ms,
                s.correct_count,
            )
            for s in standings
        ]
