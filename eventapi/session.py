"""The client side of one Event API connection, sans-I/O: ids, acks, resubscribe, keep-alive.

:class:`EventsSession` is a state machine with no sockets, no event loop and no clock of its own.
Callers feed it the frames they received (with the current time) and get back a typed event
saying what happened; they ask it for the frames to send (``connection_init``, ``subscribe``,
``publish``, ``unsubscribe``, every subscription again after a reconnect) and send them
themselves. It tracks every operation by id until its answer, their optional deadlines, the
subscriptions that outlive a connection, and the keep-alive deadline
(docs/appsync-events-protocol.md §3, §9).

Two I/O shells drive it: :class:`eventapi.client.EventsClient` (``websockets`` + asyncio futures)
and the benchmarks' lean load-generator client (``bench/wsclient.py``).

Phases::

    IDLE ──start_connection()──▶ AWAITING_ACK ──connection_ack──▶ CONNECTED
      ▲                                                               │
      └─────────────────────────── connection_lost() ◀────────────────┘
"""

from __future__ import annotations

import enum
import itertools
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from eventapi import protocol
from eventapi.payloads import PublishResult
from eventapi.protocol import ErrorInfo, FrameError, frame_errors, parse_frame

DEFAULT_KEEPALIVE_TIMEOUT: Final = protocol.CONNECTION_TIMEOUT_MS / 1000

#: Computes a subscription's ``authorization`` object; called again for every re-subscribe, so
#: signatures (IAM) and tokens are fresh on each connection.
Authorizer = Callable[[], Mapping[str, str]]
OperationKind = Literal["subscribe", "publish", "unsubscribe"]


def uuid_ids() -> str:
    """Ids that are unique across connections and processes (the default)."""
    return uuid.uuid4().hex


def counter_ids() -> Callable[[], str]:
    """Short ids ``1``, ``2``…: unique on one connection, which is all the protocol asks for."""
    counter = itertools.count(1)
    return lambda: str(next(counter))


class Phase(enum.Enum):
    IDLE = "idle"  # no connection (before the first, or after one was lost)
    AWAITING_ACK = "awaiting_ack"  # connection_init sent
    CONNECTED = "connected"  # connection_ack received


# -- what happened: the events receive() returns ----------------------------------------------


@dataclass(frozen=True, slots=True)
class KeepAlive:
    """A ``ka`` frame (any frame proves the connection alive; this one carries nothing else)."""


KEEPALIVE: Final = KeepAlive()


@dataclass(frozen=True, slots=True)
class ConnectionAcked:
    """``connection_ack``: the session is connected; silence for ``keepalive_timeout`` seconds
    (the ack's ``connectionTimeoutMs``, unless overridden) means the connection is dead."""

    keepalive_timeout: float


@dataclass(frozen=True, slots=True)
class ConnectionRefused:
    """``connection_error``, during the handshake or later (then the connection is unusable)."""

    errors: tuple[ErrorInfo, ...]


@dataclass(frozen=True, slots=True)
class Subscribed:
    """``subscribe_success`` for a live subscription; ``first`` unless it is a re-subscribe."""

    sub_id: str
    first: bool


@dataclass(frozen=True, slots=True)
class SubscribeFailed:
    """``subscribe_error`` (or ``error``) for a subscription: it is gone from the session.
    ``was_confirmed``: a re-subscribe after a reconnect was refused."""

    sub_id: str
    channel: str
    errors: tuple[ErrorInfo, ...]
    was_confirmed: bool


@dataclass(slots=True)  # not frozen: one is built per delivery, and frozen costs 3x to build
class Data:
    """``data`` for a live subscription; ``event`` as the frame carries it (usually JSON text)."""

    sub_id: str
    event: object


@dataclass(frozen=True, slots=True)
class BroadcastFailed:
    """``broadcast_error``: an event for this subscription could not be delivered; it stays."""

    sub_id: str
    channel: str
    errors: tuple[ErrorInfo, ...]


