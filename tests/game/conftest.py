"""Fixtures for the end-to-end game suite: an in-process stub on a free port, cleaned up.

A test that takes the ``backend`` fixture runs twice: against the SQLite stub and against
``backend/`` on the local Lambda mode (``--backend lambda``), with the same clients and the
same assertions, except where a documented difference says otherwise (:class:`Observe`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias, TypeVar, cast, overload

import pytest

from quizwire.client.game_api import EntryClient

from .harness import BACKENDS, Player, Presenter, Stub, lambda_available, stub_config

if TYPE_CHECKING:  # the local Lambda mode needs the test extras: imported when asked for
    from backend_stub.lambda_backend.app import LambdaStub


class Closable(Protocol):
    async def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


class Closer:
    """Everything a test opened, closed at teardown in reverse order."""

    def __init__(self) -> None:
        self._items: list[Closable] = []

    def add(self, item: C) -> C:
        self._items.append(item)
        return item

    async def close_all(self) -> None:
        for item in reversed(self._items):
            with contextlib.suppress(Exception):
                await item.close()


#: Either backend's stub: the same surface once started (``events``, ``config``, ``game_api``).
AnyStub: TypeAlias = "Stub | LambdaStub"


class StubFactory(Protocol):
    """The ``make_stub`` fixture: the SQLite stub unless ``backend="lambda"``."""

    @overload
    async def __call__(
        self,
        *,
        entry_rate: float = ...,
        coalesce_interval: float = ...,
        backend: Literal["sqlite"] = ...,
    ) -> Stub: ...

    @overload
    async def __call__(
        self,
        *,
        entry_rate: float = ...,
        coalesce_interval: float = ...,
        backend: Literal["lambda"],
        **lambda_options: Any,
    ) -> LambdaStub: ...

    @overload
    async def __call__(
        self,
        *,
        entry_rate: float = ...,
        coalesce_interval: float = ...,
        backend: str,
        **lambda_options: Any,
    ) -> AnyStub: ...


PresenterFor: TypeAlias = "Callable[[AnyStub], Presenter]"
EntryFor: TypeAlias = Callable[[str], EntryClient]
PlayerFor: TypeAlias = Callable[[str, str, str, EntryClient], Player]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "lambda" and not lambda_available():
        pytest.skip("the local Lambda mode needs the test extras and node")
    return str(request.param)


@pytest.fixture
async def make_stub(tmp_path: Path) -> AsyncIterator[StubFactory]:
    """``await make_stub(entry_rate=..., backend=...)``: a started in-process stub, stopped at
    teardown."""
    stubs: list[AnyStub] = []

    async def factory(
        *,
        entry_rate: float = 2000.0,
        coalesce_interval: float = 0.1,
        backend: str = "sqlite",
        **lambda_options: Any,
    ) -> AnyStub:
        data = tmp_path / f"stub{len(stubs)}"
        data.mkdir()
        stub: AnyStub
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

    yield cast(StubFactory, factory)  # the overloads say which backend gives which stub
    for stub in reversed(stubs):
        await stub.stop()


@pytest.fixture
async def closer(make_stub: StubFactory) -> AsyncIterator[Closer]:
    """Depends on ``make_stub`` so clients close before the stubs stop."""
    c = Closer()
    yield c
    await c.close_all()


@pytest.fixture
def presenter_for(closer: Closer) -> PresenterFor:
    def factory(stub: AnyStub) -> Presenter:
        return closer.add(Presenter(stub.game_api, stub.events.http_url))

    return factory


@pytest.fixture
def entry_for(closer: Closer) -> EntryFor:
    def factory(game_api: str) -> EntryClient:
        return closer.add(EntryClient(game_api, backoff=0.1, backoff_cap=2.0))

    return factory


@pytest.fixture
def player_for(closer: Closer) -> PlayerFor:
    def factory(name: str, code: str, http_url: str, entry: EntryClient) -> Player:
        return closer.add(Player(name, code, http_url, entry))

    return factory
