"""HTTP publish (``POST /event``) against a tiny aiohttp server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web

from eventapi import (
    ApiKeyAuth,
    ConnectionFailedError,
    HttpPublisher,
    HttpPublishError,
    IamAuth,
    LambdaAuth,
    OperationTimeoutError,
    ProtocolError,
    publish_http,
)
from eventapi.sigv4 import verify

pytestmark = pytest.mark.timeout(10)

API_KEY = "da2-testkey0000000000000000"
SECRET = "http-test-secret"


@dataclass
class HttpFake:
    url: str = ""
    status: int = 200
    reply: Any = field(
        default_factory=lambda: {"failed": [], "successful": [{"identifier": "id-0", "index": 0}]}
    )
    raw_reply: str | None = None
    delay: float = 0.0
    requests: list[tuple[dict[str, str], bytes, str]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        await asyncio.sleep(self.delay)
        self.requests.append(
            ({k.lower(): v for k, v in request.headers.items()}, body, request.path)
        )
        if self.raw_reply is not None:
            return web.Response(status=self.status, text=self.raw_reply, content_type="text/html")
        return web.json_response(self.reply, status=self.status)


@pytest.fixture
async def http_fake() -> AsyncIterator[HttpFake]:
    fake = HttpFake()
    app = web.Application()
    app.router.add_post("/event", fake.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.url = f"http://127.0.0.1:{port}/event"
    yield fake
    await runner.cleanup()


async def test_publish_200(http_fake: HttpFake) -> None:
    http_fake.reply = {
        "failed": [
            {"code": "EventTooLargeException", "identifier": "f", "index": 1, "message": "big"}
        ],
        "successful": [{"identifier": "s", "index": 0}],
    }
    result = await publish_http(
        http_fake.url, "/default/room", [{"a": "<1>"}, "x"], ApiKeyAuth(API_KEY)
    )
    assert [(e.identifier, e.index) for e in result.successful] == [("s", 0)]
    assert [(e.index, e.code, e.message) for e in result.failed] == [
        (1, "EventTooLargeException", "big")
    ]
    headers, body, path = http_fake.requests[0]
    assert path == "/event"
    assert headers["x-api-key"] == API_KEY
    assert headers["content-type"] == "application/json"
    assert (
        body
        == b'{"channel":"/default/room","events":["{\\"a\\":\\"\\\\u003c1\\\\u003e\\"}","\\"x\\""]}'
    )
    assert json.loads(json.loads(body)["events"][0]) == {"a": "<1>"}


async def test_publish_4xx_raises_with_status_and_errors(http_fake: HttpFake) -> None:
    http_fake.status = 400
    http_fake.reply = {
        "errors": [{"errorType": "BadRequestException", "message": "Input exceeded 5 event limit"}]
    }
    with pytest.raises(HttpPublishError) as info:
        await publish_http(http_fake.url, "/default/room", [1], ApiKeyAuth(API_KEY))
    assert info.value.status == 400
    assert info.value.error_types == ("BadRequestException",)
    assert info.value.errors[0].message == "Input exceeded 5 event limit"


async def test_publish_401_is_an_auth_failure(http_fake: HttpFake) -> None:
    http_fake.status = 401
    http_fake.reply = {"errors": [{"errorType": "UnauthorizedException"}]}
    with pytest.raises(HttpPublishError) as info:
        await publish_http(http_fake.url, "/default/room", [1], LambdaAuth("tok"))
    assert info.value.is_auth_failure
    assert http_fake.requests[0][0]["authorization"] == "tok"


async def test_non_json_error_body_is_kept(http_fake: HttpFake) -> None:
    http_fake.status = 502
    http_fake.raw_reply = "<html>Bad gateway</html>"
    with pytest.raises(HttpPublishError) as info:
        await publish_http(http_fake.url, "/default/room", [1], ApiKeyAuth(API_KEY))
    assert info.value.errors == ()
    assert "Bad gateway" in info.value.body


async def test_2xx_that_is_not_json_is_a_protocol_error(http_fake: HttpFake) -> None:
    http_fake.raw_reply = "ok"
    with pytest.raises(ProtocolError):
        await publish_http(http_fake.url, "/default/room", [1], ApiKeyAuth(API_KEY))


async def test_iam_http_publish_is_signed(http_fake: HttpFake) -> None:
    auth = IamAuth.from_keys("us-east-1", "AKIDHTTP", SECRET, token="session-token")
    await publish_http(http_fake.url, "/secure/room", [{"q": 1}], auth)
    headers, body, path = http_fake.requests[0]
    assert headers["host"] == http_fake.url.split("/")[2]
    signed = verify(
        method="POST",
        path=path,
        query="",
        headers=headers,
        body=body,
        region="us-east-1",
        secret_for=lambda key: SECRET if key == "AKIDHTTP" else None,
    )
    assert signed.session_token == "session-token"
    with pytest.raises(Exception, match="signature"):
        verify(
            method="POST", path=path, query="", headers=headers, body=body + b" ",
            region="us-east-1", secret_for=lambda key: SECRET,
        )  # fmt: skip


async def test_more_than_five_events_are_refused_before_sending(http_fake: HttpFake) -> None:
    with pytest.raises(ValueError):
        await publish_http(http_fake.url, "/default/room", list(range(6)), ApiKeyAuth(API_KEY))
    with pytest.raises(ValueError):
        await publish_http(http_fake.url, "/default/*", [1], ApiKeyAuth(API_KEY))
    assert http_fake.requests == []


async def test_publisher_reuses_one_client_and_batches(http_fake: HttpFake) -> None:
    async with httpx.AsyncClient() as shared:
        publisher = HttpPublisher(http_fake.url, ApiKeyAuth(API_KEY), client=shared)
        async with publisher:
            result = await publisher.publish_all("/default/room", list(range(11)))
            await publisher.publish("/default/room", [1], auth=LambdaAuth("other"))
        assert not shared.is_closed  # not ours to close
    assert [len(json.loads(b)["events"]) for _, b, _ in http_fake.requests] == [5, 5, 1, 1]
    assert [e.index for e in result.successful] == [0, 5, 10]
    assert http_fake.requests[-1][0]["authorization"] == "other"


async def test_owned_client_is_closed(http_fake: HttpFake) -> None:
    publisher = HttpPublisher(http_fake.url, ApiKeyAuth(API_KEY))
    await publisher.publish("/default/room", [1])
    await publisher.aclose()
    assert publisher._client.is_closed


async def test_network_failure_is_typed() -> None:
    with pytest.raises(ConnectionFailedError):
        await publish_http("http://127.0.0.1:9/event", "/default/room", [1], ApiKeyAuth(API_KEY))


async def test_timeout_is_typed(http_fake: HttpFake) -> None:
    http_fake.delay = 1.0
    with pytest.raises(OperationTimeoutError):
        await publish_http(
            http_fake.url, "/default/room", [1], ApiKeyAuth(API_KEY), request_timeout=0.1
        )
