"""WebSocket upgrade, connect auth, connection_ack / connection_error, frame formatting."""

from __future__ import annotations

import dataclasses

import pytest
from websockets.exceptions import InvalidHandshake

from .conftest import API_KEY
from .wire import (
    ACK_RAW,
    CONNECTION_ERROR_FRAME,
    SUBPROTOCOL,
    Endpoint,
    api_key_auth,
    b64url,
    canonical,
    ev,
    header_subprotocol,
    init_frame,
    new_id,
    open_conn,
    publish_frame,
    subscribe_frame,
    unique_channel,
)


def test_stub_json_describes_endpoints(stub: Endpoint) -> None:
    assert stub.http == f"http://{stub.host}/event"
    assert stub.realtime == f"ws://{stub.host}/event/realtime"
    assert stub.host.startswith("127.0.0.1:")
    assert stub.api_key == API_KEY
    assert stub.region == "us-east-1"
    assert stub.access_key_id and stub.secret_access_key


async def test_upgrade_echoes_event_subprotocol_and_acks(stub: Endpoint) -> None:
    async with open_conn(stub, init=False) as conn:
        assert conn.ws.subprotocol == SUBPROTOCOL
        await conn.send(init_frame())
        await conn.expect("connection_ack")
        assert conn.raw == [ACK_RAW]  # compact, sorted, top-level connectionTimeoutMs


async def test_subprotocol_order_is_not_significant(stub: Endpoint) -> None:
    offered = [header_subprotocol(api_key_auth(stub)), SUBPROTOCOL]  # wscat order (§2.1)
    async with open_conn(stub, subprotocols=offered) as conn:
        assert conn.ws.subprotocol == SUBPROTOCOL


async def test_upgrade_without_event_subprotocol_is_refused(stub: Endpoint) -> None:
    with pytest.raises(InvalidHandshake):
        async with open_conn(stub, subprotocols=[header_subprotocol(api_key_auth(stub))]):
            pass


async def test_api_key_as_plain_upgrade_headers(stub: Endpoint) -> None:
    """Swift/Kotlin SDK style: auth as ordinary HTTP headers on the upgrade request."""
    async with open_conn(stub, subprotocols=[SUBPROTOCOL], headers={"x-api-key": stub.api_key}):
        pass  # open_conn already waited for connection_ack


async def test_header_json_with_trailing_newline_is_accepted(stub: Endpoint) -> None:
    """The docs' bash recipe (`echo "$header" | base64 ...`) leaves a newline in the JSON."""
    offered = [header_subprotocol(api_key_auth(stub), suffix="\n"), SUBPROTOCOL]
    async with open_conn(stub, subprotocols=offered):
        pass


async def test_extra_fields_in_connect_auth_are_ignored(stub: Endpoint) -> None:
    auth = {**api_key_auth(stub), "x-amz-date": "20250101T120000Z", "x-amz-user-agent": "x/1"}
    async with open_conn(stub, auth=auth):
        pass


BAD_CONNECT_AUTH = {
    "wrong-api-key": lambda ep: [SUBPROTOCOL, header_subprotocol(api_key_auth(ep, "da2-nope"))],
    "no-auth-at-all": lambda ep: [SUBPROTOCOL],
    "header-without-key": lambda ep: [SUBPROTOCOL, header_subprotocol({"host": ep.host})],
    "header-not-json": lambda ep: [SUBPROTOCOL, "header-" + b64url(b"not-json")],
}


@pytest.mark.parametrize("case", BAD_CONNECT_AUTH)
async def test_bad_connect_auth_gets_connection_error_then_close_1000(
    stub: Endpoint, case: str
) -> None:
    async with open_conn(stub, subprotocols=BAD_CONNECT_AUTH[case](stub), init=False) as conn:
        await conn.send(init_frame())
        frame = await conn.expect("connection_error")
        assert frame == CONNECTION_ERROR_FRAME
        assert conn.raw[-1] == canonical(conn.raw[-1])
        assert await conn.closed() == 1000


