"""The get-ready phase on the player's screen: the question alone with a countdown, no choices
and no answer keys until the server's opening time, then the choices and the answer timer."""

from __future__ import annotations

from pathlib import Path

import pytest

from player.screens.game import GameScreen
from tui.choices import ChoiceButton
from tui.clock import FrozenClock
from tui.countdown import Countdown

from .scripted import scripted_app

pytestmark = pytest.mark.timeout(60)


async def test_choices_appear_and_answers_open_only_when_the_server_opens_them(
    tmp_path: Path,
) -> None:
    app, session = scripted_app(tmp_path, "get_ready")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, GameScreen)
        screen.tick()
        await pilot.pause()
        visible = [b for b in screen.query(ChoiceButton) if b.display]
        assert visible == []
        status = str(screen.query_one("#q-status").render())
        assert "Get ready…" in status and "the choices appear in 2 s" in status
        assert "Which planet is known as the Red Planet?" in str(
            screen.query_one("#q-text").render()
        )
        countdown = screen.query_one(Countdown)
        assert countdown.deadline_ms == screen.model.question.opens_at  # type: ignore[union-attr]
        await pilot.press("b")
        await pilot.pause()
        assert session.answers == [] and screen.model.choice is None

        clock = session.clock
        assert isinstance(clock, FrozenClock)
        clock.advance(2_000)
        screen.tick()
        await pilot.pause()
        visible = [b for b in screen.query(ChoiceButton) if b.display]
        assert [b.text for b in visible] == ["Venus", "Mars", "Jupiter", "Saturn"]
        assert countdown.deadline_ms == screen.model.question.deadline  # type: ignore[union-attr]
        await pilot.press("b")
        await pilot.pause()
        assert session.answers == [1]


async def test_the_player_sees_their_gain_and_rank_move_after_the_reveal(tmp_path: Path) -> None:
    app, _session = scripted_app(tmp_path, "revealed")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, GameScreen)
        screen.tick()
        await pilot.pause()
        assert "rank #2 of 24 ▲1" in str(screen.query_one("#q-status").render())
        await pilot.press("l")
        await pilot.pause()
        move = str(screen.query_one("#board-move").render())
        assert move == "This question: +950 · ▲1 (from #3)"
