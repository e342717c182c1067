"""Quiz file format and validator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quizwire.quiz import (
    DEFAULT_POINTS,
    DEFAULT_TIME_LIMIT,
    Question,
    QuizError,
    load_quiz_file,
    loads_json,
    loads_toml,
    parse_quiz,
    quiz_to_dict,
)

GOOD_TOML = """
title = "Demo"
description = "A demo quiz"

[defaults]
time_limit = 30
points = 2000

[[questions]]
text = "Pick B"
choices = ["one", "two", "three"]
answer = "B"

[[questions]]
text = "Pick a"
choices = ["yes", "no"]
answer = "a"
time_limit = 10
points = 0
"""


def _doc(**question: object) -> dict[str, object]:
    q: dict[str, object] = {"text": "Q?", "choices": ["x", "y"], "answer": "A"}
    q.update(question)
    return {"title": "T", "questions": [q]}


def _problems(data: object, source: str = "pack.toml") -> list[str]:
    with pytest.raises(QuizError) as info:
        parse_quiz(data, source)
    return info.value.problems


def test_toml_parses_with_defaults_and_overrides() -> None:
    quiz = loads_toml(GOOD_TOML, "demo.toml")
    assert quiz.title == "Demo"
    assert quiz.description == "A demo quiz"
    assert quiz.time_limit == 30 and quiz.points == 2000
    assert quiz.questions[0] == Question("Pick B", ("one", "two", "three"), 1, 30, 2000)
    assert quiz.questions[1] == Question("Pick a", ("yes", "no"), 0, 10, 0)
    assert quiz.questions[0].answer_letter == "B"


def test_built_in_defaults() -> None:
    quiz = parse_quiz(_doc())
    assert quiz.questions[0].time_limit == DEFAULT_TIME_LIMIT == 20
    assert quiz.questions[0].points == DEFAULT_POINTS == 1000


def test_json_has_the_same_structure() -> None:
    toml_quiz = loads_toml(GOOD_TOML)
    as_json = json.dumps(quiz_to_dict(toml_quiz))
    assert loads_json(as_json) == toml_quiz


def test_round_trip_through_dict() -> None:
    quiz = loads_toml(GOOD_TOML)
    assert parse_quiz(quiz_to_dict(quiz)) == quiz


def test_error_names_file_question_and_problem() -> None:
    problems = _problems(
        {
            "title": "T",
            "questions": [
                {"text": "ok", "choices": ["a", "b"], "answer": "A"},
                {"text": "ok2", "choices": ["a", "b"], "answer": "A"},
                {"text": "seven", "choices": list("abcdefg"), "answer": "A"},
            ],
        }
    )
    assert problems == ["pack.toml: question 3: needs 2-6 choices, got 7"]


def test_collects_all_problems_not_just_the_first() -> None:
    problems = _problems(
        {
            "title": "",
            "questions": [
                {"text": "", "choices": ["a"], "answer": "A"},
                {"text": "fine", "choices": ["a", "b"], "answer": "C"},
            ],
        }
    )
    assert "pack.toml: title is empty" in problems
    assert "pack.toml: question 1: text is empty" in problems
    assert "pack.toml: question 1: needs 2-6 choices, got 1" in problems
    assert any(p.startswith("pack.toml: question 2: answer 'C' is out of range") for p in problems)
    assert len(problems) == 4


def test_str_of_error_lists_every_problem() -> None:
    with pytest.raises(QuizError) as info:
        parse_quiz({"title": "", "questions": []}, "x.toml")
    assert str(info.value).splitlines() == info.value.problems
    assert len(info.value.problems) == 2


@pytest.mark.parametrize(
    ("choices", "dup"),
    [
        (["Paris", "paris"], "B 'paris' is the same as A"),
        (["Paris", "  Paris  "], "B 'Paris' is the same as A"),
        (["\uff21\uff22\uff23", "abc"], "B 'abc' is the same as A"),  # full-width ABC
    ],
)
def test_duplicate_choices_rejected(choices: list[str], dup: str) -> None:
    assert _problems(_doc(choices=choices)) == [f"pack.toml: question 1: duplicate choice: {dup}"]


def test_question_length_limit() -> None:
    parse_quiz(_doc(text="x" * 300))
    assert _problems(_doc(text="x" * 301)) == [
        "pack.toml: question 1: text is too long (301 characters, max 300)"
    ]


def test_choice_length_limit() -> None:
    parse_quiz(_doc(choices=["y" * 80, "z"]))
    assert _problems(_doc(choices=["y" * 81, "z"])) == [
        "pack.toml: question 1: choice A is too long (81 characters, max 80)"
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("evil\x1b[2Jclear", "U+001B"),
        ("two\nlines", "U+000A"),
        ("tab\there", "U+0009"),
        ("bidi\u202eevil", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("zero\u200bwidth", "U+200B (ZERO WIDTH SPACE)"),
        ("c1\x9bcsi", "U+009B"),
        ("del\x7f", "U+007F"),
    ],
)
def test_control_characters_rejected(text: str, shown: str) -> None:
    problems = _problems(_doc(text=text))
    assert len(problems) == 1
    assert problems[0].startswith(
        "pack.toml: question 1: text contains a control or invisible character"
    )
    assert shown in problems[0]


def test_control_characters_in_choices_rejected() -> None:
    problems = _problems(_doc(choices=["ok", "bad\x07"]))
    assert problems == [
        "pack.toml: question 1: choice B contains a control or invisible character U+0007 (control character)"
    ]


def test_unicode_spaces_become_plain_spaces_and_text_is_trimmed() -> None:
    quiz = parse_quiz(_doc(text="  100\u00a0km?  ", choices=["a\u3000b", "c"]))
    assert quiz.questions[0].text == "100 km?"
    assert quiz.questions[0].choices == ("a b", "c")


@pytest.mark.parametrize("answer", [1, 0, "1", "AB", "G", True, None])
def test_answer_must_be_a_letter(answer: object) -> None:
    doc = _doc(answer=answer)
    problems = _problems(doc)
    assert len(problems) == 1
    assert problems[0].startswith("pack.toml: question 1: answer ")
    if answer is None:
        assert "missing" in problems[0]
    else:
        assert 'must be a letter "A"-"F"' in problems[0]


def test_lowercase_letter_accepted() -> None:
    assert parse_quiz(_doc(answer="b")).questions[0].answer == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_limit", 4, "time_limit must be 5-120 seconds, got 4"),
        ("time_limit", 121, "time_limit must be 5-120 seconds, got 121"),
        ("time_limit", 12.5, "time_limit must be a whole number (5-120 seconds), got 12.5"),
        ("time_limit", "20", "time_limit must be a whole number (5-120 seconds), got '20'"),
        ("points", 500, "points must be 0, 1000 or 2000, got 500"),
        ("points", True, "points must be a whole number (0, 1000 or 2000), got boolean"),
    ],
)
def test_per_question_limits(field: str, value: object, message: str) -> None:
    assert _problems(_doc(**{field: value})) == [f"pack.toml: question 1: {message}"]


def test_time_limit_bounds_accepted() -> None:
    assert parse_quiz(_doc(time_limit=5)).questions[0].time_limit == 5
    assert parse_quiz(_doc(time_limit=120)).questions[0].time_limit == 120


def test_bad_defaults_reported() -> None:
    problems = _problems(
        {
            "title": "T",
            "defaults": {"points": 7, "speed": 1},
            "questions": [{"text": "q", "choices": ["a", "b"], "answer": "A"}],
        }
    )
    assert "pack.toml: defaults: points must be 0, 1000 or 2000, got 7" in problems
    assert any(p.startswith("pack.toml: defaults: unknown key 'speed'") for p in problems)


def test_unknown_keys_are_reported_as_typos() -> None:
    problems = _problems(_doc(time_limt=30))
    assert len(problems) == 1
    assert problems[0].startswith("pack.toml: question 1: unknown key 'time_limt'")


def test_missing_pieces() -> None:
    problems = _problems({"questions": [{"choices": ["a", "b"]}]})
    assert "pack.toml: title is missing" in problems
    assert "pack.toml: question 1: text is missing" in problems
    assert any("question 1: answer is missing" in p for p in problems)


def test_no_questions() -> None:
    assert _problems({"title": "T", "questions": []}) == [
        "pack.toml: no questions (add [[questions]] entries)"
    ]
    assert _problems({"title": "T"}) == ["pack.toml: no questions (add [[questions]] entries)"]


def test_wrong_types() -> None:
    assert _problems([1, 2]) == [
        "pack.toml: a quiz must be a table/object at the top level, got list"
    ]
    problems = _problems(
        {"title": 5, "questions": ["nope", {"text": "q", "choices": "ab", "answer": "A"}]}
    )
    assert "pack.toml: title must be a string, got integer" in problems
    assert (
        "pack.toml: question 1: must be a table with text, choices and answer, got string"
        in problems
    )
    assert "pack.toml: question 2: choices must be a list of strings, got string" in problems


def test_duplicate_question_text_reported() -> None:
    doc = {"title": "T", "questions": [_doc()["questions"][0], _doc()["questions"][0]]}  # type: ignore[index]
    assert _problems(doc) == ["pack.toml: question 2: same text as question 1"]


def test_invalid_toml_names_the_file() -> None:
    with pytest.raises(QuizError) as info:
        loads_toml('title = "x\n', "broken.toml")
    assert info.value.problems[0].startswith("broken.toml: invalid TOML:")


def test_invalid_json_names_the_file() -> None:
    with pytest.raises(QuizError) as info:
        loads_json("{nope", "broken.json")
    assert info.value.problems[0].startswith("broken.json: invalid JSON:")


def test_load_quiz_file(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    path.write_text(GOOD_TOML, encoding="utf-8")
    assert load_quiz_file(path).title == "Demo"
    jpath = tmp_path / "demo.json"
    jpath.write_text(json.dumps(quiz_to_dict(load_quiz_file(path))), encoding="utf-8")
    assert load_quiz_file(jpath) == load_quiz_file(path)


def test_load_quiz_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b'title = "\xff"')
    with pytest.raises(QuizError, match=r"^bad\.toml: not UTF-8"):
        load_quiz_file(bad)
    with pytest.raises(QuizError, match=r"^missing\.toml: cannot read file"):
        load_quiz_file(tmp_path / "missing.toml")
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('title = "T"\n[[questions]]\ntext = "q"\nchoices = ["a","a"]\nanswer = "A"\n')
    with pytest.raises(QuizError) as info:
        load_quiz_file(wrong)
    assert info.value.problems == [
        "wrong.toml: question 1: duplicate choice: B 'a' is the same as A"
    ]
