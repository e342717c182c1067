"""Caps on open TCP connections, counted at accept, before any HTTP parsing.

One client holding thousands of sockets must not make the stub unreachable for the room: each
source address may hold at most ``per_address`` connections, and all together at most
``total`` (kept below the process's open-files limit, so accept() never fails for want of a
descriptor and the SQLite store can still open its files). A connection over a cap gets a
503 with ``Retry-After`` and is closed at once.

The guard wraps the HTTP server's protocol factory: every connection, HTTP or WebSocket,
passes through it, and every byte is handed to the real protocol unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections.abc import Callable
from typing import Any, Final

from backend_stub.logs import LimitedLog, LogLimiter

log = logging.getLogger("quizwire.stub.guard")

#: descriptors kept free below the open-files limit: SQLite and its WAL, the log, accept() itself
FD_RESERVE: Final = 256


def _refusal(message: str) -> bytes:
    body = ('{"errors":[{"errorType":"LimitExceededError","message":"' + message + '"}]}').encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: application/json\r\n"
        "Retry-After: 5\r\n"
        "Connection: close\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


_REFUSED_ADDRESS: Final = _refusal("Too many connections from your address")
_REFUSED_TOTAL: Final = _refusal("The server is at its connection limit")


def default_total_cap(reserve: int = FD_RESERVE) -> int:
    """What the open-files limit leaves for client connections."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1_000_000
    return max(64, soft - reserve)


class ConnectionGuard:
    def __init__(self, *, per_address: int, total: int) -> None:
        """``per_address``/``total``: 0 means no cap."""
        self.per_address = per_address
        self.total = total
        self.open_by_address: dict[str, int] = {}
        self.open_total = 0
        self.refused_address = 0  # connections refused at the per-address cap
        self.refused_total = 0  # connections refused at the total cap
        self._log = LimitedLog(log, LogLimiter(rate=1.0, burst=3.0))

    def wrap(self, factory: Callable[[], asyncio.Protocol]) -> Callable[[], asyncio.Protocol]:
        return lambda: _GuardedProtocol(self, factory)

    def admit(self, address: str) -> bytes | None:
        """Count a new connection from ``address``; over a cap, count nothing and return the
        refusal to send instead."""
        held = self.open_by_address.get(address, 0)
        if self.total and self.open_total >= self.total:
            self.refused_total += 1
            self._refuse("total", address)
            return _REFUSED_TOTAL
        if self.per_address and held >= self.per_address:
            self.refused_address += 1
            self._refuse("per_address", address)
            return _REFUSED_ADDRESS
        self.open_by_address[address] = held + 1
        self.open_total += 1
        return None

    def release(self, address: str) -> None:
        held = self.open_by_address.get(address, 0) - 1
        if held > 0:
            self.open_by_address[address] = held
        else:
            self.open_by_address.pop(address, None)
        self.open_total -= 1

    def _refuse(self, cap: str, address: str) -> None:
        self._log.warning(
            ("connection_capped", cap),
            "connection refused at a cap",
            {
                "event": "connection_capped",
                "cap": cap,
                "remote": address,
                "limit": self.per_address if cap == "per_address" else self.total,
            },
        )


def _address_of(transport: asyncio.BaseTransport) -> str:
    peer = transport.get_extra_info("peername")
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return "unknown"


class _GuardedProtocol(asyncio.Protocol):
    """Admits or refuses a connection, then stays out of the way of the real protocol."""

    __slots__ = ("_address", "_factory", "_guard", "_inner")

    def __init__(self, guard: ConnectionGuard, factory: Callable[[], asyncio.Protocol]) -> None:
        self._guard = guard
        self._factory = factory
        self._inner: asyncio.Protocol | None = None
        self._address = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._address = _address_of(transport)
        refusal = self._guard.admit(self._address)
        if refusal is not None:
            assert isinstance(transport, asyncio.WriteTransport)
            transport.write(refusal)
            transport.close()
            return
        self._inner = self._factory()
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._inner is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        inner, self._inner = self._inner, None
        if inner is None:
            return
        self._guard.release(self._address)
        inner.connection_lost(exc)

    def __getattr__(self, name: str) -> Any:
        # aiohttp only talks to its own handler, but anything else that inspects the protocol
        # sees the real one's attributes.
        return getattr(self._inner, name)
