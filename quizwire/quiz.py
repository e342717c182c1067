"""Quiz model, quiz file format and validator (stdlib only).

Quiz file format (TOML; the same structure works as JSON)::

    title = "AWS Serverless"              # required, 1-80 characters
    description = "Optional blurb"         # optional, up to 500 characters
    teams = ["Owls", "Foxes", "Otters"]    # optional: team mode, 2-8 names (quizwire.teams)

    [defaults]                             # optional table
    time_limit = 20                        # seconds, 5-120 (default 20)
    points = 1000                          # 0, 1000 or 2000 (default 1000)
    ready_seconds = 3                      # get-ready before the choices open, 0-10 (default 3)

    [[questions]]                          # 1-200 questions
    text = "Which service runs code without servers?"   # 1-300 characters
    choices = ["Amazon EC2", "AWS Lambda", "Amazon S3"]  # 2-6 distinct choices, 1-80 characters each
    answer = "B"                           # LETTER of the correct choice: "A" = first choice
    time_limit = 30                        # optional per-question override, 5-120 s
    points = 2000                          # optional per-question override: 0, 1000 or 2000
    timer = false                          # optional: no time limit (open until the host reveals)

A question with ``timer = false`` has no countdown: it stays open until the host reveals it (or
everyone has answered) and scores without a speed part (see :mod:`quizwire.scoring`).

**The answer convention is a letter**, ``"A"`` for the first choice through ``"F"`` for the sixth
(lower case accepted), exactly as choices are labelled on screen. Numbers are refused on purpose:
a ``1`` could mean the first or the second choice. In memory, :attr:`Question.answer` is the
0-based index of the correct choice (``"A"`` -> 0).

Text must be a single line of printable characters: control characters (newlines, tabs, ESC ...),
bidi overrides and zero-width characters are refused; non-breaking and other Unicode spaces are
turned into plain spaces; leading/trailing spaces are trimmed. Choices of a question must differ
after case folding and Unicode (NFKC) normalisation. Unknown keys are reported (they are usually
typos, e.g. ``time_limt``).

:func:`parse_quiz` collects *every* problem and raises one :class:`QuizError` listing them all,
each naming the file and the question, e.g. ``pack.toml: question 3: needs 2-6 choices, got 7``.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizwire.teams import team_names_problems
from quizwire.text import describe_char, fold, normalize_spaces, unsafe_char

__all__ = [
    "ALLOWED_POINTS",
    "DEFAULT_POINTS",
    "DEFAULT_READY_SECONDS",
    "DEFAULT_TIME_LIMIT",
    "LETTERS",
    "MAX_CHOICES",
    "MAX_CHOICE_LEN",
    "MAX_DESCRIPTION_LEN",
    "MAX_QUESTIONS",
    "MAX_QUESTION_LEN",
    "MAX_READY_SECONDS",
    "MAX_TIME_LIMIT",
    "MAX_TITLE_LEN",
    "MIN_CHOICES",
    "MIN_TIME_LIMIT",
    "Question",
    "Quiz",
    "QuizError",
    "letter",
    "load_quiz_file",
    "loads_json",
    "loads_toml",
    "parse_quiz",
    "quiz_to_dict",
    "quiz_to_toml",
    "ready_seconds_problem",
]

DEFAULT_TIME_LIMIT = 20
DEFAULT_POINTS = 1000
#: the get-ready phase: the question is shown this long before its choices open
DEFAULT_READY_SECONDS = 3
MAX_READY_SECONDS = 10
MIN_TIME_LIMIT = 5
MAX_TIME_LIMIT = 120
ALLOWED_POINTS: tuple[int, ...] = (0, 1000, 2000)
MIN_CHOICES = 2
MAX_CHOICES = 6
MAX_QUESTION_LEN = 300
MAX_CHOICE_LEN = 80
MAX_TITLE_LEN = 80
MAX_DESCRIPTION_LEN = 500
MAX_QUESTIONS = 200
LETTERS = "ABCDEF"

_TOP_KEYS = frozenset({"title", "description", "defaults", "questions", "teams"})
_DEFAULT_KEYS = frozenset({"time_limit", "points", "ready_seconds"})
_QUESTION_KEYS = frozenset({"text", "choices", "answer", "time_limit", "points", "timer"})


class QuizError(ValueError):
    """A quiz could not be loaded. ``problems`` lists every problem, one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems: list[str] = list(problems)
        super().__init__("\n".join(self.problems) if self.problems else "invalid quiz")


