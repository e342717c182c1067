"""The get-ready phase: a question is shown first, its choices open ``ready`` later, and only
then may it be answered; answers are timed from the opening and the deadline follows it."""

from __future__ import annotations

import pytest

from quizwire import game as G
from quizwire.answers import submit_answer
from quizwire.messages import AnswerMsg, QuestionMsg, parse_message
from quizwire.quiz import DEFAULT_READY_SECONDS, Question, Quiz, QuizError, loads_toml, quiz_to_dict
from quizwire.refusals import RefusalCode
from quizwire.state import CloseReason, GameOptions, GameState, OptionsError, PlayerState
from quizwire.tally import Tally

QUESTIONS = (
    Question("One?", ("a", "b", "c"), 1, time_limit=20, points=1000),
    Question("Two?", ("a", "b"), 0, time_limit=10, points=1000),
)
T0 = 1_000_000


def started(ready_seconds: int = 3, options: GameOptions | None = None) -> GameState:
    quiz = Quiz(title="Ready", questions=QUESTIONS, ready_seconds=ready_seconds)
    return G.start_game(G.new_game("G1", quiz, options, now_ms=0), T0).game


def answer(game: GameState, at: int, choice: int = 1) -> object:
    ann = PlayerState(player_id="p1", name="Ann", join_order=1)
    return submit_answer(game, "p1", ann, AnswerMsg(question_id="q1", choice=choice), at)


def test_the_default_get_ready_is_three_seconds() -> None:
    assert DEFAULT_READY_SECONDS == 3
    assert Quiz(title="T", questions=QUESTIONS).ready_seconds == 3


def test_choices_open_after_the_ready_phase_and_the_deadline_follows_them() -> None:
    step = G.start_game(G.new_game("G1", Quiz("T", QUESTIONS, ready_seconds=3), now_ms=0), T0)
    game = step.game
    assert game.opened_at == T0 + 3_000
    assert game.deadline == T0 + 3_000 + 20_000
    msg = step.announcements[1].message
    assert isinstance(msg, QuestionMsg)
    assert msg.ts == T0  # shown now
    q = msg.question
    assert (q.ready_ms, q.opens_at, q.deadline, q.duration_ms) == (
        3_000,
        T0 + 3_000,
        T0 + 23_000,
        20_000,
    )
    back = parse_message(msg.to_json())
    assert isinstance(back, QuestionMsg) and back.question == q


def test_an_answer_before_the_choices_open_is_refused_and_not_counted() -> None:
    game = started(3)
    early = answer(game, T0 + 2_999)
    assert early.refusal is not None  # type: ignore[attr-defined]
    assert early.refusal.code is RefusalCode.TOO_EARLY  # type: ignore[attr-defined]
    assert early.record is None and early.player.score == 0  # type: ignore[attr-defined]
    assert early.player.answered_index == -1  # type: ignore[attr-defined]  # may answer again


def test_answers_are_timed_from_the_opening_of_the_choices() -> None:
    game = started(3)
    at_open = answer(game, T0 + 3_000)
    assert at_open.score is not None and at_open.score.elapsed_ms == 0  # type: ignore[attr-defined]
    assert at_open.score.total == 1000  # type: ignore[attr-defined]
    # 5 s after the choices opened (8 s after the question was shown): 875 points, not 800
    later = answer(game, T0 + 8_000)
    assert later.score.elapsed_ms == 5_000 and later.score.total == 875  # type: ignore[attr-defined]


def test_deadline_close_is_refused_until_ready_plus_time_limit() -> None:
    game = started(3)
    tally = Tally.empty(0, 3)
    with pytest.raises(G.IllegalTransition):
        G.close_question(game, T0 + 20_000, reason=CloseReason.DEADLINE, tally=tally)
    assert G.due_close(game, T0 + 22_999, answered=0, connected=1) is None
    assert G.due_close(game, T0 + 23_000, answered=0, connected=1) is CloseReason.DEADLINE


def test_each_next_question_has_its_own_ready_phase() -> None:
    game = started(2)
    game = G.close_question(
        game, T0 + 5_000, reason=CloseReason.PRESENTER, tally=Tally.empty(0, 3)
    ).game
    step = G.next_question(game, T0 + 9_000)
    assert step.game.opened_at == T0 + 11_000 and step.game.deadline == T0 + 21_000


def test_the_game_option_overrides_the_quiz() -> None:
    game = started(3, GameOptions(ready_seconds=0))
    assert game.opened_at == T0 and game.ready_ms == 0
    assert answer(game, T0).refusal is None  # type: ignore[attr-defined]
    assert GameOptions.from_dict({"readySeconds": 5}).ready_seconds == 5
    for bad in (11, -1, True, "3"):
        with pytest.raises(OptionsError, match="readySeconds"):
            GameOptions.from_dict({"readySeconds": bad})


def test_the_quiz_file_sets_ready_seconds_and_round_trips() -> None:
    text = """title = "T"
[defaults]
ready_seconds = 0
[[questions]]
text = "Q?"
choices = ["a", "b"]
answer = "A"
"""
    quiz = loads_toml(text)
    assert quiz.ready_seconds == 0
    assert quiz_to_dict(quiz)["defaults"]["ready_seconds"] == 0
    with pytest.raises(QuizError, match="ready_seconds must be 0-10 seconds, got 11"):
        loads_toml(text.replace("ready_seconds = 0", "ready_seconds = 11"))


def test_a_question_message_without_ready_ms_parses_as_no_ready_phase() -> None:
    msg = G.start_game(G.new_game("G1", Quiz("T", QUESTIONS), now_ms=0), T0).announcements[1]
    data = msg.message.to_dict()
    del data["readyMs"]
    back = parse_message(data)
    assert isinstance(back, QuestionMsg) and back.question.ready_ms == 0
