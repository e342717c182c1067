"""The player app in a hostile room: a markup nickname of its own and of the others, a quiz whose
text is markup, a bad --theme; every screen from the join form (and its rejoin offer) through
lobby, question, reveal and standings to the podium. The app keeps running and shows the text
literally."""

from __future__ import annotations

import pytest
from textual.widgets import Button
from textual.widgets._toast import Toast

from player.app import PlayerApp
from player.screens.game import GameScreen
from player.screens.join import JoinScreen
from tests.hostile_names import CHOICES, QUESTION, TITLE, assert_no_raw_controls, hostile_quiz

from .conftest import GameFactory, screen_text, wait_for, wait_text

pytestmark = pytest.mark.timeout(90)

ME = "[/]"
OTHERS = ("[/b]x", "[@click=app.quit]Q[/]")


def shown(app: PlayerApp) -> str:
    text = screen_text(app)
    assert_no_raw_controls(text)
    assert app.is_running, "the player app exited"
    return text


async def test_every_screen_shows_markup_literally(make_game: GameFactory) -> None:
    game = await make_game()
    code = await game.create(hostile_quiz())
    others = [await game.bystander(code, name) for name in OTHERS]

    first = game.app(game=code, name=ME, theme="[/]")
    async with first.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(first.screen, GameScreen), "the game screen")
        await wait_text(pilot, "Waiting for the host")
        text = shown(first)
        assert TITLE in text and f"You are {ME} · game {code}" in text
        # the toast is mounted a frame after the screen it belongs to: wait for it
        await wait_for(pilot, lambda: bool(first.screen.query(Toast)), "the theme toast")
        toast = first.screen.query_one(Toast)
        assert "Unknown theme '[/]'" in str(toast.render())
        await pilot.press("q")
    assert first.return_code == 0

    # back again without a code: the join screen offers the game under our literal name
    again = game.app()
    async with again.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(again.screen, JoinScreen), "the join screen")
        join = again.screen
        assert isinstance(join, JoinScreen)
        await wait_for(pilot, lambda: join.offer is not None, "the rejoin offer")
        await pilot.pause(0.1)
        assert str(join.query_one("#rejoin", Button).label) == f"Rejoin {code} as {ME}"
        assert f"You are still in game {code} as {ME}" in shown(again)
        await pilot.press("ctrl+g")
        await wait_text(pilot, "Welcome back")

        await game.command(code, "start")
        await wait_text(pilot, QUESTION)
        text = shown(again)
        for choice in CHOICES:
            assert choice in text
        await pilot.press("a")
        await wait_text(pilot, "Locked in")
        qid = again.session.model.question.question_id  # type: ignore[union-attr]
        await others[0].answer(qid, 0)
        await others[1].answer(qid, 1)
        await wait_text(pilot, "✔ Correct!")
        await pilot.press("l")
        await wait_text(pilot, "Leaderboard after question 1/2")
        text = shown(again)
        for name in (ME, *OTHERS):
            assert name in text

        await game.command(code, "next")
        await wait_text(pilot, "second [/]")
        await game.command(code, "end")
        await wait_text(pilot, "Game over")
        text = shown(again)
        assert f"Game over — {TITLE}" in text
        assert f"▶ {ME} ◀" in text and OTHERS[0] in text
