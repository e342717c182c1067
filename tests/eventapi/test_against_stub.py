"""The client against the real offline Event API (``backend_stub.server.EventApiServer``)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from tenacity import wait_fixed

from backend_stub.config import IamCredential, NamespaceConfig, StubConfig
from backend_stub.server import EventApiServer
from eventapi import (
    ApiKeyAuth,
    AuthError,
    ConnectionState,
    EventsClient,
    HttpPublisher,
    HttpPublishError,
    IamAuth,
    LambdaAuth,
    PublishError,
    ReconnectPolicy,
    SubscribeError,
    Subscription,
    publish_http,
)

from .fake_server import wait_until

pytestmark = pytest.mark.timeout(20)

API_KEY = "da2-testkey0000000000000000"
IAM = IamAuth.from_keys("us-east-1", "AKIDTEST", "secret")
PLAYER = LambdaAuth("player-1-secret")


def authorizer(request: dict[str, Any]) -> dict[str, Any]:
    return {"isAuthorized": request["authorizationToken"] == "player-1-secret"}


def config(**overrides: Any) -> StubConfig:
    options: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "api_keys": (API_KEY,),
        "iam_credentials": (IamCredential("AKIDTEST", "secret"),),
        "region": "us-east-1",
        "namespaces": (
            NamespaceConfig("default"),
            NamespaceConfig("secure", publish_auth=("AWS_IAM",), subscribe_auth=("AWS_IAM",)),
            NamespaceConfig(
                "players", publish_auth=("AWS_LAMBDA",), subscribe_auth=("AWS_LAMBDA",)
            ),
        ),
    }
    options.update(overrides)
    return StubConfig(**options)


@pytest.fixture
async def stub() -> AsyncIterator[EventApiServer]:
    async with EventApiServer(config(), authorizer) as server:
        yield server


def client_for(server: EventApiServer, auth: Any = None, **options: Any) -> EventsClient:
    return EventsClient(
        server.http_url,
        auth or ApiKeyAuth(API_KEY),
        connect_timeout=3.0,
        operation_timeout=3.0,
        reconnect=options.pop("reconnect", ReconnectPolicy.immediate()),
        **options,
    )


async def next_event(sub: Subscription) -> Any:
    async with asyncio.timeout(3.0):
        return await anext(sub)


async def test_api_key_subscribe_and_publish_over_ws_and_http(stub: EventApiServer) -> None:
    async with client_for(stub) as client:
        assert client.endpoints.realtime_url == stub.realtime_url
        room = await client.subscribe("/default/room")
        wild = await client.subscribe("/default/*")
        result = await client.publish("/default/room", [{"n": 1}, "two <&>"])
        assert [e.index for e in result.successful] == [0, 1] and result.ok
        assert [await next_event(room), await next_event(room)] == [{"n": 1}, "two <&>"]
        assert await next_event(wild) == {"n": 1}

        http = await publish_http(stub.http_url, "default/room/deeper", [3], ApiKeyAuth(API_KEY))
        assert http.ok and len(http.successful) == 1
        assert await next_event(wild) == "two <&>"
        assert await next_event(wild) == 3
        await room.unsubscribe()
        await wild.unsubscribe()
    assert client.state is ConnectionState.CLOSED


async def test_iam_connection_subscribe_and_publish(stub: EventApiServer) -> None:
    async with client_for(stub, IAM) as client:
        sub = await client.subscribe("/secure/room")
        result = await client.publish("/secure/room", [{"q": "1 < 2 & 3 > 2"}])
        assert result.ok
        assert await next_event(sub) == {"q": "1 < 2 & 3 > 2"}
        async with HttpPublisher(stub.http_url, IAM) as publisher:
            assert (await publisher.publish_all("/secure/room", list(range(7)))).ok
        assert [await next_event(sub) for _ in range(7)] == list(range(7))


async def test_mixed_auth_on_one_api_key_connection(stub: EventApiServer) -> None:
    async with client_for(stub) as client:
        with pytest.raises(SubscribeError) as info:
            await client.subscribe("/secure/room")  # API key may not subscribe there
        assert info.value.error_types == ("UnauthorizedException",)
        secure = await client.subscribe("/secure/room", auth=IAM)
        players = await client.subscribe("/players/p1", auth=PLAYER)
        with pytest.raises(PublishError):
            await client.publish("/secure/room", [1])
        assert (await client.publish("/secure/room", ["by iam"], auth=IAM)).ok
        assert (await client.publish("/players/p1", ["by lambda"], auth=PLAYER)).ok
        assert await next_event(secure) == "by iam"
        assert await next_event(players) == "by lambda"
        with pytest.raises(PublishError):
            await client.publish("/players/p1", ["x"], auth=LambdaAuth("wrong"))


async def test_http_errors_from_the_stub(stub: EventApiServer) -> None:
    with pytest.raises(HttpPublishError) as info:
        await publish_http(stub.http_url, "/secure/room", [1], ApiKeyAuth(API_KEY))
    assert info.value.status in (401, 403) and info.value.is_auth_failure
    with pytest.raises(HttpPublishError) as bad_key:
        await publish_http(stub.http_url, "/default/room", [1], ApiKeyAuth("da2-wrong"))
    assert bad_key.value.status == 401
    assert bad_key.value.error_types == ("UnauthorizedException",)


async def test_wrong_api_key_is_an_auth_error(stub: EventApiServer) -> None:
    client = client_for(stub, ApiKeyAuth("da2-wrong"))
    with pytest.raises(AuthError) as info:
        await client.connect()
    assert info.value.error_types == ("UnauthorizedException",)
    assert client.state is ConnectionState.CLOSED


async def test_wrong_iam_secret_is_an_auth_error(stub: EventApiServer) -> None:
    client = client_for(stub, IamAuth.from_keys("us-east-1", "AKIDTEST", "not-the-secret"))
    with pytest.raises(AuthError):
        await client.connect()


async def test_keepalives_keep_the_connection() -> None:
    async with EventApiServer(config(keepalive_interval=0.05, connection_timeout_ms=300)) as server:
        states: list[ConnectionState] = []
        async with client_for(server, on_state=states.append) as client:
            assert client.keepalive_timeout == pytest.approx(0.3)
            await asyncio.sleep(1.0)
            assert states == [ConnectionState.CONNECTING, ConnectionState.CONNECTED]


async def test_survives_a_server_restart() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    first = EventApiServer(config(port=port), authorizer)
    await first.start()
    states: list[ConnectionState] = []
    client = client_for(
        first, reconnect=ReconnectPolicy(wait_fixed(0.05), first_delay=0.05), on_state=states.append
    )
    second: EventApiServer | None = None
    try:
        await client.connect()
        key_sub = await client.subscribe("/default/room")
        iam_sub = await client.subscribe("/secure/room", auth=IAM)
        await first.stop()
        await wait_until(lambda: client.state is ConnectionState.RECONNECTING)
        second = EventApiServer(config(port=port), authorizer)
        await second.start()
        await wait_until(lambda: client.state is ConnectionState.CONNECTED, 10.0)
        await wait_until(lambda: key_sub.active and iam_sub.active)
        await second.publish_internal("/default/room", ["after restart"])
        await second.publish_internal("/secure/room", [{"ok": True}])
        assert await next_event(key_sub) == "after restart"
        assert await next_event(iam_sub) == {"ok": True}
        assert states[:3] == [
            ConnectionState.CONNECTING,
            ConnectionState.CONNECTED,
            ConnectionState.RECONNECTING,
        ]
        assert states[-1] is ConnectionState.CONNECTED
    finally:
        await client.close()
        if second is not None:
            await second.stop()