@dataclass(frozen=True, slots=True)
class PublishAcked:
    """``publish_success`` for an outstanding publish."""

    op_id: str
    result: PublishResult


@dataclass(frozen=True, slots=True)
class PublishRefused:
    """An outstanding publish answered with anything but ``publish_success``: ``reply`` is the
    frame type (``publish_error``, or ``error`` and others: a protocol violation)."""

    op_id: str
    channel: str
    reply: str
    errors: tuple[ErrorInfo, ...]


@dataclass(frozen=True, slots=True)
class Unsubscribed:
    """``unsubscribe_success`` for an outstanding unsubscribe."""

    op_id: str


@dataclass(frozen=True, slots=True)
class UnsubscribeRefused:
    """An outstanding unsubscribe answered with anything but ``unsubscribe_success``."""

    op_id: str
    channel: str
    reply: str
    errors: tuple[ErrorInfo, ...]


@dataclass(frozen=True, slots=True)
class UnwantedSubscription:
    """``subscribe_success`` for an id the session no longer has (its subscribe was abandoned):
    send ``unsubscribe`` so the server stops delivering to it."""

    sub_id: str
    unsubscribe: str


@dataclass(frozen=True, slots=True)
class ServerError:
    """An ``error`` frame that answers nothing outstanding."""

    op_id: object
    errors: tuple[ErrorInfo, ...]


@dataclass(frozen=True, slots=True)
class Unhandled:
    """A well-formed frame the session has no use for: an unknown type, an unknown id, or
    anything but the handshake's answer before ``connection_ack``."""

    frame_type: str
    op_id: object


@dataclass(frozen=True, slots=True)
class Malformed:
    """Text that is not a frame (not JSON, not an object, no type)."""

    error: ErrorInfo


SessionEvent = (
    KeepAlive
    | ConnectionAcked
    | ConnectionRefused
    | Subscribed
    | SubscribeFailed
    | Data
    | BroadcastFailed
    | PublishAcked
    | PublishRefused
    | Unsubscribed
    | UnsubscribeRefused
    | UnwantedSubscription
    | ServerError
    | Unhandled
    | Malformed
)


# -- what the caller asked for ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A frame to send for operation ``op_id``."""

    op_id: str
    frame: str


@dataclass(frozen=True, slots=True)
class TimedOut:
    """An operation whose deadline passed without an answer; the session forgot it (a late
    ``subscribe_success`` is then an :class:`UnwantedSubscription`)."""

    op_id: str
    kind: OperationKind
    channel: str


@dataclass(frozen=True, slots=True)
class ResubscribeFailed:
    """A subscription dropped on reconnect because its authorization could not be computed."""

    sub_id: str
    channel: str
    error: Exception


@dataclass(frozen=True, slots=True)
class Resubscription:
    """What to do after a reconnect: send ``frames``; ``failed`` subscriptions are gone."""

    frames: tuple[str, ...]
    failed: tuple[ResubscribeFailed, ...]


@dataclass(slots=True)
class SubscriptionState:
    """A subscription as the session sees it; ``active``: confirmed on the current connection."""

    id: str
    channel: str
    authorize: Authorizer
    confirmed: bool = False
    active: bool = False


@dataclass(slots=True)
class _Operation:
    kind: OperationKind
    channel: str
    deadline: float | None


