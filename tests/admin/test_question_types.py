"""The console per question type at 80x24: true/false, poll, typed text, order, number and a
code question — the open question with its answer stream (choices shown: `p` turns
projector-safe off), and the reveal. Typed answers are untrusted text, shown literally."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from quizwire.messages import PresenterAnswerMsg

from .fakes import CODE, PLAYERS, QUESTION, REVEAL, T0, FakeSource, view
from .test_snapshots import make_app, settle

pytestmark = pytest.mark.timeout(60)

HOSTILE = "[bold red]x[/] \x1b[2J"
KINDS = ("truefalse", "poll", "text", "order", "number", "code")

QUESTIONS: dict[str, dict[str, Any]] = {
    "truefalse": {"kind": "truefalse", "text": "Lightning never strikes twice.",
                  "choices": ["True", "False"]},
    "poll": {"kind": "poll", "text": "How do you take your coffee?",
             "choices": ["Black", "Milk", "Tea"]},
    "text": {"kind": "text", "text": "Capital of Australia?", "choices": []},
    "order": {"kind": "order", "text": "Closest to the Sun first",
              "choices": ["Venus", "Mercury", "Mars", "Earth"]},
    "number": {"kind": "number", "text": "First Moon landing?", "choices": [],
               "min": 1950, "max": 2000, "step": 1},
    "code": {"text": "What does this print?", "choices": ["[1, 2, 3, 4]", "None"],
             "code": "items = [1, 2, 3]\nprint(items.append(4))  # \x1b[31m", "language": "python"},
}  # fmt: skip

#: per kind, (player, bucket, literal value) of each answer streamed in
STREAMED: dict[str, list[tuple[str, int | None, str | None]]] = {
    "truefalse": [("p-ann", 1, None), ("p-bob", 0, None), ("p-cat", 1, None)],
    "poll": [("p-ann", 2, None), ("p-bob", 0, None), ("p-cat", 2, None)],
    "text": [("p-ann", None, "Canberra"), ("p-bob", None, "canberra "), ("p-mal", None, HOSTILE)],
    "order": [("p-ann", None, "1,0,3,2"), ("p-bob", None, "0,1,3,2")],
    "number": [("p-ann", 3, "1969"), ("p-bob", 3, "1972"), ("p-cat", 1, "1955")],
    "code": [("p-ann", 1, None), ("p-cat", 1, None), ("p-bob", 0, None)],
}

REVEALS: dict[str, dict[str, Any]] = {
    "truefalse": {"kind": "truefalse", "correct": 1, "counts": [1, 2]},
    "poll": {"kind": "poll", "correct": None, "counts": [1, 0, 2]},
    "text": {"kind": "text", "correct": None, "counts": [2, 1], "accepted": ["Canberra"]},
    "order": {"kind": "order", "correct": None, "counts": [1, 1, 0], "order": [1, 0, 3, 2]},
    "number": {"kind": "number", "correct": None, "counts": [0, 1, 0, 2, 0], "number": 1969},
    "code": {"correct": 1, "counts": [1, 2]},
}


def question_view(kind: str, phase: str, seq: int) -> dict[str, Any]:
    current = view(phase, seq=seq)
    base = {k: v for k, v in QUESTION.items() if k != "choices"}
    current["question"] = {**base, **QUESTIONS[kind]}
    if phase == "question_closed":
        fastest = {"fastest": REVEAL["fastest"][:1], "answered": len(STREAMED[kind])}
        current["reveal"] = {**REVEAL, **fastest, **REVEALS[kind]}
    return current


def event(kind: str, pid: str, choice: int | None, value: str | None, ms: int) -> dict[str, Any]:
    name = next(p[1] for p in PLAYERS if p[0] == pid)
    return PresenterAnswerMsg(
        game_id=CODE, player_id=pid, name=name, question_id="q2", index=1, choice=choice,
        value=value, elapsed_ms=ms, received_at=T0 - 5000 + ms,
    ).to_dict()  # fmt: skip


def drive(
    source: FakeSource, kind: str, *, reveal: bool
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("p")  # projector-safe off: the live bars and choices show
        pilot.app.clear_notifications()  # the toast saying so would cover the tables
        opened = question_view(kind, "question_open", 12)
        source.current = opened
        source.push("question", {"type": "question", "gameId": CODE, "seq": 12,
                                 "ts": T0 - 5000, **opened["question"]})  # fmt: skip
        for i, (pid, choice, value) in enumerate(STREAMED[kind]):
            source.push("answer", event(kind, pid, choice, value, 1200 + 700 * i))
        await settle(pilot)
        if reveal:
            closed = question_view(kind, "question_closed", 13)
            source.current = closed
            message = {"type": "question_closed", "gameId": CODE, "seq": 13, "ts": T0}
            source.push("game", {**message, **closed["reveal"]})
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("kind", KINDS)
def test_open_question_per_type(snap_compare: Any, kind: str, tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    app = make_app(source, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=drive(source, kind, reveal=False))


@pytest.mark.parametrize("kind", KINDS)
def test_reveal_per_type(snap_compare: Any, kind: str, tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    app = make_app(source, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=drive(source, kind, reveal=True))


async def test_typed_answers_reach_the_stream_literally_and_count(tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    app = make_app(source, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await drive(source, "text", reveal=False)(pilot)
        assert app.model.feed.answered == 3
        stream = str(app.screen.query_one("#stream").render())
        assert "[bold red]x[/" in stream and "\x1b" not in stream  # literal, cut to its column
        assert app.model.feed.top_values()[0] == ("Canberra", 2)  # folded: "canberra " too
