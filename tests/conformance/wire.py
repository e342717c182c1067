"""Hand-written AppSync Events wire helpers for the conformance suite.

Everything here is written from ``docs/appsync-events-protocol.md`` alone: it deliberately does
not import the project's ``eventapi`` package, so the suite checks the stub independently.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from unittest import mock

import botocore.auth
import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

SUBPROTOCOL = "aws-appsync-event-ws"
UNAUTHORIZED_MESSAGE = "You are not authorized to make this call."
UNAUTHORIZED = {"errorType": "UnauthorizedException", "message": UNAUTHORIZED_MESSAGE}
UNDEFINED_NAMESPACE = {"errorType": "UnauthorizedException"}  # real service: no message
INVALID_CHANNEL = {"errorType": "BadRequestException", "message": "Invalid Channel Format"}
INVALID_ID = {"errorType": "BadRequestException", "message": "Invalid or missing operation id"}
CONNECTION_ERROR_FRAME = {
    "errors": [{"errorCode": 401, **UNAUTHORIZED}],
    "type": "connection_error",
}
#: a SigV4 signature that does not verify, at connect: as the real service reports it
SIGNATURE_MISMATCH_FRAME = {
    "errors": [
        {
            "errorCode": 400,
            "errorType": "BadRequestException",
            "message": "The request signature we calculated does not match the signature you "
            "provided. Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.",
        }
    ],
    "type": "connection_error",
}
ACK_RAW = '{"connectionTimeoutMs":300000,"type":"connection_ack"}'
KA_RAW = '{"type":"ka"}'
MAX_EVENT_BYTES = 240 * 1024
FRAME_TIMEOUT = 2.0  # seconds to wait for an expected frame
QUIET_PERIOD = 0.4  # seconds of silence that count as "nothing was delivered"

# Channels that break D1's regex, the 5-segment or the 50-character rule (§5).
INVALID_CHANNELS = [
    "",
    "/",
    "//",
    "/default//x",
    "/default/a b",
    "/default/a_b",
    "/default/a.b",
    "/default/-a",
    "/default/a-",
    "/default/" + "a" * 51,
    "/default/1/2/3/4/5",  # 6 segments
    "/default/*/x",  # wildcard not at the end
    "/default/ü",
]

INVALID_EVENTS: dict[str, Any] = {
    "not-json": ["not json"],
    "truncated-json": ['{"a":'],
    "empty-string": [""],
    "second-bad": ["1", "{oops"],
    "number-not-string": [1],
    "object-not-string": [{"a": 1}],
    "events-a-string": '{"a":1}',
    "events-an-object": {"a": 1},
    "events-null": None,
    "events-missing": ...,
}


def big_event(size: int) -> str:
    """A JSON string event of exactly ``size`` UTF-8 bytes."""
    return json.dumps("x" * (size - 2))


IAM_BASE_HEADERS = {
    "accept": "application/json, text/javascript",
    "content-encoding": "amz-1.0",
    "content-type": "application/json; charset=UTF-8",
}


# --------------------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class Endpoint:
    """Where a stub listens and the credentials it accepts (the fields of ``stub.json``)."""

    http: str
    realtime: str
    host: str
    api_key: str
    region: str
    access_key_id: str
    secret_access_key: str

    @classmethod
    def from_stub_json(cls, data: dict[str, Any]) -> Endpoint:
        return cls(**{f: data[f] for f in cls.__dataclass_fields__})


# --------------------------------------------------------------------------- JSON helpers


def compact(obj: Any) -> str:
    """Compact JSON as ``JSON.stringify`` writes it (no spaces, non-ASCII kept)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def canonical(raw: str | bytes) -> str:
    """The compact, sorted-keys rendering the stub promises for every frame."""
    return json.dumps(json.loads(raw), separators=(",", ":"), sort_keys=True)


def ev(obj: Any) -> str:
    """One publishable event: a stringified JSON value."""
    return compact(obj)


