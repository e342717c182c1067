"""The AppSync Events wire protocol, sans-I/O: one module for the client and the server.

Everything here is pure: channel and id rules, limits, frame builders and parsers, AWS's error
types and texts, and the ``header-`` subprotocol encoding. No sockets, no clocks, no event loop.
Facts and their sources: `[docs/appsync-events-protocol.md](appsync-events-protocol.md)` (section numbers below).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

SUBPROTOCOL: Final = "aws-appsync-event-ws"
HEADER_SUBPROTOCOL_PREFIX: Final = "header-"
REALTIME_PATH: Final = "/event/realtime"
HTTP_PATH: Final = "/event"

MAX_EVENTS_PER_PUBLISH: Final = 5  # §6
MAX_EVENT_BYTES: Final = 240 * 1024  # §6, checked after the onPublish transform
MAX_SUBSCRIPTIONS_PER_CONNECTION: Final = 200  # §6
MAX_CHANNEL_SEGMENTS: Final = 5  # §5, the namespace counts
MAX_SEGMENT_LENGTH: Final = 50
CONNECTION_TIMEOUT_MS: Final = 300_000  # §3.1
KEEPALIVE_INTERVAL_S: Final = 60.0  # §3.1
CONNECTION_INIT_TIMEOUT_S: Final = 15.0  # §9, what the AWS clients wait for connection_ack
SUBSCRIBE_TIMEOUT_S: Final = 15.0

_ID_RE: Final = re.compile(r"[a-zA-Z0-9\-_+]{1,128}")
_SEGMENT_RE: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?")

# -- errors -----------------------------------------------------------------------------------

NOT_AUTHORIZED_MESSAGE: Final = "You are not authorized to make this call."


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """One entry of an ``errors`` array: ``{"errorType", "message"?, "errorCode"?}`` (§3.7)."""

    error_type: str
    message: str | None = None
    error_code: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"errorType": self.error_type}
        if self.message is not None:
            out["message"] = self.message
        if self.error_code is not None:
            out["errorCode"] = self.error_code
        return out

    @classmethod
    def from_json(cls, raw: object) -> ErrorInfo:
        if not isinstance(raw, Mapping):
            return cls("UnknownError", str(raw))
        error_type = raw.get("errorType")
        message = raw.get("message")
        code = raw.get("errorCode")
        return cls(
            str(error_type) if error_type is not None else "UnknownError",
            str(message) if message is not None else None,
            code if isinstance(code, int) and not isinstance(code, bool) else None,
        )

    def __str__(self) -> str:
        return f"{self.error_type}: {self.message}" if self.message else self.error_type


class Errors:
    """AWS's error types and texts (§11). Texts AWS does not document are marked in the docs."""

    @staticmethod
    def unauthorized(with_message: bool = True, code: int | None = None) -> ErrorInfo:
        return ErrorInfo(
            "UnauthorizedException", NOT_AUTHORIZED_MESSAGE if with_message else None, code
        )

    @staticmethod
    def undefined_namespace() -> ErrorInfo:
        # The real service answers an undefined namespace with an UnauthorizedException that has
        # no message at all (§3.5, observed by the Kotlin SDK's instrumented tests).
        return ErrorInfo("UnauthorizedException")

    @staticmethod
    def invalid_channel() -> ErrorInfo:
        return ErrorInfo("BadRequestException", "Invalid Channel Format")

    @staticmethod
    def too_many_events_ws() -> ErrorInfo:
        return ErrorInfo("InvalidInputError", "input exceeded 5 event limit")

    @staticmethod
    def too_many_events_http() -> ErrorInfo:
        return ErrorInfo("BadRequestException", "Input exceeded 5 event limit")

    @staticmethod
    def bad_request(message: str) -> ErrorInfo:
        return ErrorInfo("BadRequestException", message)

    @staticmethod
    def invalid_id() -> ErrorInfo:
        return ErrorInfo("BadRequestException", "Invalid or missing operation id")

    @staticmethod
    def duplicated_id(op_id: str) -> ErrorInfo:
        return ErrorInfo("DuplicatedOperationError", f"Duplicated operation with id {op_id}")

    @staticmethod
    def unknown_operation(op_id: str) -> ErrorInfo:
        return ErrorInfo("UnknownOperationError", f"Unknown operation id {op_id}")

    @staticmethod
    def unsupported_operation() -> ErrorInfo:
        return ErrorInfo(
            "UnsupportedOperation", "Operation not supported through the realtime channel"
        )

    @staticmethod
    def max_subscriptions() -> ErrorInfo:
        return ErrorInfo(
            "MaxSubscriptionsReachedError",
            f"Maximum number of subscriptions ({MAX_SUBSCRIPTIONS_PER_CONNECTION}) reached",
        )

    @staticmethod
    def rate_limited() -> ErrorInfo:
        return ErrorInfo("LimitExceededError", "Rate limit exceeded")

    @staticmethod
    def subscription_processing() -> ErrorInfo:
        return ErrorInfo(
            "SubscriptionProcessingError", "There was an error processing the operation"
        )

    @staticmethod
    def message_processing() -> ErrorInfo:
        return ErrorInfo("MessageProcessingError", "There was an error processing the message")

    @staticmethod
    def event_too_large() -> tuple[str, str]:
        return "EventTooLargeException", "Transformed event is larger than 240KB"


