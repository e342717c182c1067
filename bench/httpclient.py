"""Lean HTTP/1.1 client for the load generator: keep-alive connections, one request at a time
each, driven by a plain ``asyncio.Protocol``.

The join storm makes one ``POST`` per player (10,000 and their 429 retries). With
``aiohttp.ClientSession`` that cost the load generator ~0.6 ms of CPU per request -- more than
the server spent on the join -- so on 2 cores the client, not the server, set the storm's pace.
This client speaks just what the bench needs of our own servers: a request with a body, a
response with ``Content-Length`` (no chunked bodies, no redirects).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench.wsclient import make_socket

MAX_HEAD = 16 * 1024
MAX_BODY = 1024 * 1024


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._buffer = bytearray()
        self._waiter: asyncio.Future[HttpResponse] | None = None
        self._head: HttpResponse | None = None
        self._length = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        try:
            self._parse()
        except ValueError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(exc or ConnectionError("connection closed"))

    def send(self, request: bytes) -> asyncio.Future[HttpResponse]:
        assert self.transport is not None and self._waiter is None
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self._waiter

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _parse(self) -> None:
        if self._head is None:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > MAX_HEAD:
                    raise ValueError("response head too large")
                return
            lines = bytes(self._buffer[:end]).decode("latin-1").split("\r\n")
            del self._buffer[: end + 4]
            status = int(lines[0].split(" ", 2)[1])
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "chunked" in headers.get("transfer-encoding", ""):
                raise ValueError("chunked responses are not supported by the bench client")
            self._length = int(headers.get("content-length", "0"))
            if self._length > MAX_BODY:
                raise ValueError("response body too large")
            self._head = HttpResponse(status, headers)
        if len(self._buffer) < self._length:
            return
        response, self._head = self._head, None
        response.body = bytes(self._buffer[: self._length])
        del self._buffer[: self._length]
        if response.headers.get("connection", "").lower() == "close":
            self.abort()
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(response)

    def _fail(self, exc: BaseException) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        self.abort()


class HttpPool:
    """Up to ``size`` keep-alive connections to one ``http://host:port``, from ``source_ip``."""

    def __init__(self, base_url: str, size: int, source_ip: str | None = None) -> None:
        url = urlsplit(base_url)
        if url.scheme != "http" or url.hostname is None:
            raise ValueError(f"{base_url}: only plain http:// is supported")
        self.host, self.port = url.hostname, url.port or 80
        self.source_ip = source_ip
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(size)

    async def post_json(self, path: str, body: Any, wait_s: float) -> HttpResponse:
        payload = json.dumps(body, separators=(",", ":")).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode()
        async with self._slots:
            conn = self._take_idle() or await self._connect(wait_s)
            try:
                response = await asyncio.wait_for(conn.send(head + payload), wait_s)
            except BaseException:
                conn.abort()
                raise
            if not conn.closed:
                self._idle.append(conn)
            return response

    def _take_idle(self) -> _Connection | None:
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed:  # the server may have closed it while it was idle
                return conn
        return None

    async def _connect(self, wait_s: float) -> _Connection:
        loop = asyncio.get_running_loop()
        sock = make_socket(self.source_ip)
        try:
            await asyncio.wait_for(loop.sock_connect(sock, (self.host, self.port)), wait_s)
        except BaseException:
            sock.close()
            raise
        _, conn = await loop.create_connection(_Connection, sock=sock)
        return conn

    def close(self) -> None:
        for conn in self._idle:
            conn.abort()
        self._idle.clear()
