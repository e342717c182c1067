"""Namespace handlers (onPublish / onSubscribe) and the Lambda authorizer, on an in-process stub.

The server runs in this test's event loop (``backend_stub.server.EventApiServer``) so the hooks can
be Python functions; the client side is still raw frames over real sockets.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from .wire import (
    CONNECTION_ERROR_FRAME,
    MAX_EVENT_BYTES,
    SUBPROTOCOL,
    UNAUTHORIZED,
    Endpoint,
    error_frame,
    ev,
    header_subprotocol,
    http_publish,
    init_frame,
    is_uuid,
    lambda_auth,
    open_conn,
    publish_ok,
)

API_KEY = "da2-hooks000000000000000000000"
ACCESS_KEY = "AKIAHOOKS00000000000"
SECRET = "hooks-secret-0000000000000000000000000000"
REJECTION = "rejected by handler"


class Hooks:
    """Handlers and authorizer that record what they were given."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []
        self.subscribed: list[dict[str, Any]] = []
        self.authorized: list[dict[str, Any]] = []

    def on_publish(self, ctx: dict[str, Any]) -> list[dict[str, Any]]:
        """Sync handler; behaviour picked by the channel's second segment."""
        from backend_stub.hooks import HandlerError

        self.published.append(ctx)
        events: list[dict[str, Any]] = ctx["events"]
        match ctx["info"]["channel"]["segments"][1]:
            case "filter":
                return [e for e in events if e["payload"].get("keep")]
            case "transform":
                return [
                    {"id": e["id"], "payload": {**e["payload"], "stamped": True}} for e in events
                ]
            case "fail":
                return [
                    {"id": e["id"], "error": "bad event"} if e["payload"].get("bad") else e
                    for e in events
                ]
            case "grow":  # the 240 KB limit applies to the *transformed* event
                return [{"id": e["id"], "payload": "x" * MAX_EVENT_BYTES} for e in events]
            case "reject":
                raise HandlerError(REJECTION)
            case _:
                return events

    async def on_publish_async(self, ctx: dict[str, Any]) -> list[dict[str, Any]]:
        self.published.append(ctx)
        return [{"id": e["id"], "payload": {"seen": e["payload"]}} for e in ctx["events"]]

    def on_subscribe(self, ctx: dict[str, Any]) -> None:
        from backend_stub.hooks import Unauthorized

        self.subscribed.append(ctx)
        if ctx["info"]["channel"]["segments"][1] == "forbidden":
            raise Unauthorized()

    async def authorizer(self, request: dict[str, Any]) -> dict[str, Any]:
        self.authorized.append(request)
        token = request["authorizationToken"]
        if token.startswith("allow-"):
            return {"isAuthorized": True, "handlerContext": {"user": token.split("-")[1]}}
        return {"isAuthorized": False}


@pytest.fixture
async def hooked() -> AsyncIterator[tuple[Endpoint, Hooks]]:
    from backend_stub.config import IamCredential, NamespaceConfig, StubConfig
    from backend_stub.server import EventApiServer

    hooks = Hooks()
    config = StubConfig(
        host="127.0.0.1",
        port=0,
        api_keys=(API_KEY,),
        iam_credentials=(IamCredential(ACCESS_KEY, SECRET),),
        region="us-east-1",
        keepalive_interval=60.0,
        namespaces=(
            NamespaceConfig("default"),
            NamespaceConfig(
                "hooked",
                publish_auth=("API_KEY",),
                subscribe_auth=("API_KEY", "AWS_LAMBDA"),
                on_publish=hooks.on_publish,
                on_subscribe=hooks.on_subscribe,
            ),
            NamespaceConfig(
                "lam",
                publish_auth=("AWS_LAMBDA",),
                subscribe_auth=("AWS_LAMBDA",),
                on_publish=hooks.on_publish_async,
            ),
        ),
    )
    async with EventApiServer(config, authorizer=hooks.authorizer) as server:
        endpoint = Endpoint(
            http=server.http_url,
            realtime=server.realtime_url,
            host=server.host,
            api_key=API_KEY,
            region="us-east-1",
            access_key_id=ACCESS_KEY,
            secret_access_key=SECRET,
        )
        yield endpoint, hooks


