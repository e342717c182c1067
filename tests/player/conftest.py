"""Fixtures for the player app: a real in-process stub on a free 127.0.0.1 port, the presenter
(AdminClient with the stub's IAM credentials), and real sessions with isolated credentials."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tenacity import wait_fixed
from textual.pilot import Pilot
from textual.widgets import Button, Static

from backend_stub.app import Stub
from eventapi import ReconnectPolicy
from player.app import PlayerApp
from player.session import RealSessions
from player.target import Target
from quizwire.client.game_api import AdminClient, EntryClient
from tests.game.harness import Player, make_quiz, presenter_auth, stub_config
from tui.badge import ConnectionBadge
from tui.choices import ChoiceButton
from tui.leaderboard import LeaderboardTable

WAIT_S = 10.0

#: a quiz whose text tries Rich markup on the player's screen (the stub refuses control
#: characters in quizzes, so escape sequences are forged onto the channel by the tests)
HOSTILE_QUIZ: dict[str, Any] = {
    "title": "[bold red]x[/] quiz",
    "defaults": {"ready_seconds": 0},  # the (hostile) choices are shown as the question opens
    "questions": [
        {
            "text": "[bold red]x[/] [2J which?",
            "choices": ["[bold red]x[/]", "[2Jclear", "[link=http://evil]y[/link]", "ok"],
            "answer": "D",
            "points": 1000,
        }
    ],
}


async def wait_for(
    pilot: Pilot[Any], predicate: Callable[[], bool], what: str, within: float = WAIT_S
) -> None:
    """Let the app run until ``predicate()`` holds (an upper bound, not a timing assertion)."""
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            app = pilot.app
            shown = screen_text(app) if isinstance(app, PlayerApp) else ""
            raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{shown}")
        await pilot.pause(0.05)


async def wait_text(pilot: Pilot[Any], text: str, within: float = WAIT_S) -> None:
    app = pilot.app
    assert isinstance(app, PlayerApp)
    await wait_for(pilot, lambda: text in screen_text(app), repr(text), within)


def screen_text(app: PlayerApp) -> str:
    """Everything the current screen shows, as plain text (what a person would read)."""
    parts: list[str] = []
    for widget in app.screen.query("*"):
        if not widget.display or not widget.is_on_screen:
            continue
        if isinstance(widget, (Static, ChoiceButton, Button, ConnectionBadge)):
            parts.append(str(widget.render()))
        elif isinstance(widget, LeaderboardTable):
            for row in widget.ordered_rows:
                parts.append("  ".join(str(c) for c in widget.get_row(row.key)))
    return "\n".join(parts)


@dataclass
class Game:
    """A stub with a presenter, for one test."""

    stub: Stub
    admin: AdminClient
    data_dir: Path
    credentials: Path
    stubs: list[Stub] = field(default_factory=list)
    others: list[Player] = field(default_factory=list)

    @property
    def target(self) -> Target:
        http = self.stub.events.http_url
        return Target(http_endpoint=http, game_api=self.stub.game_api, label=http)

    def sessions(self) -> RealSessions:
        return RealSessions(
            self.target,
            credentials_root=self.credentials,
            backoff=0.05,
            reconnect=ReconnectPolicy(wait_fixed(0.1), 0.0, None),
        )

    def app(self, **kwargs: Any) -> PlayerApp:
        kwargs.setdefault("target_label", "test stub")
        return PlayerApp(self.sessions(), **kwargs)

    async def create(self, quiz: dict[str, Any] | None = None, **options: Any) -> str:
        created = await self.admin.create_game(
            quiz=quiz or make_quiz([(4, 1, 1000), (4, 2, 1000)], title="Test quiz"),
            options=options or None,
        )
        return str(created["gameId"])

    async def command(self, code: str, command: str) -> dict[str, Any]:
        return await self.admin.command(code, command)

    async def restart(self, *, entry_rate: float = 2000.0) -> None:
        """Stop the stub and start a new one on the same port and data dir (a server restart)."""
        port = self.stub.events.port
        await self.stop()
        await self.start(port, entry_rate=entry_rate)

    async def stop(self) -> None:
        await self.stub.stop()

    async def start(self, port: int, *, entry_rate: float = 2000.0) -> Stub:
        """A stub on ``port`` (0: a free one) over the same data dir."""
        config = dataclasses.replace(stub_config(), port=port)
        self.stub = Stub(config, self.data_dir, entry_rate=entry_rate, coalesce_interval=0.05)
        await self.stub.start()
        self.stubs.append(self.stub)
        old, self.admin = self.admin, AdminClient(self.stub.game_api, presenter_auth())
        await old.close()
        return self.stub

    async def bystander(self, code: str, name: str = "Bob") -> Player:
        """Another player, connected but idle: questions stay open until the presenter reveals."""
        entry = EntryClient(self.stub.game_api, backoff=0.05)
        player = Player(name, code, self.stub.events.http_url, entry)
        self.others.append(player)
        await player.join()
        await player.connect()
        return player


GameFactory = Callable[..., Awaitable[Game]]


@pytest.fixture
async def make_game(tmp_path: Path) -> AsyncIterator[GameFactory]:
    games: list[Game] = []

    async def factory(*, entry_rate: float = 2000.0) -> Game:
        data = tmp_path / f"stub{len(games)}"
        data.mkdir()
        stub = Stub(stub_config(), data, entry_rate=entry_rate, coalesce_interval=0.05)
        await stub.start()
        admin = AdminClient(stub.game_api, presenter_auth())
        game = Game(stub, admin, data, tmp_path / f"players{len(games)}", [stub])
        games.append(game)
        return game

    yield factory
    for game in reversed(games):
        for player in game.others:
            with contextlib.suppress(Exception):
                await player.close()
                await player.entry.close()
        with contextlib.suppress(Exception):
            await game.admin.close()
        for stub in reversed(game.stubs):
            with contextlib.suppress(Exception):
                await stub.stop()
