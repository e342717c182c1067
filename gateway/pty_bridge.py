"""One session's pty master, pumped to and from the client, with bounded buffers both ways.

Output: read from the master only while the client's channel takes it (``pause``/``resume``
follow the channel's flow control), so a slow client stalls its own app, never the gateway.
Input: at most :data:`MAX_PENDING_INPUT` bytes wait for the app; a paste beyond that is cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import struct
import termios
from collections.abc import Callable

__all__ = ["MAX_PENDING_INPUT", "PtyBridge", "open_pty", "set_size"]

MAX_PENDING_INPUT = 64 * 1024
READ_CHUNK = 64 * 1024


def set_size(fd: int, cols: int, rows: int) -> None:
    """TIOCSWINSZ: on the master, the kernel also sends SIGWINCH to the app's process group."""
    cols, rows = max(1, min(cols, 1000)), max(1, min(rows, 1000))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def open_pty(cols: int, rows: int) -> tuple[int, int]:
    """A new pty pair ``(master, slave)`` of that size; the master is non-blocking."""
    master, slave = os.openpty()
    set_size(master, cols, rows)
    os.set_blocking(master, False)
    return master, slave


class PtyBridge:
    def __init__(
        self,
        master: int,
        write: Callable[[bytes], object],
        on_closed: Callable[[], object],
    ) -> None:
        self.master = master
        self._write = write
        self._on_closed = on_closed
        self._loop = asyncio.get_running_loop()
        self._pending = bytearray()
        self._reading = False
        self.closed = False
        self.dropped_input = 0  # bytes of input cut because the app was not reading

    def start(self) -> None:
        self.resume()

    def pause(self) -> None:
        if self._reading and not self.closed:
            self._loop.remove_reader(self.master)
            self._reading = False

    def resume(self) -> None:
        if not self._reading and not self.closed:
            self._loop.add_reader(self.master, self._readable)
            self._reading = True

    def _readable(self) -> None:
        try:
            data = os.read(self.master, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:  # EIO: every slave fd is closed, the app has ended
            data = b""
        if not data:
            self.close()
            return
        self._write(data)

    def feed(self, data: bytes) -> None:
        """Input for the app (key presses, mouse reports, pastes)."""
        if self.closed:
            return
        room = MAX_PENDING_INPUT - len(self._pending)
        if len(data) > room:
            self.dropped_input += len(data) - room
            data = data[:room]
        idle = not self._pending
        self._pending += data
        if idle:
            self._flush()

    def _flush(self) -> None:
        try:
            written = os.write(self.master, self._pending)
        except BlockingIOError:
            written = 0
        except OSError:
            self.close()
            return
        del self._pending[:written]
        if self._pending:
            self._loop.add_writer(self.master, self._drain)

    def _drain(self) -> None:
        self._loop.remove_writer(self.master)
        self._flush()

    def resize(self, cols: int, rows: int) -> None:
        if not self.closed:
            with contextlib.suppress(OSError):
                set_size(self.master, cols, rows)

    def close(self) -> None:
        """Close the master: the app gets SIGHUP (its controlling terminal hung up)."""
        if self.closed:
            return
        self.closed = True
        self._loop.remove_reader(self.master)
        self._loop.remove_writer(self.master)
        with contextlib.suppress(OSError):
            os.close(self.master)
        self._on_closed()
