"""A connection's writes over a real loopback socket: corked frames wait and then leave together,
in order (a publish's echo or receipt and its ``publish_success`` cost one send)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from backend_stub.connection import Connection


class Sink(asyncio.Protocol):
    def __init__(self, received: asyncio.Queue[bytes]) -> None:
        self.received = received

    def data_received(self, data: bytes) -> None:
        self.received.put_nowait(data)


async def read(received: asyncio.Queue[bytes], size: int) -> bytes:
    data = b""
    while len(data) < size:
        data += await asyncio.wait_for(received.get(), 2.0)
    return data


@contextlib.asynccontextmanager
async def loopback() -> AsyncIterator[tuple[Connection, asyncio.Transport, asyncio.Queue[bytes]]]:
    """A Connection over a real loopback socket, and what its peer receives."""
    loop = asyncio.get_running_loop()
    received: asyncio.Queue[bytes] = asyncio.Queue()
    server = await loop.create_server(lambda: Sink(received), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
    try:
        conn = Connection(transport, remote=None, headers={}, write_limit=1 << 20, publish_rate=25)
        yield conn, transport, received
    finally:
        transport.close()
        server.close()
        await server.wait_closed()


async def test_corked_frames_wait_and_leave_in_order_when_uncorked() -> None:
    async with loopback() as (conn, transport, received):
        conn.cork()
        assert conn.send_frame(b"echo|") and conn.send_frame(b"ack|")
        with pytest.raises(TimeoutError):  # held back while corked
            await asyncio.wait_for(received.get(), 0.2)
        conn.uncork()
        assert await read(received, 9) == b"echo|ack|"
        assert conn.send_frame(b"later")  # uncorked: written at once
        assert await read(received, 5) == b"later"
        conn.uncork()  # uncorking twice is harmless
        transport.close()
        conn.cork()
        assert not conn.send_frame(b"gone")  # a closing connection takes nothing, corked or not


async def test_cork_for_the_turn_sends_the_frames_of_one_turn_together() -> None:
    async with loopback() as (conn, transport, received):
        for n in range(4):  # four subscribes read together, answered in this same turn
            conn.cork_turn()
            assert conn.send_frame(f"ok{n}|".encode())
        assert transport.get_write_buffer_size() == 0 and received.empty()
        assert await read(received, 16) == b"ok0|ok1|ok2|ok3|"  # after the turn, in order
        assert conn.send_frame(b"next")  # the next turn starts uncorked
        assert await read(received, 4) == b"next"