def unique_channel(namespace: str = "default", *rest: str) -> str:
    return "/" + "/".join((namespace, f"t{uuid.uuid4().hex[:16]}", *rest))


def new_id() -> str:
    return str(uuid.uuid4())


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- authorization


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def header_subprotocol(auth: dict[str, Any], *, suffix: str = "") -> str:
    """``header-<base64url(JSON)>`` as in §2.1 (``suffix`` lets a test append e.g. a newline)."""
    return "header-" + b64url((compact(auth) + suffix).encode("utf-8"))


def api_key_auth(ep: Endpoint, key: str | None = None) -> dict[str, str]:
    return {"host": ep.host, "x-api-key": ep.api_key if key is None else key}


def lambda_auth(ep: Endpoint, token: str) -> dict[str, str]:
    return {"Authorization": token, "host": ep.host}


def sign_iam(
    ep: Endpoint,
    body: str,
    *,
    url: str | None = None,
    secret: str | None = None,
    access_key: str | None = None,
    at: dt.datetime | None = None,
    host: str | None = None,
    token: str | None = None,
) -> dict[str, str]:
    """SigV4-sign a virtual ``POST http://<host>/event`` with botocore, as official clients do.

    Returns the headers that form the ``authorization`` object (or the HTTP request headers).
    ``at`` signs with another clock (e.g. an expired date); ``secret`` / ``access_key`` /
    ``token`` sign with other credentials; ``host`` signs for another API's host.
    """
    host = host or ep.host
    request = AWSRequest(
        method="POST",
        url=url or f"http://{host}/event",
        data=body.encode("utf-8"),
        headers={**IAM_BASE_HEADERS, "host": host},
    )
    creds = Credentials(
        access_key or ep.access_key_id, ep.secret_access_key if secret is None else secret, token
    )
    signer = SigV4Auth(creds, "appsync", ep.region)
    if at is None:
        signer.add_auth(request)
    else:
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=at):
            signer.add_auth(request)
    return dict(request.headers.items())


def iam_connect_auth(ep: Endpoint, **kw: Any) -> dict[str, str]:
    return sign_iam(ep, "{}", **kw)


def iam_subscribe_auth(ep: Endpoint, channel: str, **kw: Any) -> dict[str, str]:
    return sign_iam(ep, compact({"channel": channel}), **kw)


def iam_publish_auth(ep: Endpoint, channel: str, events: list[str], **kw: Any) -> dict[str, str]:
    return sign_iam(ep, compact({"channel": channel, "events": events}), **kw)


def tamper_signature(auth: dict[str, str]) -> dict[str, str]:
    """Flip the last hex digit of the SigV4 signature."""
    key = next(k for k in auth if k.lower() == "authorization")
    value = auth[key]
    flipped = "0" if value[-1] != "0" else "1"
    return {**auth, key: value[:-1] + flipped}


