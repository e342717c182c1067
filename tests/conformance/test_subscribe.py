"""subscribe / unsubscribe, channel rules, wildcards, ids and subscription limits."""

from __future__ import annotations

from typing import Any

import pytest

from .wire import (
    INVALID_CHANNEL,
    INVALID_CHANNELS,
    INVALID_ID,
    UNAUTHORIZED,
    UNDEFINED_NAMESPACE,
    Endpoint,
    api_key_auth,
    error_frame,
    ev,
    open_conn,
    publish_frame,
    subscribe_frame,
    unique_channel,
    unsubscribe_frame,
)


async def test_subscribe_success_frame(stub: Endpoint) -> None:
    async with open_conn(stub) as conn:
        assert await conn.subscribe(unique_channel(), sub_id="sub-1") == {
            "id": "sub-1",
            "type": "subscribe_success",
        }


async def test_unsubscribe_success_stops_delivery(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="u1")
        await conn.publish(channel, [ev("before")])
        assert await conn.data("u1", 1) == ["before"]
        assert await conn.unsubscribe("u1") == {"id": "u1", "type": "unsubscribe_success"}
        assert (await conn.publish(channel, [ev("after")]))["type"] == "publish_success"
        await conn.assert_no_data()


async def test_unsubscribe_unknown_id(stub: Endpoint) -> None:
    async with open_conn(stub) as conn:
        assert await conn.unsubscribe("never-subscribed") == error_frame(
            "unsubscribe",
            "never-subscribed",
            {
                "errorType": "UnknownOperationError",
                "message": "Unknown operation id never-subscribed",
            },
        )


async def test_unsubscribe_twice_second_is_unknown(stub: Endpoint) -> None:
    async with open_conn(stub) as conn:
        await conn.subscribe(unique_channel(), sub_id="twice")
        assert (await conn.unsubscribe("twice"))["type"] == "unsubscribe_success"
        second = await conn.unsubscribe("twice")
        assert second["type"] == "unsubscribe_error"
        assert second["errors"] == [
            {"errorType": "UnknownOperationError", "message": "Unknown operation id twice"}
        ]


