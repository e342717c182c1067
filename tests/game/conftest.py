"""Fixtures for the end-to-end game suite: an in-process stub on a free port, cleaned up.

A test that takes the ``backend`` fixture runs twice: against the SQLite stub and against
``backend/`` on the local Lambda mode (``--backend lambda``), with the same clients and the
same assertions, except where a documented difference says otherwise (:class:`Observe`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from quizwire.client.game_api import EntryClient

from .harness import BACKENDS, Player, Presenter, Stub, lambda_available, stub_config


class Closer:
    """Everything a test opened, closed at teardown in reverse order."""

    def __init__(self) -> None:
        self._items: list[Any] = []

    def add(self, item: Any) -> Any:
        self._items.append(item)
        return item

    async def close_all(self) -> None:
        for item in reversed(self._items):
            with contextlib.suppress(Exception):
                await item.close()


StubFactory = Callable[..., Any]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "lambda" and not lambda_available():
        pytest.skip("the local Lambda mode needs the test extras and node")
    return str(request.param)


@pytest.fixture
async def make_stub(tmp_path: Path) -> AsyncIterator[StubFactory]:
    """``await make_stub(entry_rate=..., backend=...)``: a started in-process stub, stopped at
    teardown."""
    stubs: list[Any] = []

    async def factory(
        *,
        entry_rate: float = 2000.0,
        coalesce_interval: float = 0.1,
        backend: str = "sqlite",
        **lambda_options: Any,
    ) -> Any:
        data = tmp_path / f"stub{len(stubs)}"
        data.mkdir()
        stub: Any
        if backend == "lambda":
            from backend_stub.lambda_backend.app import LambdaStub

            rate = str(int(entry_rate))
            stub = LambdaStub(
                stub_config(),
                data,
                parameters={"EntryRateLimit": rate, "EntryBurstLimit": rate},
                **lambda_options,
            )
        else:
            stub = Stub(
                stub_config(), data, entry_rate=entry_rate, coalesce_interval=coalesce_interval
            )
        stubs.append(stub)
        await stub.start()
        return stub

    yield factory
    for stub in reversed(stubs):
        await stub.stop()


@pytest.fixture
async def closer(make_stub: StubFactory) -> AsyncIterator[Closer]:
    """Depends on ``make_stub`` so clients close before the stubs stop."""
    c = Closer()
    yield c
    await c.close_all()


@pytest.fixture
def presenter_for(closer: Closer) -> Callable[[Stub], Presenter]:
    def factory(stub: Stub) -> Presenter:
        return closer.add(Presenter(stub.game_api, stub.events.http_url))

    return factory


@pytest.fixture
def entry_for(closer: Closer) -> Callable[[str], EntryClient]:
    def factory(game_api: str) -> EntryClient:
        return closer.add(EntryClient(game_api, backoff=0.1, backoff_cap=2.0))

    return factory


@pytest.fixture
def player_for(closer: Closer) -> Callable[..., Player]:
    def factory(name: str, code: str, http_url: str, entry: EntryClient) -> Player:
        return closer.add(Player(name, code, http_url, entry))

    return factory
