"""Team mode and the accessibility options in the player app: the join screen's team list, the
team and its rank on the top bar, the team board between questions and at the end, the player's
own countdown with extra time, "no time limit". Scripted sessions for the 80x24 snapshots; a
real stub for the join itself. Hostile team names show literally."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from player.screens.game import GameScreen
from player.screens.join import JoinScreen
from quizwire.messages import TeamEntry
from tests.game.harness import make_quiz
from tui.countdown import Countdown

from .conftest import GameFactory, screen_text, wait_for, wait_text
from .scripted import ScriptedSessions, scripted_app
from .test_snapshots import settle

pytestmark = pytest.mark.timeout(60)

EVIL_TEAM = "[red]Owls[/red]"
TEAMS = (
    TeamEntry(name="Foxes", score=2_900, rank=1, members=8),
    TeamEntry(name=EVIL_TEAM, score=2_410, rank=2, members=8),
    TeamEntry(name="Otters", score=1_200, rank=3, members=8),
)


def in_team(app: Any) -> None:
    model = app.sessions.session.model
    model.team, model.teams = EVIL_TEAM, TEAMS


async def to_board(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("l")
    await settle(pilot)


async def test_team_and_team_rank_on_screen(tmp_path: Path) -> None:
    app, _ = scripted_app(tmp_path, "revealed")
    in_team(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_board(pilot)
        text = screen_text(app)
        assert "Alice · 3,360 pts · #2 · Team [red]Owls[/red] #2/3" in text
        assert "Teams: 1 Foxes 2,900 · ▶2 [red]Owls[/red] 2,410 · 3 Otters 1,200" in text


def test_team_board_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    app, _ = scripted_app(tmp_path, "revealed")
    in_team(app)
    assert snap_compare(app, terminal_size=(80, 24), run_before=to_board)


def test_team_final_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    app, _ = scripted_app(tmp_path, "finished")
    in_team(app)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


async def test_own_countdown_with_extra_time_and_no_time_limit(tmp_path: Path) -> None:
    app, session = scripted_app(tmp_path, "question")
    model = session._model
    assert model.question is not None
    model.question = dataclasses.replace(
        model.question, closes_at=model.question.opens_at + 40_000
    )  # someone has +100%: the question stays open 40 s
    model.extra_time = 50
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        countdown = app.screen.query_one(Countdown)
        q = model.question
        assert countdown.deadline_ms == q.opens_at + 30_000  # this player's own 30 s
        model.question = dataclasses.replace(q, question_id="q4", index=3, timed=False)
        model.version += 1
        await settle(pilot)
        assert "no time limit" in str(countdown.render())


def test_join_screen_team_list_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    app, _ = scripted_app(tmp_path, None, join_form=True)
    sessions = app.sessions
    assert isinstance(sessions, ScriptedSessions)
    sessions.teams = [EVIL_TEAM, "Foxes", "Otters"]

    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for field in app.screen.query(Input):
            field.cursor_blink = False
        app.screen.query_one("#code", Input).value = "K7QX2M"
        await pilot.press("enter")  # the teams are offered, nothing joined yet
        await settle(pilot)
        assert isinstance(app.screen, JoinScreen)
        await pilot.press("down", "down")  # "Foxes"
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


async def test_join_picks_a_team_from_the_list(tmp_path: Path) -> None:
    app, session = scripted_app(tmp_path, None, join_form=True)
    sessions = app.sessions
    assert isinstance(sessions, ScriptedSessions)
    sessions.teams = [EVIL_TEAM, "Foxes"]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#code", Input).value = "K7QX2M"
        await pilot.press("enter")
        await settle(pilot)
        options = app.screen.query_one("#team", OptionList)
        assert [str(options.get_option_at_index(i).prompt) for i in range(3)] == [
            "Any team (you go to the smallest)",
            "Team [red]Owls[/red]",
            "Team Foxes",
        ]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, GameScreen)
        assert session.joined_team == EVIL_TEAM


async def test_a_real_stub_puts_the_player_in_the_chosen_or_smallest_team(
    make_game: GameFactory,
) -> None:
    game = await make_game()
    code = await game.create(make_quiz([(2, 0, 1000)]), teams=["Red", "Blue"])
    await game.bystander(code, "Bob")  # auto-assigned: Red (a tie, the first declared)
    app = game.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, JoinScreen), "the join screen")
        app.screen.query_one("#code", Input).value = code
        app.screen.query_one("#name", Input).value = "Alice"
        await pilot.press("enter")
        await wait_text(pilot, "plays in teams")
        await pilot.press("enter")  # "Any team": the smallest, Blue
        await wait_text(pilot, "Team Blue")
    view = await game.admin.view(code)
    assert {p["name"]: p["team"] for p in view["players"]} == {"Bob": "Red", "Alice": "Blue"}
    app = game.app(game=code, name="Cat", team="red")  # --team, matched after folding
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, GameScreen), "the game screen")
        await wait_text(pilot, "Team Red")
