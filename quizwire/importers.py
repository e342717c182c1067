"""Quiz importers: Open Trivia DB JSON and CSV, plus a loader that picks the format by file.

Open Trivia DB (https://opentdb.com, questions under CC BY-SA 4.0 — keep the attribution the
importer writes into the description): the API response shape::

    {"response_code": 0, "results": [{"type": "multiple" | "boolean", "difficulty": "easy",
      "category": "...", "question": "...", "correct_answer": "...",
      "incorrect_answers": ["...", ...]}]}

Only the default encoding (HTML entities) is supported; entities are decoded with
:func:`html.unescape`. ``multiple`` questions get their choices shuffled deterministically from
``seed`` (same seed -> same order, and one question's order does not depend on the others);
``boolean`` questions become ``truefalse`` questions (True, then False).

CSV: a header row, then one question per row. Columns (header names are case-insensitive)::

    question,choice_a,choice_b,choice_c,choice_d,choice_e,choice_f,answer,time_limit,points

``question``, ``choice_a``, ``choice_b`` and ``answer`` are required; every other column may be
left out of the header entirely, or left empty in a row (empty ``time_limit``/``points`` -> the
quiz default, 20 s / 1000). ``answer`` is the letter of the correct choice (``A``-``F``), as in
the TOML format. Choices must be filled left to right: an empty ``choice_c`` followed by a
filled ``choice_d`` is an error (the letters would shift). Blank rows are skipped; a UTF-8 BOM
(as Excel writes) is accepted. Errors name the question and the CSV line, e.g.
``quiz.csv: question 2 (line 3): answer must be a letter ...``.

Question types (optional columns; see the TOML format in :mod:`quizwire.quiz`)::

    type,accept,min,max,step,unit,tolerance,code,language

``type`` is ``choice`` (empty: the default), ``truefalse`` (``answer`` true/false), ``poll``
(choices, no answer), ``text`` (``accept``: the accepted answers separated by ``|``, optional
``tolerance``), ``order`` (the items in ``choice_a``... in the RIGHT order, no answer) or
``number`` (``min``, ``max``, ``answer`` a number; optional ``step``, ``unit``, ``tolerance``).
``code`` (a quoted cell may span lines) and ``language`` add a code block to any question.
"""

from __future__ import annotations

import csv
import html
import io
import json
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from quizwire.quiz import (
    LETTERS,
    Quiz,
    QuizError,
    load_quiz_file,
    loads_json,
    parse_quiz,
)
from quizwire.text import normalize_spaces

__all__ = [
    "CSV_COLUMNS",
    "OPENTDB_ATTRIBUTION",
    "from_csv",
    "from_opentdb",
    "is_opentdb",
    "load_any",
]

OPENTDB_ATTRIBUTION = "Questions from Open Trivia DB (opentdb.com), licensed CC BY-SA 4.0."

CSV_COLUMNS: tuple[str, ...] = (
    "question",
    *(f"choice_{c.lower()}" for c in LETTERS),
    "answer",
    "time_limit",
    "points",
    "type",
    "accept",
    "min",
    "max",
    "step",
    "unit",
    "tolerance",
    "code",
    "language",
)
#: without a ``type`` column every row is a choice question and needs these columns
_CSV_REQUIRED = ("question", "choice_a", "choice_b", "answer")

_OPENTDB_CODES = {
    1: "no results (the API could not return enough questions for the query)",
    2: "invalid parameter",
    3: "session token not found",
    4: "session token has returned all questions (reset the token)",
    5: "rate limited (too many requests)",
}


def is_opentdb(data: object) -> bool:
    """True if a decoded JSON document looks like an Open Trivia DB API response."""
    return isinstance(data, Mapping) and "results" in data and "response_code" in data


def _unescape(value: object) -> object:
    if isinstance(value, str):
        return normalize_spaces(html.unescape(value)).strip()
    return value


