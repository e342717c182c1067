"""Screens that need exact control, over a scripted session with a frozen clock: every answer
refusal, removal, the offline badge, escape sequences reaching the display layer, the UI-under-load
rule, and ``run()`` without a target."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pytest

from eventapi import ConnectionState
from player.app import run
from player.screens.game import GameScreen

from .conftest import screen_text, wait_for, wait_text
from .scripted import scripted_app

pytestmark = pytest.mark.timeout(60)

#: the answer refusals a player can meet, as the server words them (quizwire.answers)
REFUSALS = [
    "The question has closed: your answer came too late.",
    "You were removed from this game by the presenter.",
    "This game has finished.",
    "You already answered this question.",
    "Your answer could not be sent (ConnectionClosed); try again.",
    "No question is open yet.",
]


@pytest.mark.parametrize("reason", REFUSALS)
async def test_each_refusal_is_shown(tmp_path: Path, reason: str) -> None:
    app, session = scripted_app(tmp_path, "question")
    session.refuse_with = reason
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_text(pilot, "Question 3/10")
        await pilot.press("c")
        await wait_text(pilot, f"✘ {reason}")
        assert session.answers == [2]
        screen = app.screen
        assert isinstance(screen, GameScreen)
        assert screen.view == "question"  # a plain refusal is not a removal


async def test_removal_found_after_a_refusal_shows_the_removed_screen(tmp_path: Path) -> None:
    app, session = scripted_app(tmp_path, "question")
    session.refuse_with = "Unauthorized"
    session.standing = "The host removed you from this game."
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_text(pilot, "Question 3/10")
        await pilot.press("a")
        await wait_text(pilot, "You are out of this game")
        assert "The host removed you from this game." in screen_text(app)
        await pilot.press("b")  # answer keys do nothing any more
        assert session.answers == [0]


async def test_badge_follows_the_connection(tmp_path: Path) -> None:
    app, session = scripted_app(tmp_path, "lobby")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_text(pilot, "● connected")
        session.state = ConnectionState.RECONNECTING
        await wait_text(pilot, "◐ reconnecting…")
        session.state = ConnectionState.CLOSED
        await wait_text(pilot, "○ offline")


async def test_escape_sequences_in_the_model_never_reach_the_terminal(tmp_path: Path) -> None:
    """Defence in depth: even if a control sequence got past the message parser, the widgets
    show it as a visible stand-in."""
    app, session = scripted_app(tmp_path, "question")
    model = session.model
    assert model is not None and model.question is not None
    model.question = dataclasses.replace(
        model.question,
        text="[bold red]x[/] \x1b[2J\x1b]0;pwned\x07",
        choices=("\x1b[31mred[/]", "[link=http://e]y[/link]"),
    )
    model.name = "[blink]Al\x1bice"
    model.title = "\x9b2J title"
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_text(pilot, "Question 3/10")
        text = screen_text(app)
        assert "[bold red]x[/] ␛[2J␛]0;pwned␇" in text
        assert "␛[31mred[/]" in text and "[link=http://e]y[/link]" in text
        assert "[blink]Al␛ice" in text
        assert not any(ch in text for ch in "\x1b\x07\x9b")
        assert "\x1b" not in app.export_screenshot()


async def test_ui_work_follows_ticks_not_network_events(tmp_path: Path) -> None:
    """A flood of model changes is rendered at most once per timer tick, and nothing is
    rendered while the model stands still."""
    app, session = scripted_app(tmp_path, "lobby", tick_hz=20.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_text(pilot, "12 players in the lobby")
        screen = app.screen
        assert isinstance(screen, GameScreen)
        session.burst = 500  # 500 "events" per pump
        pumps, renders = session.pumps, screen.renders
        await wait_for(pilot, lambda: session.pumps >= pumps + 10, "ten ticks")
        session.burst = 0
        events = (session.pumps - pumps) * 500
        assert screen.renders - renders <= session.pumps - pumps + 1
        assert events >= 5000
        await pilot.pause(0.1)
        idle_renders, idle_pumps = screen.renders, session.pumps
        await wait_for(pilot, lambda: session.pumps >= idle_pumps + 5, "five idle ticks")
        assert screen.renders == idle_renders


async def test_answer_keys_before_and_after_the_deadline(tmp_path: Path) -> None:
    app, session = scripted_app(tmp_path, "question")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_text(pilot, "Press A-D or 1-4")
        await pilot.press("6")  # no sixth choice: ignored
        session.clock.advance(12_001)  # past the deadline (frozen clock)
        await wait_text(pilot, "Time's up — waiting for the reveal.")
        await pilot.press("a")
        await pilot.pause(0.1)
        assert session.answers == []


def test_run_without_a_target_explains_and_returns_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUIZWIRE_CONFIG_DIR", str(tmp_path / "config"))
    args = argparse.Namespace(
        game=None, name=None, random_name=False, profile="local", endpoint=None,
        game_api=None, api_key=None, theme=None,
    )  # fmt: skip
    assert run(args) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err
        == "quizwire play: no profile 'local' — start `quizwire stub` first or pass --endpoint URL"
    )
    args.endpoint = "ftp://nowhere"
    assert run(args) == 2
    assert "--endpoint must be the Event API's http(s) URL" in capsys.readouterr().err


async def test_themes_from_the_command_line_and_the_t_key(tmp_path: Path) -> None:
    app, _ = scripted_app(tmp_path, "lobby", theme="nord")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_text(pilot, "12 players in the lobby")
        assert app.theme == "nord"
        await pilot.press("t")
        await pilot.pause()
        assert app.theme != "nord"
    unknown, _ = scripted_app(tmp_path, "lobby", theme="no-such-theme")
    async with unknown.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_text(pilot, "12 players in the lobby")
        assert unknown.theme == "quizwire"
        assert any("Unknown theme 'no-such-theme'" in n.message for n in unknown._notifications)