def expired() -> dt.datetime:
    """A signing time far outside SigV4's 5-minute skew window."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=2)


# --------------------------------------------------------------------------- frame builders


def init_frame() -> dict[str, Any]:
    return {"type": "connection_init"}


def subscribe_frame(sub_id: Any, channel: Any, auth: dict[str, Any] | None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "subscribe", "id": sub_id, "channel": channel}
    if auth is not None:
        frame["authorization"] = auth
    return frame


def publish_frame(
    pub_id: Any, channel: Any, events: Any, auth: dict[str, Any] | None
) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "publish", "id": pub_id, "channel": channel, "events": events}
    if auth is not None:
        frame["authorization"] = auth
    return frame


def unsubscribe_frame(sub_id: Any) -> dict[str, Any]:
    return {"type": "unsubscribe", "id": sub_id}


def error_frame(op: str, op_id: str, *errors: dict[str, Any]) -> dict[str, Any]:
    """Expected ``<op>_error`` frame (or ``error`` when ``op`` is ``""``)."""
    frame: dict[str, Any] = {"type": f"{op}_error" if op else "error", "errors": list(errors)}
    if op_id:
        frame["id"] = op_id
    return frame


# --------------------------------------------------------------------------- connections


class Conn:
    """A raw WebSocket with a frame buffer, so tests can wait for frames in any order."""

    def __init__(self, ws: ClientConnection, ep: Endpoint) -> None:
        self.ws = ws
        self.ep = ep
        self.buffer: list[dict[str, Any]] = []
        self.raw: list[str | bytes] = []  # every message received, as sent by the server

    # sending -------------------------------------------------------------
    async def send(self, frame: dict[str, Any] | list[Any] | str | bytes) -> None:
        await self.ws.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))

    async def init(self) -> dict[str, Any]:
        await self.send(init_frame())
        return await self.expect("connection_ack")

    async def subscribe(
        self, channel: str, *, sub_id: str | None = None, auth: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Send a subscribe (API key auth by default) and return its response frame."""
        sub_id = sub_id or new_id()
        await self.send(subscribe_frame(sub_id, channel, auth or api_key_auth(self.ep)))
        return await self.expect("subscribe_success", "subscribe_error", op_id=sub_id)

    async def publish(
        self,
        channel: str,
        events: list[str],
        *,
        pub_id: str | None = None,
        auth: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        pub_id = pub_id or new_id()
        await self.send(publish_frame(pub_id, channel, events, auth or api_key_auth(self.ep)))
        return await self.expect("publish_success", "publish_error", op_id=pub_id)

    async def unsubscribe(self, sub_id: str) -> dict[str, Any]:
        await self.send(unsubscribe_frame(sub_id))
        return await self.expect("unsubscribe_success", "unsubscribe_error", op_id=sub_id)

    # receiving -----------------------------------------------------------
    async def _read(self, within: float) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), within)
        self.raw.append(raw)
        frame = json.loads(raw)
        assert isinstance(frame, dict), f"server sent a non-object frame: {raw!r}"
        return frame

    async def expect(
        self, *types: str, op_id: str | None = None, within: float = FRAME_TIMEOUT
    ) -> dict[str, Any]:
        """Return (and consume) the first frame of one of ``types`` (and ``op_id``)."""

        def wanted(f: dict[str, Any]) -> bool:
            return f.get("type") in types and (op_id is None or f.get("id") == op_id)

        for i, frame in enumerate(self.buffer):
            if wanted(frame):
                return self.buffer.pop(i)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            remaining = deadline - loop.time()
            try:
                frame = await self._read(max(remaining, 0.001))
            except TimeoutError:
                raise AssertionError(
                    f"no {types} frame (id={op_id}) within {within}s; other frames: {self.buffer}"
                ) from None
            if wanted(frame):
                return frame
            self.buffer.append(frame)

    async def data(self, sub_id: str, count: int, within: float = FRAME_TIMEOUT) -> list[Any]:
        """Parsed ``event`` payloads of the next ``count`` data frames for ``sub_id``."""
        frames = [await self.expect("data", op_id=sub_id, within=within) for _ in range(count)]
        for f in frames:
            assert set(f) == {"event", "id", "type"}, f
            assert isinstance(f["event"], str), f"data.event must be a JSON string: {f}"
        return [json.loads(f["event"]) for f in frames]

    async def drain(self, wait: float = QUIET_PERIOD) -> list[dict[str, Any]]:
        """Everything that arrives within ``wait`` seconds (plus the buffer), ``ka`` excluded."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while (remaining := deadline - loop.time()) > 0:
            try:
                self.buffer.append(await self._read(remaining))
            except TimeoutError:
                break
        frames = [f for f in self.buffer if f.get("type") != "ka"]
        self.buffer.clear()
        return frames

    async def assert_no_data(self, sub_id: str | None = None, wait: float = QUIET_PERIOD) -> None:
        frames = await self.drain(wait)
        stray = [
            f for f in frames if f.get("type") == "data" and (sub_id is None or f["id"] == sub_id)
        ]
        assert not stray, f"unexpected delivery: {stray}"

    async def closed(self, within: float = FRAME_TIMEOUT) -> int | None:
        """Wait until the server closes the socket; return the close code it sent."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        with contextlib.suppress(ConnectionClosed):
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise AssertionError("server did not close the connection")
                try:
                    self.buffer.append(await self._read(remaining))
                except TimeoutError:
                    raise AssertionError("server did not close the connection") from None
        rcvd = self.ws.protocol.close_rcvd
        return None if rcvd is None else rcvd.code

    async def is_open(self) -> bool:
        """Round-trip check: the connection still answers an operation."""
        reply = await self.subscribe(unique_channel())
        return bool(reply["type"] == "subscribe_success")