@dataclass(frozen=True, slots=True)
class Question:
    """One multiple-choice question. ``answer`` is the 0-based index of the correct choice.

    ``time_limit`` (seconds) and ``points`` are the effective values after quiz defaults;
    ``timed`` False: no time limit (the file's ``timer = false``).
    """

    text: str
    choices: tuple[str, ...]
    answer: int
    time_limit: int = DEFAULT_TIME_LIMIT
    points: int = DEFAULT_POINTS
    timed: bool = True

    @property
    def answer_letter(self) -> str:
        return LETTERS[self.answer]


@dataclass(frozen=True, slots=True)
class Quiz:
    """A validated quiz. Build it with :func:`parse_quiz` (or a loader) so the rules hold."""

    title: str
    questions: tuple[Question, ...]
    description: str = ""
    time_limit: int = DEFAULT_TIME_LIMIT
    points: int = DEFAULT_POINTS
    ready_seconds: int = DEFAULT_READY_SECONDS
    #: team mode when not empty (2-8 names, see :mod:`quizwire.teams`)
    teams: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.questions)


def letter(index: int) -> str:
    """``0 -> "A"`` ... ``5 -> "F"``."""
    return LETTERS[index]


Where = Callable[[int], str]


def _default_where(i: int) -> str:
    return f"question {i + 1}"


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(
        type(value), "list" if isinstance(value, list) else type(value).__name__
    )


class _Collector:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def add(self, where: str | None, problem: str) -> None:
        prefix = f"{self.source}: {where}: " if where else f"{self.source}: "
        self.problems.append(prefix + problem)


def _check_text(
    raw: object, field: str, max_len: int, out: _Collector, where: str | None
) -> str | None:
    if raw is None:
        out.add(where, f"{field} is missing")
        return None
    if not isinstance(raw, str):
        out.add(where, f"{field} must be a string, got {_type_name(raw)}")
        return None
    text = normalize_spaces(raw).strip()
    ok = True
    if not text:
        out.add(where, f"{field} is empty")
        ok = False
    if len(text) > max_len:
        out.add(where, f"{field} is too long ({len(text)} characters, max {max_len})")
        ok = False
    bad = unsafe_char(text)
    if bad is not None:
        out.add(where, f"{field} contains a control or invisible character {describe_char(bad)}")
        ok = False
    return text if ok else None


def _check_int_choice(
    raw: object,
    field: str,
    allowed: str,
    valid: Callable[[int], bool],
    out: _Collector,
    where: str | None,
) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int):
        shown = repr(raw) if isinstance(raw, str | float) else _type_name(raw)
        out.add(where, f"{field} must be a whole number ({allowed}), got {shown}")
        return None
    if not valid(raw):
        out.add(where, f"{field} must be {allowed}, got {raw}")
        return None
    return raw


def _time_limit(raw: object, out: _Collector, where: str | None, field: str) -> int | None:
    return _check_int_choice(
        raw,
        field,
        f"{MIN_TIME_LIMIT}-{MAX_TIME_LIMIT} seconds",
        lambda v: MIN_TIME_LIMIT <= v <= MAX_TIME_LIMIT,
        out,
        where,
    )


def _points(raw: object, out: _Collector, where: str | None, field: str) -> int | None:
    return _check_int_choice(
        raw, field, "0, 1000 or 2000", lambda v: v in ALLOWED_POINTS, out, where
    )


