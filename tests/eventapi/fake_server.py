"""A small, controllable Event API over real sockets, for the client's behaviour tests.

Speaks enough of the realtime protocol (frames built with ``eventapi.protocol``) and lets a test
drop sockets, go silent, refuse connections and answer errors. Not the stub: no real auth, no
namespaces; every frame received is recorded for assertions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from eventapi import protocol as p
from eventapi.protocol import ErrorInfo, PublishOutcome


@dataclass
class FakeConnection:
    index: int
    ws: ServerConnection
    offered: list[str]
    auth: dict[str, str]
    subscriptions: dict[str, str] = field(default_factory=dict)  # id -> channel
    frames: list[dict[str, Any]] = field(default_factory=list)
    silent: bool = False
    closed: bool = False

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f.get("type") == kind]


class FakeEventApi:
    def __init__(self, *, ack_timeout_ms: int = 300_000, ka_interval: float | None = None) -> None:
        self.ack_timeout_ms = ack_timeout_ms
        self.ka_interval = ka_interval
        self.connection_attempts = 0  # upgrade requests, including refused ones
        self.connections: list[FakeConnection] = []
        # knobs
        self.upgrade_status: int | None = None  # refuse the HTTP upgrade with this status
        self.refuse: list[ErrorInfo] | None = None  # answer connection_init with connection_error
        self.refusals_left: int | None = None  # refuse only this many times (None: always)
        self.silent_on_connect = False  # new connections never answer anything
        self.garbled_inits = 0  # answer this many connection_inits with a non-JSON frame
        self.ignore: set[str] = set()  # frame types to leave unanswered
        self.subscribe_errors: dict[str, list[ErrorInfo]] = {}  # channel -> errors
        self.publish_errors: list[ErrorInfo] | None = None
        self.failed_indices: set[int] = set()
        self._server: Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> FakeEventApi:
        self._server = await serve(
            self._handler,
            "127.0.0.1",
            0,
            subprotocols=[Subprotocol(p.SUBPROTOCOL)],
            process_request=self._process_request,
            ping_interval=None,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://{self.host}/event"

    @property
    def live(self) -> list[FakeConnection]:
        return [c for c in self.connections if not c.closed]

    # -- controls -----------------------------------------------------------------------------

    def drop_all(self) -> None:
        """Kill every socket without a close frame, like a network failure."""
        for conn in self.live:
            conn.ws.transport.abort()

    def silence_all(self) -> None:
        """Current connections stop sending anything (ka included); new ones behave."""
        for conn in self.live:
            conn.silent = True

    async def send(self, conn: FakeConnection, frame: dict[str, Any] | str) -> None:
        text = frame if isinstance(frame, str) else p.dumps(frame)
        with contextlib.suppress(ConnectionClosed):
            await conn.ws.send(text)

    async def broadcast(self, channel: str, payload: Any) -> int:
        """Deliver one event to every matching subscription; return how many got it."""
        return await self._fan_out(channel, json.dumps(payload))

    async def broadcast_error(self, sub_id: str) -> None:
        for conn in self.live:
            if sub_id in conn.subscriptions:
                await self.send(
                    conn, p.op_error("broadcast", sub_id, p.Errors.message_processing())
                )

    async def wait_for(self, predicate: Callable[[], bool], within: float = 3.0) -> None:
        await wait_until(predicate, within)

    def frames(self, kind: str) -> list[dict[str, Any]]:
        return [f for c in self.connections for f in c.of_type(kind)]

    # -- protocol ------------------------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.connection_attempts += 1
        if self.upgrade_status is not None:
            body = p.dumps({"errors": [p.Errors.unauthorized().to_json()]}).encode()
            return connection.respond(HTTPStatus(self.upgrade_status), body.decode())
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        offered = (
            [
                item.strip()
                for header in ws.request.headers.get_all("Sec-WebSocket-Protocol")
                for item in header.split(",")
            ]
            if ws.request is not None
            else []
        )
        auth: dict[str, str] = {}
        for item in offered:
            if item.startswith(p.HEADER_SUBPROTOCOL_PREFIX):
                auth = p.decode_auth_subprotocol(item)
        conn = FakeConnection(len(self.connections), ws, offered, auth)
        conn.silent = self.silent_on_connect
        self.connections.append(conn)
        ka: asyncio.Task[None] | None = None
        if self.ka_interval is not None:
            ka = asyncio.create_task(self._ka_loop(conn))
            self._tasks.add(ka)
            ka.add_done_callback(self._tasks.discard)
        try:
            async for message in ws:
                frame = json.loads(message)
                conn.frames.append(frame)
                if not conn.silent and frame.get("type") not in self.ignore:
                    await self._on_frame(conn, frame)
        except ConnectionClosed:
            pass
        finally:
            conn.closed = True
            if ka is not None:
                ka.cancel()

    async def _ka_loop(self, conn: FakeConnection) -> None:
        assert self.ka_interval is not None
        while not conn.closed:
            await asyncio.sleep(self.ka_interval)
            if not conn.silent:
                await self.send(conn, p.KA_FRAME)

    async def _on_frame(self, conn: FakeConnection, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        op_id = str(frame.get("id"))
        if kind == "connection_init":
            if self.garbled_inits > 0:
                self.garbled_inits -= 1
                await self.send(conn, "\x00garbled{")
                return
            if self.refuse is not None and self.refusals_left != 0:
                if self.refusals_left is not None:
                    self.refusals_left -= 1
                await self.send(conn, p.connection_error(*self.refuse))
                await conn.ws.close(1000)
            else:
                await self.send(conn, p.connection_ack(self.ack_timeout_ms))
        elif kind == "subscribe":
            channel = str(frame.get("channel"))
            errors = self.subscribe_errors.get(channel)
            if errors:
                await self.send(conn, p.op_error("subscribe", op_id, *errors))
            else:
                conn.subscriptions[op_id] = channel
                await self.send(conn, p.op_success("subscribe", op_id))
        elif kind == "unsubscribe":
            if conn.subscriptions.pop(op_id, None) is None:
                await self.send(
                    conn, p.op_error("unsubscribe", op_id, p.Errors.unknown_operation(op_id))
                )
            else:
                await self.send(conn, p.op_success("unsubscribe", op_id))
        elif kind == "publish":
            if self.publish_errors is not None:
                await self.send(conn, p.op_error("publish", op_id, *self.publish_errors))
                return
            events = list(frame.get("events") or [])
            ok: list[dict[str, Any]] = []
            failed: list[dict[str, Any]] = []
            for index, event in enumerate(events):
                ident = str(uuid.uuid4())
                if index in self.failed_indices:
                    failed.append(
                        {"code": "EventTooLargeException", "identifier": ident, "index": index,
                         "message": "Transformed event is larger than 240KB"}
                    )  # fmt: skip
                else:
                    ok.append({"identifier": ident, "index": index})
                    await self._fan_out(str(frame.get("channel")), event)
            await self.send(
                conn, p.publish_success(op_id, PublishOutcome(tuple(ok), tuple(failed)))
            )
        else:
            await self.send(conn, p.generic_error(p.Errors.unsupported_operation()))

    async def _fan_out(self, channel: str, event: str) -> int:
        target = p.parse_channel(channel, allow_wildcard=False)
        count = 0
        for conn in self.live:
            if conn.silent:
                continue
            for sub_id, sub_channel in list(conn.subscriptions.items()):
                if p.parse_channel(sub_channel, allow_wildcard=True).matches(target):
                    await self.send(conn, {"type": "data", "id": sub_id, "event": event})
                    count += 1
        return count


async def wait_until(predicate: Callable[[], bool], within: float = 3.0) -> None:
    """Poll ``predicate`` (state owned by code under test has no event to wait on)."""
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 - polling on purpose
            await asyncio.sleep(0.005)


def error(kind: str, message: str | None = None, code: int | None = None) -> ErrorInfo:
    return ErrorInfo(kind, message, code)


def ids(frames: Iterable[dict[str, Any]]) -> list[str]:
    return [str(f.get("id")) for f in frames]
