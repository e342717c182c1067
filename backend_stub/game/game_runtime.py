"""One game held in memory by the stub's game service, written through to the store.

The rules (:mod:`quizwire.game`, :mod:`quizwire.answers`) decide; this only keeps what they need
at hand: the game row, the players, a rank index, the open question's tally, presence.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

from quizwire.leaderboard import Standing, rank_players, sort_key
from quizwire.names import name_key
from quizwire.players import row_before_answer as _before_answer
from quizwire.state import GameState, PlayerState, PlayerStatus
from quizwire.tally import Tally


@dataclass(frozen=True, slots=True)
class Public:
    score: int
    streak: int
    rank: int | None
    correct_count: int


class RankIndex:
    """Competition rank in O(log n): the sorted keys ``(-score, correct_ms)`` of active players.

    ``rank = 1 + number of players strictly better`` — the same rule as
    :func:`quizwire.leaderboard.rank_players`, without a full sort per answer. Changes are
    noted at once and sorted in when a rank is next asked for: one at a time while they are
    few, by one sort when many piled up (a burst of answers asks for no rank until the reveal:
    10,000 inserts into a 10,000-long list cost ~10 us each, one sort of it ~3 ms).
    """

    REBUILD_AT = 64  # pending changes above which one sort beats inserting them one by one

    def __init__(self) -> None:
        self._keys: list[tuple[int, int]] = []  # sorted, as of the last query
        self._by_player: dict[str, tuple[int, int]] = {}  # always current
        self._pending: dict[str, tuple[int, int] | None] = {}  # player -> key in _keys (None: not)

    def update(self, player: PlayerState) -> None:
        key = (-player.score, player.correct_ms) if player.active else None
        self._note(player.player_id, key)

    def remove(self, player_id: str) -> None:
        self._note(player_id, None)

    def _note(self, player_id: str, key: tuple[int, int] | None) -> None:
        old = self._by_player.get(player_id)
        if old == key:
            return
        if player_id not in self._pending:
            self._pending[player_id] = old  # what _keys holds for them
        if key is None:
            del self._by_player[player_id]
        else:
            self._by_player[player_id] = key

    def _settle(self) -> None:
        pending, self._pending = self._pending, {}
        if len(pending) > self.REBUILD_AT:
            self._keys = sorted(self._by_player.values())
            return
        keys = self._keys
        for player_id, old in pending.items():
            if old is not None:
                del keys[bisect.bisect_left(keys, old)]
            new = self._by_player.get(player_id)
            if new is not None:
                bisect.insort(keys, new)

    def rank(self, player_id: str) -> int | None:
        key = self._by_player.get(player_id)
        if key is None:
            return None
        if self._pending:
            self._settle()
        return bisect.bisect_left(self._keys, key) + 1

    def __len__(self) -> int:
        return len(self._by_player)


@dataclass(eq=False)
class GameRuntime:
    game: GameState
    players: dict[str, PlayerState] = field(default_factory=dict)
    secret_hashes: dict[str, str] = field(default_factory=dict)
    taken_names: set[str] = field(default_factory=set)
    ranks: RankIndex = field(default_factory=RankIndex)
    tally: Tally | None = None
    connected: dict[str, int] = field(default_factory=dict)  # player id -> live scores subs
    #: players who may still be thinking about the open question, in the order they came:
    #: "has everyone answered?" drops those who no longer are from the front, so a burst of
    #: answers costs one look each, not a scan of every player per answer (see first_thinking)
    thinking: deque[str] = field(default_factory=deque)
    queued: set[str] = field(default_factory=set)  # who is in ``thinking``
    closing_index: int = -1  # the question an "everyone answered" close was scheduled for
    last_reveal: dict[str, Any] | None = None
    last_leaderboard: dict[str, Any] | None = None
    lobby_dirty: bool = False
    leaderboard_dirty: bool = False
    last_lobby_at: float = 0.0
    last_leaderboard_at: float = 0.0
    timer: asyncio.TimerHandle | None = None
    # While a question is open, everything public shows the standings frozen at its opening:
    # a score, a rank or a leaderboard that moved would tell the room who was right.
    frozen: dict[str, Public] | None = None
    frozen_top: list[Standing] | None = None

    @property
    def game_id(self) -> str:
        return self.game.game_id

    def add_player(self, player: PlayerState, secret_hash: str) -> None:
        self.players[player.player_id] = player
        self.secret_hashes[player.player_id] = secret_hash
        self.taken_names.add(name_key(player.name))
        self.ranks.update(player)

    def remove_player(self, player: PlayerState) -> None:
        """Undo :meth:`add_player` (a join the store refused)."""
        self.players.pop(player.player_id, None)
        self.secret_hashes.pop(player.player_id, None)
        self.taken_names.discard(name_key(player.name))
        self.ranks.remove(player.player_id)

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

    def freeze(self) -> None:
        """Take the public standings as they are when a question opens. After a restart in
        the middle of a question, the answers already given to it are taken back out."""
        index = self.game.question_index
        before = [_before_answer(p, index) for p in self.players.values()]
        ranks = RankIndex()
        for p in before:
            ranks.update(p)
        self.frozen = {
            p.player_id: Public(p.score, p.streak, ranks.rank(p.player_id), p.correct_count)
            for p in before
        }
        best = heapq.nsmallest(10, (p for p in before if p.active), key=sort_key)
        self.frozen_top = [
            replace(s, rank=ranks.rank(s.player_id) or s.rank) for s in rank_players(best)
        ]

    def thaw(self) -> None:
        self.frozen = None
        self.frozen_top = None

    def public_standing(self, player: PlayerState) -> Public:
        """What the room may see of a player now (frozen while a question is open)."""
        if self.frozen is not None and player.player_id in self.frozen:
            return self.frozen[player.player_id]
        return Public(
            player.score, player.streak, self.ranks.rank(player.player_id), player.correct_count
        )

    def public_top(self, n: int) -> list[Standing]:
        if self.frozen_top is not None:
            return self.frozen_top[:n]
        return self.top(n)

    def top(self, n: int) -> list[Standing]:
        """The first ``n`` standings without sorting everyone (heap select, then exact ranks)."""
        best = heapq.nsmallest(n, (p for p in self.players.values() if p.active), key=sort_key)
        standings = rank_players(best)
        # rank_players ranked within the subset; the true rank counts everyone better.
        return [replace(s, rank=self.ranks.rank(s.player_id) or s.rank) for s in standings]

    def still_thinking(self, player_id: str) -> bool:
        """``player_id`` is connected, in the game, and has not answered the open question."""
        if self.connected.get(player_id, 0) <= 0:
            return False
        player = self.players.get(player_id)
        return (
            player is not None
            and player.active
            and player.answered_index != self.game.question_index
        )

    def expect_answers(self) -> None:
        """A question opened: everyone connected now may be thinking about it."""
        self.thinking = deque(pid for pid, subs in self.connected.items() if subs > 0)
        self.queued = set(self.thinking)

    def expect_answer(self, player_id: str) -> None:
        """``player_id`` (re)connected while a question is open."""
        if player_id not in self.queued:
            self.queued.add(player_id)
            self.thinking.append(player_id)

    def first_thinking(self) -> str | None:
        """A player still thinking about the open question, or None if nobody connected is.

        Every connected player who has not answered is in ``thinking`` (added when the
        question opened or when they connected); those at the front who answered, left or were
        removed are dropped for good, each once."""
        thinking, queued = self.thinking, self.queued
        while thinking:
            player_id = thinking[0]
            if self.still_thinking(player_id):
                return player_id
            thinking.popleft()
            queued.discard(player_id)
        return None
