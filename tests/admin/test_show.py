"""The show on the console, driven by a fake source and a clock the test moves: the get-ready
phase before the choices, the leaderboard after the reveal, the podium place by place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from admin.app import ConsoleApp
from tui.clock import FrozenClock

from .conftest import screen_text
from .fakes import CODE, QUESTION, REVEAL, T0, FakeSource, view
from .test_snapshots import SIZES, make_app, settle

pytestmark = pytest.mark.timeout(60)


def shown(app: ConsoleApp, selector: str) -> str:
    widget = app.screen.query_one(selector)
    return str(widget.render()) if widget.display else ""


def visible(app: ConsoleApp, selector: str) -> bool:
    widget = app.screen.query_one(selector)
    node: Any = widget
    while node is not None:
        if not node.display:
            return False
        node = node.parent
    return True


async def open_ready_question(source: FakeSource, pilot: Pilot[Any]) -> None:
    question = {**QUESTION, "readyMs": 3000, "opensAt": T0 + 3000, "deadline": T0 + 23000}
    current = view("question_open", seq=12)
    current["question"] = question
    source.current = current
    source.push("question", {"type": "question", "gameId": CODE, "seq": 12, "ts": T0, **question})
    await settle(pilot)


async def test_the_choices_appear_when_the_server_opens_them(tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    app = make_app(source, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_ready_question(source, pilot)
        assert "Which protocol" in shown(app, "#q-text")
        assert "Get ready" in shown(app, "#get-ready")
        assert not visible(app, "#q-choices") and not visible(app, "#histogram")
        clock = app.clock
        assert isinstance(clock, FrozenClock)
        clock.advance(3000)
        source.current["serverTime"] = T0 + 3000  # the server's clock moves too
        await settle(pilot)
        assert visible(app, "#q-choices") and not visible(app, "#get-ready")
        assert "WebSocket" in screen_text(app)


def board_before() -> list[dict[str, Any]]:
    """The standings as question 2 opened: Ann, Bob, Cat, Mal, Eve, Dan."""
    order = [("p-ann", "Ann", 1400), ("p-bob", "Bob", 1300), ("p-cat", "Cat", 200),
             ("p-mal", "[red]Mal漢字漢字漢字漢字漢字漢字漢字漢", 150),
             ("p-eve", "Eve", 100), ("p-dan", "Dan", 0)]  # fmt: skip
    return [
        {"playerId": pid, "name": name, "score": score, "rank": i + 1}
        for i, (pid, name, score) in enumerate(order)
    ]


def board_after() -> list[dict[str, Any]]:
    """After question 2: Cat climbs two places with +950, Ann stays first, Bob drops."""
    order = [("p-ann", "Ann", 2400, 1000), ("p-cat", "Cat", 1350, 950),
             ("p-bob", "Bob", 1300, 0), ("p-mal", "[red]Mal漢字漢字漢字漢字漢字漢字漢字漢", 700, 550),
             ("p-eve", "Eve", 500, 400), ("p-dan", "Dan", 0, 0)]  # fmt: skip
    return [
        {"playerId": pid, "name": name, "score": score, "rank": i + 1, "lastPoints": gain}
        for i, (pid, name, score, gain) in enumerate(order)
    ]


async def reveal_with_board(source: FakeSource, pilot: Pilot[Any]) -> None:
    """Question 1 revealed (board before), question 2 opened, then revealed (board after)."""
    first = view("question_closed", seq=8)
    first["question"] = {**QUESTION, "questionId": "q1", "index": 0}
    first["reveal"] = {**first["reveal"], "questionId": "q1", "index": 0}
    first["leaderboard"] = board_before()
    source.current = first
    await settle(pilot)
    opened = view("question_open", seq=12)
    opened["leaderboard"] = board_before()
    source.current = opened
    await settle(pilot)
    closed = view("question_closed", seq=13)
    closed["leaderboard"] = board_after()
    source.current = closed
    source.push("game", {"type": "question_closed", "gameId": CODE, "seq": 13, "ts": T0, **REVEAL})
    source.push(
        "leaderboard",
        {"type": "leaderboard", "gameId": CODE, "seq": 14, "ts": T0, "entries": board_after(),
         "players": 6},
    )  # fmt: skip
    await settle(pilot)


async def test_the_leaderboard_follows_the_reveal_with_gains_and_arrows(tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    app = make_app(source, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await reveal_with_board(source, pilot)
        assert visible(app, "#reveal-box") and not visible(app, "#board")
        clock = app.clock
        assert isinstance(clock, FrozenClock)
        clock.advance(5_000)  # the reveal has been up for a while: the board replaces it
        await settle(pilot)
        assert visible(app, "#board") and not visible(app, "#reveal-box")
        rows = shown(app, "#board-rows").splitlines()
        assert "Leaderboard after question 2 of 3" in shown(app, "#board-title")
        assert rows[0].split() == ["1", "=", "Ann", "2,400", "+1,000"]
        assert rows[1].split() == ["2", "▲1", "Cat", "1,350", "+950"]
        assert rows[2].split() == ["3", "▼1", "Bob", "1,300", "+0"]
        assert "[red]Mal漢字" in rows[3] and "…" in rows[3]  # literal, cut to its cells
        await pilot.press("v")  # the presenter goes back to the reveal
        await settle(pilot)
        assert visible(app, "#reveal-box") and not visible(app, "#board")
        await pilot.press("v")
        await settle(pilot)
        assert visible(app, "#board")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_board_snapshot(snap_compare: Any, size: tuple[int, int], tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    app = make_app(source, tmp_path)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await reveal_with_board(source, pilot)
        await pilot.press("v")  # straight to the board
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def finish(source: FakeSource, pilot: Pilot[Any]) -> None:
    """The game finishes with Ann, Cat and a long hostile name on the podium."""
    await settle(pilot)
    podium = board_after()[:3]
    podium[2] = {**podium[2], "name": "[red]Mal漢字漢字漢字漢字漢字漢字漢字漢"}
    source.current = view("finished", seq=20)
    source.current["leaderboard"] = podium
    source.push(
        "game",
        {"type": "finished", "gameId": CODE, "seq": 20, "ts": T0, "reason": "completed",
         "podium": podium},
    )  # fmt: skip
    await settle(pilot)


async def test_the_podium_is_revealed_third_second_then_first(tmp_path: Path) -> None:
    source = FakeSource(view("question_closed", seq=13))
    app = make_app(source, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await finish(source, pilot)
        clock = app.clock
        assert isinstance(clock, FrozenClock)
        steps = {place: lambda p=place: shown(app, f"#place-{p}") for place in (1, 2, 3)}
        assert "[red]Mal漢字" in steps[3]() and "…" in steps[3]()  # literal and cut
        assert "Cat" not in steps[2]() and "Ann" not in steps[1]()
        assert "wins" not in shown(app, "#winner")
        clock.advance(1_500)
        await settle(pilot)
        assert "Cat" in steps[2]() and "1,350 pts" in steps[2]() and "Ann" not in steps[1]()
        clock.advance(1_500)
        await settle(pilot)
        assert "Ann" in steps[1]() and "2,400 pts" in steps[1]()
        assert shown(app, "#winner") == "🏆 Ann wins with 2,400 points!"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_podium_snapshot(snap_compare: Any, size: tuple[int, int], tmp_path: Path) -> None:
    source = FakeSource(view("question_closed", seq=13))
    app = make_app(source, tmp_path)

    async def run_before(pilot: Pilot[Any]) -> None:
        await finish(source, pilot)
        assert isinstance(app.clock, FrozenClock)
        app.clock.advance(3_000)  # every place revealed
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
