"""Lean AppSync Events WebSocket client for the load generator.

Built on the sans-I/O ``websockets.client.ClientProtocol`` driven by a plain
``asyncio.Protocol``: every received text frame is handed to a callback inside
``data_received`` (no task switch, no queue per message), which keeps the load
generator's cost per delivery well below that of ``websockets.asyncio.client``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

SUBPROTOCOL = "aws-appsync-event-ws"
CHANNEL = "/default/bench"
SUB_ID = "s1"
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

    def subscribe_frame(self) -> str:
        return json.dumps(
            {"type": "subscribe", "id": SUB_ID, "channel": CHANNEL, "authorization": self.auth}
        )

    def publish_frame(self, pub_id: str, event: str) -> str:
        return json.dumps(
            {
                "type": "publish",
                "id": pub_id,
                "channel": CHANNEL,
                "events": [event],
                "authorization": self.auth,
            }
        )


TextHandler = Callable[[str], None]


class WsClient(asyncio.Protocol):
    """One client WebSocket; text frames go to ``on_text``, pongs to ``on_pong``."""

    def __init__(self, info: ServerInfo) -> None:
        self.proto = ClientProtocol(
            parse_uri(info.realtime), subprotocols=info.subprotocols(), max_size=None
        )
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.on_text: TextHandler = self._to_waiter
        self.on_pong: Callable[[bytes], None] = lambda data: None
        self._waiter: asyncio.Future[dict[str, Any]] | None = None

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
                self.on_text(str(event.data, "utf-8"))
            elif event.opcode is Opcode.PONG:
                self.on_pong(bytes(event.data))
            elif event.opcode in (Opcode.TEXT, Opcode.CONT):
                self.fail(RuntimeError("fragmented frame: not supported by the bench client"))
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
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

    async def request(self, frame: str, wait_s: float) -> dict[str, Any]:
        """Send ``frame`` and return the next non-keep-alive message."""
        self._waiter = asyncio.get_running_loop().create_future()
        self.send_text(frame)
        return await asyncio.wait_for(self._waiter, wait_s)

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

    def _to_waiter(self, text: str) -> None:
        msg = json.loads(text)
        if msg.get("type") != "ka" and self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(msg)

    def _flush(self) -> None:
        if self.transport is None:
            return
        for data in self.proto.data_to_send():
            if data:
                self.transport.write(data)
            elif self.transport.can_write_eof():
                self.transport.write_eof()  # closing handshake done


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
        ack = await client.request(json.dumps({"type": "connection_init"}), wait_s)
        expect_type(ack, "connection_ack")
    except BaseException:
        client.abort()
        raise
    return client


def expect_type(msg: dict[str, Any], kind: str) -> None:
    if msg.get("type") != kind:
        raise RuntimeError(f"expected {kind}, got {json.dumps(msg)[:300]}")