def ready_seconds_problem(value: object) -> str | None:
    """Why ``value`` is not a valid get-ready time in seconds (None if it is)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number of seconds (0-{MAX_READY_SECONDS})"
    if not 0 <= value <= MAX_READY_SECONDS:
        return f"must be 0-{MAX_READY_SECONDS} seconds, got {value}"
    return None


def _unknown_keys(
    data: Mapping[str, Any], known: frozenset[str], out: _Collector, where: str | None
) -> None:
    for key in data:
        if key not in known:
            out.add(where, f"unknown key {key!r} (expected one of: {', '.join(sorted(known))})")


def _parse_answer(raw: object, n_choices: int | None, out: _Collector, where: str) -> int | None:
    if raw is None:
        out.add(where, 'answer is missing (give the letter of the correct choice, e.g. "A")')
        return None
    if not isinstance(raw, str) or len(raw.strip()) != 1 or raw.strip().upper() not in LETTERS:
        shown = (
            repr(raw)
            if isinstance(raw, str | int | float) and not isinstance(raw, bool)
            else _type_name(raw)
        )
        out.add(
            where,
            f'answer must be a letter "A"-"F" naming the correct choice ("A" = first), got {shown}',
        )
        return None
    index = LETTERS.index(raw.strip().upper())
    if n_choices is not None and index >= n_choices:
        out.add(
            where,
            f"answer {LETTERS[index]!r} is out of range: there are only {n_choices} choices "
            f"(A-{LETTERS[n_choices - 1]})",
        )
        return None
    return index


def _parse_question(
    raw: object, default_time: int, default_points: int, out: _Collector, where: str
) -> Question | None:
    if not isinstance(raw, Mapping):
        out.add(where, f"must be a table with text, choices and answer, got {_type_name(raw)}")
        return None
    _unknown_keys(raw, _QUESTION_KEYS, out, where)
    text = _check_text(raw.get("text"), "text", MAX_QUESTION_LEN, out, where)

    choices: list[str] | None = None
    raw_choices = raw.get("choices")
    if raw_choices is None:
        out.add(where, f"choices are missing (give {MIN_CHOICES}-{MAX_CHOICES})")
    elif not isinstance(raw_choices, list):
        out.add(where, f"choices must be a list of strings, got {_type_name(raw_choices)}")
    else:
        if not MIN_CHOICES <= len(raw_choices) <= MAX_CHOICES:
            out.add(where, f"needs {MIN_CHOICES}-{MAX_CHOICES} choices, got {len(raw_choices)}")
        cleaned: list[str | None] = []
        for i, c in enumerate(raw_choices[:MAX_CHOICES]):
            field = f"choice {LETTERS[i]}"
            cleaned.append(_check_text(c, field, MAX_CHOICE_LEN, out, where))
        seen: dict[str, int] = {}
        for i, c in enumerate(cleaned):
            if c is None:
                continue
            key = fold(c)
            if key in seen:
                out.add(
                    where,
                    f"duplicate choice: {LETTERS[i]} {c!r} is the same as {LETTERS[seen[key]]}",
                )
            else:
                seen[key] = i
        complete = all(c is not None for c in cleaned) and len(seen) == len(cleaned)
        if MIN_CHOICES <= len(raw_choices) <= MAX_CHOICES and complete:
            choices = [c for c in cleaned if c is not None]

    n_choices = (
        len(raw_choices)
        if isinstance(raw_choices, list) and len(raw_choices) <= MAX_CHOICES
        else None
    )
    answer = _parse_answer(raw.get("answer"), n_choices, out, where)

    time_limit: int | None = default_time
    if "time_limit" in raw:
        time_limit = _time_limit(raw["time_limit"], out, where, "time_limit")
    points: int | None = default_points
    if "points" in raw:
        points = _points(raw["points"], out, where, "points")

    timed = True
    if "timer" in raw:
        if isinstance(raw["timer"], bool):
            timed = raw["timer"]
        else:
            out.add(where, f"timer must be true or false, got {_type_name(raw['timer'])}")
            return None

    if text is None or choices is None or answer is None or time_limit is None or points is None:
        return None
    return Question(
        text=text,
        choices=tuple(choices),
        answer=answer,
        time_limit=time_limit,
        points=points,
        timed=timed,
    )


def parse_quiz(data: object, source: str = "<quiz>", *, where: Where | None = None) -> Quiz:
    """Validate a decoded quiz document (dict from TOML/JSON) and build a :class:`Quiz`.

    ``source`` names the file in error messages; ``where(i)`` labels question ``i`` (0-based),
    by default ``"question {i+1}"``. Raises :class:`QuizError` listing every problem.
    """
    label = where or _default_where
    out = _Collector(source)
    if not isinstance(data, Mapping):
        out.add(None, f"a quiz must be a table/object at the top level, got {_type_name(data)}")
        raise QuizError(out.problems)

    _unknown_keys(data, _TOP_KEYS, out, None)
    title = _check_text(data.get("title"), "title", MAX_TITLE_LEN, out, None)
    description = ""
    if data.get("description") is not None:
        desc = _check_text(data.get("description"), "description", MAX_DESCRIPTION_LEN, out, None)
        description = desc or ""

    default_time, default_points = DEFAULT_TIME_LIMIT, DEFAULT_POINTS
    ready_seconds = DEFAULT_READY_SECONDS
    defaults = data.get("defaults")
    if defaults is not None:
        if not isinstance(defaults, Mapping):
            out.add(None, f"defaults must be a table, got {_type_name(defaults)}")
        else:
            _unknown_keys(defaults, _DEFAULT_KEYS, out, "defaults")
            if "time_limit" in defaults:
                t = _time_limit(defaults["time_limit"], out, "defaults", "time_limit")
                default_time = t if t is not None else DEFAULT_TIME_LIMIT
            if "points" in defaults:
                p = _points(defaults["points"], out, "defaults", "points")
                default_points = p if p is not None else DEFAULT_POINTS
            if "ready_seconds" in defaults:
                problem = ready_seconds_problem(defaults["ready_seconds"])
                if problem is None:
                    ready_seconds = defaults["ready_seconds"]
                else:
                    out.add("defaults", f"ready_seconds {problem}")

    teams: tuple[str, ...] = ()
    if "teams" in data:
        teams, team_problems = team_names_problems(data["teams"])
        for problem in team_problems:
            out.add(None, problem)

    questions: list[Question] = []
    raw_questions = data.get("questions")
    if raw_questions is None:
        out.add(None, "no questions (add [[questions]] entries)")
    elif not isinstance(raw_questions, list):
        out.add(None, f"questions must be a list, got {_type_name(raw_questions)}")
    elif not raw_questions:
        out.add(None, "no questions (add [[questions]] entries)")
    else:
        if len(raw_questions) > MAX_QUESTIONS:
            out.add(None, f"too many questions ({len(raw_questions)}, max {MAX_QUESTIONS})")
        seen_text: dict[str, int] = {}
        for i, raw_q in enumerate(raw_questions):
            q = _parse_question(raw_q, default_time, default_points, out, label(i))
            if q is None:
                continue
            key = fold(q.text)
            if key in seen_text:
                out.add(label(i), f"same text as {label(seen_text[key])}")
            else:
                seen_text[key] = i
            questions.append(q)

    if out.problems or title is None:
        raise QuizError(out.problems or [f"{source}: invalid quiz"])
    return Quiz(
        title=title,
        description=description,
        questions=tuple(questions),
        time_limit=default_time,
        points=default_points,
        ready_seconds=ready_seconds,
        teams=teams,
    )


def loads_toml(text: str, source: str = "<quiz.toml>") -> Quiz:
    """Parse and validate a TOML quiz document."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise QuizError([f"{source}: invalid TOML: {exc}"]) from exc
    return parse_quiz(data, source)


