"""The load generator's lean client over real sockets, against the controllable fake Event API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from bench.wsclient import CHANNEL, ServerInfo, WsClient, kind, open_client
from eventapi import protocol as p
from eventapi.session import Data, PublishAcked, PublishRefused, SessionEvent
from tests.eventapi.fake_server import FakeEventApi, wait_until

pytestmark = pytest.mark.timeout(15)

API_KEY = "da2-benchkey000000000000000"


@pytest.fixture
async def server() -> AsyncIterator[FakeEventApi]:
    async with FakeEventApi() as fake:
        yield fake


def info_for(server: FakeEventApi) -> ServerInfo:
    return ServerInfo(f"ws://{server.host}/event/realtime", server.host, API_KEY)


async def connected(server: FakeEventApi) -> WsClient:
    return await open_client(info_for(server), None, 5.0)


async def test_handshake_subscribe_deliveries_and_publish_acks(server: FakeEventApi) -> None:
    info = info_for(server)
    client = await connected(server)
    try:
        assert server.connections[0].auth == info.auth
        assert server.connections[0].frames[0] == {"type": "connection_init"}
        ids = await client.subscribe([(CHANNEL, info.auth), ("/default/other", info.auth)], 2.0)
        assert ids == ["1", "2"]  # short ids, the same on every connection
        assert client.session.outstanding == 0
        events: list[SessionEvent] = []
        client.on_event = events.append
        await server.broadcast(CHANNEL, {"n": 1})
        op_id = client.publish(CHANNEL, json.dumps({"n": 2}), info.auth)
        await wait_until(lambda: len(events) == 3)
        data = [e for e in events if isinstance(e, Data)]
        assert [(d.sub_id, json.loads(str(d.event))) for d in data] == [
            ("1", {"n": 1}),
            ("1", {"n": 2}),
        ]
        (acked,) = (e for e in events if isinstance(e, PublishAcked))
        assert acked.op_id == op_id and kind(acked) == "publish_success"
        assert server.frames("publish")[0]["authorization"] == info.auth
    finally:
        client.abort()


async def test_chosen_ids_are_sent_as_given(server: FakeEventApi) -> None:
    info = info_for(server)
    client = await connected(server)
    try:
        assert await client.subscribe([(CHANNEL, info.auth)], 2.0, ["q"]) == ["q"]
        assert [f["id"] for f in server.frames("subscribe")] == ["q"]
        with pytest.raises(ValueError, match="in use"):
            await client.subscribe([("/default/x", info.auth)], 2.0, ["q"])
    finally:
        client.abort()


async def test_a_refused_subscribe_fails_the_wait(server: FakeEventApi) -> None:
    info = info_for(server)
    server.subscribe_errors["/default/denied"] = [p.Errors.unauthorized()]
    client = await connected(server)
    try:
        with pytest.raises(RuntimeError, match=r"expected subscribe_success.*Unauthorized"):
            await client.subscribe([(CHANNEL, info.auth), ("/default/denied", info.auth)], 2.0)
    finally:
        client.abort()


async def test_an_unanswered_subscribe_times_out_on_the_session_deadline(
    server: FakeEventApi,
) -> None:
    info = info_for(server)
    server.ignore.add("subscribe")
    client = await connected(server)
    try:
        with pytest.raises(TimeoutError, match="no subscribe_success for /default/bench"):
            await client.subscribe([(CHANNEL, info.auth)], 0.2)
        assert client.session.outstanding == 0 and client.session.subscriptions == {}
    finally:
        client.abort()


async def test_a_refused_publish_arrives_as_an_event(server: FakeEventApi) -> None:
    info = info_for(server)
    server.publish_errors = [p.Errors.rate_limited()]
    client = await connected(server)
    try:
        events: list[SessionEvent] = []
        client.on_event = events.append
        client.publish(CHANNEL, "1", info.auth)
        await wait_until(lambda: bool(events))
        (refused,) = events
        assert isinstance(refused, PublishRefused)
        assert kind(refused) == "publish_error"
        assert refused.errors[0].error_type == "LimitExceededError"
    finally:
        client.abort()


async def test_no_ack_in_time_and_a_refused_connection_fail_the_handshake(
    server: FakeEventApi,
) -> None:
    server.silent_on_connect = True
    with pytest.raises(TimeoutError):
        await open_client(info_for(server), None, 0.2)
    server.silent_on_connect = False
    server.refuse = [p.Errors.unauthorized()]
    with pytest.raises(RuntimeError, match=r"expected connection_ack.*Unauthorized"):
        await open_client(info_for(server), None, 2.0)


async def test_a_dropped_connection_fails_a_waiting_subscribe(server: FakeEventApi) -> None:
    info = info_for(server)
    server.ignore.add("subscribe")
    client = await connected(server)
    waiting = asyncio.ensure_future(client.subscribe([(CHANNEL, info.auth)], 5.0))
    await server.wait_for(lambda: bool(server.frames("subscribe")))
    server.drop_all()
    with pytest.raises(ConnectionError):
        await waiting
    assert client.closed.done()
