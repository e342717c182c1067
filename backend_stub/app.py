"""The whole stub in one object: Event API + game service + entry/admin API + SQLite store.

``quizwire stub`` runs it until a signal; tests and benchmarks run it in-process on a free port.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import TracebackType

from backend_stub.config import Authorizer, StubConfig
from backend_stub.game.http_api import GameHttpApi
from backend_stub.game.service import GameService
from backend_stub.game.sqlite_store import SqliteStore
from backend_stub.server import EventApiServer

DB_FILE = "quizwire.db"


class Stub:
    def __init__(
        self,
        config: StubConfig,
        data_dir: Path,
        *,
        entry_rate: float = 2000.0,
        coalesce_interval: float = 0.5,
        extra_authorizer: Authorizer | None = None,
    ) -> None:
        self.store = SqliteStore(data_dir / DB_FILE)
        self.game = GameService(self.store, coalesce_interval=coalesce_interval)
        config = dataclasses.replace(
            config, namespaces=(*config.namespaces, *self.game.namespaces())
        )
        self.api = GameHttpApi(self.game, config, entry_rate=entry_rate)
        from backend_stub.prometheus import metrics_route

        self.events = EventApiServer(
            config, self.game.authorize, routes=[*self.api.routes(), metrics_route(self)]
        )
        self.game.attach(self.events)

    async def start(self) -> None:
        await self.events.start()
        self.api.expected_hosts = self.events.api_hosts()
        await self.game.start()

    async def stop(self) -> None:
        await self.game.stop()
        await self.events.stop()
        self.store.close()

    async def __aenter__(self) -> Stub:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def config(self) -> StubConfig:
        return self.events.config

    @property
    def game_api(self) -> str:
        return self.events.http_url.rsplit("/event", 1)[0]
