"""Joining, rejoining, kicking, banning, live streaks and the rejoin snapshot."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from quizwire import game as G
from quizwire.answers import submit_answer
from quizwire.leaderboard import rank_players
from quizwire.messages import AnswerMsg, SnapshotMsg, parse_message
from quizwire.names import name_key
from quizwire.players import JoinResult, ban, check_join, current_streak, join, kick, readmit
from quizwire.quiz import Question, Quiz
from quizwire.refusals import RefusalCode
from quizwire.snapshot import build_snapshot, player_view
from quizwire.state import CloseReason, GameOptions, GameState, PlayerState, PlayerStatus
from quizwire.tally import Tally

QUIZ = Quiz(
    title="Demo",
    questions=(
        Question("One?", ("a", "b"), 1),
        Question("Two?", ("a", "b", "c"), 2),
        Question("Three?", ("a", "b"), 0),
    ),
    ready_seconds=0,  # no get-ready phase: these tests answer as soon as a question opens
)


def lobby(**opts: Any) -> GameState:
    return G.new_game("G1", QUIZ, GameOptions(**opts), now_ms=0)


def do_join(
    g: GameState,
    name: str,
    taken: set[str] | None = None,
    existing: PlayerState | None = None,
    pid: str = "p1",
) -> JoinResult:
    return join(
        g,
        player_id=pid,
        name=name,
        taken=taken or set(),
        join_order=7,
        now_ms=55,
        existing=existing,
    )


def test_new_player_joins_with_a_clean_name() -> None:
    r = do_join(lobby(), "  Ada  ")
    assert r.ok and not r.rejoined
    assert r.player == PlayerState(player_id="p1", name="Ada", join_order=7, joined_at=55)


def test_name_refusals_map_to_codes() -> None:
    g = lobby()
    cases = {
        "": RefusalCode.NAME_EMPTY,
        "x" * 25: RefusalCode.NAME_TOO_LONG,
        "e\x1bvil": RefusalCode.NAME_BAD_CHAR,
        "ADA": RefusalCode.NAME_TAKEN,
    }
    for name, code in cases.items():
        r = do_join(g, name, {name_key("ada")})
        assert not r.ok and r.player is None
        assert r.refusal is not None and r.refusal.code is code and r.refusal.message


def test_rejoin_keeps_name_and_score_and_skips_the_name_check() -> None:
    g = G.start_game(lobby(late_join=False), 10).game
    me = PlayerState(player_id="p1", name="Ada", join_order=1, score=1234)
    r = do_join(g, "whatever", {name_key("Ada")}, existing=me)
    assert r.ok and r.rejoined and r.player == me


def test_late_join_allowed_by_default_and_closable() -> None:
    g = G.start_game(lobby(), 10).game
    assert do_join(g, "Late").ok
    closed = G.start_game(lobby(late_join=False), 10).game
    r = do_join(closed, "Late")
    assert r.refusal is not None and r.refusal.code is RefusalCode.LATE_JOIN_CLOSED


def test_nobody_joins_a_finished_game() -> None:
    g = G.end_game(lobby(), 5, podium=[]).game
    me = PlayerState(player_id="p1", name="Ada", join_order=1)
    for existing in (None, me):
        refusal = check_join(g, existing)
        assert refusal is not None and refusal.code is RefusalCode.GAME_OVER


def test_kick_ban_readmit() -> None:
    me = PlayerState(player_id="p1", name="Ada", join_order=1, score=10)
    kicked = kick(me)
    assert kicked.status is PlayerStatus.KICKED and kicked.seq == me.seq + 1
    refusal = check_join(lobby(), kicked)
    assert refusal is not None and refusal.code is RefusalCode.NOT_IN_GAME
    back = readmit(kicked)
    assert back.status is PlayerStatus.ACTIVE and back.score == 10
    banned = ban(me)
    refusal = check_join(lobby(), banned)
    assert refusal is not None and refusal.code is RefusalCode.BANNED
    assert readmit(banned) == banned  # a ban is permanent
    assert kick(banned) == banned


def test_current_streak_resets_after_a_missed_question() -> None:
    g = G.start_game(lobby(), 0).game  # q1 open
    me = PlayerState(player_id="p1", name="Ada", join_order=1)
    me = submit_answer(g, "p1", me, AnswerMsg(question_id="q1", choice=1), 1).player  # type: ignore[assignment]
    assert current_streak(me, g) == 1
    g = G.close_question(g, 2, reason=CloseReason.PRESENTER, tally=Tally.empty(0, 2)).game
    assert current_streak(me, g) == 1
    g = G.next_question(g, 3).game  # q2 open, not answered yet: streak still alive
    assert current_streak(me, g) == 1
    g = G.close_question(g, 4, reason=CloseReason.PRESENTER, tally=Tally.empty(1, 3)).game
    assert current_streak(me, g) == 0  # missed q2


def test_snapshot_while_open_hides_the_answer() -> None:
    g = G.start_game(lobby(), 100).game
    me = PlayerState(player_id="p1", name="Ada", join_order=1, score=0)
    snap = build_snapshot(
        g, 200, you=player_view(g, me, rank=1), standings=rank_players([me]), players=1
    )
    assert snap.seq == g.seq and snap.phase == "question_open"
    assert snap.question is not None and snap.question.question_id == "q1"
    assert snap.reveal is None
    assert snap.you is not None and (snap.you.answered, snap.you.choice) == (False, None)
    text = snap.to_json()
    assert '"correct"' not in text and '"answer"' not in text
    parsed = parse_message(text)
    assert isinstance(parsed, SnapshotMsg) and parsed == snap


def test_snapshot_after_close_includes_the_reveal() -> None:
    g = G.start_game(lobby(), 100).game
    me = submit_answer(
        g,
        "p1",
        PlayerState(player_id="p1", name="Ada", join_order=1),
        AnswerMsg(question_id="q1", choice=1),
        150,
    ).player
    assert me is not None
    g = G.close_question(g, 300, reason=CloseReason.ALL_ANSWERED, tally=Tally(0, (0, 1))).game
    snap = build_snapshot(
        g,
        400,
        you=player_view(g, me, rank=1),
        standings=rank_players([me]),
        players=1,
        tally=Tally(0, (0, 1)),
    )
    # the closed question is shown again (its text and choices: the answer is public now)
    assert snap.question is not None and snap.question.choices == ("a", "b")
    assert snap.reveal is not None and (snap.reveal.correct, snap.reveal.reason) == (
        1,
        "all_answered",
    )
    assert snap.you is not None and (snap.you.answered, snap.you.choice, snap.you.total) == (
        True,
        1,
        me.score,
    )
    assert [e.player_id for e in snap.leaderboard] == ["p1"]
    # a tally for another question is left out rather than mislabelled
    assert (
        build_snapshot(g, 400, you=None, standings=[], players=1, tally=Tally(1, (0, 0, 0))).reveal
        is None
    )


def test_snapshot_for_a_spectator_in_the_lobby() -> None:
    snap = build_snapshot(replace(lobby(), seq=3), 1, you=None, standings=[], players=4)
    assert (snap.phase, snap.index, snap.question, snap.you, snap.seq, snap.players) == (
        "lobby",
        -1,
        None,
        None,
        3,
        4,
    )


def test_snapshot_never_carries_a_reveal_while_the_question_is_open() -> None:
    g = G.start_game(lobby(), 100).game
    closed = G.close_question(g, 300, reason=CloseReason.PRESENTER, tally=Tally(0, (0, 1))).game
    stale = build_snapshot(
        closed, 400, you=None, standings=[], players=1, tally=Tally(0, (0, 1))
    ).reveal
    assert stale is not None
    reopened = G.next_question(closed, 500).game
    snap = build_snapshot(reopened, 600, you=None, standings=[], players=1, reveal=stale)
    assert snap.phase == "question_open" and snap.reveal is None


def test_snapshot_player_count_round_trips_and_defaults_for_older_backends() -> None:
    snap = build_snapshot(lobby(), 1, you=None, standings=[], players=7)
    parsed = parse_message(snap.to_json())
    assert isinstance(parsed, SnapshotMsg) and parsed.players == 7
    older = snap.to_dict()
    del older["players"]
    parsed = parse_message(older)
    assert isinstance(parsed, SnapshotMsg) and parsed.players == 0
