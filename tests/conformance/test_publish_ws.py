"""publish over the WebSocket: publish_success / publish_error, data fan-out, limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .wire import (
    INVALID_CHANNEL,
    INVALID_CHANNELS,
    INVALID_EVENTS,
    MAX_EVENT_BYTES,
    UNAUTHORIZED,
    UNDEFINED_NAMESPACE,
    Endpoint,
    api_key_auth,
    big_event,
    error_frame,
    ev,
    is_uuid,
    open_conn,
    publish_frame,
    publish_ok,
    unique_channel,
)

# Every kind of JSON value is publishable (§4: "\"Hola Mundo!\"", "true", "{...}").
VALUES: list[Any] = ["Hola Mundo!", True, 42, None, [1, "two"], {"a": {"b": "ü <&> /"}}]


async def test_publish_success_frame_shape(stub: Endpoint) -> None:
    async with open_conn(stub) as conn:
        reply = await conn.publish(unique_channel(), [ev(i) for i in range(3)], pub_id="pub-1")
        assert set(reply) == {"failed", "id", "successful", "type"}
        assert reply["type"] == "publish_success" and reply["id"] == "pub-1"
        publish_ok(reply, 3)


async def test_publisher_gets_one_data_frame_per_event(stub: Endpoint) -> None:
    channel = unique_channel()
    events = [ev(v) for v in VALUES[:5]]
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="mine")
        publish_ok(await conn.publish(channel, events), 5)
        got = await conn.data("mine", 5)
        assert sorted(map(json.dumps, got)) == sorted(json.dumps(v) for v in VALUES[:5])
        await conn.assert_no_data()


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
async def test_every_json_value_round_trips(stub: Endpoint, value: Any) -> None:
    channel = unique_channel()
    async with open_conn(stub) as sub, open_conn(stub) as pub:
        await sub.subscribe(channel, sub_id="rt")
        publish_ok(await pub.publish(channel, [ev(value)]), 1)
        assert await sub.data("rt", 1) == [value]


async def test_publish_reaches_other_connections_and_every_matching_subscription(
    stub: Endpoint,
) -> None:
    channel = unique_channel()
    async with open_conn(stub) as a, open_conn(stub) as b, open_conn(stub) as pub:
        await a.subscribe(channel, sub_id="a-exact")
        await a.subscribe(channel.rsplit("/", 1)[0] + "/*", sub_id="a-wild")
        await b.subscribe(channel, sub_id="b-exact")
        publish_ok(await pub.publish(channel, [ev({"k": "v"})]), 1)
        assert await a.data("a-exact", 1) == [{"k": "v"}]
        assert await a.data("a-wild", 1) == [{"k": "v"}]
        assert await b.data("b-exact", 1) == [{"k": "v"}]
        await pub.assert_no_data()  # the publisher has no subscription


async def test_publish_needs_no_subscription(stub: Endpoint) -> None:
    async with open_conn(stub) as conn:
        publish_ok(await conn.publish(unique_channel(), [ev("lonely")]), 1)


async def test_five_events_is_the_limit(stub: Endpoint) -> None:
    async with open_conn(stub) as conn:
        publish_ok(await conn.publish(unique_channel(), [ev(i) for i in range(5)]), 5)


async def test_six_events_rejected(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="six")
        reply = await conn.publish(channel, [ev(i) for i in range(6)], pub_id="p6")
        assert reply == error_frame(
            "publish",
            "p6",
            {"errorType": "InvalidInputError", "message": "input exceeded 5 event limit"},
        )
        await conn.assert_no_data()


async def test_event_over_240kb_fails_alone(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="big")
        events = [ev("small"), big_event(MAX_EVENT_BYTES + 1024), ev("also-small")]
        reply = await conn.publish(channel, events)
        assert reply["type"] == "publish_success"
        assert sorted(s["index"] for s in reply["successful"]) == [0, 2]
        (failed,) = reply["failed"]
        assert set(failed) == {"code", "identifier", "index", "message"}
        assert failed["code"] == "EventTooLargeException"
        assert failed["message"] == "Transformed event is larger than 240KB"
        assert failed["index"] == 1 and is_uuid(failed["identifier"])
        got = await conn.data("big", 2)
        assert sorted(got) == ["also-small", "small"]
        await conn.assert_no_data()


async def test_event_just_under_240kb_is_delivered(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="edge")
        event = big_event(MAX_EVENT_BYTES - 1024)
        publish_ok(await conn.publish(channel, [event]), 1)
        assert await conn.data("edge", 1) == [json.loads(event)]


async def test_large_but_legal_publish_of_five_200kb_events(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub) as sub, open_conn(stub) as pub:
        await sub.subscribe(channel, sub_id="bulk")
        events = [big_event(200 * 1024) for _ in range(5)]
        publish_ok(await pub.publish(channel, events), 5)
        assert len(await sub.data("bulk", 5)) == 5


@pytest.mark.parametrize("case", INVALID_EVENTS)
async def test_invalid_events_rejected(stub: Endpoint, case: str) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="inv")
        frame = publish_frame("pinv", channel, INVALID_EVENTS[case], api_key_auth(stub))
        if INVALID_EVENTS[case] is ...:
            del frame["events"]
        await conn.send(frame)
        reply = await conn.expect("publish_success", "publish_error", op_id="pinv")
        assert reply["type"] == "publish_error", reply
        assert set(reply) == {"errors", "id", "type"}
        (error,) = reply["errors"]
        assert error["errorType"] == "BadRequestException"
        assert isinstance(error.get("message"), str) and error["message"], reply
        await conn.assert_no_data()


@pytest.mark.parametrize("channel", ["/default/*", "/default/x/*", "/*", *INVALID_CHANNELS])
async def test_publish_invalid_channel(stub: Endpoint, channel: str) -> None:
    async with open_conn(stub) as conn:
        assert await conn.publish(channel, [ev(1)], pub_id="pch") == error_frame(
            "publish", "pch", INVALID_CHANNEL
        )


async def test_publish_undefined_namespace(stub: Endpoint) -> None:
    async with open_conn(stub) as conn:
        assert await conn.publish("/nosuchns/x", [ev(1)], pub_id="pns") == error_frame(
            "publish", "pns", UNDEFINED_NAMESPACE
        )


@pytest.mark.parametrize("namespace", ["secure", "subonly"])
async def test_publish_auth_mode_not_allowed(stub: Endpoint, namespace: str) -> None:
    """A valid API key where only IAM may publish."""
    async with open_conn(stub) as conn:
        assert await conn.publish(unique_channel(namespace), [ev(1)], pub_id="pm") == (
            error_frame("publish", "pm", UNAUTHORIZED)
        )


async def test_publish_missing_authorization(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="na")
        await conn.send(publish_frame("pna", channel, [ev(1)], None))
        assert await conn.expect("publish_success", "publish_error", op_id="pna") == (
            error_frame("publish", "pna", UNAUTHORIZED)
        )
        await conn.assert_no_data()


async def test_publish_wrong_api_key(stub: Endpoint) -> None:
    """Connection fine, bad key in the publish's own authorization (§3.5, OBS S3)."""
    async with open_conn(stub) as conn:
        reply = await conn.publish(
            unique_channel(), [ev(1)], pub_id="pwk", auth=api_key_auth(stub, "da2-wrong")
        )
        assert reply == error_frame("publish", "pwk", UNAUTHORIZED)


async def test_publish_ignores_unknown_fields(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="uf")
        frame = {
            **publish_frame("puf", channel, [ev("ok")], api_key_auth(stub)),
            "payload": {"channel": channel},
        }
        await conn.send(frame)
        publish_ok(await conn.expect("publish_success", "publish_error", op_id="puf"), 1)
        assert await conn.data("uf", 1) == ["ok"]
