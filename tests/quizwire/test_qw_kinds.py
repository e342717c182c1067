"""The question types' rules: folding, judging, order and number scoring, payload refusals."""

from __future__ import annotations

import itertools
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizwire.answers import submit_answer
from quizwire.game import close_question, new_game, next_question, start_game
from quizwire.judge import BadAnswer, Judged, judge
from quizwire.kinds import (
    MAX_TEXT_ANSWER,
    NUMBER_BUCKETS,
    Kind,
    bucket_edges,
    clean_typed,
    fold_answer,
    judge_text,
    number_bucket,
    number_fraction,
    order_fraction,
    shown_order,
    solution_order,
)
from quizwire.messages import AnswerMsg, MessageError, parse_answer
from quizwire.quiz import Question, parse_quiz
from quizwire.scoring import score_graded, score_poll
from quizwire.state import CloseReason, GameState, PlayerState
from quizwire.tally import Tally

TEXTS = st.text(max_size=40)
LIMIT = 20_000


# -- text ----------------------------------------------------------------------------------------


@given(TEXTS)
def test_folding_is_idempotent(text: str) -> None:
    assert fold_answer(fold_answer(text)) == fold_answer(text)


@given(TEXTS)
def test_cleaning_is_idempotent_and_never_keeps_controls(text: str) -> None:
    cleaned = clean_typed(text)
    assert clean_typed(cleaned) == cleaned
    assert all(ch == " " or ch.isprintable() for ch in cleaned)
    assert len(cleaned) <= len(text)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=20))
def test_case_accents_and_spaces_do_not_matter(word: str) -> None:
    if not word.strip():
        return
    variant = "  " + word.upper().replace("E", "É").replace(" ", "   ") + "\t"
    assert judge_text(clean_typed(variant), [word], None)


@pytest.mark.parametrize(
    ("answer", "accept", "tolerance", "right"),
    [
        ("paris", ["Paris"], None, True),
        ("Pa ris", ["Paris"], None, False),
        ("São Paulo", ["Sao Paulo"], None, True),
        ("STRASSE", ["straße"], None, True),
        ("3.15", ["3.14"], 0.01, True),
        ("3,14", ["3.14"], 0, True),
        ("3.2", ["3.14"], 0.01, False),
        ("3.2", ["3.14"], None, False),
        ("pi", ["3.14"], 1, False),
        ("", ["x"], None, False),
    ],
)
def test_text_judging_examples(
    answer: str, accept: list[str], tolerance: float | None, right: bool
) -> None:
    assert judge_text(answer, accept, tolerance) is right


# -- order ---------------------------------------------------------------------------------------


@given(st.integers(min_value=3, max_value=6), st.text(max_size=30))
def test_items_are_shown_shuffled_deterministically_never_in_order(n: int, seed: str) -> None:
    items = [f"item {i}" for i in range(n)]
    shown = shown_order(items, seed)
    assert shown == shown_order(items, seed)
    assert sorted(shown) == list(range(n)) and list(shown) != list(range(n))
    solution = solution_order(shown)
    assert [shown[p] for p in solution] == list(range(n))  # the solution lists the items in order


@given(st.integers(min_value=3, max_value=6).flatmap(lambda n: st.permutations(range(n))))
def test_exact_order_is_full_and_no_permutation_beats_it(solution: list[int]) -> None:
    assert order_fraction(solution, solution) == 1
    for other in itertools.permutations(range(len(solution))):
        if list(other) != list(solution):
            assert order_fraction(other, solution) <= Fraction(len(solution) - 2, len(solution))


@given(
    st.integers(min_value=3, max_value=6).flatmap(
        lambda n: st.tuples(st.permutations(range(n)), st.permutations(range(n)))
    ),
    st.integers(min_value=0, max_value=LIMIT),
)
def test_an_order_scores_at_most_the_exact_order(
    orders: tuple[list[int], list[int]], t: int
) -> None:
    answer, solution = orders
    exact = score_graded(
        fraction=Fraction(1), points=1000, elapsed_ms=t, limit_ms=LIMIT, previous_streak=0
    )
    mine = score_graded(
        fraction=order_fraction(answer, solution),
        points=1000,
        elapsed_ms=t,
        limit_ms=LIMIT,
        previous_streak=0,
    )
    assert mine.total <= exact.total
    assert mine.correct is (answer == solution)


