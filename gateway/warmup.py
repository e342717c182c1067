"""Run the player app once, headless and offline, in the zygote before it forks: everything a
session imports, parses or caches on its first screens (Textual's lazy modules, each widget's
CSS, Rich's caches) is then already in the zygote's pages, shared by every session instead of
built again in each."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eventapi import ConnectionState
from player.app import PlayerApp
from player.session import OnRetry, OnState
from quizwire.client.player import CredentialStore, SavedPlayer
from quizwire.messages import PublicQuestion
from quizwire.play_model import PlayerModel
from quizwire.state import Phase
from tui.clock import wall_ms

__all__ = ["warm_up"]

CODE = "WARMUP"


class _Session:
    """Joins at once; its model goes from the lobby to an open question."""

    rejoined = False
    removed: str | None = None
    state = ConnectionState.CONNECTED

    def __init__(self) -> None:
        self.model: PlayerModel | None = None

    async def join(self, code: str, name: str, team: str | None = None) -> SavedPlayer:
        return SavedPlayer(code, "warm", name, "warm", "http://warm-up/event")

    async def connect(self) -> PlayerModel:
        self.model = PlayerModel(CODE, "warm", "warm")
        return self.model

    def pump(self) -> bool:
        return False

    async def answer(self, choice: int) -> str | None:
        return None

    async def send_answer(self, fields: Mapping[str, Any]) -> str | None:
        return None

    async def check_standing(self) -> str | None:
        return None

    async def close(self) -> None:
        return None


class _Sessions:
    def __init__(self, root: Path) -> None:
        self.credentials = CredentialStore(root)
        self.session = _Session()

    def __call__(self, on_state: OnState, on_retry: OnRetry) -> _Session:
        return self.session

    async def running_game(self) -> SavedPlayer | None:
        return None

    async def game_teams(self, code: str) -> list[str]:
        return []


async def _drive(root: Path) -> None:
    sessions = _Sessions(root)
    app = PlayerApp(sessions, game=CODE, name="warm", target_label="warm-up")
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):  # the join screen, then the lobby
            if sessions.session.model is not None:
                break
            await pilot.pause(0.02)
        model = sessions.session.model
        if model is None:
            return
        await pilot.pause(0.1)
        _open_question(model)
        await pilot.pause(0.2)


def _open_question(model: PlayerModel) -> None:
    now = wall_ms()
    model.question = PublicQuestion(
        question_id="q1",
        index=0,
        total=1,
        text="Warm-up?",
        choices=("yes", "no", "maybe", "later"),
        points=1000,
        duration_ms=20_000,
        opens_at=now,
        deadline=now + 20_000,
    )
    model.phase = Phase.QUESTION_OPEN
    model.version += 1


async def _http_round_trip() -> None:
    """One real request, so the HTTP stack's lazily imported modules (anyio's backend,
    httpcore, h11) are loaded here rather than in every session."""
    import httpx

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            await client.get(f"http://127.0.0.1:{port}/")
    finally:
        server.close()
        await server.wait_closed()


def warm_up() -> None:
    with tempfile.TemporaryDirectory(prefix="quizwire-warmup-") as root:
        asyncio.run(_drive(Path(root)))
    asyncio.run(_http_round_trip())