# -- JSON ---------------------------------------------------------------------------------------


def parse_json(text: str | bytes) -> Any:
    """``json.loads`` for untrusted input: every way it can fail is a ``ValueError``.

    Besides malformed JSON and bad UTF-8 (both already ``ValueError``), that covers nesting too
    deep for the parser (``RecursionError``) and integers past Python's 4,300-digit conversion
    limit, which ``json`` reports as a bare ``ValueError`` rather than a ``JSONDecodeError``."""
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


# One encoder each, made once: ``json.dumps`` with options builds a new encoder per call, which
# cost as much as encoding a whole frame (frames and events are encoded several times a message).
_FRAME_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), sort_keys=True, ensure_ascii=False)
_BODY_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(obj: object) -> str:
    """Serialise a frame the way the service does: compact, keys sorted (§3.8)."""
    return _FRAME_ENCODER.encode(obj)


def dumps_signed_body(obj: object) -> str:
    """Serialise a body for SigV4: compact, insertion order, ``/`` unescaped (§2.3)."""
    return _BODY_ENCODER.encode(obj)


# -- ids and channels ------------------------------------------------------------------------


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and _ID_RE.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Channel:
    """A validated channel path, normalised with a leading ``/`` and no trailing one."""

    path: str
    segments: tuple[str, ...]
    wildcard: bool = False

    @property
    def namespace(self) -> str:
        return self.segments[0]

    @property
    def prefix(self) -> str:
        """For a wildcard ``/a/b/*``: ``/a/b/``; events on any channel starting with it match."""
        return "/" + "/".join(self.segments[:-1]) + "/" if self.wildcard else self.path

    def matches(self, concrete: Channel) -> bool:
        if not self.wildcard:
            return self.path == concrete.path
        return concrete.path.startswith(self.prefix)


class ChannelError(ValueError):
    pass