# -- number --------------------------------------------------------------------------------------

FINITE = st.floats(min_value=-1000, max_value=1000, allow_nan=False)


@given(FINITE, FINITE, FINITE, st.floats(min_value=0, max_value=10))
def test_number_score_never_grows_with_the_distance(
    a: float, b: float, target: float, tol: float
) -> None:
    low, high = -1000.0, 1000.0
    near, far = sorted((a, b), key=lambda v: abs(Fraction(v) - Fraction(target)))
    assert number_fraction(near, target, low, high, tol) >= number_fraction(
        far, target, low, high, tol
    )
    assert 0 <= number_fraction(far, target, low, high, tol) <= 1


@given(FINITE)
def test_the_answer_itself_scores_full_and_lands_in_a_bucket(target: float) -> None:
    assert number_fraction(target, target, -1000, 1000, 0) == 1
    assert 0 <= number_bucket(target, -1000, 1000) < NUMBER_BUCKETS


def test_number_examples() -> None:
    assert number_fraction(50, 42, 0, 100, 0) == Fraction(84, 100)
    assert number_fraction(92, 42, 0, 100, 0) == 0  # half the range away
    assert number_fraction(43, 42, 0, 100, 1) == 1  # within tolerance
    assert [number_bucket(v, 0, 60) for v in (0, 9.99, 10, 59, 60)] == [0, 0, 1, 5, 5]


# -- poll ----------------------------------------------------------------------------------------


@given(st.integers(min_value=-10, max_value=LIMIT + 10), st.integers(min_value=0, max_value=9))
def test_a_poll_never_scores_and_keeps_the_streak(t: int, streak: int) -> None:
    result = score_poll(elapsed_ms=t, limit_ms=LIMIT, previous_streak=streak)
    assert result.total == 0 and result.correct is False and result.streak == streak


# -- judging whole answers -----------------------------------------------------------------------

QUIZ = parse_quiz(
    {
        "title": "Types",
        "defaults": {"ready_seconds": 0},
        "questions": [
            {"type": "truefalse", "text": "Water is wet", "answer": False},
            {"type": "poll", "text": "Best colour", "choices": ["Red", "Blue"]},
            {"type": "text", "text": "Say hi", "accept": ["hello", "hi"]},
            {"type": "order", "text": "Count", "items": ["1", "2", "3"]},
            {"type": "number", "text": "Guess", "min": 1, "max": 10, "answer": 7},
        ],
    }
)
TF, POLL, TEXT, ORDER, NUMBER = QUIZ.questions


@pytest.mark.parametrize(
    ("question", "answer", "message"),
    [
        (
            TF,
            AnswerMsg(question_id="q1", choice=2),
            "Choice C is not valid: question 1 has choices A-B.",
        ),
        (
            TF,
            AnswerMsg(question_id="q1", text="True"),
            "Question 1 takes a choice answer, not a text one.",
        ),
        (
            TEXT,
            AnswerMsg(question_id="q1", choice=0),
            "Question 1 takes a text answer, not a choice one.",
        ),
        (
            TEXT,
            AnswerMsg(question_id="q1", text="\x1b\x00 "),
            "Your answer is empty: type a few words.",
        ),
        (
            TEXT,
            AnswerMsg(question_id="q1", text="y" * (MAX_TEXT_ANSWER + 1)),
            "Your answer is too long (81 characters, max 80).",
        ),
        (
            ORDER,
            AnswerMsg(question_id="q1", order=(0, 1)),
            "Question 1 needs all 3 items in an order, each once (positions 1-3).",
        ),
        (ORDER, AnswerMsg(question_id="q1", order=(0, 1, 1)), "each once"),
        (
            NUMBER,
            AnswerMsg(question_id="q1", number=10.5),
            "Question 1 takes a number from 1 to 10.",
        ),
    ],
)
def test_answers_that_do_not_fit_are_refused_clearly(
    question: Question, answer: AnswerMsg, message: str
) -> None:
    verdict = judge(question, answer, 1)
    assert isinstance(verdict, BadAnswer) and message in verdict.message


