"""The player app per question type, at 80x24: true/false, poll, text, order, number and code
questions — Pilot-driven answers (keys, typing, Backspace, arrows) and snapshots of the open
question and its reveal."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from player.app import PlayerApp
from player.screens.game import GameScreen
from quizwire.kinds import Kind
from quizwire.messages import Reveal, ScoreMsg
from quizwire.play_model import PlayerModel
from quizwire.state import Phase
from tui.clock import FrozenClock

from .scripted import CODE, ME, T0, ScriptedSession, ScriptedSessions, question
from .test_snapshots import settle

pytestmark = pytest.mark.timeout(60)

HOSTILE = "[bold red]x[/] \x1b[2J"


def typed(clock: FrozenClock, kind: str) -> PlayerModel:
    model = question(clock)
    assert model.question is not None
    q = model.question
    if kind == "truefalse":
        q = dataclasses.replace(
            q, kind=Kind.TRUEFALSE, text="Lightning never strikes twice.", choices=("True", "False")
        )
    elif kind == "poll":
        q = dataclasses.replace(
            q, kind=Kind.POLL, text="How do you take your coffee?", choices=("Black", "Milk", "Tea")
        )
    elif kind == "text":
        q = dataclasses.replace(q, kind=Kind.TEXT, text="Capital of Australia?", choices=())
    elif kind == "order":
        q = dataclasses.replace(
            q,
            kind=Kind.ORDER,
            text="Closest to the Sun first",
            choices=("Venus", "Mercury", "Mars", "Earth"),
        )
    elif kind == "number":
        q = dataclasses.replace(
            q, kind=Kind.NUMBER, text="First Moon landing?", choices=(), low=1950, high=2000, step=1
        )
    elif kind == "code":
        q = dataclasses.replace(
            q,
            text="What does this print?",
            choices=("[1, 2, 3, 4]", "None"),
            code="items = [1, 2, 3]\nprint(items.append(4))  # \x1b[31m",
            language="python",
        )
    model.question = q
    return model


REVEALS: dict[str, tuple[Reveal, dict[str, Any]]] = {
    "truefalse": (Reveal(question_id="q3", index=2, total=10, reason="deadline", correct=1,
                         counts=(9, 15), answered=24, kind=Kind.TRUEFALSE), {"choice": 1}),
    "poll": (Reveal(question_id="q3", index=2, total=10, reason="deadline", correct=None,
                    counts=(5, 12, 7), answered=24, kind=Kind.POLL), {"choice": 2}),
    "text": (Reveal(question_id="q3", index=2, total=10, reason="deadline", correct=None,
                    counts=(10, 14), answered=24, kind=Kind.TEXT, accepted=("Canberra",)),
             {"value": HOSTILE}),
    "order": (Reveal(question_id="q3", index=2, total=10, reason="deadline", correct=None,
                     counts=(8, 12, 4), answered=24, kind=Kind.ORDER, order=(1, 0, 3, 2)),
              {"value": "0,1,3,2"}),
    "number": (Reveal(question_id="q3", index=2, total=10, reason="deadline", correct=None,
                      counts=(0, 2, 10, 8, 3, 1), answered=24, kind=Kind.NUMBER, number=1969),
               {"value": "1972"}),
}  # fmt: skip


def revealed(clock: FrozenClock, kind: str) -> PlayerModel:
    model = typed(clock, kind)
    reveal, mine = REVEALS[kind]
    model.phase, model.reveal = Phase.QUESTION_CLOSED, reveal
    points = {"truefalse": 950, "poll": 0, "text": 0, "order": 500, "number": 820}[kind]
    correct = kind == "truefalse"
    model.choice = mine.get("choice")
    model.typed = mine.get("value")
    model.result = ScoreMsg(
        game_id=CODE, seq=7, ts=clock(), player_id=ME, question_id="q3", index=2,
        accepted=True, correct=correct, choice=model.choice, points=points, bonus=0,
        total=2_410 + points, streak=0, rank=3, value=model.typed,
    )  # fmt: skip
    return model


def app_for(tmp: Path, model: PlayerModel, clock: FrozenClock) -> tuple[PlayerApp, ScriptedSession]:
    session = ScriptedSession(model, clock)
    sessions = ScriptedSessions(session, tmp / "players")
    app = PlayerApp(
        sessions, game=CODE, name="Alice", clock=clock, rng=random.Random(3),
        target_label="profile local",
    )  # fmt: skip
    return app, session


@pytest.mark.parametrize("kind", ["truefalse", "poll", "text", "order", "number", "code"])
def test_open_question_per_type(snap_compare: Any, tmp_path: Path, kind: str) -> None:
    clock = FrozenClock(T0)
    app, _ = app_for(tmp_path, typed(clock, kind), clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


@pytest.mark.parametrize("kind", ["truefalse", "poll", "text", "order", "number"])
def test_reveal_per_type(snap_compare: Any, tmp_path: Path, kind: str) -> None:
    clock = FrozenClock(T0)
    app, _ = app_for(tmp_path, revealed(clock, kind), clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def _screen_text(app: PlayerApp) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query("Static, ChoiceButton"))


async def _ready(pilot: Pilot[Any]) -> GameScreen:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, GameScreen)
    return screen


async def test_an_order_is_built_with_keys_undone_and_sent_whole(tmp_path: Path) -> None:
    clock = FrozenClock(T0)
    app, session = app_for(tmp_path, typed(clock, "order"), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(pilot)
        await pilot.press("b", "a", "c")
        await settle(pilot)
        assert screen.order_draft == [1, 0, 2]
        assert "Your order: Mercury > Venus > Mars" in _screen_text(app)
        await pilot.press("enter")  # incomplete: nothing sent
        await pilot.press("backspace")
        await pilot.press("4", "3")
        await settle(pilot)
        assert screen.order_draft == [1, 0, 3, 2] and session.sent == []
        await pilot.press("enter")
        await settle(pilot)
        assert session.sent == [{"order": [1, 0, 3, 2]}]
        assert screen.model.typed == "1,0,3,2"
        assert "Locked in" in _screen_text(
            app
        ) and "Mercury > Venus > Earth > Mars" in _screen_text(app)


async def test_a_text_answer_is_typed_and_sent_with_enter(tmp_path: Path) -> None:
    clock = FrozenClock(T0)
    app, session = app_for(tmp_path, typed(clock, "text"), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        box = app.screen.query_one("#q-input", Input)
        assert box.display and box.has_focus and box.max_length == 80
        await pilot.press("enter")  # empty: nothing sent
        await pilot.press(*"a b")  # the answer keys type into the box, they do not answer
        await pilot.press("enter")
        await settle(pilot)
        assert session.sent == [{"text": "a b"}] and session.answers == []
        assert not box.display


async def test_a_number_is_nudged_with_arrows_and_checked_against_the_range(tmp_path: Path) -> None:
    clock = FrozenClock(T0)
    app, session = app_for(tmp_path, typed(clock, "number"), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        box = app.screen.query_one("#q-input", Input)
        box.value = "2001"
        await pilot.press("enter")  # out of range: refused locally
        await settle(pilot)
        assert session.sent == []
        box.value = "1968"
        await pilot.press("up")
        assert box.value == "1969"
        await pilot.press("enter")
        await settle(pilot)
        assert session.sent == [{"number": 1969.0}]


async def test_a_hostile_typed_answer_is_shown_literally_at_the_reveal(tmp_path: Path) -> None:
    clock = FrozenClock(T0)
    app, _ = app_for(tmp_path, revealed(clock, "text"), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        text = _screen_text(app)
        assert "[bold red]x[/] ␛[2J" in text and "\x1b" not in text
        assert "accepted: Canberra" in text
