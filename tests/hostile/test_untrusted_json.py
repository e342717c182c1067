"""JSON that Python cannot parse for reasons other than syntax -- an integer longer than the
4,300 digits ``int()`` converts, nesting deeper than the parser's recursion limit -- gets the
documented error at every parse site, and the connection survives (it used to drop without a
close frame; HTTP answered 500 with a traceback)."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from eventapi.auth import ApiKeyAuth, IamAuth
from eventapi.errors import ProtocolError
from eventapi.http import HttpPublisher
from quizwire.client.game_api import AdminClient, EntryClient
from tests.conformance.wire import SUBPROTOCOL, Endpoint, ev, open_conn, unique_channel

HUGE_INT = "9" * 5000  # past Python's int conversion limit (sys.get_int_max_str_digits: 4300)
DEEP = "[" * 100_000 + "]" * 100_000  # past the parser's recursion limit


@pytest.mark.parametrize("hostile", [HUGE_INT, DEEP], ids=["huge-int", "deep"])
async def test_websocket_frame_gets_an_error_and_the_socket_lives(
    stub: Endpoint, hostile: str
) -> None:
    async with open_conn(stub) as conn:
        await conn.send('{"type":"subscribe","id":"s1","n":' + hostile + "}")
        frame = await conn.expect("error")
        assert frame["errors"][0]["errorType"] == "BadRequestException"
        assert await conn.is_open()


async def test_websocket_event_with_a_huge_integer_is_refused_whole(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        frame = await conn.publish(channel, [ev({"ok": 1}), HUGE_INT])
        assert frame["type"] == "publish_error"
        assert "index 1" in frame["errors"][0]["message"]
        assert await conn.is_open()


@pytest.mark.parametrize("where", ["body", "event"])
async def test_http_publish_answers_400_not_500(
    stub: Endpoint, http: httpx.AsyncClient, where: str
) -> None:
    channel = unique_channel()
    if where == "body":
        body = '{"channel":"' + channel + '","events":["1"],"n":' + HUGE_INT + "}"
    else:
        body = json.dumps({"channel": channel, "events": [HUGE_INT]})
    response = await http.post(
        stub.http,
        content=body,
        headers={"x-api-key": stub.api_key, "content-type": "application/json"},
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["errorType"] == "BadRequestException"


async def test_connect_auth_with_a_huge_integer_is_a_refusal(stub: Endpoint) -> None:
    """The ``header-`` subprotocol is base64 JSON too: undecodable means no credentials."""
    raw = '{"host":"' + stub.host + '","x-api-key":"' + stub.api_key + '","n":' + HUGE_INT + "}"
    protocol = "header-" + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    async with open_conn(stub, subprotocols=[SUBPROTOCOL, protocol], init=False) as conn:
        await conn.send('{"type":"connection_init"}')
        frame = await conn.expect("connection_error")
        assert frame["errors"][0]["errorType"] == "UnauthorizedException"


@pytest.mark.parametrize("body", ['{"name":' + HUGE_INT + "}", DEEP], ids=["huge-int", "deep"])
async def test_entry_api_answers_400_not_500(
    stub: Endpoint, http: httpx.AsyncClient, body: str
) -> None:
    admin = AdminClient(
        stub.http.rsplit("/event", 1)[0],
        IamAuth.from_keys(stub.region, stub.access_key_id, stub.secret_access_key),
    )
    code = (await admin.create_game(pack="general", options={}))["gameId"]
    await admin.close()
    response = await http.post(
        f"{stub.http.rsplit('/event', 1)[0]}/games/{code}/players",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


@contextlib.asynccontextmanager
async def hostile_server(body: str) -> AsyncIterator[str]:
    """A real HTTP server on loopback that answers every request 200 with ``body``."""

    async def answer(request: web.Request) -> web.Response:
        return web.Response(text=body, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("body", ['{"gameId":' + HUGE_INT + "}", DEEP], ids=["huge-int", "deep"])
async def test_entry_client_on_a_hostile_server_raises_value_error(body: str) -> None:
    """The player app explains a ValueError ("not a game API") instead of crashing."""
    async with hostile_server(body) as url:
        client = EntryClient(url)
        with pytest.raises(ValueError):
            await client.get_game("ABCDEF")
        await client.close()


@pytest.mark.parametrize(
    "body", ['{"successful":' + HUGE_INT + "}", DEEP], ids=["huge-int", "deep"]
)
async def test_http_publisher_reports_a_hostile_response_as_a_protocol_error(body: str) -> None:
    async with hostile_server(body) as url, httpx.AsyncClient() as http:
        publisher = HttpPublisher(f"{url}/event", ApiKeyAuth("da2-x"), client=http)
        with pytest.raises(ProtocolError):
            await publisher.publish("/default/x", [{"a": 1}])
