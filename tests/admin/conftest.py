"""Fixtures for the console tests: a real in-process stub on a free port, players from the game
harness, and helpers to read what the console shows."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot

from admin.app import ConsoleApp
from admin.source import LiveSource
from backend_stub.app import Stub
from quizwire.client.game_api import AdminClient, EntryClient
from quizwire.profiles import Profile
from tests.game.harness import KEY_ID, REGION, SECRET, Player, presenter_auth, stub_config

WAIT_S = 10.0


def profile_for(stub: Stub, name: str = "local") -> Profile:
    return Profile(
        name=name,
        http_endpoint=stub.events.http_url,
        realtime_endpoint=stub.events.realtime_url,
        region=REGION,
        access_key_id=KEY_ID,
        secret_access_key=SECRET,
        game_api=stub.game_api,
        source="quizwire stub",
    )


def screen_text(app: App[Any]) -> str:
    """The whole rendered screen as plain text (what a person would read)."""
    console = Console(
        width=app.size.width,
        height=app.size.height,
        file=io.StringIO(),
        record=True,
        legacy_windows=False,
        force_terminal=True,
        color_system="truecolor",
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


async def wait_until(
    pilot: Pilot[Any], predicate: Callable[[], bool], what: str, within: float = WAIT_S
) -> None:
    """Let the app run until ``predicate()`` holds (an upper bound, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}\n{screen_text(pilot.app)}")
        await pilot.pause(0.05)


@pytest.fixture
async def stub(tmp_path: Path) -> AsyncIterator[Stub]:
    data = tmp_path / "stub"
    data.mkdir()
    s = Stub(stub_config(), data, coalesce_interval=0.1)
    await s.start()
    yield s
    await s.stop()


@pytest.fixture
async def admin(stub: Stub) -> AsyncIterator[AdminClient]:
    client = AdminClient(stub.game_api, presenter_auth())
    yield client
    await client.close()


@pytest.fixture
async def players(stub: Stub) -> AsyncIterator[Callable[..., Any]]:
    """``await join(code, name)``: a joined, connected player (closed at teardown)."""
    entry = EntryClient(stub.game_api, backoff=0.1, backoff_cap=1.0)
    made: list[Player] = []

    async def join(code: str, name: str) -> Player:
        player = Player(name, code, stub.events.http_url, entry)
        await player.join()
        await player.connect()
        made.append(player)
        return player

    yield join
    for p in made:
        with contextlib.suppress(Exception):
            await p.close()
    await entry.close()


@pytest.fixture
def console(stub: Stub, tmp_path: Path) -> Callable[..., ConsoleApp]:
    def factory(**kwargs: Any) -> ConsoleApp:
        kwargs.setdefault("export_dir", tmp_path / "exports")
        kwargs.setdefault("tick_s", 0.05)
        kwargs.setdefault("poll_s", 0.2)
        return ConsoleApp(LiveSource(profile_for(stub)), **kwargs)

    return factory
