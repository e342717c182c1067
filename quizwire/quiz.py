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
    code = "print(2 ** 10)"                # optional on any type: a code block shown under the
    language = "python"                    #   question, syntax-highlighted (language required)

A question with ``timer = false`` has no countdown: it stays open until the host reveals it (or
everyone has answered) and scores without a speed part (see :mod:`quizwire.scoring`).

Question types (``type``, default ``"choice"``; the rules are in :mod:`quizwire.kinds`)::

    type = "truefalse"                     # answer = true | false (no choices: True/False)
    type = "poll"                          # choices as above, no answer: never scores
    type = "text"                          # accept = ["Paris", "Paname"] (1-10, 1-80 chars);
                                           #   optional tolerance = 0.5 for numeric answers
    type = "order"                         # items = ["first", "second", "third"] (3-6, in the
                                           #   RIGHT order; players see them shuffled)
    type = "number"                        # min = 0, max = 100, answer = 42 (min <= answer <=
                                           #   max); optional step = 1, unit = "km", tolerance

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
import math
import re
import textwrap
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizwire.kinds import (
    CHOICE_KINDS,
    MAX_TEXT_ANSWER,
    NUMBER_BUCKETS,
    ORDER_BUCKETS,
    TEXT_BUCKETS,
    TRUE_FALSE,
    Kind,
    shown_order,
    solution_order,
)
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
    "MAX_CODE_LEN",
    "MAX_CODE_LINES",
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
MAX_CODE_LEN = 1200
MAX_CODE_LINES = 16
MAX_CODE_LINE = 76  # fits the 80-column apps with their padding
MIN_ORDER_ITEMS = 3
MAX_ORDER_ITEMS = 6
MAX_ACCEPT = 10
#: a number range may hold at most this many steps (the player steps through it with arrows)
MAX_NUMBER_ABS = 1e12
_LANGUAGE = re.compile(r"[a-z0-9][a-z0-9+#._-]{0,19}")

_TOP_KEYS = frozenset({"title", "description", "defaults", "questions", "teams"})
_DEFAULT_KEYS = frozenset({"time_limit", "points", "ready_seconds"})
_COMMON_KEYS = frozenset({"type", "text", "time_limit", "points", "code", "language", "timer"})
_KIND_KEYS: dict[Kind, frozenset[str]] = {
    Kind.CHOICE: _COMMON_KEYS | {"choices", "answer"},
    Kind.TRUEFALSE: _COMMON_KEYS | {"answer"},
    Kind.POLL: _COMMON_KEYS | {"choices"},
    Kind.TEXT: _COMMON_KEYS | {"accept", "tolerance"},
    Kind.ORDER: _COMMON_KEYS | {"items"},
    Kind.NUMBER: _COMMON_KEYS | {"min", "max", "answer", "step", "unit", "tolerance"},
}


