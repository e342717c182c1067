"""The quiz format's question types: valid documents round-trip, problems name question and field."""

from __future__ import annotations

from typing import Any

import pytest

from quizwire.kinds import Kind
from quizwire.quiz import QuizError, loads_toml, parse_quiz, quiz_to_dict, quiz_to_toml

ALL_TYPES: dict[str, Any] = {
    "title": "All types",
    "questions": [
        {"text": "Plain", "choices": ["a", "b"], "answer": "B"},
        {"type": "truefalse", "text": "TF", "answer": False},
        {"type": "poll", "text": "Poll", "choices": ["x", "y", "z"]},
        {"type": "text", "text": "Text", "accept": ["Paris", "Paname"], "tolerance": 0.5},
        {"type": "order", "text": "Order", "items": ["a", "b", "c", "d"]},
        {
            "type": "number",
            "text": "Number",
            "min": -5,
            "max": 5.5,
            "answer": 0.25,
            "step": 0.25,
            "unit": "m",
            "tolerance": 0.25,
        },
        {
            "text": "Code",
            "choices": ["1", "2"],
            "answer": "A",
            "code": "\n\tfor i in range(1):\n\t\tprint(i)   \n\n",
            "language": "python",
        },
    ],
}


def test_every_type_parses_and_round_trips_through_toml_and_dicts() -> None:
    quiz = parse_quiz(ALL_TYPES)
    kinds = [q.kind for q in quiz.questions]
    assert kinds == [
        Kind.CHOICE,
        Kind.TRUEFALSE,
        Kind.POLL,
        Kind.TEXT,
        Kind.ORDER,
        Kind.NUMBER,
        Kind.CHOICE,
    ]
    tf, poll, text, order, number, code = quiz.questions[1:]
    assert tf.choices == ("True", "False") and tf.answer == 1
    assert poll.answer == -1 and poll.answer_letter == ""
    assert text.accept == ("Paris", "Paname") and text.tolerance == 0.5
    assert order.choices == ("a", "b", "c", "d") and order.public_choices != order.choices
    assert (number.low, number.high, number.target, number.step) == (-5, 5.5, 0.25, 0.25)
    assert code.code == "for i in range(1):\n    print(i)" and code.language == "python"
    assert parse_quiz(quiz_to_dict(quiz)) == quiz
    assert loads_toml(quiz_to_toml(quiz)) == quiz
    assert "type" not in quiz_to_dict(quiz)["questions"][0]  # a plain choice looks as before


def _problems(question: dict[str, Any]) -> str:
    with pytest.raises(QuizError) as info:
        parse_quiz({"title": "T", "questions": [question]})
    return str(info.value)


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        ({"type": "quiz", "text": "Q"}, "question 1: type must be one of choice, truefalse"),
        ({"type": "truefalse", "text": "Q", "answer": "A"}, "answer must be true or false"),
        (
            {"type": "truefalse", "text": "Q", "answer": True, "choices": ["a", "b"]},
            "unknown key 'choices'",
        ),
        (
            {"type": "poll", "text": "Q", "choices": ["a", "b"], "answer": "A"},
            "unknown key 'answer'",
        ),
        ({"type": "poll", "text": "Q", "choices": ["a"]}, "needs 2-6 choices, got 1"),
        ({"type": "text", "text": "Q"}, "accept is missing"),
        ({"type": "text", "text": "Q", "accept": []}, "accept must be a list of 1-10 strings"),
        (
            {"type": "text", "text": "Q", "accept": ["x" * 81]},
            "accept[0] is too long (81 characters, max 80)",
        ),
        (
            {"type": "text", "text": "Q", "accept": ["a"], "tolerance": -1},
            "tolerance must not be negative",
        ),
        ({"type": "order", "text": "Q", "items": ["a", "b"]}, "needs 3-6 items, got 2"),
        (
            {"type": "order", "text": "Q", "items": ["a", "b", "A"]},
            "duplicate item: C 'A' is the same as A",
        ),
        ({"type": "number", "text": "Q", "max": 1, "answer": 0}, "min is missing"),
        (
            {"type": "number", "text": "Q", "min": 5, "max": 1, "answer": 3},
            "min (5) must be below max (1)",
        ),
        (
            {"type": "number", "text": "Q", "min": 0, "max": 1, "answer": 3},
            "answer 3 is outside the range",
        ),
        (
            {"type": "number", "text": "Q", "min": 0, "max": 1, "answer": True},
            "answer must be a number, got boolean",
        ),
        (
            {"type": "number", "text": "Q", "min": 0, "max": 1, "answer": float("nan")},
            "answer must be a finite number",
        ),
        (
            {"type": "number", "text": "Q", "min": 0, "max": 1, "answer": 1, "step": 0},
            "step must be positive",
        ),
        ({"text": "Q", "choices": ["a", "b"], "answer": "A", "code": "x"}, "code needs a language"),
        (
            {"text": "Q", "choices": ["a", "b"], "answer": "A", "language": "c"},
            "language is given but code is missing",
        ),
        (
            {"text": "Q", "choices": ["a", "b"], "answer": "A", "code": "x", "language": "Py thon"},
            "language must be a short lower-case name",
        ),
        (
            {"text": "Q", "choices": ["a", "b"], "answer": "A", "code": "a\x1bb", "language": "c"},
            "code line 1 contains a control",
        ),
        (
            {"text": "Q", "choices": ["a", "b"], "answer": "A", "code": "x" * 77, "language": "c"},
            "code line 1 is too long (77 characters, max 76)",
        ),
        (
            {
                "text": "Q",
                "choices": ["a", "b"],
                "answer": "A",
                "code": "x\n" * 17,
                "language": "c",
            },
            "code has too many lines (17, max 16)",
        ),
    ],
)
def test_problems_name_the_question_and_the_field(question: dict[str, Any], problem: str) -> None:
    assert problem in _problems(question)
