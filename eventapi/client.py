"""``EventsClient``: one WebSocket to an AppSync Event API, shared by all subscriptions.

Lifecycle (docs/appsync-events-protocol.md §3, §9)::

    CONNECTING ──ack──▶ CONNECTED ──socket drop / keep-alive silence──▶ RECONNECTING ─┐
        │                   ▲                                                      │
        │                   └──────────── ack, subscriptions re-sent ◀─────────────┘
        └── error ──▶ CLOSED ◀── close() / auth error / retries exhausted

* Handshake: subprotocols ``aws-appsync-event-ws`` + ``header-<auth>``, ``connection_init``,
  ``connection_ack`` within ``connect_timeout`` (15 s). ``connection_error`` raises a typed
  :class:`~eventapi.errors.AuthError` (never retried) or
  :class:`~eventapi.errors.ConnectionRefusedByServer`.
* Keep-alive: any received frame is proof of life. A watchdog aborts the socket when nothing
  arrived for ``connectionTimeoutMs`` of the ack (or ``keepalive_timeout``).
* Reconnect: jittered exponential backoff (tenacity, capped at 30 s by default), fresh
  authorization on every attempt (IAM signatures are recomputed), every live subscription
  re-sent with its original id. Publishes in flight when the socket died fail with
  :class:`~eventapi.errors.ConnectionLostError` and are not re-sent (not idempotent); new ones
  wait for the connection up to their timeout. Events other clients publish while we are
  disconnected are lost: the service has no replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import random
import socket
import ssl
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final
from urllib.parse import urlsplit

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base, stop_never
from tenacity.wait import wait_base, wait_none, wait_random_exponential
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.typing import Subprotocol

from eventapi import protocol
from eventapi.auth import Auth
from eventapi.endpoints import Endpoints, resolve_endpoints
from eventapi.errors import (
    AUTH_ERROR_CODES,
    AuthError,
    BroadcastError,
    ClientClosedError,
    ConnectionFailedError,
    ConnectionLostError,
    EventApiError,
    OperationTimeoutError,
    ProtocolError,
    PublishError,
    SubscribeError,
    UnsubscribeError,
    connection_refused,
    errors_from_body,
)
from eventapi.payloads import PublishResult, batches, encode_events
from eventapi.protocol import parse_channel
from eventapi.session import (
    Authorizer,
    BroadcastFailed,
    ConnectionAcked,
    ConnectionRefused,
    Data,
    EventsSession,
    KeepAlive,
    Malformed,
    Outgoing,
    PublishAcked,
    PublishRefused,
    ServerError,
    SessionEvent,
    Subscribed,
    SubscribeFailed,
    Unhandled,
    Unsubscribed,
    UnsubscribeRefused,
    UnwantedSubscription,
)
from eventapi.subscription import DEFAULT_MAX_PENDING, ErrorCallback, Subscription

log = logging.getLogger("eventapi.client")

MAX_FRAME_BYTES: Final = 2 * 1024 * 1024


class ConnectionState(enum.Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"  # also the state before connect()


StateCallback = Callable[[ConnectionState], None]


def _default_wait() -> wait_base:
    return wait_random_exponential(multiplier=0.5, max=30.0)


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """How to reconnect after the connection dropped.

    ``first_delay``: the first attempt waits a uniformly random ``0..first_delay`` seconds, so a
    server restart does not get every client back at the same instant. Later attempts wait
    ``wait`` (a tenacity wait; default full-jitter exponential from 0.5 s, capped at 30 s).
    ``max_attempts``: give up (state ``CLOSED``) after that many failed attempts in a row;
    ``None`` retries forever. Auth errors are never retried.
    """

    wait: wait_base = field(default_factory=_default_wait)
    first_delay: float = 1.0
    max_attempts: int | None = None

    @classmethod
    def immediate(cls, max_attempts: int | None = None) -> ReconnectPolicy:
        """No delays at all (tests)."""
        return cls(wait_none(), 0.0, max_attempts)


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, EventApiError) and exc.retryable


@contextlib.asynccontextmanager
async def _deadline(seconds: float, waiting_for: str) -> AsyncIterator[None]:
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError as exc:
        if isinstance(exc, EventApiError):
            raise
        raise OperationTimeoutError(f"no {waiting_for} within {seconds:g} s") from exc


_IP_BIND_ADDRESS_NO_PORT = 24  # linux/in.h; not exported by the socket module


async def _bound_socket(url: str, source: str) -> socket.socket:
    """A socket connected from ``source`` to the URL's host. The port is chosen at connect time
    (IP_BIND_ADDRESS_NO_PORT), so the 4-tuple decides and TIME_WAIT holders don't collide."""
    parsed = urlsplit(url)
    port = parsed.port or (443 if parsed.scheme == "wss" else 80)
    family = socket.AF_INET6 if ":" in source else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_IP, _IP_BIND_ADDRESS_NO_PORT, 1)
        sock.bind((source, 0))
        await asyncio.get_running_loop().sock_connect(sock, (parsed.hostname or "", port))
    except BaseException:
        sock.close()
        raise
    return sock