class EventsSession:
    """One connection's protocol state, reused across reconnects (subscriptions survive them).

    ``keepalive_timeout`` overrides the ack's ``connectionTimeoutMs``; ``next_id`` makes
    operation ids (default: uuid4 hex). Every ``now`` is the caller's monotonic clock, seconds.
    """

    def __init__(
        self,
        *,
        keepalive_timeout: float | None = None,
        next_id: Callable[[], str] = uuid_ids,
    ) -> None:
        self.next_id: Final = next_id
        self._keepalive_override = keepalive_timeout
        self.keepalive_timeout: float = keepalive_timeout or DEFAULT_KEEPALIVE_TIMEOUT
        self._phase = Phase.IDLE
        self._connected = False  # phase is CONNECTED, read once per frame
        self.last_received = 0.0
        self._subs: dict[str, SubscriptionState] = {}
        self._ops: dict[str, _Operation] = {}

    # -- state --------------------------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def subscriptions(self) -> Mapping[str, SubscriptionState]:
        return self._subs

    def subscription(self, sub_id: str) -> SubscriptionState | None:
        return self._subs.get(sub_id)

    @property
    def outstanding(self) -> int:
        """Operations waiting for their answer (subscribes included)."""
        return len(self._ops)

    def is_outstanding(self, op_id: str) -> bool:
        return op_id in self._ops

    # -- the connection ---------------------------------------------------------------------------

    def start_connection(self) -> str:
        """A new socket is open: the ``connection_init`` frame to send on it."""
        if self.phase is Phase.CONNECTED:
            raise RuntimeError("already connected: call connection_lost() first")
        self._set_phase(Phase.AWAITING_ACK)
        return protocol.connection_init()

    def connection_lost(self) -> list[str]:
        """The socket is gone. Returns the publishes and unsubscribes that were waiting for an
        answer: they failed (not re-sent; a publish is not idempotent). Subscriptions stay,
        inactive, for :meth:`resubscribe_all`; their pending subscribes are re-sent then too."""
        self._set_phase(Phase.IDLE)
        lost = [op_id for op_id, op in self._ops.items() if op.kind != "subscribe"]
        for op_id in lost:
            del self._ops[op_id]
        for sub in self._subs.values():
            sub.active = False
        return lost

    def resubscribe_all(self) -> Resubscription:
        """After a reconnect's ``connection_ack``: every subscription's ``subscribe`` again, with
        its original id and a fresh authorization."""
        self._require_connected()
        frames: list[str] = []
        failed: list[ResubscribeFailed] = []
        for sub in list(self._subs.values()):
            try:
                authorization = sub.authorize()
            except Exception as exc:  # a credentials provider failing must not stop the others
                del self._subs[sub.id]
                self._ops.pop(sub.id, None)
                failed.append(ResubscribeFailed(sub.id, sub.channel, exc))
                continue
            pending = self._ops.get(sub.id)
            self._ops[sub.id] = _Operation(
                "subscribe", sub.channel, pending.deadline if pending is not None else None
            )
            frames.append(protocol.subscribe(sub.id, sub.channel, authorization))
        return Resubscription(tuple(frames), tuple(failed))

    def close(self) -> None:
        """Forget everything: the caller ends its subscriptions and fails its waiters."""
        self._set_phase(Phase.IDLE)
        self._subs.clear()
        self._ops.clear()

    # -- keep-alive ---------------------------------------------------------------------------------

    @property
    def keepalive_deadline(self) -> float:
        """When the connection is presumed dead unless a frame arrives (``inf`` if not connected)."""
        if not self._connected:
            return float("inf")
        return self.last_received + self.keepalive_timeout

    def keepalive_expired(self, now: float) -> bool:
        return now >= self.keepalive_deadline

    # -- operations -------------------------------------------------------------------------------

    def subscribe(
        self,
        channel: str,
        authorize: Authorizer,
        *,
        sub_id: str | None = None,
        deadline: float | None = None,
    ) -> Outgoing:
        """Register a subscription and return its ``subscribe`` frame. ``authorize`` is called
        now (an exception leaves nothing registered) and on every re-subscribe."""
        self._require_connected()
        sub_id = self._fresh_id(sub_id)
        frame = protocol.subscribe(sub_id, channel, authorize())
        self._subs[sub_id] = SubscriptionState(sub_id, channel, authorize)
        self._ops[sub_id] = _Operation("subscribe", channel, deadline)
        return Outgoing(sub_id, frame)

    def publish(
        self,
        channel: str,
        events: Sequence[str],
        authorization: Mapping[str, str],
        *,
        deadline: float | None = None,
    ) -> Outgoing:
        """Register a publish of already encoded events and return its frame."""
        self._require_connected()
        op_id = self._fresh_id(None)
        frame = protocol.publish(op_id, channel, events, authorization)
        self._ops[op_id] = _Operation("publish", channel, deadline)
        return Outgoing(op_id, frame)

    def unsubscribe(self, sub_id: str, *, deadline: float | None = None) -> Outgoing | None:
        """Drop a subscription. Returns the ``unsubscribe`` frame to send if the server has it
        on this connection; ``None`` if there is nothing to undo (a subscribe still in flight is
        undone when its late ``subscribe_success`` arrives, see :class:`UnwantedSubscription`)."""
        sub = self._subs.pop(sub_id, None)
        if sub is None:
            return None
        self._ops.pop(sub_id, None)
        if not sub.active or not self._connected:
            return None
        self._ops[sub_id] = _Operation("unsubscribe", sub.channel, deadline)
        return Outgoing(sub_id, protocol.unsubscribe(sub_id))

    def abandon(self, op_id: str) -> None:
        """The caller stopped waiting for ``op_id`` (timeout, cancellation, send failure) or no
        longer wants subscription ``op_id``: forget both; a late ``subscribe_success`` is then an
        :class:`UnwantedSubscription`. A no-op for what the session already forgot."""
        op = self._ops.pop(op_id, None)
        if op is None or op.kind == "subscribe":
            self._subs.pop(op_id, None)

    def expired(self, now: float) -> list[TimedOut]:
        """Operations whose deadline is ``now`` or earlier, forgotten as they are returned."""
        late = [
            TimedOut(op_id, op.kind, op.channel)
            for op_id, op in self._ops.items()
            if op.deadline is not None and op.deadline <= now
        ]
        for item in late:
            self.abandon(item.op_id)
        return late

    @property
    def next_deadline(self) -> float:
        """The earliest operation deadline (``inf`` if none)."""
        return min(
            (op.deadline for op in self._ops.values() if op.deadline is not None),
            default=float("inf"),
        )

    # -- receiving ----------------------------------------------------------------------------------

    def receive_text(self, text: str | bytes, now: float) -> SessionEvent:
        """One WebSocket message. Any message, even a garbled one, proves the connection alive."""
        self.last_received = now
        try:
            frame = parse_frame(text)
        except FrameError as exc:
            return Malformed(exc.error)
        if frame["type"] == "data" and self._connected:  # the hot path, one call shorter
            sub_id = frame.get("id")
            if sub_id.__class__ is str and sub_id in self._subs:
                return Data(sub_id, frame.get("event"))
        return self._handle(frame)

    def receive(self, frame: Mapping[str, Any], now: float) -> SessionEvent:
        """One frame already decoded by :func:`eventapi.protocol.parse_frame`."""
        self.last_received = now
        return self._handle(frame)

    def _handle(self, frame: Mapping[str, Any]) -> SessionEvent:
        kind: str = frame["type"]
        raw_id = frame.get("id")
        if kind == "data" and self._connected:  # the hot path: one per delivery
            if raw_id.__class__ is str and raw_id in self._subs:
                return Data(raw_id, frame.get("event"))
            return Unhandled(kind, raw_id)
        if not self._connected:
            return self._handshake(kind, raw_id, frame)
        op_id = raw_id if isinstance(raw_id, str) else None
        if kind == "ka":
            return KEEPALIVE
        if kind == "subscribe_success":
            return self._subscribed(op_id, raw_id)
        if kind == "subscribe_error":
            return self._subscribe_failed(op_id, raw_id, kind, frame)
        if kind in _ANSWERS:
            return self._answer(op_id, raw_id, kind, frame)
        if kind == "broadcast_error":
            sub = self._subs.get(op_id) if op_id is not None else None
            if sub is None:
                return Unhandled(kind, raw_id)
            return BroadcastFailed(sub.id, sub.channel, tuple(frame_errors(frame)))
        if kind == "error":
            op = self._ops.get(op_id) if op_id is not None else None
            if op is not None and op.kind != "subscribe":  # answers a publish or unsubscribe
                return self._answer(op_id, raw_id, kind, frame)
            if op_id is not None and op_id in self._subs:
                return self._subscribe_failed(op_id, raw_id, kind, frame)
            return ServerError(raw_id, tuple(frame_errors(frame)))
        if kind == "connection_error":
            return ConnectionRefused(tuple(frame_errors(frame)))
        return Unhandled(kind, raw_id)

    def _handshake(self, kind: str, raw_id: object, frame: Mapping[str, Any]) -> SessionEvent:
        if self.phase is Phase.AWAITING_ACK:
            if kind == "connection_ack":
                self._set_phase(Phase.CONNECTED)
                self.keepalive_timeout = self._keepalive_from(frame)
                return ConnectionAcked(self.keepalive_timeout)
            if kind == "connection_error":
                return ConnectionRefused(tuple(frame_errors(frame)))
        if kind == "ka":
            return KEEPALIVE
        return Unhandled(kind, raw_id)

    def _keepalive_from(self, ack: Mapping[str, Any]) -> float:
        if self._keepalive_override is not None:
            return self._keepalive_override
        timeout_ms = ack.get("connectionTimeoutMs")
        if (
            isinstance(timeout_ms, int | float)
            and not isinstance(timeout_ms, bool)
            and timeout_ms > 0
        ):
            return float(timeout_ms) / 1000
        return DEFAULT_KEEPALIVE_TIMEOUT

    def _subscribed(self, op_id: str | None, raw_id: object) -> SessionEvent:
        sub = self._subs.get(op_id) if op_id is not None else None
        if sub is None:
            if op_id is None:
                return Unhandled("subscribe_success", raw_id)
            return UnwantedSubscription(op_id, protocol.unsubscribe(op_id))
        self._ops.pop(sub.id, None)
        first = not sub.confirmed
        sub.confirmed = sub.active = True
        return Subscribed(sub.id, first)

    def _subscribe_failed(
        self, op_id: str | None, raw_id: object, kind: str, frame: Mapping[str, Any]
    ) -> SessionEvent:
        sub = self._subs.pop(op_id, None) if op_id is not None else None
        if sub is None:
            return Unhandled(kind, raw_id)
        self._ops.pop(sub.id, None)
        return SubscribeFailed(sub.id, sub.channel, tuple(frame_errors(frame)), sub.confirmed)

    def _answer(
        self, op_id: str | None, raw_id: object, kind: str, frame: Mapping[str, Any]
    ) -> SessionEvent:
        op = self._ops.get(op_id) if op_id is not None else None
        if op_id is None or op is None or op.kind == "subscribe":
            return Unhandled(kind, raw_id)
        del self._ops[op_id]
        if op.kind == "publish":
            if kind == "publish_success":
                return PublishAcked(op_id, PublishResult.from_json(frame))
            return PublishRefused(op_id, op.channel, kind, tuple(frame_errors(frame)))
        if kind == "unsubscribe_success":
            return Unsubscribed(op_id)
        return UnsubscribeRefused(op_id, op.channel, kind, tuple(frame_errors(frame)))

    # -- helpers ----------------------------------------------------------------------------------------

    def _set_phase(self, phase: Phase) -> None:
        self._phase = phase
        self._connected = phase is Phase.CONNECTED

    def _require_connected(self) -> None:
        if not self._connected:
            raise RuntimeError(f"not connected (session is {self.phase.value})")

    def _fresh_id(self, wanted: str | None) -> str:
        op_id = self.next_id() if wanted is None else wanted
        if not protocol.is_valid_id(op_id):
            raise ValueError(f"invalid operation id {op_id!r}")
        if op_id in self._ops or op_id in self._subs:
            raise ValueError(f"operation id {op_id!r} is already in use")
        return op_id


_ANSWERS: Final = frozenset(
    {"publish_success", "publish_error", "unsubscribe_success", "unsubscribe_error"}
)