def parse_channel(raw: object, *, allow_wildcard: bool) -> Channel:
    """Validate a channel (§5): 1-5 segments of ``[A-Za-z0-9-]`` (no leading/trailing ``-``),
    each 1-50 chars, optional leading and trailing ``/``; a trailing ``*`` on subscribe only.
    A wildcard needs a namespace before it (``/*`` alone would span namespaces and their auth).
    """
    if not isinstance(raw, str) or not raw or len(raw) > 300:
        raise ChannelError("Invalid Channel Format")
    body = raw[1:] if raw.startswith("/") else raw
    if body.endswith("/") and not body.endswith("*/"):
        body = body[:-1]
    parts = body.split("/")
    wildcard = parts[-1] == "*"
    if wildcard and not allow_wildcard:
        raise ChannelError("Invalid Channel Format")
    concrete = parts[:-1] if wildcard else parts
    if not concrete or len(parts) > MAX_CHANNEL_SEGMENTS:
        raise ChannelError("Invalid Channel Format")
    for segment in concrete:
        if _SEGMENT_RE.fullmatch(segment) is None:
            raise ChannelError("Invalid Channel Format")
    segments = tuple(parts)
    return Channel("/" + "/".join(segments), segments, wildcard)


# -- the header- subprotocol ---------------------------------------------------------------------