class QuizError(ValueError):
    """A quiz could not be loaded. ``problems`` lists every problem, one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems: list[str] = list(problems)
        super().__init__("\n".join(self.problems) if self.problems else "invalid quiz")


@dataclass(frozen=True, slots=True)
class Question:
    """One question. ``answer`` is the 0-based index of the correct choice (choice and
    truefalse; -1 for the other types).

    ``time_limit`` (seconds) and ``points`` are the effective values after quiz defaults;
    ``timed`` False: no time limit (the file's ``timer = false``).
    Per type: ``choices`` holds the choices (truefalse: True/False; order: the items in the
    right order; text and number: empty); ``accept``/``tolerance`` judge text;
    ``low``/``high``/``target``/``step``/``unit``/``tolerance`` describe a number (``min``,
    ``max`` and ``answer`` in the file). ``code``/``language``: an optional code block.
    """

    text: str
    choices: tuple[str, ...]
    answer: int
    time_limit: int = DEFAULT_TIME_LIMIT
    points: int = DEFAULT_POINTS
    kind: Kind = Kind.CHOICE
    accept: tuple[str, ...] = ()
    tolerance: float | None = None
    low: float = 0
    high: float = 0
    target: float = 0
    step: float | None = None
    unit: str = ""
    code: str = ""
    language: str = ""
    timed: bool = True

    @property
    def answer_letter(self) -> str:
        return LETTERS[self.answer] if 0 <= self.answer < len(LETTERS) else ""

    @property
    def shown(self) -> tuple[int, ...]:
        """Order questions: which item (right-order index) sits at each screen position."""
        return shown_order(self.choices, self.text) if self.kind is Kind.ORDER else ()

    @property
    def public_choices(self) -> tuple[str, ...]:
        """The choices as players see them (order: the items shuffled)."""
        if self.kind is Kind.ORDER:
            return tuple(self.choices[i] for i in self.shown)
        return self.choices

    @property
    def solution(self) -> tuple[int, ...]:
        """Order questions: the right order in screen positions (what a perfect answer sends)."""
        return solution_order(self.shown) if self.kind is Kind.ORDER else ()

    @property
    def tally_size(self) -> int:
        """How many buckets the reveal counts (see :mod:`quizwire.kinds`)."""
        if self.kind in CHOICE_KINDS:
            return len(self.choices)
        if self.kind is Kind.TEXT:
            return len(TEXT_BUCKETS)
        if self.kind is Kind.ORDER:
            return len(ORDER_BUCKETS)
        return NUMBER_BUCKETS


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


def _parse_choices(
    raw: Mapping[str, Any], out: _Collector, where: str
) -> tuple[list[str] | None, int | None]:
    """The cleaned choices (None if any problem) and how many were given (None if unusable)."""
    choices: list[str] | None = None
    raw_choices = raw.get("choices")
    if raw_choices is None:
        out.add(where, f"choices are missing (give {MIN_CHOICES}-{MAX_CHOICES})")
    elif not isinstance(raw_choices, list):
        out.add(where, f"choices must be a list of strings, got {_type_name(raw_choices)}")
    else:
        if not MIN_CHOICES <= len(raw_choices) <= MAX_CHOICES:
            out.add(where, f"needs {MIN_CHOICES}-{MAX_CHOICES} choices, got {len(raw_choices)}")
        cleaned = _distinct_texts(raw_choices[:MAX_CHOICES], "choice", out, where)
        if MIN_CHOICES <= len(raw_choices) <= MAX_CHOICES and cleaned is not None:
            choices = cleaned
    n_choices = (
        len(raw_choices)
        if isinstance(raw_choices, list) and len(raw_choices) <= MAX_CHOICES
        else None
    )
    return choices, n_choices


def _distinct_texts(
    raw_items: list[Any], noun: str, out: _Collector, where: str
) -> list[str] | None:
    """Each item a valid one-line text, no two the same after folding; None if any problem."""
    cleaned: list[str | None] = []
    for i, c in enumerate(raw_items):
        label = f"{noun} {LETTERS[i]}" if i < len(LETTERS) else f"{noun} {i + 1}"
        cleaned.append(_check_text(c, label, MAX_CHOICE_LEN, out, where))
    seen: dict[str, int] = {}
    for i, c in enumerate(cleaned):
        if c is None:
            continue
        key = fold(c)
        if key in seen:
            out.add(
                where,
                f"duplicate {noun}: {LETTERS[i] if i < len(LETTERS) else i + 1} {c!r} is the "
                f"same as {LETTERS[seen[key]]}",
            )
        else:
            seen[key] = i
    if all(c is not None for c in cleaned) and len(seen) == len(cleaned):
        return [c for c in cleaned if c is not None]
    return None


def _number(raw: Mapping[str, Any], key: str, out: _Collector, where: str) -> float | None:
    """A finite number (whole or decimal) of sensible size; None (reported) otherwise."""
    value = raw.get(key)
    if value is None:
        out.add(where, f"{key} is missing (give a number)")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        out.add(where, f"{key} must be a number, got {_type_name(value)}")
        return None
    if not math.isfinite(value) or abs(value) > MAX_NUMBER_ABS:
        out.add(where, f"{key} must be a finite number within ±{MAX_NUMBER_ABS:.0e}, got {value}")
        return None
    return value


def _tolerance(raw: Mapping[str, Any], out: _Collector, where: str) -> float | None:
    if "tolerance" not in raw:
        return None
    value = _number(raw, "tolerance", out, where)
    if value is not None and value < 0:
        out.add(where, f"tolerance must not be negative, got {value}")
        return None
    return value


def _parse_code(raw: Mapping[str, Any], out: _Collector, where: str) -> tuple[str, str] | None:
    """The optional code block and its language; None if there is a problem (reported)."""
    code, language = raw.get("code"), raw.get("language")
    if code is None and language is None:
        return "", ""
    if code is None:
        out.add(where, "language is given but code is missing")
        return None
    if not isinstance(code, str):
        out.add(where, f"code must be a string, got {_type_name(code)}")
        return None
    # tabs as 4 spaces and the common indent removed: what a TOML multi-line string gives
    dedented = textwrap.dedent(code.replace("\r\n", "\n").expandtabs(4))
    lines = [line.rstrip() for line in dedented.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    ok = True
    if not lines:
        out.add(where, "code is empty")
        ok = False
    if len(lines) > MAX_CODE_LINES:
        out.add(where, f"code has too many lines ({len(lines)}, max {MAX_CODE_LINES})")
        ok = False
    for n, line in enumerate(lines, 1):
        bad = unsafe_char(line)
        if bad is not None:
            out.add(
                where,
                f"code line {n} contains a control or invisible character {describe_char(bad)}",
            )
            ok = False
        if len(line) > MAX_CODE_LINE:
            out.add(
                where, f"code line {n} is too long ({len(line)} characters, max {MAX_CODE_LINE})"
            )
            ok = False
    text = "\n".join(lines)
    if len(text) > MAX_CODE_LEN:
        out.add(where, f"code is too long ({len(text)} characters, max {MAX_CODE_LEN})")
        ok = False
    if language is None:
        out.add(where, 'code needs a language (e.g. language = "python")')
        return None
    if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
        shown = repr(language) if isinstance(language, str) else _type_name(language)
        out.add(where, f'language must be a short lower-case name like "python", got {shown}')
        return None
    return (text, language) if ok else None


def _parse_kind(raw: Mapping[str, Any], out: _Collector, where: str) -> Kind | None:
    value = raw.get("type", Kind.CHOICE.value)
    if not isinstance(value, str) or value not in {k.value for k in Kind}:
        shown = repr(value) if isinstance(value, str) else _type_name(value)
        out.add(where, f"type must be one of {', '.join(k.value for k in Kind)}, got {shown}")
        return None
    return Kind(value)


def _parse_accept(raw: Mapping[str, Any], out: _Collector, where: str) -> list[str] | None:
    accept = raw.get("accept")
    if accept is None:
        out.add(where, 'accept is missing (the accepted answers, e.g. accept = ["Paris"])')
        return None
    if not isinstance(accept, list) or not accept:
        out.add(where, f"accept must be a list of 1-{MAX_ACCEPT} strings, got {_type_name(accept)}")
        return None
    if len(accept) > MAX_ACCEPT:
        out.add(where, f"accept has too many answers ({len(accept)}, max {MAX_ACCEPT})")
        return None
    cleaned = [
        _check_text(a, f"accept[{i}]", MAX_TEXT_ANSWER, out, where) for i, a in enumerate(accept)
    ]
    return [a for a in cleaned if a is not None] if all(cleaned) else None


def _parse_items(raw: Mapping[str, Any], out: _Collector, where: str) -> list[str] | None:
    items = raw.get("items")
    span = f"{MIN_ORDER_ITEMS}-{MAX_ORDER_ITEMS}"
    if items is None:
        out.add(where, f"items are missing (give {span}, in the right order)")
        return None
    if not isinstance(items, list):
        out.add(where, f"items must be a list of strings, got {_type_name(items)}")
        return None
    if not MIN_ORDER_ITEMS <= len(items) <= MAX_ORDER_ITEMS:
        out.add(where, f"needs {span} items, got {len(items)}")
        return None
    return _distinct_texts(items, "item", out, where)


def _parse_truefalse(raw: Mapping[str, Any], out: _Collector, where: str) -> int | None:
    answer = raw.get("answer")
    if not isinstance(answer, bool):
        shown = "missing" if answer is None else f"got {_type_name(answer)}"
        out.add(where, f"answer must be true or false for a truefalse question ({shown})")
        return None
    return 0 if answer else 1


def _parse_number_fields(
    raw: Mapping[str, Any], out: _Collector, where: str
) -> dict[str, Any] | None:
    low, high = _number(raw, "min", out, where), _number(raw, "max", out, where)
    target = _number(raw, "answer", out, where)
    step = _number(raw, "step", out, where) if "step" in raw else None
    tolerance = _tolerance(raw, out, where)
    unit = ""
    if "unit" in raw:
        unit = _check_text(raw["unit"], "unit", 12, out, where) or ""
    if low is None or high is None or target is None:
        return None
    ok = True
    if low >= high:
        out.add(where, f"min ({low}) must be below max ({high})")
        ok = False
    elif not low <= target <= high:
        out.add(where, f"answer {target} is outside the range min {low} - max {high}")
        ok = False
    if step is not None and (step <= 0 or (ok and (high - low) / step > 100_000)):
        out.add(
            where, f"step must be positive and at most 100,000 steps across the range, got {step}"
        )
        ok = False
    if ("step" in raw and step is None) or ("tolerance" in raw and tolerance is None):
        ok = False
    if "unit" in raw and not unit:
        ok = False
    if not ok:
        return None
    return {
        "low": low,
        "high": high,
        "target": target,
        "step": step,
        "unit": unit,
        "tolerance": tolerance,
    }


def _parse_question(
    raw: object, default_time: int, default_points: int, out: _Collector, where: str
) -> Question | None:
    if not isinstance(raw, Mapping):
        out.add(where, f"must be a table with text, choices and answer, got {_type_name(raw)}")
        return None
    kind = _parse_kind(raw, out, where)
    _unknown_keys(raw, _KIND_KEYS[kind or Kind.CHOICE], out, where)
    text = _check_text(raw.get("text"), "text", MAX_QUESTION_LEN, out, where)

    extra: dict[str, Any] = {}
    choices: list[str] | None = None
    answer: int | None = -1
    if kind is Kind.CHOICE:
        choices, n_choices = _parse_choices(raw, out, where)
        answer = _parse_answer(raw.get("answer"), n_choices, out, where)
    elif kind is Kind.POLL:
        choices, _ = _parse_choices(raw, out, where)
    elif kind is Kind.TRUEFALSE:
        choices, answer = list(TRUE_FALSE), _parse_truefalse(raw, out, where)
    elif kind is Kind.TEXT:
        choices = []
        accept = _parse_accept(raw, out, where)
        tolerance = _tolerance(raw, out, where)
        if accept is None or ("tolerance" in raw and tolerance is None):
            choices = None
        else:
            extra = {"accept": tuple(accept), "tolerance": tolerance}
    elif kind is Kind.ORDER:
        choices = _parse_items(raw, out, where)
    elif kind is Kind.NUMBER:
        choices = []
        numbers = _parse_number_fields(raw, out, where)
        if numbers is None:
            choices = None
        else:
            extra = numbers

    code = _parse_code(raw, out, where)
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

    if (
        kind is None
        or text is None
        or choices is None
        or answer is None
        or time_limit is None
        or points is None
        or code is None
    ):
        return None
    return Question(
        text=text,
        choices=tuple(choices),
        answer=answer,
        time_limit=time_limit,
        points=points,
        kind=kind,
        code=code[0],
        language=code[1],
        timed=timed,
        **extra,
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
        item = _question_fields(q)
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


def _question_fields(q: Question) -> dict[str, Any]:
    """A question's type-specific keys in the file format (a choice question has no ``type``)."""
    item: dict[str, Any] = {}
    if q.kind is not Kind.CHOICE:
        item["type"] = q.kind.value
    item["text"] = q.text
    if q.kind is Kind.CHOICE:
        item |= {"choices": list(q.choices), "answer": q.answer_letter}
    elif q.kind is Kind.POLL:
        item["choices"] = list(q.choices)
    elif q.kind is Kind.TRUEFALSE:
        item["answer"] = q.answer == 0
    elif q.kind is Kind.TEXT:
        item["accept"] = list(q.accept)
    elif q.kind is Kind.ORDER:
        item["items"] = list(q.choices)
    else:
        item |= {"min": q.low, "max": q.high, "answer": q.target}
        if q.step is not None:
            item["step"] = q.step
        if q.unit:
            item["unit"] = q.unit
    if q.tolerance is not None:
        item["tolerance"] = q.tolerance
    if q.code:
        item |= {"code": q.code, "language": q.language}
    return item


def _toml_value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError("no TOML form for a non-finite number")
        return repr(value)
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