class EventsClient:
    """A client of one Event API over one WebSocket (plus per-operation authorization).

    The I/O shell over :class:`~eventapi.session.EventsSession`, which holds the protocol state
    (operations by id, subscriptions to re-send, the keep-alive deadline); this class owns the
    socket, the tasks, the waiters' futures and the consumers' :class:`Subscription` buffers.

    ``http_endpoint`` is the API's HTTP endpoint (``https://<id>.appsync-api.<region>.
    amazonaws.com/event``, a custom domain, or the stub's ``http://host:port/event``);
    ``realtime_endpoint`` overrides the derived WebSocket URL. ``auth`` authorizes the
    connection and, unless an operation brings its own, every subscribe and publish.
    """

    def __init__(
        self,
        http_endpoint: str,
        auth: Auth,
        *,
        realtime_endpoint: str | None = None,
        on_state: StateCallback | None = None,
        connect_timeout: float = protocol.CONNECTION_INIT_TIMEOUT_S,
        operation_timeout: float = protocol.SUBSCRIBE_TIMEOUT_S,
        keepalive_timeout: float | None = None,
        reconnect: ReconnectPolicy | None = ReconnectPolicy(),
        max_pending: int = DEFAULT_MAX_PENDING,
        close_timeout: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
        source_address: str | None = None,
    ) -> None:
        self.endpoints: Final[Endpoints] = resolve_endpoints(http_endpoint, realtime_endpoint)
        self.auth: Final = auth
        self.on_state = on_state
        self.connect_timeout = connect_timeout
        self.operation_timeout = operation_timeout
        self.reconnect_policy = reconnect
        self.max_pending = max_pending
        self.close_timeout = close_timeout
        self._ssl = ssl_context
        #: Local address to connect from (load generators spread past one address pair's
        #: ~28k ephemeral ports by using several 127.x sources).
        self.source_address = source_address
        #: Successful reconnects so far.
        self.reconnects = 0

        self._state = ConnectionState.CLOSED
        self._started = False
        self._closing = False
        self._error: BaseException | None = None
        self._ws: ClientConnection | None = None
        self._session = EventsSession(keepalive_timeout=keepalive_timeout)
        self._subs: dict[str, Subscription] = {}  # the consumers' side of the session's ones
        self._pending: dict[str, asyncio.Future[SessionEvent]] = {}  # waiters by operation id
        self._supervisor: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._connected = asyncio.Event()  # set when CONNECTED or CLOSED: wakes waiters
        self._closed = asyncio.Event()
        self._silent = False
        self._fatal: EventApiError | None = None

    # -- public state -----------------------------------------------------------------------

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def keepalive_timeout(self) -> float:
        """Seconds of silence after which the connection is presumed dead (from the ack)."""
        return self._session.keepalive_timeout

    @property
    def error(self) -> BaseException | None:
        """Why the client closed on its own (auth error, retries exhausted); ``None`` otherwise."""
        return self._error

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        return tuple(self._subs.values())

    async def wait_closed(self) -> BaseException | None:
        """Wait until the client is closed; return :attr:`error`."""
        await self._closed.wait()
        return self._error

    # -- connect / close -----------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the connection (one attempt; raises on failure and the client is closed)."""
        if self._started:
            raise RuntimeError("connect() may be called once per EventsClient")
        self._started = True
        self._set_state(ConnectionState.CONNECTING)
        try:
            ws = await self._open()
        except BaseException as exc:
            self._shutdown(exc if isinstance(exc, Exception) else None)
            raise
        if self._closing:  # close() ran while we were connecting
            ws.transport.abort()
            raise self._closed_error()
        self._ws = ws
        self._set_state(ConnectionState.CONNECTED)
        self._supervisor = asyncio.create_task(self._run(), name="eventapi-connection")

    async def close(self) -> None:
        """Close cleanly: close frame, tasks cancelled, open subscriptions' iterators end."""
        if self._closing or (self._state is ConnectionState.CLOSED and self._closed.is_set()):
            await self._closed.wait()
            await self._reap_background()
            return
        self._closing = True
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self.close_timeout):
                    await ws.close()
        task = self._supervisor
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._shutdown(None)
        await self._reap_background()

    async def __aenter__(self) -> EventsClient:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- operations ----------------------------------------------------------------------------

    async def subscribe(
        self,
        channel: str,
        *,
        auth: Auth | None = None,
        max_pending: int | None = None,
        on_error: ErrorCallback | None = None,
    ) -> Subscription:
        """Subscribe and return once the server sent ``subscribe_success``.

        ``auth`` authorizes this subscription only (e.g. IAM on a connection made with an API
        key); IAM signs ``{"channel": channel}``. Raises ``ValueError`` for an invalid channel,
        :class:`SubscribeError` on ``subscribe_error``, :class:`OperationTimeoutError` after
        ``operation_timeout`` (15 s; wrap the call in ``asyncio.timeout`` for less).
        """
        parse_channel(channel, allow_wildcard=True)
        sub = Subscription(
            self._session.next_id(),
            channel,
            auth,
            max_pending=max_pending or self.max_pending,
            on_error=on_error,
            unsubscribe=self._unsubscribe,
        )
        try:
            async with _deadline(self.operation_timeout, "subscribe_success"):
                ws = await self._wait_connected()
                out = self._session.subscribe(channel, self._authorizer(sub), sub_id=sub.id)
                self._subs[sub.id] = sub
                with contextlib.suppress(ConnectionClosed):  # re-sent after the reconnect
                    await ws.send(out.frame)
                await sub.wait_confirmed()
        except BaseException as exc:
            if self._subs.get(sub.id) is sub:
                del self._subs[sub.id]
                self._session.abandon(sub.id)  # a late subscribe_success will be unsubscribed
            sub.end(exc if isinstance(exc, EventApiError) else None)
            raise
        return sub

    async def publish(
        self,
        channel: str,
        events: Sequence[object],
        *,
        auth: Auth | None = None,
    ) -> PublishResult:
        """Publish 1-5 events over the WebSocket and wait for ``publish_success``.

        Events are JSON-serialisable values, sent as compact JSON (see
        :mod:`eventapi.payloads`; wrap pre-serialised text in :class:`RawJson`). More than 5
        raises ``ValueError`` before anything is sent. Raises :class:`PublishError` on
        ``publish_error``, :class:`ConnectionLostError` if the socket died before the answer
        (the publish may or may not have happened) and :class:`OperationTimeoutError` after
        ``operation_timeout`` (this includes waiting for a reconnect).
        """
        parse_channel(channel, allow_wildcard=False)
        encoded = encode_events(events)
        return await self._publish(channel, encoded, auth)

    async def publish_all(
        self,
        channel: str,
        events: Sequence[object],
        *,
        auth: Auth | None = None,
    ) -> PublishResult:
        """Publish any number of events in batches of 5, in order; indices in the result refer
        to ``events``. A failing batch raises; the batches before it were published."""
        parse_channel(channel, allow_wildcard=False)
        if isinstance(events, str | bytes) or not isinstance(events, Sequence):
            raise TypeError("events must be a list of events")
        encoded_batches = [encode_events(batch) for batch in batches(events)]
        result = PublishResult()
        offset = 0
        for encoded in encoded_batches:
            part = await self._publish(channel, encoded, auth)
            result = result + part.offset(offset)
            offset += len(encoded)
        return result

    # -- operation internals ------------------------------------------------------------------

    async def _publish(self, channel: str, encoded: list[str], auth: Auth | None) -> PublishResult:
        async with _deadline(self.operation_timeout, "publish_success"):
            ws = await self._wait_connected()
            authorization = (auth or self.auth).realtime(
                self.endpoints.host, protocol.publish_signed_body(channel, encoded)
            )
            answer = await self._request(ws, self._session.publish(channel, encoded, authorization))
        if isinstance(answer, PublishAcked):
            return answer.result
        assert isinstance(answer, PublishRefused)
        if answer.reply == "publish_error":
            raise PublishError(channel, answer.errors)
        raise ProtocolError(f"publish to {channel} answered with {answer.reply}", answer.errors)

    async def _request(self, ws: ClientConnection, out: Outgoing) -> SessionEvent:
        """Send an operation's frame and wait for the session's answer to it."""
        future: asyncio.Future[SessionEvent] = asyncio.get_running_loop().create_future()
        self._pending[out.op_id] = future
        try:
            try:
                await ws.send(out.frame)
            except ConnectionClosed as exc:
                raise ConnectionLostError("connection lost before the request was sent") from exc
            return await future
        finally:
            if self._pending.get(out.op_id) is future:
                del self._pending[out.op_id]
            self._session.abandon(out.op_id)  # timed out or cancelled; a no-op once answered

    def _authorizer(self, sub: Subscription) -> Authorizer:
        """Fresh authorization for each (re-)subscribe: IAM signatures are recomputed."""
        auth, host = sub.auth or self.auth, self.endpoints.host
        body = protocol.subscribe_signed_body(sub.channel)
        return lambda: auth.realtime(host, body)

    async def _unsubscribe(self, sub: Subscription) -> None:
        if self._subs.get(sub.id) is sub:
            del self._subs[sub.id]
        sub.end()
        # None: nothing on the server to undo yet (a re-subscribe still in flight is undone
        # when its subscribe_success arrives for an id the session no longer knows).
        out = self._session.unsubscribe(sub.id)
        ws = self._ws
        if out is None:
            return
        if ws is None or self._state is not ConnectionState.CONNECTED:
            self._session.abandon(out.op_id)
            return
        try:
            async with _deadline(self.operation_timeout, "unsubscribe_success"):
                answer = await self._request(ws, out)
        except (ConnectionLostError, ClientClosedError):
            return  # the socket, and the subscription with it, is gone
        if isinstance(answer, UnsubscribeRefused):
            raise UnsubscribeError(sub.channel, sub.id, answer.errors)

    async def _wait_connected(self) -> ClientConnection:
        while True:
            if self._state is ConnectionState.CLOSED:
                raise self._closed_error()
            if self._state is ConnectionState.CONNECTED and self._ws is not None:
                return self._ws
            await self._connected.wait()

    def _closed_error(self) -> ClientClosedError:
        if not self._started:
            return ClientClosedError("not connected: call connect() first")
        error = ClientClosedError("the client is closed")
        error.__cause__ = self._error
        return error

    # -- connecting -------------------------------------------------------------------------------

    async def _open(self) -> ClientConnection:
        """One connection attempt: upgrade, ``connection_init``, ``connection_ack``."""
        async with _deadline(self.connect_timeout, "connection_ack"):
            authorization = self.auth.realtime(self.endpoints.host)  # fresh on every attempt
            subprotocols = [
                Subprotocol(protocol.SUBPROTOCOL),
                Subprotocol(protocol.encode_auth_subprotocol(authorization)),
            ]
            options: dict[str, Any] = {}
            if self._ssl is not None:
                options["ssl"] = self._ssl
            if self.source_address is not None:
                try:
                    options["sock"] = await _bound_socket(
                        self.endpoints.realtime_url, self.source_address
                    )
                except OSError as exc:
                    raise ConnectionFailedError(
                        f"cannot connect to {self.endpoints.realtime_url} "
                        f"from {self.source_address}: {exc}"
                    ) from exc
            try:
                ws = await connect(
                    self.endpoints.realtime_url,
                    subprotocols=subprotocols,
                    open_timeout=None,  # the deadline above covers the whole handshake
                    ping_interval=None,  # liveness is AppSync's ka, not WebSocket pings
                    close_timeout=self.close_timeout,
                    max_size=MAX_FRAME_BYTES,
                    **options,
                )
            except InvalidStatus as exc:
                status = exc.response.status_code
                errors = errors_from_body(bytes(exc.response.body or b""))
                if status in AUTH_ERROR_CODES:
                    raise AuthError(
                        f"WebSocket upgrade refused with HTTP {status}", errors, status
                    ) from exc
                raise ConnectionFailedError(
                    f"WebSocket upgrade refused with HTTP {status}", errors
                ) from exc
            except (OSError, WebSocketException) as exc:
                raise ConnectionFailedError(
                    f"cannot connect to {self.endpoints.realtime_url}: {exc}"
                ) from exc
            try:
                await self._handshake(ws)
            except BaseException:
                ws.transport.abort()
                raise
        log.info("connected to %s", self.endpoints.realtime_url)
        return ws

    async def _handshake(self, ws: ClientConnection) -> None:
        loop = asyncio.get_running_loop()
        try:
            await ws.send(self._session.start_connection())
            while True:
                event = self._session.receive_text(await ws.recv(), loop.time())
                if isinstance(event, ConnectionAcked):
                    return
                if isinstance(event, Malformed):
                    # a garbled frame (a proxy, a glitch) is worth another attempt, unlike a refusal
                    raise ConnectionFailedError(
                        "malformed frame during the handshake", [event.error]
                    )
                if isinstance(event, ConnectionRefused):
                    raise connection_refused(event.errors)
                if isinstance(event, Unhandled):
                    log.debug("ignoring %s before connection_ack", event.frame_type)
        except ConnectionClosed as exc:
            raise ConnectionFailedError("connection closed during the handshake") from exc

    async def _reconnect(self, policy: ReconnectPolicy) -> ClientConnection:
        if policy.first_delay > 0:
            await asyncio.sleep(random.uniform(0, policy.first_delay))
        stop: stop_base = (
            stop_never if policy.max_attempts is None else stop_after_attempt(policy.max_attempts)
        )
        retrying = AsyncRetrying(
            wait=policy.wait,
            stop=stop,
            retry=retry_if_exception(_retryable),
            reraise=True,
            before_sleep=self._log_retry,
        )
        async for attempt in retrying:
            with attempt:
                return await self._open()
        raise AssertionError("unreachable: tenacity either returns or raises")

    @staticmethod
    def _log_retry(state: RetryCallState) -> None:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        delay = state.next_action.sleep if state.next_action is not None else 0.0
        log.warning(
            "reconnect attempt %d failed (%s); next in %.2f s", state.attempt_number, error, delay
        )

    # -- the connection task ------------------------------------------------------------------

    async def _run(self) -> None:
        """Read frames; on loss, reconnect and re-subscribe; on a fatal error, close."""
        error: BaseException | None = None
        try:
            while True:
                ws = self._ws
                assert ws is not None
                reason = await self._serve(ws)
                self._detach(ConnectionLostError(reason))
                if self._closing:
                    return
                if self._fatal is not None:
                    error = self._fatal
                    break
                policy = self.reconnect_policy
                if policy is None:
                    error = ConnectionLostError(reason)
                    break
                log.warning("%s; reconnecting", reason)
                self._set_state(ConnectionState.RECONNECTING)
                try:
                    ws = await self._reconnect(policy)
                except EventApiError as exc:
                    log.error("giving up reconnecting: %s", exc)
                    error = exc
                    break
                self._ws = ws
                self.reconnects += 1
                await self._resubscribe_all(ws)
                self._set_state(ConnectionState.CONNECTED)
        except asyncio.CancelledError:
            raise  # close() owns the shutdown
        except Exception as exc:  # a bug or an auth provider failing: never die silently
            log.exception("event API connection task failed")
            error = exc
        self._shutdown(error)

    async def _serve(self, ws: ClientConnection) -> str:
        """Dispatch frames until the connection ends; return why it ended."""
        loop = asyncio.get_running_loop()
        self._silent = False
        watchdog = asyncio.create_task(self._watchdog(ws), name="eventapi-keepalive")
        try:
            async for message in ws:
                try:
                    self._dispatch(self._session.receive_text(message, loop.time()))
                except Exception:  # one bad frame must not take the connection down
                    log.exception("failed to handle a frame")
            reason = f"connection closed ({ws.close_code} {ws.close_reason or ''})".rstrip()
        except ConnectionClosed as exc:
            reason = f"connection lost ({exc})"
        finally:
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog
        if self._silent:
            reason = f"no frame for {self.keepalive_timeout:g} s (keep-alive timeout)"
        return reason

    async def _watchdog(self, ws: ClientConnection) -> None:
        loop = asyncio.get_running_loop()
        session = self._session
        # The deadline moves with every frame; polling it lazily costs the reader nothing.
        while not session.keepalive_expired(now := loop.time()):  # noqa: ASYNC110
            await asyncio.sleep(session.keepalive_deadline - now)
        self._silent = True
        ws.transport.abort()

    async def _resubscribe_all(self, ws: ClientConnection) -> None:
        plan = self._session.resubscribe_all()
        for failed in plan.failed:  # its auth could not be computed
            log.error("cannot re-subscribe to %s: %s", failed.channel, failed.error)
            sub = self._subs.pop(failed.sub_id, None)
            if sub is not None:
                sub.end(failed.error)
        for frame in plan.frames:
            with contextlib.suppress(ConnectionClosed):  # then the next reconnect re-sends it
                await ws.send(frame)

    def _detach(self, error: EventApiError) -> None:
        """The socket is gone: requests in flight fail, subscriptions await re-confirmation."""
        self._ws = None
        self._session.connection_lost()  # the waiters below are the operations it dropped
        for sub in self._subs.values():
            sub.suspend()
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error)
                future.exception()  # mark retrieved: the waiter may have timed out already

    def _shutdown(self, error: BaseException | None) -> None:
        if self._error is None:
            self._error = error
        ws, self._ws = self._ws, None
        if ws is not None:
            ws.transport.abort()
        self._session.close()
        subs, self._subs = self._subs, {}
        for sub in subs.values():
            sub.end(error)
        pending, self._pending = self._pending, {}
        closed = self._closed_error()
        for future in pending.values():
            if not future.done():
                future.set_exception(closed)
                future.exception()
        for task in self._background:
            task.cancel()
        self._set_state(ConnectionState.CLOSED)
        self._connected.set()
        self._closed.set()

    async def _reap_background(self) -> None:
        tasks = list(self._background)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _set_state(self, state: ConnectionState) -> None:
        if state is self._state:
            return
        self._state = state
        if state is ConnectionState.CONNECTED:
            self._connected.set()
        elif state is not ConnectionState.CLOSED:
            self._connected.clear()
        log.debug("state %s", state.value)
        if self.on_state is not None:
            try:
                self.on_state(state)
            except Exception:
                log.exception("on_state callback raised")

    # -- frames ---------------------------------------------------------------------------------

    def _dispatch(self, event: SessionEvent) -> None:
        """Act on what the session made of a frame."""
        if isinstance(event, Data):
            sub = self._subs.get(event.sub_id)
            if sub is not None:
                self._deliver(sub, event.event)
        elif isinstance(event, KeepAlive):
            pass
        elif isinstance(event, PublishAcked | PublishRefused | Unsubscribed | UnsubscribeRefused):
            future = self._pending.pop(event.op_id, None)
            if future is not None and not future.done():
                future.set_result(event)
        elif isinstance(event, Subscribed):
            sub = self._subs.get(event.sub_id)
            if sub is not None:
                sub.confirm()
        elif isinstance(event, SubscribeFailed):
            error = SubscribeError(event.channel, event.sub_id, event.errors)
            if event.was_confirmed:  # a re-subscribe after a reconnect was refused
                log.error("%s", error)
            sub = self._subs.pop(event.sub_id, None)
            if sub is not None:
                sub.end(error)
        elif isinstance(event, UnwantedSubscription):
            self._spawn(self._send_quietly(event.unsubscribe))
        elif isinstance(event, BroadcastFailed):
            sub = self._subs.get(event.sub_id)
            if sub is not None:
                sub.broadcast_failed(BroadcastError(event.channel, event.sub_id, event.errors))
        elif isinstance(event, ServerError):
            log.warning("server error: %s", ", ".join(map(str, event.errors)))
        elif isinstance(event, ConnectionRefused):
            self._fatal = connection_refused(event.errors)
            log.error("%s", self._fatal)
            if self._ws is not None:
                self._ws.transport.abort()
        elif isinstance(event, Malformed):
            log.warning("ignoring a malformed frame: %s", event.error)
        elif isinstance(event, Unhandled):
            log.debug("ignoring a %s frame", event.frame_type)

    @staticmethod
    def _deliver(sub: Subscription, event: object) -> None:
        if isinstance(event, str):
            try:
                sub.deliver(json.loads(event))
            except (ValueError, RecursionError):
                log.warning("dropping an event on %s that is not valid JSON", sub.channel)
        elif isinstance(event, list):  # the array form of the AWS docs' example (§3.3)
            for item in event:
                EventsClient._deliver(sub, item)
        elif event is not None:
            sub.deliver(event)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _send_quietly(self, text: str) -> None:
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await ws.send(text)