def token(verdict: str = "allow") -> str:
    """A fresh Lambda token (fresh, so no authorizer-cache hit hides the call)."""
    return f"{verdict}-u{uuid.uuid4().hex[:8]}"


# --------------------------------------------------------------------------- onPublish


async def test_publish_handler_context(hooked: tuple[Endpoint, Hooks]) -> None:
    ep, hooks = hooked
    async with open_conn(ep) as conn:
        events = [ev({"a": 1}), ev([1, 2]), ev("s")]
        publish_ok(await conn.publish("/hooked/echo/deep", events), 3)
    (ctx,) = hooks.published
    assert ctx["identity"] is None  # API key
    assert ctx["info"] == {
        "channel": {"path": "/hooked/echo/deep", "segments": ["hooked", "echo", "deep"]},
        "channelNamespace": {"name": "hooked"},
        "operation": "PUBLISH",
    }
    assert ctx["stash"] == {}
    assert isinstance(ctx["request"]["headers"], dict)
    assert "domainName" in ctx["request"]
    assert [e["payload"] for e in ctx["events"]] == [{"a": 1}, [1, 2], "s"]
    ids = [e["id"] for e in ctx["events"]]
    assert all(isinstance(i, str) and i for i in ids) and len(set(ids)) == 3
    json.dumps(ctx)  # plain JSON, as a Lambda would receive it


async def test_http_publish_handler_sees_normalised_path(
    hooked: tuple[Endpoint, Hooks], http: httpx.AsyncClient
) -> None:
    ep, hooks = hooked
    resp = await http_publish(http, ep, "hooked/echo", [ev(1)])
    assert resp.status_code == 200, resp.text
    (ctx,) = hooks.published
    assert ctx["info"]["channel"] == {"path": "/hooked/echo", "segments": ["hooked", "echo"]}


async def test_handler_filters_events(hooked: tuple[Endpoint, Hooks]) -> None:
    ep, _ = hooked
    channel = "/hooked/filter"
    async with open_conn(ep) as conn:
        await conn.subscribe(channel, sub_id="f")
        events = [
            ev({"keep": True, "n": 0}),
            ev({"keep": False, "n": 1}),
            ev({"keep": True, "n": 2}),
        ]
        reply = await conn.publish(channel, events)
        assert reply["type"] == "publish_success" and reply["failed"] == []
        got = await conn.data("f", 2)
        assert sorted(g["n"] for g in got) == [0, 2]
        await conn.assert_no_data()


async def test_handler_transforms_events(hooked: tuple[Endpoint, Hooks]) -> None:
    ep, _ = hooked
    async with open_conn(ep) as conn:
        await conn.subscribe("/hooked/transform", sub_id="t")
        publish_ok(await conn.publish("/hooked/transform", [ev({"v": 1})]), 1)
        assert await conn.data("t", 1) == [{"v": 1, "stamped": True}]


async def test_handler_marks_events_failed(hooked: tuple[Endpoint, Hooks]) -> None:
    ep, hooks = hooked
    async with open_conn(ep) as conn:
        await conn.subscribe("/hooked/fail", sub_id="mf")
        events = [ev({"n": 0}), ev({"n": 1, "bad": True}), ev({"n": 2})]
        reply = await conn.publish("/hooked/fail", events)
        assert reply["type"] == "publish_success"
        assert sorted(s["index"] for s in reply["successful"]) == [0, 2]
        (failed,) = reply["failed"]
        assert failed["index"] == 1 and is_uuid(failed["identifier"])
        got = await conn.data("mf", 2)
        assert sorted(g["n"] for g in got) == [0, 2]
        await conn.assert_no_data()
    assert len(hooks.published) == 1