async def test_duplicate_subscription_id_is_rejected(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        assert (await conn.subscribe(channel, sub_id="dup"))["type"] == "subscribe_success"
        assert await conn.subscribe(unique_channel(), sub_id="dup") == error_frame(
            "subscribe",
            "dup",
            {
                "errorType": "DuplicatedOperationError",
                "message": "Duplicated operation with id dup",
            },
        )
        await conn.publish(channel, [ev("once")])
        assert await conn.data("dup", 1) == ["once"]  # the original still works, once
        await conn.assert_no_data("dup")


async def test_subscription_id_reusable_after_unsubscribe(stub: Endpoint) -> None:
    async with open_conn(stub) as conn:
        await conn.subscribe(unique_channel(), sub_id="again")
        await conn.unsubscribe("again")
        assert (await conn.subscribe(unique_channel(), sub_id="again"))["type"] == (
            "subscribe_success"
        )


async def test_same_channel_twice_with_different_ids_delivers_to_both(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="first")
        await conn.subscribe(channel, sub_id="second")
        await conn.publish(channel, [ev({"x": 1})])
        assert await conn.data("first", 1) == [{"x": 1}]
        assert await conn.data("second", 1) == [{"x": 1}]
        await conn.assert_no_data()


async def test_201st_subscription_is_refused(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        for i in range(200):
            await conn.send(subscribe_frame(f"s{i}", channel, api_key_auth(stub)))
        for i in range(200):
            assert (await conn.expect("subscribe_success", "subscribe_error", op_id=f"s{i}"))[
                "type"
            ] == "subscribe_success"
        over = await conn.subscribe(channel, sub_id="s200")
        assert over["type"] == "subscribe_error" and over["id"] == "s200"
        assert [e["errorType"] for e in over["errors"]] == ["MaxSubscriptionsReachedError"]


async def test_wildcard_matches_any_depth(stub: Endpoint) -> None:
    base = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe("/default/*", sub_id="wild")
        await conn.publish(base, [ev({"at": "one"})])
        await conn.publish(base + "/b/c", [ev({"at": "three"})])
        got = await conn.data("wild", 2)
        assert sorted(g["at"] for g in got) == ["one", "three"]


async def test_wildcard_below_a_prefix(stub: Endpoint) -> None:
    base = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe(base + "/a/*", sub_id="pre")
        await conn.publish(base + "/b", [ev("sibling")])
        await conn.publish(base + "/ab", [ev("similar-name")])
        await conn.publish(base + "/a/x/y", [ev("below")])
        assert await conn.data("pre", 1) == ["below"]
        await conn.assert_no_data("pre")


async def test_wildcard_does_not_cross_namespaces(stub: Endpoint) -> None:
    async with open_conn(stub) as conn:
        await conn.subscribe("/default/*", sub_id="dflt")
        await conn.publish(unique_channel("mixed"), [ev("elsewhere")])
        await conn.assert_no_data("dflt")


async def test_exact_subscription_is_not_a_prefix_match(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="exact")
        await conn.publish(channel + "/child", [ev("child")])
        await conn.assert_no_data("exact")


async def test_channels_are_case_sensitive(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe(channel + "/Room", sub_id="upper")
        await conn.publish(channel + "/room", [ev("lower")])
        await conn.assert_no_data("upper")


async def test_leading_slash_is_optional(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        assert (await conn.subscribe(channel.lstrip("/"), sub_id="noslash"))["type"] == (
            "subscribe_success"
        )
        await conn.publish(channel, [ev("hi")])
        assert await conn.data("noslash", 1) == ["hi"]


@pytest.mark.parametrize(
    "channel",
    [
        "/default/a/b/c/d",  # 5 segments
        "/default/" + "a" * 50,  # 50 characters
        "/default/A-9",
        "/default/x/",  # trailing slash
    ],
)
async def test_valid_channel_edges(stub: Endpoint, channel: str) -> None:
    async with open_conn(stub) as conn:
        assert (await conn.subscribe(channel))["type"] == "subscribe_success"


@pytest.mark.parametrize("channel", INVALID_CHANNELS)
async def test_subscribe_invalid_channel(stub: Endpoint, channel: str) -> None:
    async with open_conn(stub) as conn:
        assert await conn.subscribe(channel, sub_id="bad-ch") == error_frame(
            "subscribe", "bad-ch", INVALID_CHANNEL
        )


@pytest.mark.parametrize("channel", [None, 42], ids=["missing", "not-a-string"])
async def test_subscribe_channel_missing_or_not_string(stub: Endpoint, channel: Any) -> None:
    async with open_conn(stub) as conn:
        frame = subscribe_frame("no-ch", channel, api_key_auth(stub))
        if channel is None:
            del frame["channel"]
        await conn.send(frame)
        assert await conn.expect("subscribe_error", "subscribe_success", op_id="no-ch") == (
            error_frame("subscribe", "no-ch", INVALID_CHANNEL)
        )


async def test_subscribe_undefined_namespace(stub: Endpoint) -> None:
    async with open_conn(stub) as conn:
        assert await conn.subscribe("/nosuchns/x", sub_id="undef") == error_frame(
            "subscribe", "undef", UNDEFINED_NAMESPACE
        )


async def test_subscribe_auth_mode_not_allowed(stub: Endpoint) -> None:
    """A valid API key on an IAM-only namespace."""
    async with open_conn(stub) as conn:
        assert await conn.subscribe(unique_channel("secure"), sub_id="mode") == error_frame(
            "subscribe", "mode", UNAUTHORIZED
        )


async def test_subscribe_missing_authorization(stub: Endpoint) -> None:
    async with open_conn(stub) as conn:
        await conn.send(subscribe_frame("noauth", unique_channel(), None))
        assert await conn.expect("subscribe_success", "subscribe_error", op_id="noauth") == (
            error_frame("subscribe", "noauth", UNAUTHORIZED)
        )


async def test_subscribe_wrong_api_key(stub: Endpoint) -> None:
    async with open_conn(stub) as conn:
        reply = await conn.subscribe(
            unique_channel(), sub_id="wrongkey", auth=api_key_auth(stub, "da2-wrong")
        )
        assert reply == error_frame("subscribe", "wrongkey", UNAUTHORIZED)


async def test_subscribe_ignores_unknown_fields(stub: Endpoint) -> None:
    """Amplify sends `events: null`, a GraphQL-style payload and extra auth headers (§3)."""
    channel = unique_channel()
    async with open_conn(stub) as conn:
        auth = {**api_key_auth(stub), "x-amz-user-agent": "aws-amplify/6", "x-amz-date": "x"}
        frame = {
            **subscribe_frame("extra", channel, auth),
            "events": None,
            "payload": {"channel": channel, "extensions": {"authorization": auth}},
        }
        await conn.send(frame)
        assert await conn.expect("subscribe_success", "subscribe_error", op_id="extra") == {
            "id": "extra",
            "type": "subscribe_success",
        }


BAD_IDS: dict[str, Any] = {
    "missing": ...,
    "empty": "",
    "space": "has space",
    "slash": "a/b",
    "too-long": "a" * 129,
    "number": 123,
    "non-ascii": "idé",
    "null": None,
}


def _with_bad_id(frame: dict[str, Any], bad: Any) -> dict[str, Any]:
    frame = dict(frame)
    if bad is ...:
        frame.pop("id", None)
    else:
        frame["id"] = bad
    return frame


@pytest.mark.parametrize("op", ["subscribe", "publish", "unsubscribe"])
@pytest.mark.parametrize("bad", BAD_IDS)
async def test_invalid_or_missing_operation_id(stub: Endpoint, op: str, bad: str) -> None:
    channel = unique_channel()
    frames = {
        "subscribe": subscribe_frame("x", channel, api_key_auth(stub)),
        "publish": publish_frame("x", channel, [ev(1)], api_key_auth(stub)),
        "unsubscribe": unsubscribe_frame("x"),
    }
    async with open_conn(stub) as conn:
        await conn.send(_with_bad_id(frames[op], BAD_IDS[bad]))
        frame = await conn.expect("error", f"{op}_success", f"{op}_error")
        assert frame == {"errors": [INVALID_ID], "type": "error"}
        assert await conn.is_open()


@pytest.mark.parametrize("op_id", ["a" * 128, "Az09-_+", "+"])
async def test_operation_id_edges_are_valid(stub: Endpoint, op_id: str) -> None:
    async with open_conn(stub) as conn:
        assert (await conn.subscribe(unique_channel(), sub_id=op_id))["type"] == (
            "subscribe_success"
        )
    async with open_conn(stub) as conn:
        reply = await conn.publish(unique_channel(), [ev(1)], pub_id=op_id)
        assert reply["type"] == "publish_success"


async def test_publish_id_may_equal_a_subscription_id(stub: Endpoint) -> None:
    """Ids are unique among *subscriptions*; publishes are correlated by id only."""
    channel = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="shared")
        reply = await conn.publish(channel, [ev("x")], pub_id="shared")
        assert reply["type"] == "publish_success"
        assert await conn.data("shared", 1) == ["x"]