def from_opentdb(
    data: Mapping[str, Any] | str | bytes,
    *,
    seed: int = 0,
    source: str = "opentdb.json",
    title: str = "Open Trivia DB",
) -> Quiz:
    """Convert an Open Trivia DB API response (decoded or raw JSON) into a validated Quiz."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise QuizError([f"{source}: invalid JSON: {exc}"]) from exc
    if not isinstance(data, Mapping):
        raise QuizError([f"{source}: not an Open Trivia DB response (expected a JSON object)"])
    code = data.get("response_code")
    if code != 0:
        why = _OPENTDB_CODES.get(code, "unknown error") if isinstance(code, int) else "missing"
        raise QuizError([f"{source}: Open Trivia DB response_code {code!r}: {why}"])
    results = data.get("results")
    if not isinstance(results, list) or not results:
        raise QuizError([f"{source}: Open Trivia DB response has no results"])

    problems: list[str] = []
    questions: list[dict[str, object]] = []
    numbers: list[int] = []
    categories: list[str] = []
    for i, item in enumerate(results):
        where = f"{source}: question {i + 1}"
        if not isinstance(item, Mapping):
            problems.append(f"{where}: result must be an object")
            continue
        kind = item.get("type")
        correct = _unescape(item.get("correct_answer"))
        incorrect = item.get("incorrect_answers")
        if not isinstance(incorrect, list):
            problems.append(f"{where}: incorrect_answers must be a list")
            continue
        if kind == "boolean":
            if not isinstance(correct, str) or correct.lower() not in ("true", "false"):
                problems.append(f"{where}: boolean question needs correct_answer True or False")
                continue
            questions.append(
                {
                    "type": "truefalse",
                    "text": _unescape(item.get("question")),
                    "answer": correct.lower() == "true",
                }
            )
            numbers.append(i + 1)
            _note_category(item, categories)
            continue
        elif kind == "multiple":
            choices = [correct, *(_unescape(w) for w in incorrect)]
            order = list(range(len(choices)))
            random.Random(f"quizwire-opentdb/{seed}/{i}").shuffle(order)
            choices = [choices[j] for j in order]
            answer = LETTERS[order.index(0)] if len(choices) <= len(LETTERS) else "A"
        else:
            problems.append(f"{where}: unsupported question type {kind!r} (multiple or boolean)")
            continue
        _note_category(item, categories)
        questions.append(
            {"text": _unescape(item.get("question")), "choices": choices, "answer": answer}
        )
        numbers.append(i + 1)

    description = OPENTDB_ATTRIBUTION
    if categories:
        cats = ", ".join(categories[:5]) + (" ..." if len(categories) > 5 else "")
        description = f"{cats}. {OPENTDB_ATTRIBUTION}"
    doc = {"title": title, "description": description, "questions": questions}
    try:
        quiz = parse_quiz(doc, source, where=lambda j: f"question {numbers[j]}")
    except QuizError as exc:
        problems += [
            p
            for p in exc.problems
            if not (problems and p.endswith("no questions (add [[questions]] entries)"))
        ]
    if problems:
        raise QuizError(problems)
    return quiz


def _note_category(item: Mapping[str, Any], categories: list[str]) -> None:
    category = _unescape(item.get("category"))
    if isinstance(category, str) and category and category not in categories:
        categories.append(category)


def _csv_number(cell: str) -> object:
    """A number cell as a number (whole or decimal); anything else stays text for the validator."""
    stripped = cell.strip()
    for kind in (int, float):
        try:
            return kind(stripped)
        except ValueError:
            continue
    return stripped


_TRUTH = {"true": True, "t": True, "yes": True, "false": False, "f": False, "no": False}


def _csv_typed(kind: str, cells: Mapping[str, str], choices: list[str]) -> dict[str, object]:
    """The type-specific keys of one CSV row; what does not fit is left for the validator."""
    item: dict[str, object] = {}
    if kind != "choice":
        item["type"] = kind
    answer = cells.get("answer", "").strip()
    if kind in ("choice", "poll"):
        item["choices"] = choices
    elif kind == "order":
        item["items"] = choices
    if kind == "choice":
        item["answer"] = answer or None
    elif kind == "truefalse":
        item["answer"] = _TRUTH.get(answer.lower(), answer or None)
    elif kind == "number":
        item["answer"] = _csv_number(answer) if answer else None
    elif answer:
        item["answer"] = answer  # reported: this type takes no answer column
    if kind == "text":
        accept = cells.get("accept", "")
        item["accept"] = [a.strip() for a in accept.split("|") if a.strip()] if accept else None
    for key in ("min", "max", "step", "tolerance"):
        if cells.get(key, "").strip():
            item[key] = _csv_number(cells[key])
    if kind == "number":
        item.setdefault("min", None)
        item.setdefault("max", None)
    for key in ("unit", "code", "language"):
        if cells.get(key, "").strip():
            item[key] = cells[key].strip() if key != "code" else cells[key]
    return {k: v for k, v in item.items() if v is not None}


def _csv_int(cell: str) -> object:
    stripped = cell.strip()
    if stripped.isdigit():
        return int(stripped)
    return stripped


def from_csv(text: str, *, source: str = "quiz.csv", title: str | None = None) -> Quiz:
    """Parse a CSV quiz (see the module docstring for the columns) into a validated Quiz."""
    text = text.removeprefix("\ufeff")
    rows: list[list[str]] = []
    ends: list[int] = []  # the line each record ends on (records may span lines)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for record in reader:
            rows.append(record)
            ends.append(reader.line_num)
    except csv.Error as exc:
        raise QuizError([f"{source}: line {reader.line_num}: invalid CSV: {exc}"]) from exc
    if not rows:
        raise QuizError([f"{source}: empty file (expected a header row: {','.join(CSV_COLUMNS)})"])

    header = [h.strip().lower() for h in rows[0]]
    problems: list[str] = []
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        problems.append(
            f"{source}: line 1: unknown column(s) {', '.join(map(repr, unknown))} "
            f"(known: {','.join(CSV_COLUMNS)})"
        )
    dupes = sorted({h for h in header if header.count(h) > 1 and h})
    if dupes:
        problems.append(f"{source}: line 1: duplicate column(s) {', '.join(dupes)}")
    required = _CSV_REQUIRED if "type" not in header else ("question",)
    missing = [c for c in required if c not in header]
    if missing:
        problems.append(f"{source}: line 1: missing required column(s) {', '.join(missing)}")
    if problems:
        raise QuizError(problems)

    questions: list[dict[str, object]] = []
    lines: list[int] = []
    for row, end in zip(rows[1:], ends[1:], strict=True):
        if not any(cell.strip() for cell in row):
            continue
        n = len(questions) + 1
        where = f"{source}: question {n} (line {end})"
        if len(row) > len(header):
            problems.append(f"{where}: {len(row)} cells but the header has {len(header)} columns")
        cells = dict(zip(header, row, strict=False))
        choices: list[str] = []
        gap: str | None = None
        for c in LETTERS:
            value = cells.get(f"choice_{c.lower()}", "").strip()
            if not value:
                gap = gap or c
                continue
            if gap is not None:
                problems.append(
                    f"{where}: choice_{gap.lower()} is empty but choice_{c.lower()} is not"
                )
                gap = None
            choices.append(value)
        kind = cells.get("type", "").strip().lower() or "choice"
        item: dict[str, object] = {
            "text": cells.get("question", ""),
            **_csv_typed(kind, cells, choices),
        }
        for key in ("time_limit", "points"):
            if cells.get(key, "").strip():
                item[key] = _csv_int(cells[key])
        questions.append(item)
        lines.append(end)

    doc: dict[str, object] = {
        "title": title if title is not None else _title_from(source),
        "questions": questions,
    }
    try:
        quiz = parse_quiz(doc, source, where=lambda i: f"question {i + 1} (line {lines[i]})")
    except QuizError as exc:
        problems += exc.problems
    if problems:
        raise QuizError(problems)
    return quiz


def _title_from(source: str) -> str:
    stem = Path(source).stem.replace("_", " ").replace("-", " ").strip()
    return (stem[:1].upper() + stem[1:])[:80] if stem else "Quiz"


def load_any(path: str | Path, *, seed: int = 0) -> Quiz:
    """Load a quiz file, choosing the format by extension and content.

    ``.toml`` -> quiz format; ``.csv`` -> CSV; ``.json`` -> Open Trivia DB response if it has
    ``response_code`` and ``results``, otherwise the quiz format.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".toml", ".json", ".csv"):
        raise QuizError(
            [f"{p.name}: unsupported file type {suffix or '(none)'} (use .toml, .json or .csv)"]
        )
    if suffix == ".toml":
        return load_quiz_file(p)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise QuizError([f"{p.name}: cannot read file: {exc.strerror or exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise QuizError([f"{p.name}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    if suffix == ".csv":
        return from_csv(text, source=p.name)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise QuizError([f"{p.name}: invalid JSON: {exc}"]) from exc
    if is_opentdb(data):
        return from_opentdb(data, seed=seed, source=p.name, title=_title_from(p.name))
    return loads_json(text, p.name)
