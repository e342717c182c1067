"""POST /event (HTTP publish): responses, status codes and delivery to WebSocket subscribers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .wire import (
    INVALID_CHANNEL,
    INVALID_CHANNELS,
    INVALID_EVENTS,
    MAX_EVENT_BYTES,
    UNAUTHORIZED,
    UNDEFINED_NAMESPACE,
    Endpoint,
    big_event,
    canonical,
    compact,
    ev,
    http_publish,
    is_uuid,
    open_conn,
    publish_ok,
    unique_channel,
)


def errors_body(*errors: dict[str, Any]) -> dict[str, Any]:
    return {"errors": list(errors)}


async def test_http_publish_success_body(stub: Endpoint, http: httpx.AsyncClient) -> None:
    resp = await http_publish(http, stub, unique_channel(), [ev({"a": 1})])
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"failed", "successful"}
    publish_ok(body, 1)
    assert resp.text == canonical(resp.text)  # {"failed":[],"successful":[...]} compact, sorted


@pytest.mark.parametrize("slash", [True, False], ids=["leading-slash", "no-leading-slash"])
async def test_http_publish_delivers_to_subscribers(
    stub: Endpoint, http: httpx.AsyncClient, slash: bool
) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="h")
        events = [ev({"n": i}) for i in range(3)]
        resp = await http_publish(http, stub, channel if slash else channel.lstrip("/"), events)
        assert resp.status_code == 200, resp.text
        publish_ok(resp.json(), 3)
        got = await conn.data("h", 3)
        assert sorted(g["n"] for g in got) == [0, 1, 2]


async def test_http_identifiers_are_fresh(stub: Endpoint, http: httpx.AsyncClient) -> None:
    channel = unique_channel()
    first = (await http_publish(http, stub, channel, [ev(1), ev(2)])).json()
    second = (await http_publish(http, stub, channel, [ev(1), ev(2)])).json()
    ids = [s["identifier"] for s in first["successful"] + second["successful"]]
    assert len(set(ids)) == 4 and all(is_uuid(i) for i in ids)


async def test_http_six_events(stub: Endpoint, http: httpx.AsyncClient) -> None:
    resp = await http_publish(http, stub, unique_channel(), [ev(i) for i in range(6)])
    assert resp.status_code == 400
    assert resp.json() == errors_body(
        {"errorType": "BadRequestException", "message": "Input exceeded 5 event limit"}
    )


async def test_http_event_over_240kb(stub: Endpoint, http: httpx.AsyncClient) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="hb")
        events = [big_event(MAX_EVENT_BYTES + 1024), ev("fine")]
        resp = await http_publish(http, stub, channel, events)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert [s["index"] for s in body["successful"]] == [1]
        (failed,) = body["failed"]
        assert set(failed) == {"code", "identifier", "index", "message"}
        assert (failed["code"], failed["index"], failed["message"]) == (
            "EventTooLargeException",
            0,
            "Transformed event is larger than 240KB",
        )
        assert await conn.data("hb", 1) == ["fine"]
        await conn.assert_no_data()


@pytest.mark.parametrize("channel", ["/default/*", "default/x/*", *INVALID_CHANNELS])
async def test_http_invalid_channel(stub: Endpoint, http: httpx.AsyncClient, channel: str) -> None:
    resp = await http_publish(http, stub, channel, [ev(1)])
    assert resp.status_code == 400
    assert resp.json() == errors_body(INVALID_CHANNEL)


async def test_http_undefined_namespace(stub: Endpoint, http: httpx.AsyncClient) -> None:
    resp = await http_publish(http, stub, "/nosuchns/x", [ev(1)])
    assert resp.status_code == 403
    assert resp.json() == errors_body(UNDEFINED_NAMESPACE)


@pytest.mark.parametrize("namespace", ["secure", "subonly"])
async def test_http_auth_mode_not_allowed(
    stub: Endpoint, http: httpx.AsyncClient, namespace: str
) -> None:
    resp = await http_publish(http, stub, unique_channel(namespace), [ev(1)])
    assert resp.status_code == 403
    assert resp.json() == errors_body(UNAUTHORIZED)


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "application/json"},
        {"content-type": "application/json", "x-api-key": "da2-wrong"},
    ],
    ids=["no-credentials", "wrong-api-key"],
)
async def test_http_bad_credentials(
    stub: Endpoint, http: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    resp = await http_publish(http, stub, unique_channel(), [ev(1)], headers=headers)
    assert resp.status_code == 401
    assert resp.json() == errors_body(UNAUTHORIZED)


INVALID_BODIES: dict[str, str] = {
    "not-json": "this is not json",
    "json-array": "[1,2]",
    "json-string": '"hello"',
    "empty": "",
    **{
        f"events-{case}": compact(
            {"channel": "/default/x"}
            if events is ...
            else {"channel": "/default/x", "events": events}
        )
        for case, events in INVALID_EVENTS.items()
    },
}


@pytest.mark.parametrize("case", INVALID_BODIES)
async def test_http_invalid_body(stub: Endpoint, http: httpx.AsyncClient, case: str) -> None:
    resp = await http_publish(http, stub, None, None, body=INVALID_BODIES[case])
    assert resp.status_code == 400, resp.text
    (error,) = resp.json()["errors"]
    assert error["errorType"] == "BadRequestException"
    assert isinstance(error.get("message"), str) and error["message"]


async def test_http_get_is_not_a_publish(stub: Endpoint, http: httpx.AsyncClient) -> None:
    resp = await http.get(stub.http, headers={"x-api-key": stub.api_key})
    assert resp.status_code >= 400


async def test_http_body_over_the_limit_gets_a_json_error(
    stub: Endpoint, http: httpx.AsyncClient
) -> None:
    """Bigger than any valid publish (5 x 240 KB): refused with the usual error body."""
    body = '{"channel":"/default/x","events":["' + "x" * (3 * 1024 * 1024) + '"]}'
    resp = await http_publish(http, stub, None, None, body=body)
    assert resp.status_code == 413, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    (error,) = resp.json()["errors"]
    assert error["errorType"] == "BadRequestException"
    assert "larger than" in error["message"]
    # and the server is still there for the next one
    ok = await http_publish(http, stub, "/default/x", ['"after"'])
    assert ok.status_code == 200, ok.text
