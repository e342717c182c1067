"""Answer validation, every refusal, and scoring through submit_answer."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizwire import game as G
from quizwire.answers import AnswerOutcome, refuse_malformed, submit_answer
from quizwire.messages import AnswerMsg, MessageError, ScoreMsg, parse_answer, parse_message
from quizwire.players import row_before_answer
from quizwire.quiz import Question, Quiz
from quizwire.refusals import RefusalCode
from quizwire.state import CloseReason, GameOptions, GameState, PlayerState, PlayerStatus
from quizwire.tally import Tally, tally_answers

QUIZ = Quiz(
    title="Demo",
    questions=(
        Question("One?", ("a", "b", "c", "d"), 1, time_limit=20, points=1000),
        Question("Two?", ("a", "b"), 0, time_limit=20, points=1000),
        Question("Three?", ("a", "b", "c"), 2, time_limit=20, points=1000),
        Question("Warm?", ("a", "b"), 0, time_limit=20, points=0),
    ),
    ready_seconds=0,  # no get-ready phase: these tests answer as soon as a question opens
)
T0 = 1_000_000


def open_game(options: GameOptions | None = None, index: int = 0) -> GameState:
    g = G.start_game(G.new_game("G1", QUIZ, options, now_ms=0), T0).game
    while g.question_index < index:
        g = G.close_question(
            g,
            g.opened_at + 1,
            reason=CloseReason.PRESENTER,
            tally=Tally.empty(g.question_index, len(g.question.choices)),  # type: ignore[union-attr]
        ).game
        g = G.next_question(g, g.closed_at + 1).game
    return g


def close(g: GameState) -> GameState:
    return G.close_question(
        g,
        g.opened_at + 1,
        reason=CloseReason.PRESENTER,
        tally=Tally.empty(g.question_index, len(g.question.choices)),  # type: ignore[union-attr]
    ).game


def player(**kw: object) -> PlayerState:
    base = PlayerState(player_id="p1", name="Ann", join_order=1)
    return replace(base, **kw)  # type: ignore[arg-type]


def ans(qid: str = "q1", choice: int = 1, **kw: object) -> AnswerMsg:
    return AnswerMsg(question_id=qid, choice=choice, **kw)  # type: ignore[arg-type]


def refused(outcome: AnswerOutcome, code: RefusalCode) -> None:
    assert not outcome.accepted
    assert outcome.refusal is not None
    assert outcome.refusal.code is code, outcome.refusal
    assert outcome.record is None and outcome.score is None
    assert outcome.refusal.message  # always something to show


def test_correct_fast_answer_is_accepted_and_scored() -> None:
    g = open_game()
    out = submit_answer(g, "p1", player(), ans(choice=1, sent_at=123), T0 + 5_000)
    assert out.accepted and out.refusal is None
    assert out.score is not None and out.score.correct
    assert out.score.total == 875  # round(1000 * (1 - (5/20)/2))
    p = out.player
    assert p is not None
    assert (p.score, p.streak, p.correct_count, p.correct_ms, p.answered_index, p.last_choice) == (
        875,
        1,
        1,
        5_000,
        0,
        1,
    )
    assert p.seq == 1
    rec = out.record
    assert rec is not None
    assert (rec.choice, rec.correct, rec.points, rec.elapsed_ms, rec.received_at, rec.sent_at) == (
        1,
        True,
        875,
        5_000,
        T0 + 5_000,
        123,
    )


def test_wrong_answer_scores_zero_and_resets_streak() -> None:
    g = open_game()
    out = submit_answer(g, "p1", player(streak=3, answered_index=-1), ans(choice=0), T0 + 1)
    assert out.accepted
    assert out.player is not None
    assert (
        out.player.score,
        out.player.streak,
        out.player.correct_count,
        out.player.correct_ms,
    ) == (0, 0, 0, 0)
    assert out.record is not None and not out.record.correct


def test_deadline_is_inclusive() -> None:
    g = open_game()
    assert submit_answer(g, "p1", player(), ans(), g.deadline).accepted
    out = submit_answer(g, "p1", player(), ans(), g.deadline + 1)
    refused(out, RefusalCode.TOO_LATE)
    assert "time was up" in out.refusal.message  # type: ignore[union-attr]


def test_answer_at_deadline_earns_half_points() -> None:
    out = submit_answer(open_game(), "p1", player(), ans(choice=1), T0 + 20_000)
    assert out.score is not None and out.score.total == 500


def test_speed_scoring_off_gives_flat_points() -> None:
    g = open_game(GameOptions(speed_scoring=False))
    out = submit_answer(g, "p1", player(), ans(choice=1), T0 + 19_000)
    assert out.score is not None and out.score.total == 1000


def test_points_override() -> None:
    g = open_game(GameOptions(points=2000, speed_scoring=False))
    out = submit_answer(g, "p1", player(), ans(choice=1), T0 + 1)
    assert out.score is not None and out.score.total == 2000


def test_streak_builds_across_questions_and_resets_on_a_skip() -> None:
    g = open_game(GameOptions(speed_scoring=False))
    p = player()
    out = submit_answer(g, "p1", p, ans("q1", 1), T0 + 1)
    p = out.player  # type: ignore[assignment]
    g = G.next_question(close(g), T0 + 10).game
    out = submit_answer(g, "p1", p, ans("q2", 0), g.opened_at + 1)
    assert out.score is not None and (out.score.streak, out.score.bonus, out.score.total) == (
        2,
        100,
        1100,
    )
    p = out.player  # type: ignore[assignment]
    assert p.score == 2100
    # skip question 3, answer question 4 (worth 0): streak restarts at 1
    g = G.next_question(close(g), T0 + 20).game
    g = G.next_question(close(g), T0 + 30).game
    out = submit_answer(g, "p1", p, ans("q4", 0), g.opened_at + 1)
    assert out.score is not None and (out.score.streak, out.score.total) == (1, 0)
    # a correct answer on a 0-point question does not add to the tie-break time
    assert out.player is not None and out.player.correct_ms == p.correct_ms


def test_streak_bonus_off() -> None:
    g = open_game(GameOptions(speed_scoring=False, streak_bonus=False), index=1)
    out = submit_answer(g, "p1", player(streak=4, answered_index=0), ans("q2", 0), g.opened_at + 1)
    assert out.score is not None and (out.score.bonus, out.score.total, out.score.streak) == (
        0,
        1000,
        5,
    )


def test_resend_is_a_duplicate_not_a_second_answer() -> None:
    g = open_game()
    first = submit_answer(g, "p1", player(), ans(choice=1), T0 + 2_000)
    p = first.player
    assert p is not None
    again = submit_answer(g, "p1", p, ans(choice=1), T0 + 3_000)
    refused(again, RefusalCode.DUPLICATE)
    assert again.player is not None
    assert again.player.score == p.score and again.player.seq == p.seq + 1
    msg = again.score_message("G1", T0 + 3_000, rank=1)
    # the duplicate repeats the original result
    assert (msg.accepted, msg.correct, msg.choice, msg.points, msg.total) == (
        False,
        True,
        1,
        p.last_points,
        p.score,
    )
    assert msg.refusal_code == "duplicate"


def test_different_second_answer_is_already_answered() -> None:
    g = open_game()
    p = submit_answer(g, "p1", player(), ans(choice=0), T0 + 2_000).player
    out = submit_answer(g, "p1", p, ans(choice=1), T0 + 3_000)
    refused(out, RefusalCode.ALREADY_ANSWERED)
    assert out.player is not None and out.player.score == 0  # the first (wrong) answer stands
    assert "only your first answer counts" in out.refusal.message  # type: ignore[union-attr]


def test_duplicate_detected_even_after_close() -> None:
    g = open_game()
    p = submit_answer(g, "p1", player(), ans(choice=1), T0 + 2_000).player
    refused(submit_answer(close(g), "p1", p, ans(choice=1), T0 + 50_000), RefusalCode.DUPLICATE)


def test_not_in_game() -> None:
    g = open_game()
    out = submit_answer(g, "stranger", None, ans(), T0)
    refused(out, RefusalCode.NOT_IN_GAME)
    assert out.player is None
    msg = out.score_message("G1", T0)
    assert (msg.player_id, msg.seq, msg.refusal_code) == ("stranger", 0, "not_in_game")
    for status in (PlayerStatus.KICKED, PlayerStatus.BANNED):
        out = submit_answer(g, "p1", player(status=status), ans(), T0)
        refused(out, RefusalCode.NOT_IN_GAME)
        assert "removed" in out.refusal.message  # type: ignore[union-attr]


def test_game_over() -> None:
    g = G.end_game(close(open_game()), T0 + 5, podium=[]).game
    refused(submit_answer(g, "p1", player(), ans(), T0 + 6), RefusalCode.GAME_OVER)


def test_not_open_in_the_lobby() -> None:
    g = G.new_game("G1", QUIZ, now_ms=0)
    refused(submit_answer(g, "p1", player(), ans(), 5), RefusalCode.NOT_OPEN)


def test_wrong_question() -> None:
    g = open_game()
    for qid in ("q9", "bogus", "q0"):
        out = submit_answer(g, "p1", player(), ans(qid), T0 + 1)
        refused(out, RefusalCode.WRONG_QUESTION)
        assert out.question_id is None and out.question_index is None
    out = submit_answer(g, "p1", player(), ans("q2"), T0 + 1)
    refused(out, RefusalCode.WRONG_QUESTION)
    assert "has not been asked yet" in out.refusal.message  # type: ignore[union-attr]
    out = submit_answer(g, "p1", player(), ans("q1", game_id="OTHER"), T0 + 1)
    refused(out, RefusalCode.WRONG_QUESTION)
    assert "different game" in out.refusal.message  # type: ignore[union-attr]


def test_too_late_for_an_earlier_question_or_after_close() -> None:
    g = open_game(index=1)
    refused(submit_answer(g, "p1", player(), ans("q1"), g.opened_at + 1), RefusalCode.TOO_LATE)
    out = submit_answer(close(g), "p1", player(), ans("q2", 0), g.opened_at + 2)
    refused(out, RefusalCode.TOO_LATE)
    assert "closed" in out.refusal.message  # type: ignore[union-attr]


def test_bad_choice() -> None:
    g = open_game(index=1)  # two choices
    out = submit_answer(g, "p1", player(), ans("q2", 3), g.opened_at + 1)
    refused(out, RefusalCode.BAD_CHOICE)
    assert out.refusal.message == "Choice D is not valid: question 2 has choices A-B."  # type: ignore[union-attr]


def test_refusals_do_not_change_the_score_but_bump_seq() -> None:
    g = open_game()
    p = player(score=500, streak=2, seq=7, answered_index=-1)
    out = submit_answer(g, "p1", p, ans("q2"), T0 + 1)
    assert out.player == replace(p, seq=8)


def test_malformed() -> None:
    p = player(seq=2)
    try:
        parse_answer('{"questionId": "q1", "choice": "B"}')
    except MessageError as err:
        out = refuse_malformed("p1", p, err)
    refused(out, RefusalCode.MALFORMED)
    assert "choice must be an integer" in out.refusal.message  # type: ignore[union-attr]
    assert out.player is not None and out.player.seq == 3


def test_foreign_player_row_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="is not player"):
        submit_answer(open_game(), "p2", player(), ans(), T0)


def test_score_messages_parse_back_and_are_well_formed() -> None:
    g = open_game()
    accepted = submit_answer(g, "p1", player(), ans(choice=1), T0 + 1)
    refusal = submit_answer(g, "p1", accepted.player, ans(choice=2), T0 + 2)
    for out, rank in ((accepted, 1), (refusal, None)):
        msg = out.score_message("G1", T0 + 3, rank)
        parsed = parse_message(msg.to_json())
        assert isinstance(parsed, ScoreMsg)
        assert parsed == msg
    m = accepted.score_message("G1", 9, 4)
    assert (m.accepted, m.correct, m.points, m.total, m.streak, m.rank, m.question_id, m.index) == (
        True,
        True,
        1000,
        1000,
        1,
        4,
        "q1",
        0,
    )
    r = refusal.score_message("G1", 9)
    assert (r.accepted, r.correct, r.points, r.refusal_code) == (False, None, 0, "already_answered")
    assert r.seq > m.seq


def test_tally_from_records() -> None:
    g = open_game()
    records = []
    for i, (choice, t) in enumerate(
        [(1, 3000), (1, 1000), (0, 500), (1, 2000), (1, 2000), (3, 10)]
    ):
        out = submit_answer(
            g,
            f"p{i}",
            PlayerState(player_id=f"p{i}", name=f"N{i}", join_order=i),
            ans(choice=choice),
            T0 + t,
        )
        assert out.record is not None
        records.append(out.record)
    tally = tally_answers(0, 4, records)
    assert tally.counts == (1, 4, 0, 1) and tally.answered == 6
    assert [(f.player_id, f.ms) for f in tally.fastest] == [
        ("p1", 1000),
        ("p3", 2000),
        ("p4", 2000),
    ]
    incremental = Tally.empty(0, 4)
    for r in records:
        incremental = incremental.add(r)
    assert incremental == tally
    with pytest.raises(ValueError, match="tally is for 1"):
        Tally.empty(1, 4).add(records[0])


# -- the row before an answer: what the room sees while the question is open ----------------------


@given(
    choices=st.lists(st.integers(min_value=0, max_value=1), min_size=1, max_size=3),
    delays=st.lists(st.integers(min_value=1, max_value=19_000), min_size=3, max_size=3),
    streak_bonus=st.booleans(),
)
def test_row_before_answer_rebuilds_the_row_exactly(
    choices: list[int], delays: list[int], streak_bonus: bool
) -> None:
    """Rebuilt from the stored row alone (as after a restart), the row before the last answer
    equals the row that really was there: equal ranks for an undecided tie, so nobody can tell
    who was right before the reveal."""
    options = GameOptions(streak_bonus=streak_bonus)
    p = player(score=300, streak=2, correct_count=2, correct_ms=4_000, answered_index=-1)
    g = open_game(options)
    for index, (choice, delay) in enumerate(zip(choices, delays, strict=False)):
        g = open_game(options, index)
        before = replace(p, seq=0)
        outcome = submit_answer(g, "p1", p, ans(f"q{index + 1}", choice), g.opened_at + delay)
        assert outcome.player is not None and outcome.refusal is None
        p = outcome.player
        rebuilt = row_before_answer(p, index)
        fields = ("score", "streak", "correct_count", "correct_ms")
        assert {f: getattr(rebuilt, f) for f in fields} == {f: getattr(before, f) for f in fields}