async def test_size_limit_applies_after_transform(hooked: tuple[Endpoint, Hooks]) -> None:
    ep, _ = hooked
    async with open_conn(ep) as conn:
        await conn.subscribe("/hooked/grow", sub_id="g")
        reply = await conn.publish("/hooked/grow", [ev("tiny")])
        assert reply["successful"] == []
        (failed,) = reply["failed"]
        assert (failed["code"], failed["index"], failed["message"]) == (
            "EventTooLargeException",
            0,
            "Transformed event is larger than 240KB",
        )
        await conn.assert_no_data()


async def test_handler_error_rejects_ws_publish(hooked: tuple[Endpoint, Hooks]) -> None:
    ep, _ = hooked
    async with open_conn(ep) as conn:
        await conn.subscribe("/hooked/reject", sub_id="r")
        reply = await conn.publish("/hooked/reject", [ev(1), ev(2)], pub_id="rej")
        assert reply["type"] == "publish_error" and reply["id"] == "rej"
        assert [e["message"] for e in reply["errors"]] == [REJECTION]
        await conn.assert_no_data()


async def test_handler_error_rejects_http_publish_with_403(
    hooked: tuple[Endpoint, Hooks], http: httpx.AsyncClient
) -> None:
    ep, _ = hooked
    resp = await http_publish(http, ep, "/hooked/reject", [ev(1)])
    assert resp.status_code == 403
    assert [e["message"] for e in resp.json()["errors"]] == [REJECTION]


async def test_async_publish_handler(hooked: tuple[Endpoint, Hooks]) -> None:
    ep, hooks = hooked
    tok = token()
    async with open_conn(ep) as conn:
        await conn.subscribe("/lam/room", sub_id="l", auth=lambda_auth(ep, tok))
        reply = await conn.publish("/lam/room", [ev({"hi": 1})], auth=lambda_auth(ep, tok))
        publish_ok(reply, 1)
        assert await conn.data("l", 1) == [{"seen": {"hi": 1}}]
    (ctx,) = hooks.published
    assert ctx["identity"]["handlerContext"] == {"user": tok.split("-")[1]}


# --------------------------------------------------------------------------- onSubscribe


async def test_subscribe_handler_allows_and_sees_context(hooked: tuple[Endpoint, Hooks]) -> None:
    ep, hooks = hooked
    async with open_conn(ep) as conn:
        assert (await conn.subscribe("/hooked/room/a"))["type"] == "subscribe_success"
    (ctx,) = hooks.subscribed
    assert ctx["identity"] is None
    assert ctx["info"] == {
        "channel": {"path": "/hooked/room/a", "segments": ["hooked", "room", "a"]},
        "channelNamespace": {"name": "hooked"},
        "operation": "SUBSCRIBE",
    }


async def test_subscribe_handler_unauthorized(hooked: tuple[Endpoint, Hooks]) -> None:
    ep, _ = hooked
    async with open_conn(ep) as conn:
        reply = await conn.subscribe("/hooked/forbidden", sub_id="nope")
        assert reply["type"] == "subscribe_error" and reply["id"] == "nope"
        assert [e["errorType"] for e in reply["errors"]] == ["UnauthorizedException"]
        # the refused subscription receives nothing
        publish_ok(await conn.publish("/hooked/forbidden", [ev(1)]), 1)
        await conn.assert_no_data()


# --------------------------------------------------------------------------- Lambda authorizer


async def test_lambda_subscribe_allowed_with_handler_context(
    hooked: tuple[Endpoint, Hooks],
) -> None:
    ep, hooks = hooked
    tok = token()
    async with open_conn(ep) as conn:  # connected with the API key: mixed auth
        reply = await conn.subscribe("/hooked/lobby", sub_id="ls", auth=lambda_auth(ep, tok))
        assert reply == {"id": "ls", "type": "subscribe_success"}
        publish_ok(await conn.publish("/hooked/lobby", [ev("hello")]), 1)
        assert await conn.data("ls", 1) == ["hello"]
    request = next(r for r in hooks.authorized if r["authorizationToken"] == tok)
    context = request["requestContext"]
    assert context["operation"] == "EVENT_SUBSCRIBE"
    assert context["channelNamespaceName"] == "hooked"
    assert context["channel"] == "/hooked/lobby"
    assert {"apiId", "accountId", "requestId"} <= set(context)
    assert isinstance(request["requestHeaders"], dict)
    (ctx,) = hooks.subscribed
    assert ctx["identity"]["handlerContext"] == {"user": tok.split("-")[1]}


