"""AWS_IAM (SigV4, signed with botocore) on connect, subscribe, WS publish and HTTP publish."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .wire import (
    CONNECTION_ERROR_FRAME,
    SIGNATURE_MISMATCH_FRAME,
    SUBPROTOCOL,
    UNAUTHORIZED,
    Endpoint,
    api_key_auth,
    error_frame,
    ev,
    expired,
    header_subprotocol,
    http_body,
    http_publish_iam,
    iam_connect_auth,
    iam_publish_auth,
    iam_subscribe_auth,
    init_frame,
    open_conn,
    publish_frame,
    publish_ok,
    sign_iam,
    tamper_signature,
    unique_channel,
)

Transform = Callable[[dict[str, str]], dict[str, str]] | None

# Ways an otherwise well-formed SigV4 authorization can be wrong: (signing kwargs, post-edit).
BAD_SIGNING: dict[str, tuple[dict[str, Any], Transform]] = {
    "tampered-signature": ({}, tamper_signature),
    "wrong-secret": ({"secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY00"}, None),
    "unknown-access-key": ({"access_key": "AKIAUNKNOWNKEY000000"}, None),
    "expired-date": ({"at": expired()}, None),
    "signed-for-another-host": (
        {"host": "abcdefghijklmnopqrstuvwxyz.appsync-api.us-east-1.amazonaws.com"},
        None,
    ),
    "unknown-session-token": ({"token": "FwoGZXIvYXdzEFAKETOKEN"}, None),
}
#: cases where every part checks out but the signature itself (reported as a mismatch)
MISMATCH = {"tampered-signature", "wrong-secret", "signed-other-body"}


def bad_auth(case: str, sign: Callable[..., dict[str, str]]) -> dict[str, str]:
    kwargs, transform = BAD_SIGNING[case]
    auth = sign(**kwargs)
    return transform(auth) if transform else auth


def without_host(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() != "host"}


# --------------------------------------------------------------------------- connect


async def test_iam_connect_via_header_subprotocol(stub: Endpoint) -> None:
    async with open_conn(stub, auth=iam_connect_auth(stub)) as conn:
        assert conn.ws.subprotocol == SUBPROTOCOL


async def test_iam_connect_via_upgrade_headers(stub: Endpoint) -> None:
    """Swift/Kotlin style: the signed headers ride on the upgrade request itself."""
    headers = without_host(iam_connect_auth(stub))
    async with open_conn(stub, subprotocols=[SUBPROTOCOL], headers=headers):
        pass


@pytest.mark.parametrize("case", [*BAD_SIGNING, "signed-other-body"])
async def test_iam_connect_refused(stub: Endpoint, case: str) -> None:
    if case == "signed-other-body":
        auth = sign_iam(stub, '{"not":"empty"}')
    else:
        auth = bad_auth(case, lambda **kw: iam_connect_auth(stub, **kw))
    offered = [SUBPROTOCOL, header_subprotocol(auth)]
    async with open_conn(stub, subprotocols=offered, init=False) as conn:
        await conn.send(init_frame())
        expected = SIGNATURE_MISMATCH_FRAME if case in MISMATCH else CONNECTION_ERROR_FRAME
        assert await conn.expect("connection_error", "connection_ack") == expected
        assert await conn.closed() == 1000


# --------------------------------------------------------------------------- operations


async def test_iam_subscribe_and_ws_publish_on_iam_only_namespace(stub: Endpoint) -> None:
    channel = unique_channel("secure")
    events = [ev({"q": 1}), ev({"q": 2})]
    async with open_conn(stub, auth=iam_connect_auth(stub)) as conn:
        reply = await conn.subscribe(
            channel, sub_id="iam-sub", auth=iam_subscribe_auth(stub, channel)
        )
        assert reply == {"id": "iam-sub", "type": "subscribe_success"}
        publish_ok(
            await conn.publish(channel, events, auth=iam_publish_auth(stub, channel, events)), 2
        )
        got = await conn.data("iam-sub", 2)
        assert sorted(g["q"] for g in got) == [1, 2]


async def test_iam_http_publish_on_iam_only_namespace(
    stub: Endpoint, http: httpx.AsyncClient
) -> None:
    channel = unique_channel("secure")
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="hs", auth=iam_subscribe_auth(stub, channel))
        resp = await http_publish_iam(http, stub, channel, [ev({"via": "http"})])
        assert resp.status_code == 200, resp.text
        publish_ok(resp.json(), 1)
        assert await conn.data("hs", 1) == [{"via": "http"}]


async def test_mixed_auth_on_one_connection(stub: Endpoint, http: httpx.AsyncClient) -> None:
    """Connect with an API key, subscribe with IAM on an IAM-only namespace (§3.2, OBS T1)."""
    secure, plain = unique_channel("secure"), unique_channel()
    async with open_conn(stub, auth=api_key_auth(stub)) as conn:
        assert (
            await conn.subscribe(secure, sub_id="m-iam", auth=iam_subscribe_auth(stub, secure))
        )["type"] == "subscribe_success"
        assert (await conn.subscribe(plain, sub_id="m-key"))["type"] == "subscribe_success"
        assert (await http_publish_iam(http, stub, secure, [ev("secret")])).status_code == 200
        publish_ok(await conn.publish(plain, [ev("public")]), 1)
        assert await conn.data("m-iam", 1) == ["secret"]
        assert await conn.data("m-key", 1) == ["public"]


async def test_iam_signature_body_uses_unescaped_slashes_and_unicode(stub: Endpoint) -> None:
    """Clients sign JSON.stringify output: `/` and non-ASCII are not escaped (§2.3)."""
    channel = unique_channel("secure")
    events = [ev({"path": "/a/b", "name": "Zoë"})]
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="uni", auth=iam_subscribe_auth(stub, channel))
        publish_ok(
            await conn.publish(channel, events, auth=iam_publish_auth(stub, channel, events)), 1
        )
        assert await conn.data("uni", 1) == [{"path": "/a/b", "name": "Zoë"}]


async def test_iam_authorization_keys_are_case_insensitive(stub: Endpoint) -> None:
    channel = unique_channel("secure")
    auth = {k.lower(): v for k, v in iam_subscribe_auth(stub, channel).items()}
    async with open_conn(stub) as conn:
        assert (await conn.subscribe(channel, auth=auth))["type"] == "subscribe_success"


@pytest.mark.parametrize("case", [*BAD_SIGNING, "signed-other-channel"])
async def test_iam_subscribe_refused(stub: Endpoint, case: str) -> None:
    channel = unique_channel("secure")
    if case == "signed-other-channel":
        auth = iam_subscribe_auth(stub, unique_channel("secure"))
    else:
        auth = bad_auth(case, lambda **kw: iam_subscribe_auth(stub, channel, **kw))
    async with open_conn(stub) as conn:
        assert await conn.subscribe(channel, sub_id="bad-iam", auth=auth) == error_frame(
            "subscribe", "bad-iam", UNAUTHORIZED
        )


@pytest.mark.parametrize("case", [*BAD_SIGNING, "signed-other-events"])
async def test_iam_ws_publish_refused(stub: Endpoint, case: str) -> None:
    channel = unique_channel("secure")
    events = [ev({"n": 1})]
    if case == "signed-other-events":
        auth = iam_publish_auth(stub, channel, [ev({"n": 2})])
    else:
        auth = bad_auth(case, lambda **kw: iam_publish_auth(stub, channel, events, **kw))
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="watch", auth=iam_subscribe_auth(stub, channel))
        await conn.send(publish_frame("bad-pub", channel, events, auth))
        assert await conn.expect("publish_success", "publish_error", op_id="bad-pub") == (
            error_frame("publish", "bad-pub", UNAUTHORIZED)
        )
        await conn.assert_no_data()


@pytest.mark.parametrize("case", [*BAD_SIGNING, "body-changed"])
async def test_iam_http_publish_refused(stub: Endpoint, http: httpx.AsyncClient, case: str) -> None:
    channel = unique_channel("secure")
    events = [ev({"n": 1})]
    if case == "body-changed":
        resp = await http_publish_iam(
            http, stub, channel, events, sent_body=http_body(channel, [ev({"n": 2})])
        )
    else:
        kwargs, transform = BAD_SIGNING[case]
        resp = await http_publish_iam(http, stub, channel, events, transform=transform, **kwargs)
    assert resp.status_code == 401, resp.text
    assert resp.json() == {"errors": [UNAUTHORIZED]}


async def test_iam_where_only_api_key_is_allowed(stub: Endpoint, http: httpx.AsyncClient) -> None:
    """Valid IAM credentials on the API_KEY-only `default` namespace."""
    channel = unique_channel()
    events = [ev(1)]
    async with open_conn(stub) as conn:
        reply = await conn.subscribe(channel, sub_id="k1", auth=iam_subscribe_auth(stub, channel))
        assert reply == error_frame("subscribe", "k1", UNAUTHORIZED)
        reply = await conn.publish(
            channel, events, pub_id="k2", auth=iam_publish_auth(stub, channel, events)
        )
        assert reply == error_frame("publish", "k2", UNAUTHORIZED)
    resp = await http_publish_iam(http, stub, channel, events)
    assert resp.status_code == 403
    assert resp.json() == {"errors": [UNAUTHORIZED]}


async def test_split_modes_namespace(stub: Endpoint) -> None:
    """`subonly`: API key may subscribe, only IAM may publish."""
    channel = unique_channel("subonly")
    events = [ev("from-iam")]
    async with open_conn(stub) as conn:
        assert (await conn.subscribe(channel, sub_id="so"))["type"] == "subscribe_success"
        reply = await conn.subscribe(channel, sub_id="so2", auth=iam_subscribe_auth(stub, channel))
        assert reply == error_frame("subscribe", "so2", UNAUTHORIZED)
        publish_ok(
            await conn.publish(channel, events, auth=iam_publish_auth(stub, channel, events)), 1
        )
        assert await conn.data("so", 1) == ["from-iam"]


async def test_namespace_allowing_both_modes(stub: Endpoint, http: httpx.AsyncClient) -> None:
    channel = unique_channel("mixed")
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="both-key")
        await conn.subscribe(channel, sub_id="both-iam", auth=iam_subscribe_auth(stub, channel))
        publish_ok(await conn.publish(channel, [ev("key")]), 1)
        assert (await http_publish_iam(http, stub, channel, [ev("iam")])).status_code == 200
        for sub_id in ("both-key", "both-iam"):
            assert sorted(await conn.data(sub_id, 2)) == ["iam", "key"]
