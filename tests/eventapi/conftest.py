"""Fixtures: a fake Event API on 127.0.0.1:0 and clients tuned for fast tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from eventapi import ApiKeyAuth, ConnectionState, EventsClient, ReconnectPolicy

from .fake_server import FakeEventApi

API_KEY = "da2-testkey0000000000000000"


@pytest.fixture
async def server() -> AsyncIterator[FakeEventApi]:
    async with FakeEventApi() as fake:
        yield fake


class StateLog(list[ConnectionState]):
    def __call__(self, state: ConnectionState) -> None:
        self.append(state)


ClientFactory = Callable[..., EventsClient]


@pytest.fixture
async def make_client(server: FakeEventApi) -> AsyncIterator[ClientFactory]:
    """Build clients against the fake server with tiny timeouts; all closed at teardown."""
    made: list[EventsClient] = []

    def factory(**overrides: Any) -> EventsClient:
        options: dict[str, Any] = {
            "on_state": StateLog(),
            "connect_timeout": 2.0,
            "operation_timeout": 2.0,
            "reconnect": ReconnectPolicy.immediate(),
            "close_timeout": 1.0,
        }
        options.update(overrides)
        auth = options.pop("auth", ApiKeyAuth(API_KEY))
        endpoint = options.pop("http_endpoint", server.http_url)
        client = EventsClient(endpoint, auth, **options)
        made.append(client)
        return client

    yield factory
    for client in made:
        await client.close()
    # Nothing of the client's may outlive close().
    leftovers = [
        t for t in asyncio.all_tasks() if t.get_name().startswith("eventapi") and not t.done()
    ]
    assert leftovers == []
