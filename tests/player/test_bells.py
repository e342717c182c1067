"""Terminal bell cues: off by default; with ``--bell`` (or ``s``) one bell when the answer is
locked in, one at time's up, one at the result — and none for what was already so."""

from __future__ import annotations

from pathlib import Path

import pytest

from player.bells import BellCues
from player.screens.game import GameScreen
from quizwire.messages import Reveal
from quizwire.state import Phase
from tui.clock import FrozenClock

from .scripted import T0, question, scripted_app

pytestmark = pytest.mark.timeout(60)

REVEAL = Reveal(question_id="q3", index=2, total=10, reason="deadline", correct=1,
                counts=(0, 1, 0, 0), answered=1)  # fmt: skip


def test_cues_ring_once_each_and_not_for_the_state_found_at_first() -> None:
    clock = FrozenClock(T0)
    model = question(clock)
    cues = BellCues()
    model.choice = 1
    assert cues.due(model, clock()) == []  # already locked when first seen: a rejoin, not news
    model.choice = None
    fresh = BellCues()
    assert fresh.due(model, clock()) == []
    model.choice = 1
    assert fresh.due(model, clock()) == ["locked"]
    assert fresh.due(model, clock()) == []
    clock.advance(12_000)  # the deadline
    assert fresh.due(model, clock()) == ["time_up"]
    model.phase, model.reveal = Phase.QUESTION_CLOSED, REVEAL
    assert fresh.due(model, clock()) == ["result"]
    assert fresh.due(model, clock()) == []


async def play_through(tmp_path: Path, *, bell: bool, toggle: bool = False) -> int:
    app, session = scripted_app(tmp_path, "question", bell=bell)
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, GameScreen)
        screen.tick()
        if toggle:
            await pilot.press("s")
        await pilot.press("b")
        await pilot.pause()
        screen.tick()
        clock = session.clock
        clock.advance(12_000)
        screen.tick()
        model = screen.model
        model.phase, model.reveal = Phase.QUESTION_CLOSED, REVEAL
        model.version += 1
        screen.tick()
        await pilot.pause()
    return len(rings)


async def test_no_bell_unless_asked(tmp_path: Path) -> None:
    assert await play_through(tmp_path, bell=False) == 0


async def test_bell_at_lock_in_time_up_and_result(tmp_path: Path) -> None:
    assert await play_through(tmp_path, bell=True) == 3


async def test_s_turns_the_bell_on(tmp_path: Path) -> None:
    assert await play_through(tmp_path, bell=False, toggle=True) == 3


def test_play_takes_bell_and_hands_it_to_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    from commands.cli import build_parser
    from player import app as player_app

    assert build_parser().parse_args(["play"]).bell is False
    args = build_parser().parse_args(
        ["play", "--game", "K7QX2M", "--endpoint", "http://127.0.0.1:9/event", "--bell"]
    )
    made: list[bool] = []

    def fake_run(self: player_app.PlayerApp) -> int:
        made.append(self.bell_cues)
        return 0

    monkeypatch.setattr(player_app.PlayerApp, "run", fake_run)
    monkeypatch.setattr(player_app, "real_sessions", lambda target: None)
    assert player_app.run(args) == 0
    assert made == [True]
