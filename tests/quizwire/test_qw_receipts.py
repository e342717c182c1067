"""The scores channel's messages, shared by stub and Lambdas: the receipt hides what the answer
earned until the reveal, and the result after it always sorts after its receipt."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from quizwire import game as G
from quizwire.answers import submit_answer
from quizwire.messages import AnswerMsg, SeqTracker
from quizwire.quiz import Question, Quiz
from quizwire.receipts import Shown, receipt, result_after_reveal
from quizwire.state import CloseReason, GameState, PlayerState
from quizwire.tally import Tally

QUIZ = Quiz(
    "T",
    (Question("One?", ("a", "b", "c"), 1, time_limit=20, points=1000),),
    ready_seconds=0,
)
T0 = 1_000_000


def open_game() -> GameState:
    return G.start_game(G.new_game("G1", QUIZ, None, now_ms=0), T0).game


def close(game: GameState) -> GameState:
    tally = Tally.empty(game.question_index, 3)
    return G.close_question(game, T0 + 1, reason=CloseReason.PRESENTER, tally=tally).game


def player(**changes: Any) -> PlayerState:
    return replace(PlayerState(player_id="p1", name="Ann", join_order=1), **changes)


def ans(choice: int) -> AnswerMsg:
    return AnswerMsg(question_id="q1", choice=choice)


def test_an_open_question_receipt_says_locked_in_and_shows_only_the_opening_standing() -> None:
    game = open_game()
    outcome = submit_answer(game, "p1", player(score=500, streak=2), ans(choice=1), T0 + 5_000)
    assert outcome.accepted and outcome.player is not None and outcome.player.score > 500
    told = receipt(game, outcome, T0 + 5_001, rank=1, shown=Shown(500, 2, 4))
    assert told.accepted and told.correct is None and (told.points, told.bonus) == (0, 0)
    assert (told.total, told.streak, told.rank) == (500, 2, 4)  # nothing it earned leaks
    assert told.seq == 2 * outcome.player.seq


def test_after_the_close_a_receipt_carries_the_rows_own_figures() -> None:
    game = close(open_game())
    outcome = submit_answer(game, "p1", player(), ans(choice=1), T0 + 5_000)
    assert not outcome.accepted and outcome.player is not None  # too late: a refusal
    told = receipt(game, outcome, T0 + 5_001, rank=3, shown=Shown(999, 9, 9))
    assert told.accepted is False and told.rank == 3 and told.total == outcome.player.score


def test_the_result_sorts_after_its_receipt_and_a_replayed_receipt_is_stale() -> None:
    game = open_game()
    outcome = submit_answer(game, "p1", player(), ans(choice=1), T0 + 5_000)
    assert outcome.player is not None
    first = receipt(game, outcome, T0, rank=None, shown=Shown(0, 0, None))
    result = result_after_reveal(close(game), outcome.player, 0, T0 + 9_000, rank=1)
    assert result.correct is True and result.points == outcome.player.last_points > 0
    assert result.total == outcome.player.score and result.rank == 1
    seen = SeqTracker()
    assert seen.accept("G1", "scores", first.seq) and seen.accept("G1", "scores", result.seq)
    assert not seen.accept("G1", "scores", first.seq)
