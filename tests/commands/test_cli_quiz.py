"""``quizwire quiz validate|import|list`` and ``game create`` with a bad quiz: what a person
typing them reads, and files written only when asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commands.cli import main
from quizwire.importers import load_any
from quizwire.packs import load_pack, pack_names
from quizwire.quiz import load_quiz_file, loads_toml, quiz_to_toml

CSV = 'question,choice_a,choice_b,choice_c,answer\n"Say ""hi"" [b]x[/b]",3,4,5,B\nFrance?,Paris,Rome,,A\n'
OTDB = {
    "response_code": 0,
    "results": [
        {
            "type": "multiple",
            "difficulty": "easy",
            "category": "Science",
            "question": "What &quot;is&quot; H2O?",
            "correct_answer": "Water",
            "incorrect_answers": ["Salt", "Air", "Fire"],
        }
    ],
}


@pytest.mark.parametrize("name", pack_names())
def test_every_pack_survives_a_toml_round_trip(name: str) -> None:
    quiz = load_pack(name)
    assert loads_toml(quiz_to_toml(quiz), f"{name}.toml") == quiz


def test_import_csv_writes_a_valid_toml_next_to_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "my quiz.csv"
    src.write_text(CSV, encoding="utf-8")
    assert main(["quiz", "import", str(src), "--title", "Maths & more"]) == 0
    out = tmp_path / "my quiz.toml"
    assert "2 questions" in capsys.readouterr().out
    quiz = load_quiz_file(out)
    assert quiz.title == "Maths & more"
    assert quiz.questions[0].text == 'Say "hi" [b]x[/b]'  # markup kept as plain text
    assert load_any(src).questions == quiz.questions
    assert main(["quiz", "validate", str(out)]) == 0


def test_import_never_overwrites_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "q.csv"
    src.write_text(CSV, encoding="utf-8")
    out = tmp_path / "q.toml"
    out.write_text("precious", encoding="utf-8")
    assert main(["quiz", "import", str(src)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "precious"
    assert main(["quiz", "import", str(src), "--force"]) == 0
    assert load_quiz_file(out).questions[1].text == "France?"


def test_import_open_trivia_db_to_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "otdb.json"
    src.write_text(json.dumps(OTDB), encoding="utf-8")
    assert main(["quiz", "import", str(src), "-o", "-", "--title", "Science night"]) == 0
    quiz = loads_toml(capsys.readouterr().out)
    assert quiz.title == "Science night"
    question = quiz.questions[0]
    assert question.text == 'What "is" H2O?'
    assert question.choices[question.answer] == "Water"
    assert not (tmp_path / "otdb.toml").exists()


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        ("question,choice_a\nx,y\n", "bad.csv", "missing required column"),
        ("{not json", "bad.json", "invalid JSON"),
        ("title='x'", "quiz.toml", "import reads .json"),
    ],
)
def test_import_refuses_bad_files_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, name: str, expected: str
) -> None:
    src = tmp_path / name
    src.write_text(content, encoding="utf-8")
    assert main(["quiz", "import", str(src)]) == 1
    assert expected in capsys.readouterr().err
    assert not src.with_suffix(".toml").exists() or name.endswith(".toml")


def test_import_refuses_a_title_the_quiz_rules_refuse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "q.csv"
    src.write_text(CSV, encoding="utf-8")
    assert main(["quiz", "import", str(src), "--title", "\x1b[2Jboom"]) == 1
    assert "title" in capsys.readouterr().err
    assert not (tmp_path / "q.toml").exists()


def test_game_create_names_the_packs_for_an_unknown_quiz() -> None:
    from commands.game import _load_quiz_file

    problem = _load_quiz_file("nosuchpack")
    assert isinstance(problem, str)
    assert "no such quiz file or bundled pack" in problem
    assert all(name in problem for name in pack_names())


def test_toml_strings_survive_every_character_toml_must_escape() -> None:
    """Built directly (the quiz rules would refuse control characters): quotes, backslashes,
    tabs, newlines, NUL, ESC and DEL all come back from a real TOML parser unchanged."""
    import tomllib

    from quizwire.quiz import Question, Quiz

    nasty = 'a "q" \\ back\ttab\nline\x00nul\x1besc\x7fdel é ✓'
    quiz = Quiz(title=nasty, questions=(Question(nasty, (nasty, "b"), 0),))
    doc = tomllib.loads(quiz_to_toml(quiz))
    assert doc["title"] == nasty
    assert doc["questions"][0]["text"] == nasty
    assert doc["questions"][0]["choices"] == [nasty, "b"]


def test_one_question_is_one_question(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "one.json"
    src.write_text(json.dumps(OTDB), encoding="utf-8")
    assert main(["quiz", "import", str(src)]) == 0
    assert main(["quiz", "validate", str(tmp_path / "one.toml")]) == 0
    out = capsys.readouterr().out
    assert out.count("1 question,") == 1 and "1 questions" not in out
    assert "'One'" in out


def test_quiz_list_says_the_packs_are_for_practice(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quiz", "list"]) == 0
    out, err = capsys.readouterr()
    assert [line.split()[0] for line in out.splitlines()] == pack_names()  # stdout: the list
    assert "Bundled packs are for practice" in err and "quizwire quiz import" in err
