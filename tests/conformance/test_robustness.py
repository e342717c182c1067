"""Garbage in, keep-alives out, abrupt disconnects and oversized messages."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from .wire import (
    ACK_RAW,
    KA_RAW,
    Conn,
    Endpoint,
    ev,
    http_publish,
    init_frame,
    open_conn,
    publish_ok,
    unique_channel,
)

UNSUPPORTED = {
    "errorType": "UnsupportedOperation",
    "message": "Operation not supported through the realtime channel",
}

GARBAGE: dict[str, str | bytes] = {
    "malformed-json": "{not json",
    "truncated-json": '{"type":"subscribe",',
    "json-array": "[1,2]",
    "json-string": '"connection_init"',
    "json-number": "42",
    "json-null": "null",
    "empty-text": "",
    "binary-frame": b'{"type":"connection_init"}',
}


async def expect_bad_request_error(conn: Conn) -> None:
    frame = await conn.expect("error")
    assert set(frame) == {"errors", "type"}, frame
    (error,) = frame["errors"]
    assert error["errorType"] == "BadRequestException"
    assert isinstance(error.get("message"), str) and error["message"], frame


@pytest.mark.parametrize("case", GARBAGE)
async def test_garbage_frame_gets_error_and_connection_survives(stub: Endpoint, case: str) -> None:
    async with open_conn(stub) as conn:
        await conn.send(GARBAGE[case])
        await expect_bad_request_error(conn)
        assert await conn.is_open()


@pytest.mark.parametrize("op_id", ["op-1", None, "not a valid id"], ids=["id", "no-id", "bad-id"])
async def test_unknown_type(stub: Endpoint, op_id: str | None) -> None:
    frame: dict[str, Any] = {"type": "start", "payload": {}}  # a GraphQL-WS type, not Events
    if op_id is not None:
        frame["id"] = op_id
    expected: dict[str, Any] = {"errors": [UNSUPPORTED], "type": "error"}
    if op_id == "op-1":
        expected["id"] = "op-1"
    async with open_conn(stub) as conn:
        await conn.send(frame)
        assert await conn.expect("error") == expected
        assert await conn.is_open()


async def test_message_over_2mib_closes_with_1009(stub: Endpoint) -> None:
    async with open_conn(stub, compression=None, max_size=None) as conn:
        blob = os.urandom(2 * 1024 * 1024 // 4 * 3 + 3).hex()  # > 2 MiB of text
        assert len(blob) > 2 * 1024 * 1024
        # the server may close (1009) before the client has finished writing the frame
        with contextlib.suppress(ConnectionClosed):
            await conn.send('{"type":"publish","id":"huge","events":["' + blob + '"]}')
        assert await conn.closed(within=5) == 1009


async def test_garbage_client_does_not_affect_others(
    stub: Endpoint, http: httpx.AsyncClient
) -> None:
    channel = unique_channel()
    async with open_conn(stub) as good, open_conn(stub, compression=None) as bad:
        await good.subscribe(channel, sub_id="good")
        for garbage in GARBAGE.values():
            await bad.send(garbage)
        await bad.send({"type": "nonsense", "id": "x"})
        with contextlib.suppress(ConnectionClosed):  # closed (1009) mid-write is fine
            await bad.send("x" * (2 * 1024 * 1024 + 1))
        assert await bad.closed(within=5) == 1009
        publish_ok(await good.publish(channel, [ev("still-here")]), 1)
        assert await good.data("good", 1) == ["still-here"]
        async with open_conn(stub) as fresh:
            await fresh.subscribe(channel, sub_id="fresh")
            assert (await http_publish(http, stub, channel, [ev("http")])).status_code == 200
            assert await fresh.data("fresh", 1) == ["http"]
            assert await good.data("good", 1) == ["http"]


async def test_server_survives_abrupt_disconnect_mid_subscription(
    stub: Endpoint, http: httpx.AsyncClient
) -> None:
    channel = unique_channel()
    async with open_conn(stub) as doomed:
        await doomed.subscribe(channel, sub_id="doomed")
        doomed.ws.transport.abort()  # TCP reset, no close frame
    async with open_conn(stub) as pub:
        for i in range(3):
            publish_ok(await pub.publish(channel, [ev({"i": i})]), 1)
        resp = await http_publish(http, stub, channel, [ev("http")])
        assert resp.status_code == 200, resp.text
        async with open_conn(stub) as late:
            await late.subscribe(channel, sub_id="late")
            publish_ok(await pub.publish(channel, [ev("after")]), 1)
            assert await late.data("late", 1) == ["after"]


async def test_many_abrupt_disconnects_while_publishing(stub: Endpoint) -> None:
    channel = unique_channel()
    async with contextlib.AsyncExitStack() as stack:
        doomed = [await stack.enter_async_context(open_conn(stub)) for _ in range(20)]
        for conn in doomed:
            await conn.subscribe(channel)
        pub = await stack.enter_async_context(open_conn(stub))
        witness = await stack.enter_async_context(open_conn(stub))
        await witness.subscribe(channel, sub_id="w")
        for conn in doomed:
            conn.ws.transport.abort()
        publish_ok(await pub.publish(channel, [ev("x")]), 1)
        assert await witness.data("w", 1) == ["x"]


async def test_keepalive_frames_at_configured_interval(fast_ka_stub: Endpoint) -> None:
    async with open_conn(fast_ka_stub, init=False) as conn:
        await conn.send(init_frame())
        await conn.expect("connection_ack")
        assert conn.raw[0] == ACK_RAW  # the timeout the client is told stays 5 minutes
        stamps = []
        start = time.monotonic()
        while time.monotonic() - start < 2.6:
            await conn.expect("ka", within=1.5)
            stamps.append(time.monotonic())
        kas = [r for r in conn.raw if r != ACK_RAW]
        assert kas and set(kas) == {KA_RAW}
        assert 4 <= len(stamps) <= 7, stamps
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        assert all(0.3 <= g <= 0.8 for g in gaps), gaps


async def test_keepalive_keeps_coming_while_idle_and_subscribed(fast_ka_stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(fast_ka_stub) as conn:
        await conn.subscribe(channel, sub_id="idle")
        await asyncio.sleep(1.2)
        frames = await conn.drain(0.1)
        assert frames == []  # nothing but ka
        assert conn.raw.count(KA_RAW) >= 2


async def test_default_keepalive_is_not_sub_second(stub: Endpoint) -> None:
    """The shared stub runs with the default (60 s) interval: no ka within a second."""
    async with open_conn(stub) as conn:
        await asyncio.sleep(1.0)
        await conn.drain(0.1)
        assert KA_RAW not in conn.raw
