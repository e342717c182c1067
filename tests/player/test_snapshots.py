"""Snapshots of the main screens at 80x24 (and one large terminal), with a scripted session and
a frozen clock: join, lobby, question, locked, reveal, leaderboard, end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from player.screens.game import GameScreen
from quizwire.client.player import SavedPlayer

from .scripted import CODE, ME, ScriptedSessions, scripted_app

pytestmark = pytest.mark.timeout(60)


async def settle(pilot: Pilot[Any]) -> None:
    for field in pilot.app.query(Input):
        field.cursor_blink = False
    for _ in range(3):
        await pilot.pause()
    screen = pilot.app.screen
    if isinstance(screen, GameScreen):
        screen.tick()
        await pilot.pause()


def test_join_screen(snap_compare: Any, tmp_path: Path) -> None:
    app, _ = scripted_app(tmp_path, None, join_form=True)

    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app.screen.query_one("#code", Input).value = "K7QX2M"
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


@pytest.mark.parametrize(
    "state",
    ["lobby", "get_ready", "question", "locked", "revealed", "revealed_six", "finished"],
)
def test_game_screens(snap_compare: Any, tmp_path: Path, state: str) -> None:
    app, _ = scripted_app(tmp_path, state)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_leaderboard(snap_compare: Any, tmp_path: Path) -> None:
    app, _ = scripted_app(tmp_path, "revealed")

    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_question_on_a_large_terminal(snap_compare: Any, tmp_path: Path) -> None:
    app, _ = scripted_app(tmp_path, "locked")
    assert snap_compare(app, terminal_size=(140, 42), run_before=settle)


def test_join_screen_offering_a_rejoin(snap_compare: Any, tmp_path: Path) -> None:
    app, _ = scripted_app(tmp_path, None, join_form=True)
    sessions = app.sessions
    assert isinstance(sessions, ScriptedSessions)
    sessions.running = SavedPlayer(CODE, ME, "Alice", "qw1.token", "http://scripted/event")
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_removed_screen(snap_compare: Any, tmp_path: Path) -> None:
    app, session = scripted_app(tmp_path, "question")
    session.removed = "The host removed you from this game."
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)