def test_a_typed_answer_is_kept_literally_with_controls_stripped() -> None:
    verdict = judge(TEXT, AnswerMsg(question_id="q3", text=" [b]Hi[/b]\x1b[2J  there "), 3)
    assert verdict == Judged(1, "[b]Hi[/b][2J there", Fraction(0))
    assert judge(TEXT, AnswerMsg(question_id="q3", text="HI"), 3) == Judged(0, "HI", Fraction(1))


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"questionId": "q1", "choice": 1, "text": "x"}, "got choice, text"),
        ({"questionId": "q1", "number": "7"}, "number must be a number"),
        ({"questionId": "q1", "number": 1e300}, "finite number of sensible size"),
        ({"questionId": "q1", "order": [0, "1"]}, "order[1] must be an integer"),
        ({"questionId": "q1", "order": list(range(7))}, "order must have 1-6 items"),
        ({"questionId": "q1", "text": "x" * 400}, "text is too long"),
        ({"questionId": "q1", "text": 5}, "text must be a string"),
    ],
)
def test_malformed_typed_payloads_are_refused(payload: dict[str, object], error: str) -> None:
    with pytest.raises(MessageError, match=error.replace("[", r"\[").replace("]", r"\]")):
        parse_answer(payload)


def test_typed_payloads_parse() -> None:
    assert parse_answer({"questionId": "q1", "number": 7.5}).number == 7.5
    assert parse_answer({"questionId": "q1", "order": [2, 0, 1]}).order == (2, 0, 1)
    assert parse_answer({"questionId": "q1", "text": "a\x1bb"}).text == "a\x1bb"  # cleaned later


def _open_game(index: int) -> GameState:
    """The game with question ``index`` (0-based) open."""
    game = start_game(new_game("G1", QUIZ, now_ms=0), 1000).game
    for _ in range(index):
        closed = close_question(game, 1500, reason=CloseReason.PRESENTER, tally=_empty(game))
        game = next_question(closed.game, 2000).game
    return game


def _empty(game: GameState) -> Tally:
    question = game.question
    assert question is not None
    return Tally.empty(game.question_index, question.tally_size)


def test_a_resent_typed_answer_is_a_duplicate_and_another_is_not() -> None:
    game = _open_game(2)
    player = PlayerState(player_id="p1", name="Amy", join_order=1)
    at = game.opened_at + 100
    first = submit_answer(game, "p1", player, AnswerMsg(question_id="q3", text="Hello "), at)
    assert first.accepted and first.record is not None and first.record.value == "Hello"
    assert first.player is not None and first.player.last_value == "Hello"
    again = submit_answer(game, "p1", first.player, AnswerMsg(question_id="q3", text="Hello"), at)
    assert again.refusal is not None and again.refusal.code.value == "duplicate"
    score = again.score_message("G1", at)
    assert score.value == "Hello" and score.choice is None  # repeats the typed answer
    other = submit_answer(game, "p1", first.player, AnswerMsg(question_id="q3", text="hi"), at)
    assert other.refusal is not None and other.refusal.code.value == "already_answered"


def test_the_reveal_of_each_type_carries_its_solution() -> None:
    game = _open_game(3)
    reveal = close_question(
        game, game.opened_at + 5, reason=CloseReason.PRESENTER, tally=_empty(game)
    )
    closed = reveal.announcements[0].message.to_dict()
    assert closed["kind"] == "order" and closed["order"] == list(ORDER.solution)
    assert closed["correct"] is None and closed["counts"] == [0, 0, 0]
    assert replace(ORDER, kind=Kind.ORDER).public_choices != ORDER.choices


def test_bucket_edges_read_as_people_write_them() -> None:
    assert bucket_edges(1950, 2000) == ["1950", "1958", "1967", "1975", "1983", "1992", "2000"]
    assert bucket_edges(0, 1) == ["0", "0.17", "0.33", "0.5", "0.67", "0.83", "1"]
