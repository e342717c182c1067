"""Team mode and extra time on the console, with a fake source and a frozen clock: both boards
between questions, the team podium at the end, team counts in the lobby, ``t`` giving the
selected player extra time (⏱ in the list), "no time limit" on a question without a timer.
Hostile team names show literally."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from textual.pilot import Pilot

from admin.widgets import PlayerTable
from tui.clock import FrozenClock

from .fakes import CODE, QUESTION, T0, FakeSource, view
from .test_show import board_after, finish, reveal_with_board, shown, visible
from .test_snapshots import make_app, settle

pytestmark = pytest.mark.timeout(60)

EVIL_TEAM = "[red]Owls[/red]漢字漢字"
TEAMS = [
    {"name": EVIL_TEAM, "score": 1_450, "rank": 1, "members": 3},
    {"name": "Foxes", "score": 900, "rank": 2, "members": 2},
    {"name": "Otters", "score": 900, "rank": 2, "members": 1},
]
TEAM_OF = {"p-ann": EVIL_TEAM, "p-bob": "Foxes", "p-cat": EVIL_TEAM, "p-dan": "Otters",
           "p-eve": "Foxes", "p-mal": EVIL_TEAM}  # fmt: skip


def in_teams(current: dict[str, Any]) -> dict[str, Any]:
    current["teamNames"] = [EVIL_TEAM, "Foxes", "Otters"]
    current["teams"] = TEAMS
    for row in current["players"]:
        row["team"] = TEAM_OF[row["playerId"]]
        row["extraTime"] = 50 if row["playerId"] == "p-bob" else 0
    return current


async def team_board(source: FakeSource, pilot: Pilot[Any]) -> None:
    await settle(pilot)
    source.current = in_teams(source.current)
    await reveal_with_board(source, pilot)
    source.current = in_teams(source.current)
    source.push(
        "leaderboard",
        {"type": "leaderboard", "gameId": CODE, "seq": 15, "ts": T0, "entries": board_after(),
         "players": 6, "teams": TEAMS},
    )  # fmt: skip
    await pilot.press("v")  # straight to the board
    await settle(pilot)


async def test_both_boards_between_questions(tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    app = make_app(source, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await team_board(source, pilot)
        assert visible(app, "#board-rows") and visible(app, "#team-rows")
        rows = shown(app, "#team-rows").splitlines()
        assert rows[0] == "Teams (score = mean of the members)"
        assert rows[1].split()[0] == "1" and "[red]Owls[/red]" in rows[1]  # literal markup
        assert rows[1].split()[-4:] == ["1,450", "mean", "of", "3"]
        assert rows[2].split() == ["2", "Foxes", "900", "mean", "of", "2"]
        assert rows[3].split() == ["2", "Otters", "900", "mean", "of", "1"]  # tied: rank shared
        assert shown(app, "#board-rows").splitlines()[0].split()[2] == "Ann"


def test_team_board_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    app = make_app(source, tmp_path)

    async def run_before(pilot: Pilot[Any]) -> None:
        await team_board(source, pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def finished_in_teams(source: FakeSource, pilot: Pilot[Any], app: Any) -> None:
    source.current = in_teams(source.current)
    await finish(source, pilot)
    source.push(
        "leaderboard",
        {"type": "leaderboard", "gameId": CODE, "seq": 21, "ts": T0, "entries": board_after(),
         "players": 6, "teams": TEAMS},
    )  # fmt: skip
    source.current = in_teams(source.current)
    assert isinstance(app.clock, FrozenClock)
    app.clock.advance(3_000)  # every place revealed
    await settle(pilot)


async def test_team_podium_at_the_end(tmp_path: Path) -> None:
    source = FakeSource(view("question_closed", seq=13))
    app = make_app(source, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await finished_in_teams(source, pilot, app)
        line = shown(app, "#team-podium")
        assert line.startswith("Teams: 1st [red]Owls[/red]")
        assert "2nd Foxes 900 · 2nd Otters 900" in line


def test_team_podium_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    source = FakeSource(view("question_closed", seq=13))
    app = make_app(source, tmp_path)

    async def run_before(pilot: Pilot[Any]) -> None:
        await finished_in_teams(source, pilot, app)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_lobby_team_counts_and_extra_time_key(tmp_path: Path) -> None:
    source = FakeSource(in_teams(view("lobby")))
    app = make_app(source, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        count = shown(app, "#lobby-count")
        assert "[red]Owls[/red]漢字漢字 3 · Foxes 2 · Otters 1" in count
        table = app.screen.query_one("#lobby-players", PlayerTable)
        names = [str(table.get_cell(key, "name")) for key in list(table.rows)]
        assert "⏱ Bob" in names and "Ann" in names  # extra time shows in the list
        table.focus()
        while table.selected_player() != "p-bob":
            await pilot.press("down")
        await settle(pilot)
        assert "Selected: Bob (team Foxes · +50% time)" in shown(app, "#selected")
        await pilot.press("t")  # +50% -> +100%
        await settle(pilot)
        assert ("extra_time", CODE, "p-bob", 100) in source.calls
        for row in source.current["players"]:
            if row["playerId"] == "p-bob":
                row["extraTime"] = 100
        await settle(pilot)
        await pilot.press("t")  # +100% -> none
        await settle(pilot)
        assert ("extra_time", CODE, "p-bob", 0) in source.calls


async def test_a_question_without_timer_says_so(tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    app = make_app(source, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        opens_at = cast(int, QUESTION["opensAt"])
        untimed = {**QUESTION, "timer": False, "deadline": opens_at + 3_600_000,
                   "durationMs": 3_600_000}  # fmt: skip
        current = view("question_open", seq=12)
        current["question"] = untimed
        source.current = current
        source.push(
            "question", {"type": "question", "gameId": CODE, "seq": 12, "ts": T0, **untimed}
        )
        await settle(pilot)
        assert shown(app, "#countdown").strip() == "no time limit"


async def test_setup_takes_team_names_and_explains_bad_ones(tmp_path: Path) -> None:
    from textual.widgets import Input, OptionList

    source = FakeSource(view("lobby"))
    app = make_app(source, tmp_path, code=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        packs = app.screen.query_one("#packs", OptionList)
        packs.highlighted = 0  # a bundled pack is picked
        await settle(pilot)
        teams = app.screen.query_one("#teams", Input)
        teams.value = "Red, red"
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert not [c for c in source.calls if c[0] == "create"]
        assert "Teams: team 2 'red' is the same name as 'Red'" in shown(app, "#quiz-status")
        teams.value = " Red ,  Blue  Team,"
        await pilot.press("ctrl+g")
        await settle(pilot)
        created = [c for c in source.calls if c[0] == "create"]
        assert created and created[0][3]["teams"] == ["Red", "Blue Team"]
