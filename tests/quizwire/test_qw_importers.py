"""Open Trivia DB and CSV importers, and the file/pack loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

import pytest

from quizwire.importers import OPENTDB_ATTRIBUTION, from_csv, from_opentdb, load_any
from quizwire.packs import load_pack_or_file
from quizwire.quiz import QuizError


class OpenTdbQuestion(TypedDict):
    type: str
    difficulty: str
    category: str
    question: str
    correct_answer: str
    incorrect_answers: list[str]


class OpenTdbResponse(TypedDict):
    response_code: int
    results: list[OpenTdbQuestion]


OPENTDB: OpenTdbResponse = {
    "response_code": 0,
    "results": [
        {
            "type": "multiple",
            "difficulty": "easy",
            "category": "Science &amp; Nature",
            "question": "What does &quot;DNA&quot; stand for?",
            "correct_answer": "Deoxyribonucleic acid",
            "incorrect_answers": [
                "Dinitrogen acid",
                "Ribonucleic &#039;acid&#039;",
                "Dynamic &lt;acid&gt;",
            ],
        },
        {
            "type": "boolean",
            "difficulty": "medium",
            "category": "Geography",
            "question": "Mount Everest is in the Himalayas.",
            "correct_answer": "True",
            "incorrect_answers": ["False"],
        },
        {
            "type": "boolean",
            "difficulty": "hard",
            "category": "Geography",
            "question": "The Sahara is the world&rsquo;s largest ocean.",
            "correct_answer": "False",
            "incorrect_answers": ["True"],
        },
    ],
}


def test_opentdb_unescapes_html_entities() -> None:
    quiz = from_opentdb(OPENTDB, seed=1)
    q = quiz.questions[0]
    assert q.text == 'What does "DNA" stand for?'
    assert set(q.choices) == {
        "Deoxyribonucleic acid",
        "Dinitrogen acid",
        "Ribonucleic 'acid'",
        "Dynamic <acid>",
    }
    assert q.choices[q.answer] == "Deoxyribonucleic acid"
    assert quiz.questions[2].text == "The Sahara is the world\u2019s largest ocean."


def test_opentdb_boolean_questions_are_true_then_false() -> None:
    quiz = from_opentdb(OPENTDB)
    assert quiz.questions[1].choices == ("True", "False")
    assert quiz.questions[1].answer == 0
    assert quiz.questions[2].choices == ("True", "False")
    assert quiz.questions[2].answer == 1


def test_opentdb_attribution_and_categories_in_description() -> None:
    quiz = from_opentdb(OPENTDB, title="Imported")
    assert quiz.title == "Imported"
    assert quiz.description.startswith("Science & Nature, Geography.")
    assert quiz.description.endswith(OPENTDB_ATTRIBUTION)


def test_opentdb_shuffle_is_deterministic_per_seed() -> None:
    many = {
        "response_code": 0,
        "results": [
            {
                "type": "multiple",
                "category": "c",
                "question": f"Question {i}",
                "correct_answer": "right",
                "incorrect_answers": ["w1", "w2", "w3"],
            }
            for i in range(12)
        ],
    }
    a = from_opentdb(many, seed=7)
    assert a == from_opentdb(json.dumps(many), seed=7)
    b = from_opentdb(many, seed=8)
    assert [q.choices for q in a.questions] != [q.choices for q in b.questions]
    # the correct answer is tracked through the shuffle and lands in different places
    assert all(q.choices[q.answer] == "right" for q in a.questions + b.questions)
    assert len({q.answer for q in a.questions}) > 1


def test_opentdb_error_codes_and_shapes() -> None:
    with pytest.raises(QuizError, match=r"response_code 1: no results"):
        from_opentdb({"response_code": 1, "results": []})
    with pytest.raises(QuizError, match=r"has no results"):
        from_opentdb({"response_code": 0, "results": []})
    with pytest.raises(QuizError, match=r"invalid JSON"):
        from_opentdb("{")
    bad = {
        "response_code": 0,
        "results": [{"type": "text", "question": "q"}, OPENTDB["results"][1]],
    }
    with pytest.raises(QuizError) as info:
        from_opentdb(bad, source="t.json")
    assert info.value.problems == ["t.json: question 1: incorrect_answers must be a list"]
    bad2 = {
        "response_code": 0,
        "results": [{"type": "text", "question": "q", "incorrect_answers": []}],
    }
    with pytest.raises(QuizError) as info:
        from_opentdb(bad2, source="t.json")
    assert info.value.problems == [
        "t.json: question 1: unsupported question type 'text' (multiple or boolean)"
    ]


def test_opentdb_validation_errors_keep_original_numbering() -> None:
    bad = dict(OPENTDB)
    results = [dict(r) for r in OPENTDB["results"]]
    results[0]["question"] = "x" * 400
    results[1]["type"] = "weird"
    bad["results"] = results
    with pytest.raises(QuizError) as info:
        from_opentdb(bad, source="t.json")
    assert info.value.problems == [
        "t.json: question 2: unsupported question type 'weird' (multiple or boolean)",
        "t.json: question 1: text is too long (400 characters, max 300)",
    ]


CSV_FULL = """question,choice_a,choice_b,choice_c,choice_d,choice_e,choice_f,answer,time_limit,points
"Capital of France?",Berlin,Paris,Rome,,,,B,30,2000
"Two plus two?",3,4,,,,,b,,
"""


def test_csv_with_all_columns() -> None:
    quiz = from_csv(CSV_FULL, source="capitals.csv")
    assert quiz.title == "Capitals"
    assert quiz.questions[0].choices == ("Berlin", "Paris", "Rome")
    assert quiz.questions[0].answer == 1
    assert (quiz.questions[0].time_limit, quiz.questions[0].points) == (30, 2000)
    assert (quiz.questions[1].time_limit, quiz.questions[1].points) == (20, 1000)


def test_csv_missing_optional_columns_are_allowed() -> None:
    text = "\ufeffQuestion, Choice_A ,choice_b,answer\nIs water wet?,Yes,No,A\nSky colour?,Blue,Green,a\n\n"
    quiz = from_csv(text, source="min.csv", title="Minimal")
    assert quiz.title == "Minimal"
    assert [q.choices for q in quiz.questions] == [("Yes", "No"), ("Blue", "Green")]
    assert [q.answer for q in quiz.questions] == [0, 0]


def test_csv_errors_name_question_and_line() -> None:
    text = (
        "question,choice_a,choice_b,choice_c,choice_d,answer,time_limit\n"
        "ok?,a,b,,,A,\n"
        "bad answer?,a,b,,,1,\n"
        "gap?,a,b,,d,A,\n"
        "slow?,a,b,,,A,soon\n"
    )
    with pytest.raises(QuizError) as info:
        from_csv(text, source="quiz.csv")
    problems = info.value.problems
    assert "quiz.csv: question 3 (line 4): choice_c is empty but choice_d is not" in problems
    assert any(
        p.startswith("quiz.csv: question 2 (line 3): answer must be a letter") for p in problems
    )
    assert (
        "quiz.csv: question 4 (line 5): time_limit must be a whole number (5-120 seconds), got 'soon'"
        in problems
    )
    assert len(problems) == 3


def test_csv_multiline_cell_line_numbers() -> None:
    text = 'question,choice_a,choice_b,answer\n"long\nquestion?",a,b,Z\n'
    with pytest.raises(QuizError) as info:
        from_csv(text, source="m.csv")
    # the record spans lines 2-3; the newline inside the question is also refused
    assert any(
        p.startswith("m.csv: question 1 (line 3): text contains a control")
        for p in info.value.problems
    )
    assert any(
        p.startswith("m.csv: question 1 (line 3): answer must be a letter")
        for p in info.value.problems
    )


def test_csv_header_problems() -> None:
    with pytest.raises(QuizError) as info:
        from_csv("question,choice_a,colour,answer\n", source="h.csv")
    assert info.value.problems[0].startswith("h.csv: line 1: unknown column(s) 'colour'")
    assert info.value.problems[1] == "h.csv: line 1: missing required column(s) choice_b"
    with pytest.raises(QuizError, match=r"^e\.csv: empty file"):
        from_csv("", source="e.csv")
    with pytest.raises(QuizError, match=r"duplicate column\(s\) choice_a"):
        from_csv("question,choice_a,choice_a,choice_b,answer\n", source="d.csv")


def test_csv_too_many_cells() -> None:
    with pytest.raises(QuizError) as info:
        from_csv("question,choice_a,choice_b,answer\nq,a,b,A,extra\n", source="x.csv")
    assert info.value.problems == [
        "x.csv: question 1 (line 2): 5 cells but the header has 4 columns"
    ]


def test_load_any_picks_format(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(CSV_FULL, encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(OPENTDB), encoding="utf-8")
    (tmp_path / "c.json").write_text(
        json.dumps(
            {"title": "C", "questions": [{"text": "q", "choices": ["a", "b"], "answer": "B"}]}
        ),
        encoding="utf-8",
    )
    (tmp_path / "d.txt").write_text("nope", encoding="utf-8")
    assert len(load_any(tmp_path / "a.csv").questions) == 2
    assert load_any(tmp_path / "b.json").description.endswith(OPENTDB_ATTRIBUTION)
    assert load_any(tmp_path / "c.json").questions[0].answer == 1
    with pytest.raises(QuizError, match=r"unsupported file type \.txt"):
        load_any(tmp_path / "d.txt")


def test_load_pack_or_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_pack_or_file("general").title == "General Knowledge"
    path = tmp_path / "mine.csv"
    path.write_text(CSV_FULL, encoding="utf-8")
    assert load_pack_or_file(str(path)).title == "Mine"
    # an existing file wins over a pack of the same name
    monkeypatch.chdir(tmp_path)
    (tmp_path / "general").write_text("x", encoding="utf-8")
    with pytest.raises(QuizError, match="unsupported file type"):
        load_pack_or_file("general")
    with pytest.raises(QuizError) as info:
        load_pack_or_file("no-such-thing")
    assert "no such file or pack" in str(info.value)
    assert "aws-serverless" in str(info.value)