async def test_lambda_subscribe_denied(hooked: tuple[Endpoint, Hooks]) -> None:
    ep, hooks = hooked
    async with open_conn(ep) as conn:
        reply = await conn.subscribe(
            "/hooked/lobby", sub_id="ld", auth=lambda_auth(ep, token("deny"))
        )
        assert reply == error_frame("subscribe", "ld", UNAUTHORIZED)
    assert hooks.subscribed == []  # handlers run only after authorization succeeded


async def test_lambda_publish_authorizer_request(hooked: tuple[Endpoint, Hooks]) -> None:
    ep, hooks = hooked
    tok = token()
    async with open_conn(ep) as conn:
        publish_ok(await conn.publish("/lam/x", [ev(1)], auth=lambda_auth(ep, tok)), 1)
    request = next(r for r in hooks.authorized if r["authorizationToken"] == tok)
    assert request["requestContext"]["operation"] == "EVENT_PUBLISH"
    assert request["requestContext"]["channelNamespaceName"] == "lam"


async def test_lambda_publish_denied(hooked: tuple[Endpoint, Hooks]) -> None:
    ep, hooks = hooked
    async with open_conn(ep) as conn:
        reply = await conn.publish(
            "/lam/x", [ev(1)], pub_id="lpd", auth=lambda_auth(ep, token("deny"))
        )
        assert reply == error_frame("publish", "lpd", UNAUTHORIZED)
    assert hooks.published == []


async def test_lambda_not_allowed_where_only_api_key_publishes(
    hooked: tuple[Endpoint, Hooks],
) -> None:
    ep, _ = hooked
    async with open_conn(ep) as conn:
        reply = await conn.publish(
            "/hooked/x", [ev(1)], pub_id="lna", auth=lambda_auth(ep, token())
        )
        assert reply == error_frame("publish", "lna", UNAUTHORIZED)


@pytest.mark.parametrize("verdict", ["allow", "deny"])
async def test_lambda_http_publish(
    hooked: tuple[Endpoint, Hooks], http: httpx.AsyncClient, verdict: str
) -> None:
    ep, _ = hooked
    headers = {"content-type": "application/json", "authorization": token(verdict)}
    resp = await http_publish(http, ep, "/lam/http", [ev(1)], headers=headers)
    if verdict == "allow":
        assert resp.status_code == 200, resp.text
        publish_ok(resp.json(), 1)
    else:
        assert resp.status_code == 401
        assert resp.json() == {"errors": [UNAUTHORIZED]}


async def test_lambda_connect_allowed(hooked: tuple[Endpoint, Hooks]) -> None:
    ep, hooks = hooked
    tok = token()
    async with open_conn(ep, auth=lambda_auth(ep, tok)):
        pass
    request = next(r for r in hooks.authorized if r["authorizationToken"] == tok)
    context = request["requestContext"]
    assert context["operation"] == "EVENT_CONNECT"
    assert context.get("channelNamespaceName") is None and context.get("channel") is None


async def test_lambda_connect_denied(hooked: tuple[Endpoint, Hooks]) -> None:
    ep, _ = hooked
    offered = [SUBPROTOCOL, header_subprotocol(lambda_auth(ep, token("deny")))]
    async with open_conn(ep, subprotocols=offered, init=False) as conn:
        await conn.send(init_frame())
        assert await conn.expect("connection_error", "connection_ack") == CONNECTION_ERROR_FRAME
        assert await conn.closed() == 1000