def encode_auth_subprotocol(auth: Mapping[str, str]) -> str:
    """``header-`` + base64url(UTF-8 JSON) without padding (§2.1)."""
    raw = json.dumps(dict(auth), separators=(",", ":"), ensure_ascii=False).encode()
    return HEADER_SUBPROTOCOL_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_auth_subprotocol(value: str) -> dict[str, str]:
    """Inverse of :func:`encode_auth_subprotocol`; raises ``ValueError`` on anything malformed."""
    if not value.startswith(HEADER_SUBPROTOCOL_PREFIX):
        raise ValueError("not a header- subprotocol")
    data = value[len(HEADER_SUBPROTOCOL_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        parsed = parse_json(raw.decode("utf-8"))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("undecodable header- subprotocol") from exc
    if not isinstance(parsed, dict):
        raise ValueError("header- subprotocol is not a JSON object")
    return {str(k): v for k, v in parsed.items() if isinstance(v, str)}


def auth_lookup(auth: Mapping[str, Any], name: str) -> str | None:
    """Header names are case-insensitive: clients send both ``Authorization`` spellings (§2.2)."""
    lowered = name.lower()
    for key, value in auth.items():
        if key.lower() == lowered and isinstance(value, str):
            return value
    return None


# -- client -> server frames -----------------------------------------------------------------------


def connection_init() -> str:
    return dumps({"type": "connection_init"})


def subscribe(op_id: str, channel: str, authorization: Mapping[str, str]) -> str:
    return dumps(
        {"type": "subscribe", "id": op_id, "channel": channel, "authorization": dict(authorization)}
    )


def unsubscribe(op_id: str) -> str:
    return dumps({"type": "unsubscribe", "id": op_id})


def publish(
    op_id: str, channel: str, events: Sequence[str], authorization: Mapping[str, str]
) -> str:
    return dumps(
        {
            "type": "publish",
            "id": op_id,
            "channel": channel,
            "events": list(events),
            "authorization": dict(authorization),
        }
    )


def subscribe_signed_body(channel: str) -> str:
    """The body an IAM signature covers for a subscribe (§2.3)."""
    return dumps_signed_body({"channel": channel})


def publish_signed_body(channel: str, events: Sequence[str]) -> str:
    """The body an IAM signature covers for a publish: the events as the strings sent (§2.3)."""
    return dumps_signed_body({"channel": channel, "events": list(events)})


CONNECT_SIGNED_BODY: Final = "{}"


# -- server -> client frames -----------------------------------------------------------------------


def _errors(errors: Sequence[ErrorInfo]) -> list[dict[str, Any]]:
    return [e.to_json() for e in errors]


def connection_ack(timeout_ms: int = CONNECTION_TIMEOUT_MS) -> str:
    return dumps({"type": "connection_ack", "connectionTimeoutMs": timeout_ms})


def connection_error(*errors: ErrorInfo) -> str:
    return dumps({"type": "connection_error", "errors": _errors(errors)})


KA_FRAME: Final = dumps({"type": "ka"})


def op_success(kind: str, op_id: str) -> str:
    """``subscribe_success`` / ``unsubscribe_success``."""
    return dumps({"type": f"{kind}_success", "id": op_id})


def op_error(kind: str, op_id: str, *errors: ErrorInfo) -> str:
    """``subscribe_error`` / ``unsubscribe_error`` / ``publish_error`` / ``broadcast_error``."""
    return dumps({"type": f"{kind}_error", "id": op_id, "errors": _errors(errors)})


def generic_error(*errors: ErrorInfo, op_id: str | None = None) -> str:
    return frame_with_id({"type": "error", "errors": _errors(errors)}, op_id)


def frame_with_id(frame: dict[str, Any], op_id: str | None) -> str:
    if op_id is not None:
        frame["id"] = op_id
    return dumps(frame)


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    """``successful`` / ``failed`` lists of a publish response (§3.5, §4)."""

    successful: tuple[dict[str, Any], ...]
    failed: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {"failed": list(self.failed), "successful": list(self.successful)}


def publish_success(op_id: str, outcome: PublishOutcome) -> str:
    return dumps({"type": "publish_success", "id": op_id, **outcome.to_json()})


class DataFrameTemplate:
    """Encode an event once; stamp each subscription id into it for almost nothing.

    ``{"event":<json string>,"id":"<sub>","type":"data"}`` (keys sorted, §3.3, §3.8). Subscription
    ids are validated to ``[a-zA-Z0-9-_+]`` so they never need escaping.
    """

    __slots__ = ("_head", "_tail")

    def __init__(self, event: str) -> None:
        self._head = ('{"event":' + _BODY_ENCODER.encode(event) + ',"id":"').encode()
        self._tail = b'","type":"data"}'

    def for_subscription(self, sub_id_bytes: bytes) -> bytes:
        return self._head + sub_id_bytes + self._tail


# -- parsing ------------------------------------------------------------------------------------------


class FrameError(ValueError):
    """A frame that cannot be understood; ``error`` is what to tell the peer."""

    def __init__(self, error: ErrorInfo, op_id: str | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.op_id = op_id


def parse_frame(text: str | bytes) -> dict[str, Any]:
    """Parse one frame into a JSON object, or raise :class:`FrameError` saying what is wrong."""
    if isinstance(text, bytes | bytearray | memoryview):
        raise FrameError(Errors.bad_request("Binary frames are not supported; send JSON text"))
    try:
        frame = parse_json(text)
    except ValueError as exc:
        raise FrameError(Errors.bad_request("Message is not valid JSON")) from exc
    if not isinstance(frame, dict):
        raise FrameError(Errors.bad_request("Message must be a JSON object"))
    if not isinstance(frame.get("type"), str):
        raise FrameError(Errors.bad_request("Message has no type"))
    return frame


def frame_errors(frame: Mapping[str, Any]) -> list[ErrorInfo]:
    raw = frame.get("errors")
    if not isinstance(raw, list):
        return []
    return [ErrorInfo.from_json(item) for item in raw]


def validate_events(events: object, *, websocket: bool) -> list[str]:
    """Check the ``events`` array of a publish (§3.5, §4); return the event strings."""
    if not isinstance(events, list) or not events:
        raise FrameError(
            Errors.bad_request("Invalid events: expected a non-empty array of strings")
        )
    if len(events) > MAX_EVENTS_PER_PUBLISH:
        raise FrameError(
            Errors.too_many_events_ws() if websocket else Errors.too_many_events_http()
        )
    for index, event in enumerate(events):
        if not isinstance(event, str):
            raise FrameError(
                Errors.bad_request(f"Invalid event at index {index}: events must be JSON strings")
            )
    return events


def parse_event_payload(event: str, index: int) -> Any:
    """An event is a stringified JSON value; return the parsed value."""
    try:
        return parse_json(event)
    except ValueError as exc:
        raise FrameError(
            Errors.bad_request(f"Invalid event at index {index}: not a valid JSON value")
        ) from exc