def loads_json(text: str | bytes, source: str = "<quiz.json>") -> Quiz:
    """Parse and validate a JSON quiz document (same structure as the TOML format)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise QuizError([f"{source}: invalid JSON: {exc}"]) from exc
    return parse_quiz(data, source)


def load_quiz_file(path: str | Path) -> Quiz:
    """Load a ``.toml`` or ``.json`` quiz file (see :mod:`quizwire.importers` for CSV/OpenTDB)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise QuizError([f"{p.name}: cannot read file: {exc.strerror or exc}"]) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QuizError([f"{p.name}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    if p.suffix.lower() == ".json":
        return loads_json(text, p.name)
    return loads_toml(text, p.name)


def quiz_to_dict(quiz: Quiz) -> dict[str, Any]:
    """The quiz in the file format (JSON-ready); ``parse_quiz(quiz_to_dict(q)) == q``."""
    questions: list[dict[str, Any]] = []
    for q in quiz.questions:
        item: dict[str, Any] = {
            "text": q.text,
            "choices": list(q.choices),
            "answer": q.answer_letter,
        }
        if q.time_limit != quiz.time_limit:
            item["time_limit"] = q.time_limit
        if q.points != quiz.points:
            item["points"] = q.points
        if not q.timed:
            item["timer"] = False
        questions.append(item)
    doc: dict[str, Any] = {"title": quiz.title}
    if quiz.description:
        doc["description"] = quiz.description
    if quiz.teams:
        doc["teams"] = list(quiz.teams)
    doc["defaults"] = {"time_limit": quiz.time_limit, "points": quiz.points}
    if quiz.ready_seconds != DEFAULT_READY_SECONDS:
        doc["defaults"]["ready_seconds"] = quiz.ready_seconds
    doc["questions"] = questions
    return doc


def _toml_value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, int | str):
        raise TypeError(f"no TOML form for {type(value).__name__}")
    if isinstance(value, int):
        return str(value)
    # JSON's string escapes are TOML's basic-string escapes, and json.dumps escapes U+0000-U+001F;
    # TOML also forbids a raw DEL (U+007F), which JSON leaves alone.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def quiz_to_toml(quiz: Quiz) -> str:
    """The quiz as a hand-editable TOML file (the bundled packs' layout); it loads back equal."""
    doc = quiz_to_dict(quiz)
    lines = [
        "# Quizwire quiz. `answer` is the LETTER of the correct choice (A = first choice).",
        "# Optional per question: time_limit (5-120 seconds) and points (0, 1000 or 2000).",
        "",
        f"title = {_toml_value(doc['title'])}",
    ]
    if "description" in doc:
        lines.append(f"description = {_toml_value(doc['description'])}")
    if "teams" in doc:
        lines.append(f"teams = {_toml_value(doc['teams'])}")
    lines += ["", "[defaults]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in doc["defaults"].items()]
    for question in doc["questions"]:
        lines += ["", "[[questions]]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in question.items()]
    return "\n".join(lines) + "\n"
