"""Snapshots of each phase, driven by a fake source and a frozen clock (no network, no time)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from admin.app import ConsoleApp
from tui.clock import FrozenClock

from .fakes import ANSWERS, CODE, QUESTION, REVEAL, T0, FakeSource, answer_event, leaderboard, view

SIZES = [(80, 24), (160, 48)]


def make_app(source: FakeSource, tmp_path: Path, code: str | None = CODE) -> ConsoleApp:
    return ConsoleApp(
        source,
        code=code,
        clock=FrozenClock(T0),
        export_dir=tmp_path,
        auto_export=False,
        poll_s=0.1,  # the view converges many times within one settle()
    )


async def settle(pilot: Pilot[Any], *, within_s: float = 10.0) -> None:
    """Let the console converge: a few polls of the source, then until two screens in a row
    are the same (on a loaded machine a poll or a refresh can lag a fixed pause)."""
    for _ in range(4):
        await pilot.pause(0.12)
    previous = pilot.app.export_screenshot()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while loop.time() < deadline:
        await pilot.pause(0.15)
        screen = pilot.app.export_screenshot()
        if screen == previous:
            return
        previous = screen


def question_msg() -> dict[str, Any]:
    return {
        "type": "question",
        "gameId": CODE,
        "seq": 12,
        "ts": T0 - 5000,
        **view("question_open")["question"],
    }


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_setup(snap_compare: Any, size: tuple[int, int], tmp_path: Path) -> None:
    app = make_app(FakeSource(), tmp_path, code=None)
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lobby(snap_compare: Any, size: tuple[int, int], tmp_path: Path) -> None:
    source = FakeSource(view("lobby", players=3))

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        source.current = view("lobby")  # three more join: the feed shows them
        await settle(pilot)

    assert snap_compare(make_app(source, tmp_path), terminal_size=size, run_before=run_before)


def drive_question(source: FakeSource) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        source.current = view("question_open", seq=12)
        source.push("question", question_msg())
        for pid, choice, ms in ANSWERS:
            source.push("answer", answer_event(pid, choice, ms))
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_question(snap_compare: Any, size: tuple[int, int], tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    assert snap_compare(
        make_app(source, tmp_path), terminal_size=size, run_before=drive_question(source)
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_reveal(snap_compare: Any, size: tuple[int, int], tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    question = drive_question(source)

    async def run_before(pilot: Pilot[Any]) -> None:
        await question(pilot)
        source.current = view("question_closed", seq=13)
        source.push(
            "game", {"type": "question_closed", "gameId": CODE, "seq": 13, "ts": T0, **REVEAL}
        )
        source.push(
            "leaderboard",
            {
                "type": "leaderboard",
                "gameId": CODE,
                "seq": 14,
                "ts": T0,
                "entries": leaderboard(),
                "players": 6,
            },
        )
        await settle(pilot)

    assert snap_compare(make_app(source, tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_end(snap_compare: Any, size: tuple[int, int], tmp_path: Path) -> None:
    source = FakeSource(view("question_closed", seq=13))

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        source.current = view("finished", seq=20)
        podium = leaderboard()[:3]
        source.push(
            "game",
            {
                "type": "finished",
                "gameId": CODE,
                "seq": 20,
                "ts": T0,
                "reason": "completed",
                "podium": podium,
            },
        )
        await settle(pilot)

    assert snap_compare(make_app(source, tmp_path), terminal_size=size, run_before=run_before)


def ready_question(source: FakeSource) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Question 2 shown at T0, its choices opening 3 s later (the get-ready phase)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        question = {**QUESTION, "readyMs": 3000, "opensAt": T0 + 3000, "deadline": T0 + 23000}
        current = view("question_open", seq=12)
        current["question"] = question
        source.current = current
        source.push(
            "question", {"type": "question", "gameId": CODE, "seq": 12, "ts": T0, **question}
        )
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_get_ready(snap_compare: Any, size: tuple[int, int], tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    assert snap_compare(
        make_app(source, tmp_path), terminal_size=size, run_before=ready_question(source)
    )
