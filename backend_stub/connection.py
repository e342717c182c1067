"""One realtime connection: its socket, identity, subscriptions and publish rate limit."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import TYPE_CHECKING, Final

from backend_stub.wsframe import text_frame

if TYPE_CHECKING:
    from asyncio import Transport

    from backend_stub.authn import Identity
    from backend_stub.registry import Subscription


_IDS = itertools.count(1)


# A frame this large counts as two for the pacing (see Connection.frame_wait).
FRAME_COST_BYTES: Final = 16 * 1024


class Connection:
    __slots__ = (
        "_allowance",
        "_corked",
        "_frame_allowance",
        "_frame_burst",
        "_frame_rate",
        "_frame_stamp",
        "_last_check",
        "_rate",
        "_transport",
        "_write_limit",
        "bad_signature",
        "connect_identity",
        "dropped",
        "headers",
        "id",
        "identity_error",
        "initialised",
        "remote",
        "subscriptions",
    )

    def __init__(
        self,
        transport: Transport,
        *,
        remote: str | None,
        headers: dict[str, str],
        write_limit: int,
        publish_rate: float,
        frame_rate: float = 100.0,
        frame_burst: float = 400.0,
    ) -> None:
        self._transport = transport
        self._write_limit = write_limit
        self.id = f"c{next(_IDS)}"  # pairs a connection's log lines
        self.remote = remote
        self.headers = headers
        self.connect_identity: Identity | None = None
        self.identity_error: str | None = None
        self.initialised = False  # sent connection_init or an operation
        self.bad_signature = False
        self.subscriptions: dict[str, Subscription] = {}
        self.dropped = False
        self._corked: list[bytes] | None = None  # frames held back while corked
        self._rate = publish_rate
        self._allowance = publish_rate
        self._last_check = time.monotonic()
        self._frame_rate = frame_rate
        self._frame_burst = frame_burst
        self._frame_allowance = frame_burst
        self._frame_stamp = self._last_check

    @property
    def open(self) -> bool:
        return not self.dropped and not self._transport.is_closing()

    def send_text(self, text: str) -> bool:
        return self.send_frame(text_frame(text.encode()))

    def send_frame(self, frame: bytes) -> bool:
        """Queue a pre-built frame without awaiting. A subscriber whose unsent backlog passes the
        limit is a laggard: drop it rather than buffer without bound or stall the others."""
        if self._corked is not None:
            if self.dropped or self._transport.is_closing():
                return False
            self._corked.append(frame)
            return True
        return self._write(frame)

    def cork(self) -> None:
        """Hold frames back until :meth:`uncork`, which writes them as one: a publish's own
        echo or receipt and its ``publish_success`` cost the connection one send, not two."""
        if self._corked is None:
            self._corked = []

    def cork_turn(self) -> None:
        """Cork until the end of this event-loop turn: operations read together (a client's
        four subscribes) are answered in one write."""
        if self._corked is None:
            self._corked = []
            asyncio.get_running_loop().call_soon(self.uncork)

    def uncork(self) -> None:
        frames, self._corked = self._corked, None
        if frames:
            self._write(frames[0] if len(frames) == 1 else b"".join(frames))

    def _write(self, data: bytes) -> bool:
        transport = self._transport
        if self.dropped or transport.is_closing():
            return False
        if transport.get_write_buffer_size() > self._write_limit:
            self.dropped = True
            transport.abort()
            return False
        transport.write(data)
        return True

    def frame_wait(self, size: int = 0) -> float:
        """Seconds to wait before reading this connection's next frame (0: at once).

        Every frame costs the stub a parse and usually an answer; a client sending them flat
        out (garbage, refused subscribes) would eat the CPU the room needs. Past its burst, a
        connection is read at ``frame_rate`` frames a second: the rest waits in its TCP buffers,
        and a sender that keeps pushing blocks on its own socket. A frame of ``size`` bytes
        counts as 1 + size / FRAME_COST_BYTES frames: parsing a 1 MB publish holds the event
        loop ~75 times as long as an answer does, and everyone's answers wait behind it."""
        if not self._frame_rate:
            return 0.0
        now = time.monotonic()
        self._frame_allowance = min(
            self._frame_burst, self._frame_allowance + (now - self._frame_stamp) * self._frame_rate
        )
        self._frame_stamp = now
        self._frame_allowance -= 1.0 + size / FRAME_COST_BYTES
        if self._frame_allowance >= 0.0:
            return 0.0
        return -self._frame_allowance / self._frame_rate

    def allow_publish(self) -> bool:
        """Token bucket: AppSync allows 25 WebSocket publish requests per second per connection."""
        now = time.monotonic()
        self._allowance = min(self._rate, self._allowance + (now - self._last_check) * self._rate)
        self._last_check = now
        if self._allowance < 1.0:
            return False
        self._allowance -= 1.0
        return True
