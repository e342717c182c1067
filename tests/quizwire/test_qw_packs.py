"""Every bundled pack loads, validates and is worth playing."""

from __future__ import annotations

from importlib import resources

import pytest

from quizwire.kinds import Kind
from quizwire.packs import PackInfo, list_packs, load_pack, pack_names
from quizwire.quiz import LETTERS, QuizError, parse_quiz, quiz_to_dict

REQUIRED = {"aws-serverless", "general"}


def test_at_least_three_packs_including_the_required_ones() -> None:
    names = pack_names()
    assert set(names) >= REQUIRED
    assert len(names) >= 3


@pytest.mark.parametrize("name", pack_names())
def test_pack_validates_and_has_ten_good_questions(name: str) -> None:
    quiz = load_pack(name)
    assert len(quiz.questions) >= 10
    assert quiz.title and quiz.description
    # round-trips through the file format (so it is valid by the same validator)
    assert parse_quiz(quiz_to_dict(quiz), name) == quiz
    # answers are not all in the same position
    assert len({q.answer for q in quiz.questions}) >= 2


@pytest.mark.parametrize("name", pack_names())
def test_pack_file_documents_the_answer_convention(name: str) -> None:
    text = resources.files("quizwire.packs").joinpath(f"{name}.toml").read_text(encoding="utf-8")
    assert '`answer` is the LETTER of the correct choice: "A" = first choice' in text
    # every answer in the file is written as a letter
    answers = [
        line.split("=", 1)[1].strip() for line in text.splitlines() if line.startswith("answer")
    ]
    # (true/false and number questions answer with true/false or a number, not a string)
    assert answers and all(a.strip('"') in LETTERS for a in answers if a.startswith('"'))


def test_the_showcase_pack_has_every_question_type_and_code() -> None:
    quiz = load_pack("showcase")
    assert {q.kind for q in quiz.questions} == set(Kind)
    assert any(q.code and q.language for q in quiz.questions)


def test_list_packs_reports_names_titles_counts() -> None:
    packs = {p.name: p for p in list_packs()}
    assert isinstance(packs["general"], PackInfo)
    assert packs["general"].title == "General Knowledge"
    assert packs["aws-serverless"].count == len(load_pack("aws-serverless").questions)


def test_unknown_pack() -> None:
    with pytest.raises(QuizError, match="no such pack"):
        load_pack("nope")


def test_some_known_facts_are_keyed_correctly() -> None:
    def answer_of(pack: str, needle: str) -> str:
        for q in load_pack(pack).questions:
            if needle in q.text:
                return q.choices[q.answer]
        raise AssertionError(f"no question containing {needle!r}")

    assert answer_of("aws-serverless", "maximum timeout") == "15 minutes"
    assert answer_of("aws-serverless", "single Amazon DynamoDB item") == "400 KB"
    assert answer_of("aws-serverless", "throttling") == "429"
    assert answer_of("general", "capital of Australia") == "Canberra"
    assert answer_of("science", "atomic number 1") == "Hydrogen"
