"""Leaderboard order, competition ranks and tie-breaks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from quizwire.leaderboard import (
    PODIUM_PLACES,
    TOP_N,
    beats,
    podium,
    rank_of,
    rank_players,
    ranking_key,
    sort_key,
    top_n,
)
from quizwire.state import PlayerState, PlayerStatus


def p(
    pid: str, score: int, ms: int = 0, order: int = 0, status: PlayerStatus = PlayerStatus.ACTIVE
) -> PlayerState:
    return PlayerState(
        player_id=pid, name=pid.upper(), join_order=order, score=score, correct_ms=ms, status=status
    )


def test_order_by_score_then_time_then_join_order() -> None:
    players = [
        p("a", 100, 900, 0),
        p("b", 300, 5000, 1),
        p("c", 100, 400, 2),
        p("d", 100, 400, 3),
        p("e", 100, 400, 1),
    ]
    standings = rank_players(players)
    assert [s.player_id for s in standings] == ["b", "e", "c", "d", "a"]
    assert [s.rank for s in standings] == [1, 2, 2, 2, 5]  # competition ranking "1,2,2,2,5"


def test_faster_correct_answers_break_score_ties() -> None:
    standings = rank_players([p("slow", 1000, 8000), p("fast", 1000, 2000)])
    assert [(s.player_id, s.rank) for s in standings] == [("fast", 1), ("slow", 2)]


def test_removed_players_are_not_ranked() -> None:
    players = [
        p("a", 10),
        p("k", 999, status=PlayerStatus.KICKED),
        p("b", 5, status=PlayerStatus.BANNED),
    ]
    assert [s.player_id for s in rank_players(players)] == ["a"]
    assert rank_of(players[0], players) == 1


def test_top_n() -> None:
    players = [p(f"p{i}", i * 10, order=i) for i in range(25)]
    top = top_n(players)
    assert len(top) == 10
    assert top[0].player_id == "p24" and top[-1].player_id == "p15"
    assert top_n(players, 3) == rank_players(players)[:3]


def test_rank_of_skips_the_players_own_rows() -> None:
    me_old = p("me", 100, 500)
    me_new = p("me", 200, 900)
    others = [p("x", 150), p("y", 250), me_old]
    assert rank_of(me_new, others) == 2


players_strategy = st.lists(
    st.builds(
        PlayerState,
        player_id=st.text("abcdef0123", min_size=1, max_size=6),
        name=st.just("n"),
        join_order=st.integers(0, 50),
        score=st.integers(0, 5).map(lambda x: x * 500),
        correct_ms=st.integers(0, 4).map(lambda x: x * 1000),
        status=st.sampled_from([PlayerStatus.ACTIVE, PlayerStatus.ACTIVE, PlayerStatus.KICKED]),
    ),
    max_size=30,
    unique_by=lambda x: x.player_id,
)


@given(players_strategy)
def test_rank_order_consistent_with_score_desc_time_asc(players: list[PlayerState]) -> None:
    standings = rank_players(players)
    active = [x for x in players if x.status is PlayerStatus.ACTIVE]
    assert len(standings) == len(active)
    keys = [(-s.score, s.correct_ms) for s in standings]
    assert keys == sorted(keys)
    by_id = {x.player_id: x for x in active}
    for i, s in enumerate(standings):
        # competition rank: 1 + number of players strictly better
        better = sum(1 for o in active if (o.score, -o.correct_ms) > (s.score, -s.correct_ms))
        assert s.rank == better + 1
        assert rank_of(by_id[s.player_id], players) == s.rank
        if i:
            prev = standings[i - 1]
            same = (prev.score, prev.correct_ms) == (s.score, s.correct_ms)
            assert (prev.rank == s.rank) == same
            assert s.rank >= prev.rank
            if not same:
                assert s.rank == i + 1


@given(players_strategy)
def test_ranking_key_sorts_like_sort_key(players: list[PlayerState]) -> None:
    by_key = sorted(players, key=sort_key)
    by_string = sorted(players, key=ranking_key)
    # identical order unless two players share score, time and join order (then player id decides
    # in both, but string vs tuple comparison of ids agree)
    assert [x.player_id for x in by_key] == [x.player_id for x in by_string]


@given(players_strategy)
def test_beats_is_a_strict_order(players: list[PlayerState]) -> None:
    for a in players:
        assert not beats(a, a)
        for b in players:
            assert not (beats(a, b) and beats(b, a))


@given(players_strategy)
def test_the_podium_is_ranks_one_to_three_with_points_ties_included(
    players: list[PlayerState],
) -> None:
    standings = rank_players(players)
    chosen = podium(standings)
    deserving = [s for s in standings if s.score > 0 and s.rank <= PODIUM_PLACES]
    assert chosen == deserving[:TOP_N]
    # a tie never splits: either every player level with a podium player is on it, or it is full
    for s in chosen:
        level = [o for o in standings if (o.score, o.correct_ms) == (s.score, s.correct_ms)]
        assert all(o in chosen for o in level) or len(chosen) == TOP_N
        assert all(o.rank == s.rank for o in level)


def test_nobody_with_zero_points_takes_a_medal() -> None:
    standings = rank_players([p(f"p{i}", 0, order=i) for i in range(5)])
    assert [s.rank for s in standings] == [1, 1, 1, 1, 1]  # everyone level: all first
    assert podium(standings) == []


def test_tied_players_share_a_place_and_the_next_place_is_skipped() -> None:
    standings = rank_players([p("a", 900, 10), p("b", 900, 10), p("c", 500), p("d", 400)])
    assert [(s.player_id, s.rank) for s in podium(standings)] == [("a", 1), ("b", 1), ("c", 3)]