async def test_bad_api_key_in_upgrade_headers_gets_connection_error(stub: Endpoint) -> None:
    headers = {"x-api-key": "da2-nope"}
    async with open_conn(stub, subprotocols=[SUBPROTOCOL], headers=headers, init=False) as conn:
        await conn.send(init_frame())
        assert await conn.expect("connection_error", "connection_ack") == CONNECTION_ERROR_FRAME
        assert await conn.closed() == 1000


async def test_bad_connect_auth_reported_on_first_frame_without_init(stub: Endpoint) -> None:
    """No connection_init: the first frame (even a well-authorised subscribe) gets the error."""
    bad = [SUBPROTOCOL, header_subprotocol(api_key_auth(stub, "da2-nope"))]
    async with open_conn(stub, subprotocols=bad, init=False) as conn:
        await conn.send(subscribe_frame(new_id(), unique_channel(), api_key_auth(stub)))
        assert await conn.expect("connection_error", "subscribe_success", "subscribe_error") == (
            CONNECTION_ERROR_FRAME
        )
        assert await conn.closed() == 1000


async def test_operations_work_without_connection_init(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub, init=False) as conn:
        reply = await conn.subscribe(channel, sub_id="no-init-sub")
        assert reply == {"id": "no-init-sub", "type": "subscribe_success"}
        assert (await conn.publish(channel, [ev({"n": 1})]))["type"] == "publish_success"
        assert await conn.data("no-init-sub", 1) == [{"n": 1}]
        assert all(f.get("type") != "connection_ack" for f in conn.buffer)


async def test_every_server_frame_is_compact_json_with_sorted_keys(stub: Endpoint) -> None:
    channel = unique_channel()
    async with open_conn(stub) as conn:
        await conn.subscribe(channel, sub_id="fmt-sub")  # subscribe_success
        await conn.publish(channel, [ev({"b": 1, "a": [1, 2]})])  # publish_success
        await conn.data("fmt-sub", 1)  # data
        await conn.subscribe("/default/bad channel")  # subscribe_error
        await conn.send(publish_frame("fmt-pub", "/nosuchns/x", [ev(1)], api_key_auth(stub)))
        await conn.expect("publish_error")
        await conn.send({"type": "bogus", "id": "fmt-bogus"})  # error
        await conn.expect("error")
        await conn.unsubscribe("fmt-sub")  # unsubscribe_success
        await conn.unsubscribe("fmt-sub")  # unsubscribe_error
        assert len(conn.raw) == 9
        for raw in conn.raw:
            assert isinstance(raw, str), "server frames must be text frames"
            assert raw == canonical(raw)


async def test_refused_socket_that_sends_a_binary_frame_gets_connection_error(
    stub: Endpoint,
) -> None:
    bad = [SUBPROTOCOL, header_subprotocol(api_key_auth(stub, "da2-nope"))]
    async with open_conn(stub, subprotocols=bad, init=False) as conn:
        await conn.send(b"\x00\x01binary")
        assert await conn.expect("connection_error", "error") == CONNECTION_ERROR_FRAME
        assert await conn.closed() == 1000


async def test_refused_socket_that_says_nothing_is_closed_after_the_grace() -> None:
    """A client with a bad key that never sends a frame does not keep a socket (and a file)."""
    from backend_stub.config import StubConfig
    from backend_stub.server import EventApiServer

    config = StubConfig(host="127.0.0.1", port=0, api_keys=("da2-" + "k" * 26,))
    server = EventApiServer(dataclasses.replace(config, refused_connection_grace=0.3))
    await server.start()
    try:
        ep = Endpoint(
            http=server.http_url,
            realtime=server.realtime_url,
            host=f"127.0.0.1:{server.port}",
            api_key="da2-" + "k" * 26,
            region="us-east-1",
            access_key_id="AKIDNONE",
            secret_access_key="none",
        )
        bad = [SUBPROTOCOL, header_subprotocol(api_key_auth(ep, "da2-nope"))]
        async with open_conn(ep, subprotocols=bad, init=False) as conn:
            assert await conn.expect("connection_error") == CONNECTION_ERROR_FRAME
            assert await conn.closed() == 1000
        assert server.metrics.connections_active == 0
    finally:
        await server.stop()