@contextlib.asynccontextmanager
async def open_conn(
    ep: Endpoint,
    *,
    auth: dict[str, Any] | None = None,
    subprotocols: Iterable[str] | None = None,
    headers: dict[str, str] | None = None,
    init: bool = True,
    **kw: Any,
) -> AsyncIterator[Conn]:
    """Open a raw WebSocket to the realtime endpoint.

    Default: offers ``aws-appsync-event-ws`` plus a ``header-`` subprotocol carrying ``auth``
    (API key auth unless given), then sends ``connection_init`` and waits for the ack.
    """
    if subprotocols is None:
        subprotocols = [SUBPROTOCOL, header_subprotocol(auth or api_key_auth(ep))]
    ws = await connect(
        ep.realtime,
        subprotocols=list(subprotocols),  # type: ignore[arg-type]
        additional_headers=headers,
        open_timeout=5,
        **kw,
    )
    conn = Conn(ws, ep)
    try:
        if init:
            await conn.init()
        yield conn
    finally:
        await ws.close()


# --------------------------------------------------------------------------- HTTP publish


def http_body(channel: Any, events: Any) -> str:
    return compact({"channel": channel, "events": events})


async def http_publish(
    client: httpx.AsyncClient,
    ep: Endpoint,
    channel: Any,
    events: Any,
    *,
    headers: dict[str, str] | None = None,
    body: str | bytes | None = None,
) -> httpx.Response:
    """POST /event with API-key auth (unless ``headers`` are given)."""
    if headers is None:
        headers = {"content-type": "application/json", "x-api-key": ep.api_key}
    return await client.post(
        ep.http, content=http_body(channel, events) if body is None else body, headers=headers
    )


async def http_publish_iam(
    client: httpx.AsyncClient,
    ep: Endpoint,
    channel: str,
    events: list[str],
    *,
    transform: Callable[[dict[str, str]], dict[str, str]] | None = None,
    sent_body: str | None = None,
    **sign_kw: Any,
) -> httpx.Response:
    """POST /event signed with SigV4 over the exact body (``sent_body`` sends a different one)."""
    body = http_body(channel, events)
    signed = sign_iam(ep, body, url=ep.http, **sign_kw)
    if transform:
        signed = transform(signed)
    headers = {k: v for k, v in signed.items() if k.lower() != "host"}
    return await http_publish(client, ep, channel, events, headers=headers, body=sent_body or body)


def publish_ok(frame_or_body: dict[str, Any], count: int) -> None:
    """Assert a full success: ``count`` successful entries with fresh UUIDs, nothing failed."""
    assert frame_or_body["failed"] == [], frame_or_body
    successful = frame_or_body["successful"]
    assert sorted(s["index"] for s in successful) == list(range(count)), frame_or_body
    ids = [s["identifier"] for s in successful]
    assert all(is_uuid(i) for i in ids) and len(set(ids)) == count, frame_or_body
    for entry in successful:
        assert set(entry) == {"identifier", "index"}, entry
