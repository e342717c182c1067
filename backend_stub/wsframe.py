"""RFC 6455 server-to-client text frames, built by hand so one encoded event is written to many
sockets without a coroutine per subscriber (server frames are unmasked and uncompressed here)."""

from __future__ import annotations

import struct


def text_frame(payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return struct.pack("!BBH", 0x81, 126, n) + payload
    return struct.pack("!BBQ", 0x81, 127, n) + payload
