"""The stub's rank index: competition ranks, whether changes are sorted in one by one or
piled up (a burst of answers) and sorted in at once."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from backend_stub.game.game_runtime import RankIndex
from quizwire.state import PlayerState, PlayerStatus


def brute_ranks(players: dict[str, PlayerState]) -> dict[str, int]:
    active = [p for p in players.values() if p.status is PlayerStatus.ACTIVE]
    return {
        p.player_id: 1
        + sum(
            1
            for q in active
            if q.score > p.score or (q.score == p.score and q.correct_ms < p.correct_ms)
        )
        for p in active
    }


@pytest.mark.parametrize("changes_between_queries", [1, 5, 1000])
def test_ranks_match_the_rule_however_changes_pile_up(changes_between_queries: int) -> None:
    rng = random.Random(changes_between_queries)
    index = RankIndex()
    players = {
        f"p{i}": PlayerState(player_id=f"p{i}", name=f"n{i}", join_order=i) for i in range(300)
    }
    for p in players.values():
        index.update(p)
    for step in range(3000):
        pid = f"p{rng.randrange(300)}"
        if rng.random() < 0.05:
            status = rng.choice([PlayerStatus.KICKED, PlayerStatus.ACTIVE])
            players[pid] = replace(players[pid], status=status)
        else:
            players[pid] = replace(
                players[pid],
                score=players[pid].score + rng.choice([0, 500, 1000]),
                correct_ms=players[pid].correct_ms + rng.randrange(5000),
            )
        index.update(players[pid])
        if step % changes_between_queries == 0:
            expected = brute_ranks(players)
            got = {pid: index.rank(pid) for pid in players}
            assert got == {pid: expected.get(pid) for pid in players}
            assert len(index) == len(expected)


def test_a_removed_player_has_no_rank_and_others_move_up() -> None:
    index = RankIndex()
    a, b, c = (
        PlayerState(player_id=pid, name=pid, join_order=i, score=s)
        for i, (pid, s) in enumerate([("a", 3), ("b", 2), ("c", 1)])
    )
    for p in (a, b, c):
        index.update(p)
    assert [index.rank(x) for x in "abc"] == [1, 2, 3]
    index.remove("a")
    assert [index.rank(x) for x in "abc"] == [None, 1, 2]
    index.update(a)
    index.update(replace(c, score=5))
    assert [index.rank(x) for x in "abc"] == [2, 3, 1]
