"""Lean AppSync Events WebSocket client for the load generator.

Two sans-I/O cores driven by a plain ``asyncio.Protocol``: ``websockets.client.ClientProtocol``
for the WebSocket and :class:`eventapi.session.EventsSession` for the Event API (operation ids,
acks, keep-alive). What the session makes of every received frame is handed to a callback
inside ``data_received`` (no task switch, no queue per message), which keeps the load
generator's cost per delivery well below that of ``websockets.asyncio.client``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import struct
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from eventapi.session import (
    ConnectionAcked,
    Data,
    EventsSession,
    KeepAlive,
    Malformed,
    PublishAcked,
    PublishRefused,
    SessionEvent,
    Subscribed,
    Unhandled,
    UnsubscribeRefused,
    counter_ids,
)

SUBPROTOCOL = "aws-appsync-event-ws"
CHANNEL = "/default/bench"
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)


@dataclass(frozen=True)
class ServerInfo:
    """Where and how to reach a server (the keys of the stub's ``stub.json``)."""

    realtime: str
    host: str
    api_key: str

    @classmethod
    def load(cls, path: Path) -> ServerInfo:
        data = json.loads(path.read_text())
        return cls(realtime=data["realtime"], host=data["host"], api_key=data["api_key"])

    @property
    def auth(self) -> dict[str, str]:
        return {"host": self.host, "x-api-key": self.api_key}

    def subprotocols(self) -> list[Subprotocol]:
        raw = json.dumps(self.auth, separators=(",", ":")).encode()
        header = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return [Subprotocol(SUBPROTOCOL), Subprotocol(f"header-{header}")]


EventHandler = Callable[[SessionEvent], None]


def ignore(event: SessionEvent) -> None:
    """The default event handler: a client that only holds its subscriptions."""


def kind(event: SessionEvent) -> str:
    """The frame type behind an event, for counting replies the way the server named them."""
    if isinstance(event, PublishAcked):
        return "publish_success"
    if isinstance(event, PublishRefused | UnsubscribeRefused):
        return event.reply
    if isinstance(event, Unhandled):
        return event.frame_type
    return type(event).__name__


class WsClient(asyncio.Protocol):
    """One client WebSocket; session events go to ``on_event``, pongs to ``on_pong``.

    While :meth:`handshake` or :meth:`subscribe` waits, only what it waits for, data and
    keep-alives may arrive: anything else fails the wait (a load test must not miss refusals).
    """

    def __init__(self, info: ServerInfo) -> None:
        self.proto = ClientProtocol(
            parse_uri(info.realtime), subprotocols=info.subprotocols(), max_size=None
        )
        # Counter ids: short, and the same on every connection, so the reference server
        # broadcasts one frame per id to all subscribers, like the stub's shared encoding.
        self.session = EventsSession(next_id=counter_ids())
        self.transport: asyncio.Transport | None = None
        self.loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = self.loop.create_future()
        self.closed: asyncio.Future[None] = self.loop.create_future()
        self.on_event: EventHandler = ignore
        self.on_pong: Callable[[bytes], None] = lambda data: None
        self._waiter: asyncio.Future[None] | None = None
        self._awaiting: set[str] = set()  # subscribe ids not acked yet
        self._timer: asyncio.TimerHandle | None = None

    # asyncio.Protocol ------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.proto.send_request(self.proto.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.proto.receive_data(data)
        for event in self.proto.events_received():
            if isinstance(event, Response):
                self._handshake_done()
            elif not isinstance(event, Frame):
                continue
            elif event.opcode is Opcode.TEXT and event.fin:
                received = self.session.receive_text(str(event.data, "utf-8"), self.loop.time())
                if self._waiter is None:
                    self.on_event(received)
                else:
                    self._while_waiting(received)
            elif event.opcode is Opcode.PONG:
                self.on_pong(bytes(event.data))
            elif event.opcode in (Opcode.TEXT, Opcode.CONT):
                self.fail(RuntimeError("fragmented frame: not supported by the bench client"))
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self.session.connection_lost()
        self.fail(exc or ConnectionError("connection closed"))
        if not self.closed.done():
            self.closed.set_result(None)

    # API -------------------------------------------------------------------------------
    def send_text(self, text: str) -> None:
        self.proto.send_text(text.encode())
        self._flush()

    def send_ping(self, data: bytes) -> None:
        self.proto.send_ping(data)
        self._flush()

    async def handshake(self, wait_s: float) -> None:
        """``connection_init``, then wait for ``connection_ack``."""
        self._waiter = self.loop.create_future()
        self.send_text(self.session.start_connection())
        await self._wait(asyncio.wait_for(self._waiter, wait_s))

    async def subscribe(
        self,
        channels: Sequence[tuple[str, Mapping[str, str]]],
        wait_s: float,
        ids: Sequence[str] | None = None,
    ) -> list[str]:
        """Subscribe to every ``(channel, authorization)`` at once; return once all are acked.
        ``ids``: the subscription ids to use (default: the session's)."""
        deadline = self.loop.time() + wait_s
        sent = [
            self.session.subscribe(
                channel,
                _fixed(auth),
                sub_id=None if ids is None else ids[n],
                deadline=deadline,
            )
            for n, (channel, auth) in enumerate(channels)
        ]
        self._awaiting = {out.op_id for out in sent}
        self._waiter = self.loop.create_future()
        for out in sent:
            self.send_text(out.frame)
        self._timer = self.loop.call_at(deadline, self._check_deadlines)
        await self._wait(self._waiter)
        return [out.op_id for out in sent]

    def publish(self, channel: str, event: str, authorization: Mapping[str, str]) -> str:
        """Send one already encoded event; the ack arrives as a session event. Returns its id."""
        out = self.session.publish(channel, [event], authorization)
        self.send_text(out.frame)
        return out.op_id

    def fail(self, exc: BaseException) -> None:
        for fut in (self.opened, self._waiter):
            if fut is not None and not fut.done():
                fut.set_exception(exc)
        if self.transport is not None:
            self.transport.abort()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # internals -------------------------------------------------------------------------
    def _handshake_done(self) -> None:
        if self.proto.handshake_exc is not None:
            self.fail(self.proto.handshake_exc)
        elif not self.opened.done():
            self.opened.set_result(None)

    async def _wait(self, waiting: asyncio.Future[None] | Awaitable[None]) -> None:
        try:
            await waiting
        finally:
            self._waiter = None
            self._awaiting = set()
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _while_waiting(self, event: SessionEvent) -> None:
        waiter = self._waiter
        assert waiter is not None
        if isinstance(event, Subscribed) and event.sub_id in self._awaiting:
            self._awaiting.discard(event.sub_id)
            if not self._awaiting and not waiter.done():
                waiter.set_result(None)
        elif isinstance(event, ConnectionAcked):
            if not waiter.done():
                waiter.set_result(None)
        elif isinstance(event, Data | KeepAlive):
            self.on_event(event)  # broadcasts on channels already acked (the lobby count)
        elif not waiter.done():
            expected = "subscribe_success" if self._awaiting else "connection_ack"
            shown = event.error if isinstance(event, Malformed) else event
            waiter.set_exception(RuntimeError(f"expected {expected}, got {shown}"[:300]))

    def _check_deadlines(self) -> None:
        self._timer = None
        late = self.session.expired(self.loop.time())
        waiter = self._waiter
        if late and waiter is not None and not waiter.done():
            channels = ", ".join(sorted({op.channel for op in late}))
            waiter.set_exception(TimeoutError(f"no subscribe_success for {channels}"))
        elif self.session.next_deadline < float("inf"):  # woken a hair early: wait on
            self._timer = self.loop.call_at(self.session.next_deadline, self._check_deadlines)

    def _flush(self) -> None:
        if self.transport is None:
            return
        for data in self.proto.data_to_send():
            if data:
                self.transport.write(data)
            elif self.transport.can_write_eof():
                self.transport.write_eof()  # closing handshake done


def _fixed(authorization: Mapping[str, str]) -> Callable[[], Mapping[str, str]]:
    """The bench's credentials never change: every (re-)subscribe sends the same object."""
    return lambda: authorization


def make_socket(source_ip: str | None) -> socket.socket:
    """A non-blocking TCP socket; bound to ``source_ip`` (port picked at connect) if given."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # close() sends RST: no TIME_WAIT left behind on the load generator's ports.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if source_ip is not None:
        sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        sock.bind((source_ip, 0))
    return sock


async def open_client(info: ServerInfo, source_ip: str | None, wait_s: float) -> WsClient:
    """TCP connect + WebSocket upgrade + ``connection_init``/``connection_ack``."""
    loop = asyncio.get_running_loop()
    uri = parse_uri(info.realtime)
    sock = make_socket(source_ip)
    try:
        await asyncio.wait_for(loop.sock_connect(sock, (uri.host, uri.port)), wait_s)
    except BaseException:
        sock.close()
        raise
    _, client = await loop.create_connection(lambda: WsClient(info), sock=sock)
    try:
        await asyncio.wait_for(client.opened, wait_s)
        await client.handshake(wait_s)
    except BaseException:
        client.abort()
        raise
    return client
