"""Fixtures for the gateway: an in-process stub on a free port, and gateways in this process
whose sessions are real player processes (forked from a real zygote) playing against it."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from backend_stub.app import Stub
from gateway.main import Gateway
from gateway.options import GatewayOptions
from quizwire.client.game_api import AdminClient
from tests.game.harness import make_quiz, presenter_auth, stub_config


@dataclass
class Room:
    stub: Stub
    admin: AdminClient

    async def create(self, quiz: dict[str, Any] | None = None) -> str:
        created = await self.admin.create_game(
            quiz=quiz or make_quiz([(4, 1, 1000), (4, 2, 1000)], title="Gateway quiz")
        )
        return str(created["gameId"])

    async def command(self, code: str, command: str) -> dict[str, Any]:
        return await self.admin.command(code, command)

    async def connected(self, code: str) -> int:
        """Players the server counts as connected now."""
        view = await self.admin.view(code)
        return int(view.get("connectedCount") or 0)


@pytest.fixture
async def room(tmp_path: Path) -> AsyncIterator[Room]:
    data = tmp_path / "stub"
    data.mkdir()
    stub = Stub(stub_config(), data, coalesce_interval=0.05)
    await stub.start()
    admin = AdminClient(stub.game_api, presenter_auth())
    yield Room(stub, admin)
    with contextlib.suppress(Exception):
        await admin.close()
    await stub.stop()


GatewayFactory = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def make_gateway(room: Room, tmp_path: Path) -> AsyncIterator[GatewayFactory]:
    """``await make_gateway(max_sessions_per_address=2, ...)``: a started gateway (SSH on a
    free port, web on a free port) against ``room``'s stub; closed at teardown."""
    gateways: list[Gateway] = []

    async def factory(**overrides: Any) -> Gateway:
        options = GatewayOptions(
            data_dir=tmp_path / "gateway",
            http_endpoint=room.stub.events.http_url,
            game_api=room.stub.game_api,
            ssh_port=0,
            web_port=0,
        )
        gateway = Gateway(dataclasses.replace(options, **overrides))
        gateways.append(gateway)
        await gateway.start()
        return gateway

    yield factory
    for gateway in reversed(gateways):
        await gateway.close()


def ssh_port(gateway: Gateway) -> int:
    assert gateway.ssh is not None
    return gateway.ssh.ssh_port
