"""EventsClient behaviour over real sockets against the controllable fake server."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from typing import Any

import pytest
from tenacity import wait_fixed, wait_none

from eventapi import (
    ApiKeyAuth,
    AuthError,
    BroadcastError,
    ClientClosedError,
    ConnectionFailedError,
    ConnectionLostError,
    ConnectionState,
    EventsClient,
    IamAuth,
    LambdaAuth,
    OperationTimeoutError,
    PublishError,
    RawJson,
    ReconnectPolicy,
    SubscribeError,
    Subscription,
)
from eventapi import protocol as p
from eventapi.auth import Auth
from eventapi.sigv4 import verify

from .conftest import API_KEY, ClientFactory, StateLog
from .fake_server import FakeEventApi, error, ids, wait_until

pytestmark = pytest.mark.timeout(15)

CONNECTING, CONNECTED, RECONNECTING, CLOSED = (
    ConnectionState.CONNECTING,
    ConnectionState.CONNECTED,
    ConnectionState.RECONNECTING,
    ConnectionState.CLOSED,
)


async def next_event(sub: Subscription, within: float = 2.0) -> Any:
    async with asyncio.timeout(within):
        return await anext(sub)


def states(client: EventsClient) -> list[ConnectionState]:
    log = client.on_state
    assert isinstance(log, StateLog)
    return list(log)


# -- handshake ---------------------------------------------------------------------------------


async def test_connect_offers_both_subprotocols_and_inits(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = make_client()
    assert client.state is CLOSED
    await client.connect()
    assert client.state is CONNECTED
    assert states(client) == [CONNECTING, CONNECTED]
    conn = server.connections[0]
    assert conn.offered[0] == p.SUBPROTOCOL
    assert conn.offered[1].startswith("header-")
    assert conn.auth == {"host": server.host, "x-api-key": API_KEY}
    assert conn.frames[0] == {"type": "connection_init"}


async def test_async_with_connects_and_closes(server: FakeEventApi) -> None:
    async with EventsClient(server.http_url, ApiKeyAuth(API_KEY)) as client:
        assert client.state is CONNECTED
    assert client.state is CLOSED
    await server.wait_for(lambda: not server.live)


async def test_no_ack_in_time_is_a_timeout(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    server.silent_on_connect = True
    client = make_client(connect_timeout=0.2)
    with pytest.raises(OperationTimeoutError) as info:
        await client.connect()
    assert isinstance(info.value, TimeoutError)
    assert client.state is CLOSED
    assert states(client) == [CONNECTING, CLOSED]


async def test_connection_error_is_auth_error_and_not_retried(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    server.refuse = [p.Errors.unauthorized(code=401)]
    client = make_client()
    with pytest.raises(AuthError) as info:
        await client.connect()
    assert info.value.error_types == ("UnauthorizedException",)
    assert info.value.errors[0].error_code == 401
    assert client.state is CLOSED
    assert client.error is info.value
    await asyncio.sleep(0.2)
    assert server.connection_attempts == 1


async def test_upgrade_refused_with_401_is_auth_error(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    server.upgrade_status = 401
    with pytest.raises(AuthError) as info:
        await make_client().connect()
    assert info.value.status == 401
    assert info.value.error_types == ("UnauthorizedException",)


async def test_upgrade_refused_with_503_is_a_retryable_failure(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    server.upgrade_status = 503
    with pytest.raises(ConnectionFailedError) as info:
        await make_client().connect()
    assert info.value.retryable


async def test_nothing_listening_is_connection_failed(make_client: ClientFactory) -> None:
    client = make_client(http_endpoint="http://127.0.0.1:9/event")
    with pytest.raises(ConnectionFailedError):
        await client.connect()
    assert client.state is CLOSED


async def test_operations_before_connect_and_after_close_raise(make_client: ClientFactory) -> None:
    client = make_client()
    with pytest.raises(ClientClosedError, match="connect"):
        await client.subscribe("/default/a")
    await client.connect()
    await client.close()
    with pytest.raises(ClientClosedError):
        await client.publish("/default/a", [1])
    with pytest.raises(RuntimeError):
        await client.connect()


# -- subscribe ---------------------------------------------------------------------------------


async def test_subscribe_returns_after_success_and_yields_parsed_events(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client)
    sub = await client.subscribe("/default/room")
    conn = server.connections[0]
    frame = conn.of_type("subscribe")[0]
    assert frame["id"] == sub.id and p.is_valid_id(sub.id)
    assert frame["channel"] == "/default/room"
    assert frame["authorization"] == {"host": server.host, "x-api-key": API_KEY}
    assert sub.active and client.subscriptions == (sub,)

    other = await client.subscribe("/default/other")
    await server.broadcast("/default/room", {"n": 1, "text": "héllo <b>"})
    await server.broadcast("/default/other", "for the other one")
    await server.broadcast("/default/room", [1, 2])
    assert await next_event(sub) == {"n": 1, "text": "héllo <b>"}
    assert await next_event(sub) == [1, 2]
    assert await next_event(other) == "for the other one"
    assert sub.pending == 0


async def test_subscribe_error_raises_with_errors(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    server.subscribe_errors["/default/nope"] = [p.Errors.subscription_processing()]
    client = await _connected(make_client)
    with pytest.raises(SubscribeError) as info:
        await client.subscribe("/default/nope")
    assert info.value.channel == "/default/nope"
    assert info.value.error_types == ("SubscriptionProcessingError",)
    assert client.subscriptions == ()


async def test_invalid_channel_raises_value_error_without_sending(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client)
    for bad in ("", "/a/b/c/d/e/f", "/bad_segment", "/-x"):
        with pytest.raises(ValueError):
            await client.subscribe(bad)
    with pytest.raises(ValueError):
        await client.publish("/default/*", [1])
    await client.subscribe("/default/*")  # wildcards are fine on subscribe
    assert [f["channel"] for f in server.frames("subscribe")] == ["/default/*"]
    assert server.frames("publish") == []


async def test_subscribe_timeout_and_late_success_is_undone(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    server.ignore.add("subscribe")
    client = await _connected(make_client, operation_timeout=0.2)
    with pytest.raises(OperationTimeoutError):
        await client.subscribe("/default/slow")
    assert client.subscriptions == ()
    late_id = server.frames("subscribe")[0]["id"]
    server.ignore.clear()
    # The server confirms after the client gave up: the client must unsubscribe that id.
    conn = server.connections[0]
    conn.subscriptions[late_id] = "/default/slow"
    await server.send(conn, p.op_success("subscribe", late_id))
    await server.wait_for(lambda: ids(server.frames("unsubscribe")) == [late_id])


async def test_broadcast_error_is_surfaced_and_subscription_continues(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client)
    seen: list[BroadcastError] = []
    sub = await client.subscribe("/default/room", on_error=seen.append)
    await server.broadcast_error(sub.id)
    await server.broadcast("/default/room", "after the error")
    assert await next_event(sub) == "after the error"
    assert sub.broadcast_errors == 1 and len(seen) == 1
    assert seen[0].error_types == ("MessageProcessingError",)
    assert sub.last_broadcast_error is seen[0]
    assert not sub.closed


async def test_unsubscribe_waits_for_success_and_ends_iteration(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client)
    sub = await client.subscribe("/default/room")
    consumer = asyncio.create_task(_collect(sub))
    await server.broadcast("/default/room", 1)
    await server.wait_for(lambda: sub.received == 1)
    await sub.unsubscribe()
    assert ids(server.frames("unsubscribe")) == [sub.id]
    assert server.connections[0].subscriptions == {}  # answered before unsubscribe() returned
    assert sub.closed and client.subscriptions == ()
    assert await asyncio.wait_for(consumer, 1) == [1]
    await sub.unsubscribe()  # idempotent
    assert len(server.frames("unsubscribe")) == 1


async def test_subscription_context_manager_unsubscribes(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client)
    async with await client.subscribe("/default/room") as sub:
        pass
    assert ids(server.frames("unsubscribe")) == [sub.id]


async def test_slow_consumer_buffer_is_bounded_and_drops_oldest(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client)
    sub = await client.subscribe("/default/firehose", max_pending=3)
    for n in range(10):
        await server.broadcast("/default/firehose", n)
    await server.wait_for(lambda: sub.received == 10)
    assert sub.pending == 3
    assert sub.dropped == 7
    assert sub.drain() == [7, 8, 9]
    assert sub.drain() == []


async def test_drain_takes_everything_pending_at_once(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client)
    sub = await client.subscribe("/default/answers")
    for n in range(50):
        await server.broadcast("/default/answers", {"n": n})
    await server.wait_for(lambda: sub.received == 50)
    await sub.wait_pending()
    assert sub.drain() == [{"n": n} for n in range(50)]
    assert sub.pending == 0 and sub.dropped == 0


# -- publish -------------------------------------------------------------------------------------


async def test_publish_success_results(server: FakeEventApi, make_client: ClientFactory) -> None:
    server.failed_indices = {1}
    client = await _connected(make_client)
    sub = await client.subscribe("/default/room")
    result = await client.publish(
        "/default/room", [{"a": 1, "b": [1, 2]}, "big", RawJson('{"raw": true}')]
    )
    assert [e.index for e in result.successful] == [0, 2]
    assert all(e.identifier for e in result.successful)
    assert len(result.failed) == 1 and not result.ok
    failed = result.failed[0]
    assert (failed.index, failed.code) == (1, "EventTooLargeException")
    assert failed.message == "Transformed event is larger than 240KB"
    frame = server.frames("publish")[0]
    assert frame["events"] == ['{"a":1,"b":[1,2]}', '"big"', '{"raw": true}']
    assert frame["channel"] == "/default/room"
    assert frame["authorization"] == {"host": server.host, "x-api-key": API_KEY}
    assert await next_event(sub) == {"a": 1, "b": [1, 2]}
    assert await next_event(sub) == {"raw": True}


async def test_publish_error_raises_publish_error(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    server.publish_errors = [p.Errors.unauthorized()]
    client = await _connected(make_client)
    with pytest.raises(PublishError) as info:
        await client.publish("/default/room", [1])
    assert info.value.error_types == ("UnauthorizedException",)
    assert info.value.errors[0].message == p.NOT_AUTHORIZED_MESSAGE
    assert info.value.is_auth_failure


async def test_more_than_five_events_raise_before_sending(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client)
    with pytest.raises(ValueError, match="at most 5"):
        await client.publish("/default/room", list(range(6)))
    with pytest.raises(ValueError):
        await client.publish("/default/room", [])
    with pytest.raises(TypeError):
        await client.publish("/default/room", "not a list")
    await client.publish("/default/room", [1, 2, 3, 4, 5])  # the limit itself is fine
    assert [len(f["events"]) for f in server.frames("publish")] == [5]


async def test_publish_all_sends_batches_of_five(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    server.failed_indices = {0}
    client = await _connected(make_client)
    result = await client.publish_all("/default/room", list(range(12)))
    assert [len(f["events"]) for f in server.frames("publish")] == [5, 5, 2]
    assert [e.index for e in result.failed] == [0, 5, 10]
    assert [e.index for e in result.successful] == [1, 2, 3, 4, 6, 7, 8, 9, 11]


# -- per-operation authorization ------------------------------------------------------------------

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
IAM = IamAuth.from_keys("us-east-1", "AKIDEXAMPLE", SECRET)


def verify_iam(authorization: dict[str, str], body: str) -> None:
    signed = verify(
        method="POST",
        path="/event",
        query="",
        headers=authorization,
        body=body,
        region="us-east-1",
        secret_for=lambda key: SECRET if key == "AKIDEXAMPLE" else None,
    )
    assert signed.access_key_id == "AKIDEXAMPLE"


async def test_iam_connection_is_signed_and_verifiable(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client, auth=IAM)
    auth = server.connections[0].auth
    assert auth["host"] == server.host
    assert auth["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    verify_iam(auth, p.CONNECT_SIGNED_BODY)
    with pytest.raises(Exception, match="signature"):  # the check can fail
        verify_iam(auth, '{"channel":"/default/x"}')

    await client.subscribe("/default/room")
    await client.publish("/default/room", [{"q": "<b>&"}, 2])
    sub_frame = server.frames("subscribe")[0]
    verify_iam(sub_frame["authorization"], p.subscribe_signed_body("/default/room"))
    pub_frame = server.frames("publish")[0]
    assert pub_frame["events"] == ['{"q":"\\u003cb\\u003e\\u0026"}', "2"]
    verify_iam(
        pub_frame["authorization"], p.publish_signed_body("/default/room", pub_frame["events"])
    )


async def test_mixed_auth_on_one_connection(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client)  # API key connection
    iam_sub = await client.subscribe("/secure/room", auth=IAM)
    lambda_sub = await client.subscribe("/players/room", auth=LambdaAuth("player-token"))
    key_sub = await client.subscribe("/default/room")
    await client.publish("/players/room", ["hi"], auth=LambdaAuth("player-token"))
    by_id = {f["id"]: f["authorization"] for f in server.frames("subscribe")}
    verify_iam(by_id[iam_sub.id], p.subscribe_signed_body("/secure/room"))
    assert by_id[lambda_sub.id] == {"Authorization": "player-token", "host": server.host}
    assert by_id[key_sub.id] == {"host": server.host, "x-api-key": API_KEY}
    assert server.frames("publish")[0]["authorization"]["Authorization"] == "player-token"
    assert server.connections[0].auth["x-api-key"] == API_KEY


# -- surviving the network -------------------------------------------------------------------------


async def test_reconnects_after_drop_and_resubscribes_with_same_ids(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client)
    room = await client.subscribe("/default/room")
    wild = await client.subscribe("/default/*")
    server.drop_all()
    await server.wait_for(
        lambda: len(server.connections) == 2 and len(server.connections[1].subscriptions) == 2
    )
    await _wait_state(client, CONNECTED)
    assert states(client) == [CONNECTING, CONNECTED, RECONNECTING, CONNECTED]
    second = server.connections[1]
    assert second.frames[0] == {"type": "connection_init"}
    assert sorted(ids(second.of_type("subscribe"))) == sorted([room.id, wild.id])
    assert client.reconnects == 1
    await server.broadcast("/default/room", "again")
    assert await next_event(room) == "again"
    assert await next_event(wild) == "again"
    assert room.active and wild.active and not room.closed


async def test_reconnect_reauthorizes_every_time(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    calls: list[str] = []

    class CountingAuth:
        mode = "API_KEY"

        def realtime(self, host: str, body: str = p.CONNECT_SIGNED_BODY) -> dict[str, str]:
            calls.append(body)
            return {"host": host, "x-api-key": f"key-{len(calls)}"}

        def http(self, url: str, host: str, body: bytes) -> dict[str, str]:
            raise AssertionError("not used")

    auth: Auth = CountingAuth()
    client = await _connected(make_client, auth=auth)
    await client.subscribe("/default/room")
    assert calls == ["{}", '{"channel":"/default/room"}']
    server.drop_all()
    await server.wait_for(
        lambda: len(server.connections) == 2 and bool(server.connections[1].subscriptions)
    )
    assert calls[2:] == ["{}", '{"channel":"/default/room"}']
    assert server.connections[1].auth["x-api-key"] == "key-3"
    assert server.connections[1].of_type("subscribe")[0]["authorization"]["x-api-key"] == "key-4"


async def test_iam_signatures_are_fresh_after_reconnect(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    await _connected(make_client, auth=IAM)
    await asyncio.sleep(1.01 - time.time() % 1)  # a new second: a new x-amz-date and signature
    server.drop_all()
    await server.wait_for(lambda: len(server.connections) == 2 and server.connections[1].auth != {})
    first, second = server.connections[0].auth, server.connections[1].auth
    assert first["X-Amz-Date"] != second["X-Amz-Date"]
    verify_iam(second, p.CONNECT_SIGNED_BODY)


async def test_keepalive_silence_triggers_reconnect(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    server.ack_timeout_ms = 300  # the client must take its watchdog from the ack
    server.ka_interval = 0.05
    client = await _connected(make_client)
    assert client.keepalive_timeout == pytest.approx(0.3)
    await asyncio.sleep(0.7)  # ka keeps it alive well past the timeout
    assert server.connection_attempts == 1 and client.state is CONNECTED
    server.silence_all()
    await server.wait_for(lambda: len(server.connections) == 2, within=2.0)
    await _wait_state(client, CONNECTED)
    assert RECONNECTING in states(client)
    assert server.connections[0].closed


async def test_any_frame_counts_as_life(server: FakeEventApi, make_client: ClientFactory) -> None:
    server.ack_timeout_ms = 300  # no ka at all: only data frames flow
    client = await _connected(make_client)
    sub = await client.subscribe("/default/ticks")
    for n in range(14):
        await server.broadcast("/default/ticks", n)
        await asyncio.sleep(0.05)
    assert server.connection_attempts == 1
    assert sub.drain() == list(range(14))
    await server.wait_for(lambda: len(server.connections) == 2, within=2.0)


async def test_keepalive_timeout_override(server: FakeEventApi, make_client: ClientFactory) -> None:
    client = await _connected(make_client, keepalive_timeout=0.2)  # ack says 300 s
    assert client.keepalive_timeout == 0.2
    await server.wait_for(lambda: len(server.connections) == 2, within=2.0)


async def test_auth_error_on_reconnect_closes_without_retry(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client)
    sub = await client.subscribe("/default/room")
    server.refuse = [
        error("BadRequestException", "The request signature we calculated does not match")
    ]
    server.drop_all()
    err = await asyncio.wait_for(client.wait_closed(), 2)
    assert isinstance(err, AuthError)
    assert err.error_types == ("BadRequestException",)
    assert states(client) == [CONNECTING, CONNECTED, RECONNECTING, CLOSED]
    with pytest.raises(AuthError):
        await next_event(sub)
    await asyncio.sleep(0.2)
    assert server.connection_attempts == 2
    with pytest.raises(ClientClosedError) as info:
        await client.publish("/default/room", [1])
    assert info.value.__cause__ is err


async def test_non_auth_connection_error_is_retried(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client)
    sub = await client.subscribe("/default/room")
    server.refuse = [error("LimitExceededError", "Rate limit exceeded")]
    server.refusals_left = 2
    server.drop_all()
    await server.wait_for(
        lambda: len(server.connections) == 4 and bool(server.connections[3].subscriptions)
    )
    await _wait_state(client, CONNECTED)
    assert server.connection_attempts == 4
    await server.broadcast("/default/room", "back")
    assert await next_event(sub) == "back"


async def test_garbled_handshake_frame_is_retried(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    """A frame that is not JSON before the ack (a proxy, a glitch) is not a refusal."""
    client = await _connected(make_client)
    sub = await client.subscribe("/default/room")
    server.garbled_inits = 2
    server.drop_all()
    await server.wait_for(
        lambda: len(server.connections) == 4 and bool(server.connections[3].subscriptions)
    )
    await _wait_state(client, CONNECTED)
    await server.broadcast("/default/room", "back")
    assert await next_event(sub) == "back"


async def test_gives_up_after_max_attempts(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client, reconnect=ReconnectPolicy.immediate(max_attempts=3))
    sub = await client.subscribe("/default/room")
    server.upgrade_status = 503
    server.drop_all()
    err = await asyncio.wait_for(client.wait_closed(), 3)
    assert isinstance(err, ConnectionFailedError)
    assert server.connection_attempts == 1 + 3
    with pytest.raises(ConnectionFailedError):
        await next_event(sub)


async def test_reconnect_backoff_is_applied(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    policy = ReconnectPolicy(wait=wait_fixed(0.15), first_delay=0.0, max_attempts=3)
    client = await _connected(make_client, reconnect=policy)
    server.upgrade_status = 503
    server.drop_all()
    started = asyncio.get_running_loop().time()
    await asyncio.wait_for(client.wait_closed(), 3)
    assert asyncio.get_running_loop().time() - started >= 0.3  # two waits between three attempts


async def test_without_reconnect_a_drop_closes(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client, reconnect=None)
    server.drop_all()
    assert isinstance(await asyncio.wait_for(client.wait_closed(), 2), ConnectionLostError)
    assert states(client)[-1] is CLOSED


async def test_publish_in_flight_when_socket_drops_fails(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    server.ignore.add("publish")
    client = await _connected(make_client)
    publishing = asyncio.create_task(client.publish("/default/room", [1]))
    await server.wait_for(lambda: bool(server.frames("publish")))
    server.drop_all()
    with pytest.raises(ConnectionLostError):
        await publishing


async def test_publish_while_reconnecting_waits_for_the_connection(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    policy = ReconnectPolicy(wait=wait_none(), first_delay=0.3)
    client = await _connected(make_client, reconnect=policy)
    server.drop_all()
    await _wait_state(client, RECONNECTING)
    result = await client.publish("/default/room", ["queued"])
    assert len(result.successful) == 1
    assert len(server.connections[-1].of_type("publish")) == 1


async def test_resubscribe_refused_ends_that_subscription(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    client = await _connected(make_client)
    doomed = await client.subscribe("/default/doomed")
    fine = await client.subscribe("/default/fine")
    server.subscribe_errors["/default/doomed"] = [p.Errors.unauthorized()]
    server.drop_all()
    await server.wait_for(
        lambda: len(server.connections) == 2 and bool(server.connections[1].subscriptions)
    )
    with pytest.raises(SubscribeError):
        await next_event(doomed)
    assert client.subscriptions == (fine,)
    assert client.state is CONNECTED


# -- closing -----------------------------------------------------------------------------------------


async def test_clean_close_ends_iterators_and_leaves_nothing_behind(
    server: FakeEventApi, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="asyncio")
    client = await _connected(make_client)
    subs = [await client.subscribe(f"/default/room{n}") for n in range(3)]
    consumers = [asyncio.create_task(_collect(sub)) for sub in subs]
    await server.broadcast("/default/room1", "last words")
    await server.wait_for(lambda: subs[1].received == 1)
    await client.close()
    results = await asyncio.wait_for(asyncio.gather(*consumers), 1)
    assert results == [[], ["last words"], []]
    assert client.state is CLOSED and client.error is None
    assert states(client) == [CONNECTING, CONNECTED, CLOSED]
    await server.wait_for(lambda: server.connections[0].closed)
    assert server.connections[0].ws.close_code == 1000
    assert [t for t in asyncio.all_tasks() if t.get_name().startswith("eventapi")] == []
    await client.close()  # idempotent
    gc.collect()
    assert "Task was destroyed" not in caplog.text


async def test_close_while_reconnecting(server: FakeEventApi, make_client: ClientFactory) -> None:
    client = await _connected(make_client, reconnect=ReconnectPolicy(first_delay=5.0))
    sub = await client.subscribe("/default/room")
    server.drop_all()
    await _wait_state(client, RECONNECTING)
    await asyncio.wait_for(client.close(), 1)
    assert client.state is CLOSED
    assert await _collect(sub) == []


async def test_close_fails_waiting_operations(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    server.ignore.add("subscribe")
    client = await _connected(make_client)
    waiting = asyncio.create_task(client.subscribe("/default/room"))
    await server.wait_for(lambda: bool(server.frames("subscribe")))
    await client.close()
    with pytest.raises(ClientClosedError):
        await waiting


async def test_on_state_callback_errors_do_not_break_the_client(
    server: FakeEventApi, make_client: ClientFactory
) -> None:
    def explode(state: ConnectionState) -> None:
        raise RuntimeError("ui bug")

    client = await _connected(make_client, on_state=explode)
    assert client.state is CONNECTED


# -- helpers --------------------------------------------------------------------------------------


async def _connected(make_client: ClientFactory, **options: Any) -> EventsClient:
    client = make_client(**options)
    await client.connect()
    return client


async def _wait_state(client: EventsClient, state: ConnectionState) -> None:
    await wait_until(lambda: client.state is state, 2.0)


async def _collect(sub: Subscription) -> list[Any]:
    return [event async for event in sub]
