"""The offline AppSync Event API: ``POST /event`` and the WebSocket at ``/event/realtime``.

Behaves like the service (docs/appsync-events-protocol.md §10 checklist): same frames, error types and texts, one
``data`` frame per event per matching subscription, trailing-wildcard matching at any depth,
keep-alives, 200 subscriptions per connection, compact frames with sorted keys. Bad input gets
an error frame or status and never takes the server down. Behaviour AWS does not document is
listed in ``docs/stub-behaviour.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

from aiohttp import WSMsgType, web

from backend_stub.authn import Authenticator, Identity, NotAuthenticated
from backend_stub.config import Authorizer, NamespaceConfig, StubConfig
from backend_stub.connection import Connection
from backend_stub.counters import EventApiMetrics
from backend_stub.fanout import Fanout
from backend_stub.guard import ConnectionGuard, default_total_cap
from backend_stub.hooks import HandlerError, Unauthorized, build_context, call
from backend_stub.logs import LimitedLog, LogLimiter, limited_exception_handler
from backend_stub.registry import Registry, Subscription
from backend_stub.request_body import BodyTimeout, BodyTooLarge, read_body
from backend_stub.wsframe import text_frame
from eventapi import protocol as p
from eventapi import sigv4
from eventapi.protocol import Channel, ChannelError, ErrorInfo, Errors, FrameError, PublishOutcome

log = logging.getLogger("quizwire.stub.eventapi")

_KA = text_frame(p.KA_FRAME.encode())
_CLOSE_GOING_AWAY = 1001
_CLOSE_POLICY = 1008
_INTERNAL_TARGETS_MAX = 100_000  # one per player's scores channel, and then some
SubscriptionListener = Callable[[Subscription], None]
# Frames that count as a client using its socket (clients may skip connection_init).
_INITIALISING = frozenset(("connection_init", "subscribe", "unsubscribe", "publish"))


class _GuardedSite(web.TCPSite):
    """aiohttp's TCP site with every accepted connection passed through a
    :class:`ConnectionGuard` first."""

    def __init__(self, runner: web.BaseRunner, guard: ConnectionGuard, **kwargs: Any) -> None:
        super().__init__(runner, **kwargs)
        self._guard = guard

    async def start(self) -> None:
        await web.BaseSite.start(self)
        server = self._runner.server
        assert server is not None
        self._server = await asyncio.get_running_loop().create_server(
            self._guard.wrap(server),
            self._host,
            self._port,
            ssl=self._ssl_context,
            backlog=self._backlog,
            reuse_address=self._reuse_address,
            reuse_port=self._reuse_port,
        )


class OperationRefused(Exception):
    """An operation refused with AWS errors; ``status`` is the HTTP status for ``POST /event``."""

    def __init__(self, status: int, *errors: ErrorInfo) -> None:
        super().__init__(", ".join(map(str, errors)))
        self.status = status
        self.errors = errors


def _too_large(event: str) -> bool:
    """Over the event size limit (UTF-8 has at most 4 bytes a character: short ones skip it)."""
    return len(event) * 4 > p.MAX_EVENT_BYTES and len(event.encode()) > p.MAX_EVENT_BYTES


def _json_response(status: int, body: Mapping[str, Any]) -> web.Response:
    return web.Response(status=status, text=p.dumps(body), content_type="application/json")


def _errors_response(refused: OperationRefused) -> web.Response:
    return _json_response(refused.status, {"errors": [e.to_json() for e in refused.errors]})


def _offered_subprotocols(request: web.Request) -> list[str]:
    return [
        item.strip()
        for header in request.headers.getall("Sec-WebSocket-Protocol", [])
        for item in header.split(",")
        if item.strip()
    ]


def _connect_auth(request: web.Request, offered: Iterable[str]) -> dict[str, str]:
    """Auth from the ``header-`` subprotocol (JS clients) or plain upgrade headers (Swift/Kotlin)."""
    for item in offered:
        if item.startswith(p.HEADER_SUBPROTOCOL_PREFIX):
            try:
                return p.decode_auth_subprotocol(item)
            except ValueError:
                return {}
    return {k: v for k, v in request.headers.items()}


class EventApiServer:
    def __init__(
        self,
        config: StubConfig,
        authorizer: Authorizer | None = None,
        *,
        routes: Sequence[web.AbstractRouteDef] = (),
    ) -> None:
        self.config = config
        self.metrics = EventApiMetrics()
        self.registry = Registry()
        self.fanout = Fanout(self.metrics, config.fanout_chunk)
        self.authn = Authenticator(config, authorizer)
        self.namespaces: dict[str, NamespaceConfig] = config.namespace_map()
        # Refusals are logged a few a second per reason, lifecycle lines (connections,
        # subscriptions) more generously: a flooding client must not flood the log too.
        self.refusal_log = LimitedLog(log, LogLimiter(rate=1.0, burst=3.0))
        self.lifecycle_log = LimitedLog(log, LogLimiter(rate=100.0, burst=500.0))
        self.subscription_closed: list[SubscriptionListener] = []
        self._sockets: dict[Connection, web.WebSocketResponse] = {}
        self._internal_targets: dict[str, Channel] = {}  # parsed channels of deliver_internal
        self.guard = ConnectionGuard(
            per_address=config.max_connections_per_address,
            total=default_total_cap() if config.max_connections is None else config.max_connections,
        )
        self._ka_task: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._port = config.port
        self.app = web.Application(client_max_size=config.max_message_bytes)
        self.app.router.add_post(p.HTTP_PATH, self._http_publish)
        self.app.router.add_get(p.REALTIME_PATH, self._realtime)
        self.app.add_routes(routes)

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.get_exception_handler() is None:
            # e.g. accept() out of descriptors: asyncio logs a traceback per attempt
            loop.set_exception_handler(limited_exception_handler(LogLimiter(rate=1.0, burst=1.0)))
        # keepalive_timeout bounds how long a connection may go without a whole request: a raw
        # TCP socket that says nothing, headers that trickle in, an idle keep-alive.
        self._runner = web.AppRunner(
            self.app,
            access_log=None,
            handle_signals=False,
            keepalive_timeout=self.config.http_idle_timeout,
            # after an early answer (a 408, a 413) the unread rest of a body is drained for at
            # most this long, not aiohttp's default 10 s
            lingering_time=min(1.0, self.config.http_idle_timeout),
        )
        await self._runner.setup()
        site = _GuardedSite(
            self._runner,
            self.guard,
            host=self.config.host,
            port=self.config.port,
            ssl_context=self.config.ssl_context,
            backlog=self.config.backlog,
            reuse_address=True,
        )
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        self.authn.expected_hosts = self.api_hosts()
        self._ka_task = asyncio.create_task(self._keepalive_loop(), name="stub-keepalive")
        log.info("event api listening on %s", self.http_url)

    async def stop(self) -> None:
        if self._ka_task is not None:
            self._ka_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ka_task
        closing = [
            ws.close(code=_CLOSE_GOING_AWAY, message=b"server shutting down")
            for ws in list(self._sockets.values())
        ]
        if closing:
            await asyncio.wait([asyncio.ensure_future(c) for c in closing], timeout=2.0)
        await self.fanout.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> EventApiServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def host(self) -> str:
        """The HTTP host clients put in their auth objects and sign (``host:port``)."""
        return f"{self.config.host}:{self._port}"

    def api_hosts(self) -> frozenset[str]:
        """Every ``host[:port]`` a client may address (and sign for) this API by: the listen
        address, loopback, this machine's name, and the configured public names."""
        names = {self.config.host, "127.0.0.1", "localhost", socket.gethostname()}
        names.update(self.config.public_hosts)
        hosts: set[str] = set()
        for name in filter(None, (n.strip().lower() for n in names)):
            host, _, port = name.rpartition(":") if name.count(":") == 1 else (name, "", "")
            if port:  # a public name given with its own port (a proxy's)
                hosts.add(name)
            else:
                hosts.update((f"{host}:{self._port}", host))  # bare: a proxy on 80/443
        return frozenset(hosts)

    @property
    def http_url(self) -> str:
        scheme = "https" if self.config.ssl_context else "http"
        return f"{scheme}://{self.host}{p.HTTP_PATH}"

    @property
    def realtime_url(self) -> str:
        scheme = "wss" if self.config.ssl_context else "ws"
        return f"{scheme}://{self.host}{p.REALTIME_PATH}"

    @property
    def connection_count(self) -> int:
        return len(self._sockets)

    # -- backend publishing (the game service, in-process) ---------------------------------------

    async def publish_internal(self, channel: str, payloads: Sequence[Any]) -> PublishOutcome:
        """Publish as the backend does with IAM: no authorization, same pipeline and limits."""
        parsed = p.parse_channel(channel, allow_wildcard=False)
        namespace = self.namespaces.get(parsed.namespace)
        if namespace is None:
            raise ValueError(f"namespace {parsed.namespace} is not defined")
        outcome = PublishOutcome((), ())
        events = [p.dumps(payload) for payload in payloads]
        for start in range(0, len(events), p.MAX_EVENTS_PER_PUBLISH):
            part = await self._publish(
                namespace, parsed, events[start : start + p.MAX_EVENTS_PER_PUBLISH], None, {}
            )
            outcome = PublishOutcome(
                outcome.successful + part.successful, outcome.failed + part.failed
            )
        return outcome

    def deliver_internal(self, channel: str, payload: Any) -> None:
        """One backend event on a namespace without an ``onPublish`` handler, written at once:
        :meth:`publish_internal` without what only a publisher's response needs (event ids,
        re-parsing the JSON this process just wrote). For the many small ones: receipts,
        results."""
        target = self._internal_targets.get(channel)
        if target is None:
            parsed = p.parse_channel(channel, allow_wildcard=False)
            namespace = self.namespaces.get(parsed.namespace)
            if namespace is None or namespace.on_publish is not None:
                raise ValueError(f"{channel}: not a namespace without a publish handler")
            if len(self._internal_targets) >= _INTERNAL_TARGETS_MAX:
                self._internal_targets.clear()
            target = self._internal_targets[channel] = parsed
        event = p.dumps(payload)
        if _too_large(event):
            raise ValueError(f"{channel}: event larger than {p.MAX_EVENT_BYTES} bytes")
        self._deliver([event], self.registry.match(target))

    # -- HTTP publish -------------------------------------------------------------------------------

    async def _http_publish(self, request: web.Request) -> web.Response:
        self.metrics.publish_requests_http += 1
        try:
            body = await read_body(request, self.config.http_idle_timeout)
        except BodyTooLarge:
            self.metrics.publish_refused += 1
            limit = self.config.max_message_bytes
            return _errors_response(
                OperationRefused(
                    413, Errors.bad_request(f"Request body is larger than {limit} bytes")
                )
            )
        except BodyTimeout:
            self.metrics.publish_refused += 1
            response = _errors_response(
                OperationRefused(408, Errors.bad_request("The request body was not sent in time"))
            )
            response.force_close()  # and do not wait for the rest of that body
            return response
        try:
            outcome = await self._http_publish_checked(request, body)
        except OperationRefused as refused:
            self.metrics.publish_refused += 1
            self.refusal_log.info(
                ("http_publish_refused", refused.status),
                "http publish refused",
                {
                    "event": "http_publish_refused",
                    "remote": request.remote,
                    "status": refused.status,
                    "error_type": refused.errors[0].error_type if refused.errors else None,
                },
            )
            return _errors_response(refused)
        return _json_response(200, outcome.to_json())

    async def _http_publish_checked(self, request: web.Request, body: bytes) -> PublishOutcome:
        try:
            data = p.parse_json(body)
        except ValueError:
            raise OperationRefused(
                400, Errors.bad_request("Invalid request body: not valid JSON")
            ) from None
        if not isinstance(data, dict):
            raise OperationRefused(
                400, Errors.bad_request("Invalid request body: expected a JSON object")
            )
        channel, namespace = self._resolve(data.get("channel"), allow_wildcard=False, status=400)
        try:
            identity = await self.authn.authenticate(
                dict(request.headers),
                operation="EVENT_PUBLISH",
                namespace=namespace.name,
                channel=channel.path,
                signed_body=body,
                method=request.method,
                path=request.path,
                query=request.query_string,
                source_ip=request.remote,
            )
        except NotAuthenticated:
            raise OperationRefused(401, Errors.unauthorized()) from None
        if identity.mode not in namespace.publish_auth:
            raise OperationRefused(403, Errors.unauthorized())
        try:
            events = p.validate_events(data.get("events"), websocket=False)
            headers = {k.lower(): v for k, v in request.headers.items() if k.lower() != "cookie"}
            return await self._publish(namespace, channel, events, identity, headers)
        except FrameError as exc:
            raise OperationRefused(400, exc.error) from None
        except HandlerError as exc:
            raise OperationRefused(403, ErrorInfo("HandlerError", exc.message)) from None
        except Unauthorized:
            raise OperationRefused(403, Errors.unauthorized()) from None

    # -- the publish pipeline, shared by WebSocket, HTTP and the backend ----------------------

    def _resolve(
        self, raw: object, *, allow_wildcard: bool, status: int
    ) -> tuple[Channel, NamespaceConfig]:
        try:
            channel = p.parse_channel(raw, allow_wildcard=allow_wildcard)
        except ChannelError:
            raise OperationRefused(status, Errors.invalid_channel()) from None
        namespace = self.namespaces.get(channel.namespace)
        if namespace is None:
            raise OperationRefused(403, Errors.undefined_namespace())
        return channel, namespace

    async def _publish(
        self,
        namespace: NamespaceConfig,
        channel: Channel,
        events: list[str],
        identity: Identity | None,
        headers: Mapping[str, str],
    ) -> PublishOutcome:
        payloads = [p.parse_event_payload(event, index) for index, event in enumerate(events)]
        identifiers = [str(uuid.uuid4()) for _ in events]
        if namespace.on_publish is None:
            outputs: list[tuple[int, str | None, str | None]] = [
                (i, event, None) for i, event in enumerate(events)
            ]
        else:
            outputs = await self._run_publish_handler(
                namespace, channel, identity, headers, identifiers, payloads
            )
        successful: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        broadcast: list[str] = []
        for index, event, error in outputs:
            entry = {"identifier": identifiers[index], "index": index}
            if error is not None:
                failed.append({**entry, "code": "HandlerError", "message": error})
            elif event is not None and _too_large(event):
                code, message = Errors.event_too_large()
                failed.append({**entry, "code": code, "message": message})
            else:
                successful.append(entry)
                if event is not None:
                    broadcast.append(event)
        subscribers = self.registry.match(channel) if broadcast else ()
        budget = namespace.budget
        if (
            budget is not None
            and identity is not None  # the backend's own publishes are not metered
            and subscribers
            and not budget.afford(
                len(subscribers) * len(broadcast),
                len(subscribers) * sum(len(event) for event in broadcast),
            )
        ):
            raise OperationRefused(429, Errors.rate_limited())
        self.metrics.events_failed += len(failed)
        self._deliver(broadcast, subscribers)
        return PublishOutcome(
            tuple(sorted(successful, key=lambda e: e["index"])),
            tuple(sorted(failed, key=lambda e: e["index"])),
        )

    def _deliver(self, events: list[str], subscribers: Sequence[Subscription]) -> None:
        self.metrics.events_published += len(events)
        for event in events:
            self.fanout.deliver(event, subscribers)

    async def _run_publish_handler(
        self,
        namespace: NamespaceConfig,
        channel: Channel,
        identity: Identity | None,
        headers: Mapping[str, str],
        identifiers: list[str],
        payloads: list[Any],
    ) -> list[tuple[int, str | None, str | None]]:
        """Run ``onPublish``; return ``(index, event to broadcast or None, error or None)``.
        Events the handler leaves out were filtered: successful, but not broadcast."""
        assert namespace.on_publish is not None
        ctx = build_context(
            operation="PUBLISH",
            channel=channel,
            identity=identity.handler_identity if identity else None,
            headers=headers,
            events=[{"id": i, "payload": pl} for i, pl in zip(identifiers, payloads, strict=True)],
        )
        started = time.perf_counter()
        try:
            result = await call(namespace.on_publish, ctx)
        except (HandlerError, Unauthorized):
            raise
        except Exception:
            log.exception("onPublish handler of %s raised", namespace.name)
            raise HandlerError("There was an error processing the message") from None
        finally:
            self.metrics.handler_latency.observe(time.perf_counter() - started)
        if isinstance(result, Mapping):  # the direct-Lambda response shape
            if result.get("error"):
                raise HandlerError(str(result["error"]))
            result = result.get("events")
        index_of = {identifier: index for index, identifier in enumerate(identifiers)}
        seen: set[str] = set()
        outputs: list[tuple[int, str | None, str | None]] = []
        for item in result or []:
            if item is None:
                continue
            item_id = item.get("id") if isinstance(item, Mapping) else None
            if item_id not in index_of or item_id in seen:
                log.error("onPublish of %s returned an unknown or duplicate id", namespace.name)
                raise HandlerError("There was an error processing the message")
            seen.add(item_id)
            if item.get("error") is not None:
                outputs.append((index_of[item_id], None, str(item["error"])))
            else:
                outputs.append((index_of[item_id], p.dumps(item.get("payload")), None))
        outputs.extend((i, None, None) for ident, i in index_of.items() if ident not in seen)
        return outputs

    # -- the realtime endpoint ------------------------------------------------------------------

    async def _realtime(self, request: web.Request) -> web.StreamResponse:
        self.metrics.connection_requests += 1
        offered = _offered_subprotocols(request)
        if p.SUBPROTOCOL not in offered:
            self.metrics.connections_refused += 1
            log.info(
                "connection refused",
                extra={
                    "event": "connection_refused",
                    "remote": request.remote,
                    "reason": f"no {p.SUBPROTOCOL} subprotocol",
                },
            )
            return _json_response(
                400,
                {
                    "errors": [
                        Errors.bad_request(f"Subprotocol {p.SUBPROTOCOL} is required").to_json()
                    ]
                },
            )
        auth = _connect_auth(request, offered)
        ws = web.WebSocketResponse(
            protocols=(p.SUBPROTOCOL,),
            autoping=True,
            heartbeat=None,
            compress=False,
            max_msg_size=self.config.max_message_bytes,
        )
        await ws.prepare(request)
        transport = request.transport
        if transport is None:
            return ws
        conn = Connection(
            transport,
            remote=request.remote,
            headers={k.lower(): v for k, v in request.headers.items() if k.lower() != "cookie"},
            write_limit=self.config.write_buffer_limit,
            publish_rate=self.config.publish_rate_per_connection,
            frame_rate=self.config.frame_rate_per_connection,
            frame_burst=self.config.frame_burst_per_connection,
        )
        try:
            identity = await self.authn.authenticate(
                auth,
                operation="EVENT_CONNECT",
                namespace=None,
                channel=None,
                signed_body=p.CONNECT_SIGNED_BODY,
                source_ip=request.remote,
            )
            if identity.mode not in self.config.connection_auth:
                raise NotAuthenticated(f"{identity.mode} may not connect")
            conn.connect_identity = identity
        except NotAuthenticated as exc:
            conn.identity_error = str(exc)
            conn.bad_signature = exc.bad_signature
        self._sockets[conn] = ws
        self.metrics.connections_active += 1
        opened = time.monotonic()
        if conn.connect_identity is not None:
            self.lifecycle_log.info(
                "connection_open",
                "connection opened",
                {
                    "event": "connection_open",
                    "conn": conn.id,
                    "remote": conn.remote,
                    "mode": conn.connect_identity.mode,
                },
            )
        try:
            await self._serve(conn, ws)
        finally:
            self._forget(conn)
            if conn.connect_identity is not None:
                self.lifecycle_log.info(
                    "connection_close",
                    "connection closed",
                    {
                        "event": "connection_close",
                        "conn": conn.id,
                        "remote": conn.remote,
                        "seconds": round(time.monotonic() - opened, 3),
                        "dropped": conn.dropped,
                        "close_code": ws.close_code,
                    },
                )
        return ws

    async def _serve(self, conn: Connection, ws: web.WebSocketResponse) -> None:
        if conn.connect_identity is None:
            # Refused at connect: AWS answers the client's first frame with connection_error.
            # A client that says nothing does not get to hold the socket (and a file) for long.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.config.refused_connection_grace):
                    await ws.receive()
            await self._refuse_connection(conn, ws)
            return
        loop = asyncio.get_running_loop()
        init_deadline = loop.time() + self.config.init_timeout
        while True:
            if conn.initialised:
                message = await ws.receive()
            else:
                # AWS closes a socket that never initialises; a client that hoards sockets
                # without using them must not keep one of the process's descriptors.
                try:
                    message = await ws.receive(timeout=max(0.0, init_deadline - loop.time()))
                except TimeoutError:
                    await self._close_uninitialised(conn, ws)
                    return
            size = 0
            if message.type is WSMsgType.TEXT:
                size = len(message.data)  # characters: bytes for the JSON anyone sends
                try:
                    await self._on_text(conn, message.data)
                except Exception:  # a bug must cost one frame an error, not the connection
                    self.metrics.bad_frames += 1
                    self.refusal_log.exception(
                        "frame_crashed",
                        "handling a frame failed",
                        {"event": "frame_crashed", "conn": conn.id, "remote": conn.remote},
                    )
                    conn.send_text(p.generic_error(Errors.message_processing()))
            elif message.type is WSMsgType.BINARY:
                self.metrics.bad_frames += 1
                conn.send_text(
                    p.generic_error(
                        Errors.bad_request("Binary frames are not supported; send JSON text")
                    )
                )
            else:
                break
            if not conn.open:
                break
            wait = conn.frame_wait(size)
            if wait > 0:
                self.metrics.frames_paced += 1
                await asyncio.sleep(wait)

    async def _close_uninitialised(self, conn: Connection, ws: web.WebSocketResponse) -> None:
        self.metrics.connections_idle_closed += 1
        self.refusal_log.info(
            "connection_idle_closed",
            "connection closed: never initialised",
            {"event": "connection_idle_closed", "conn": conn.id, "remote": conn.remote},
        )
        if not ws.closed:
            await ws.close(
                code=_CLOSE_POLICY,
                message=f"no connection_init within {self.config.init_timeout:g} s".encode(),
            )

    async def _refuse_connection(self, conn: Connection, ws: web.WebSocketResponse) -> None:
        self.metrics.connections_refused += 1
        self.refusal_log.info(
            ("connection_refused", conn.bad_signature),
            "connection refused",
            {
                "event": "connection_refused",
                "conn": conn.id,
                "remote": conn.remote,
                "reason": conn.identity_error,
            },
        )
        if conn.bad_signature:  # as the real service reports a SigV4 mismatch at connect
            error = ErrorInfo("BadRequestException", sigv4.SIGNATURE_MISMATCH, 400)
        else:
            error = Errors.unauthorized(code=401)
        if not ws.closed:
            conn.send_text(p.connection_error(error))
            await ws.close(code=1000)

    def _forget(self, conn: Connection) -> None:
        self._sockets.pop(conn, None)
        self.metrics.connections_active -= 1
        if conn.dropped:
            self.metrics.laggards_dropped += 1
            self.refusal_log.warning(
                "laggard_dropped",
                "dropped lagging subscriber",
                {"event": "laggard_dropped", "conn": conn.id, "remote": conn.remote},
            )
        for sub in conn.subscriptions.values():
            self._remove_subscription(sub)
        conn.subscriptions.clear()

    def _remove_subscription(self, sub: Subscription) -> None:
        self.registry.remove(sub)
        self.metrics.subscriptions_active -= 1
        self.lifecycle_log.info(
            "subscription_close",
            "subscription removed",
            {
                "event": "subscription_close",
                "remote": sub.connection.remote,
                "channel": sub.channel.path,
                "id": sub.sub_id,
            },
        )
        for listener in self.subscription_closed:
            try:
                listener(sub)
            except Exception:
                log.exception("subscription listener failed")

    async def _on_text(self, conn: Connection, text: str) -> None:
        try:
            frame = p.parse_frame(text)
        except FrameError as exc:
            self.metrics.bad_frames += 1
            conn.send_text(p.generic_error(exc.error))
            return
        kind = frame["type"]
        if kind in _INITIALISING:
            conn.initialised = True
        if kind == "connection_init":
            conn.send_text(p.connection_ack(self.config.connection_timeout_ms))
            return
        op_id = frame.get("id")
        if kind not in ("subscribe", "unsubscribe", "publish"):
            self.metrics.bad_frames += 1
            conn.send_text(
                p.generic_error(
                    Errors.unsupported_operation(), op_id=op_id if p.is_valid_id(op_id) else None
                )
            )
            return
        if not p.is_valid_id(op_id):
            self.metrics.bad_frames += 1
            conn.send_text(p.generic_error(Errors.invalid_id()))
            return
        assert isinstance(op_id, str)
        handler = {
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "publish": self._ws_publish,
        }[kind]
        try:
            await handler(conn, op_id, frame)
        except OperationRefused as refused:
            conn.send_text(p.op_error(kind, op_id, *refused.errors))
            error_type = refused.errors[0].error_type if refused.errors else None
            self.refusal_log.info(
                (kind, error_type),
                f"{kind} refused",
                {
                    "event": f"{kind}_refused",
                    "conn": conn.id,
                    "remote": conn.remote,
                    "channel": str(frame.get("channel"))[:120],
                    "error_type": error_type,
                    "reason": refused.errors[0].message if refused.errors else None,
                },
            )

    async def _authenticate_op(
        self,
        conn: Connection,
        frame: Mapping[str, Any],
        *,
        operation: str,
        namespace: NamespaceConfig,
        channel: Channel,
        signed_body: str | Callable[[], str],
        allowed: tuple[str, ...],
    ) -> Identity:
        auth = frame.get("authorization")
        if not isinstance(auth, dict):
            raise OperationRefused(401, Errors.unauthorized())
        try:
            identity = await self.authn.authenticate(
                auth,
                operation=operation,
                namespace=namespace.name,
                channel=channel.path,
                signed_body=signed_body,
                source_ip=conn.remote,
            )
        except NotAuthenticated:
            raise OperationRefused(401, Errors.unauthorized()) from None
        if identity.mode not in allowed:
            raise OperationRefused(403, Errors.unauthorized())
        return identity

    async def _subscribe(self, conn: Connection, op_id: str, frame: Mapping[str, Any]) -> None:
        self.metrics.subscribe_requests += 1
        conn.cork_turn()  # a client's subscribes arrive together: one write answers them all
        try:
            await self._subscribe_checked(conn, op_id, frame)
        except OperationRefused:
            self.metrics.subscribe_refused += 1
            raise

    async def _subscribe_checked(
        self, conn: Connection, op_id: str, frame: Mapping[str, Any]
    ) -> None:
        if op_id in conn.subscriptions:
            raise OperationRefused(400, Errors.duplicated_id(op_id))
        if len(conn.subscriptions) >= p.MAX_SUBSCRIPTIONS_PER_CONNECTION:
            raise OperationRefused(400, Errors.max_subscriptions())
        raw_channel = frame.get("channel")
        channel, namespace = self._resolve(raw_channel, allow_wildcard=True, status=400)
        assert isinstance(raw_channel, str)
        identity = await self._authenticate_op(
            conn,
            frame,
            operation="EVENT_SUBSCRIBE",
            namespace=namespace,
            channel=channel,
            signed_body=p.subscribe_signed_body(raw_channel),
            allowed=namespace.subscribe_auth,
        )
        if namespace.on_subscribe is not None:
            await self._run_subscribe_handler(conn, namespace, channel, identity)
        if op_id in conn.subscriptions:  # the same id raced in while the handler ran
            raise OperationRefused(400, Errors.duplicated_id(op_id))
        if not conn.open:
            return
        sub = Subscription(op_id, channel, conn, identity.handler_identity)
        conn.subscriptions[op_id] = sub
        self.registry.add(sub)
        self.metrics.subscriptions_active += 1
        self.lifecycle_log.info(
            "subscription_open",
            "subscription created",
            {
                "event": "subscription_open",
                "conn": conn.id,
                "remote": conn.remote,
                "channel": channel.path,
                "id": op_id,
                "mode": identity.mode,
            },
        )
        conn.send_text(p.op_success("subscribe", op_id))

    async def _run_subscribe_handler(
        self, conn: Connection, namespace: NamespaceConfig, channel: Channel, identity: Identity
    ) -> None:
        assert namespace.on_subscribe is not None
        ctx = build_context(
            operation="SUBSCRIBE",
            channel=channel,
            identity=identity.handler_identity,
            headers=conn.headers,
            events=None,
        )
        started = time.perf_counter()
        try:
            result = await call(namespace.on_subscribe, ctx)
        except Unauthorized:
            raise OperationRefused(403, Errors.unauthorized()) from None
        except HandlerError as exc:
            raise OperationRefused(403, ErrorInfo("UnauthorizedException", exc.message)) from None
        except Exception:
            log.exception("onSubscribe handler of %s raised", namespace.name)
            raise OperationRefused(500, Errors.subscription_processing()) from None
        finally:
            self.metrics.handler_latency.observe(time.perf_counter() - started)
        if isinstance(result, Mapping) and result.get("error"):  # direct-Lambda shape
            raise OperationRefused(403, ErrorInfo("UnauthorizedException", str(result["error"])))

    async def _unsubscribe(self, conn: Connection, op_id: str, frame: Mapping[str, Any]) -> None:
        sub = conn.subscriptions.pop(op_id, None)
        if sub is None:
            raise OperationRefused(400, Errors.unknown_operation(op_id))
        self._remove_subscription(sub)
        conn.send_text(p.op_success("unsubscribe", op_id))

    async def _ws_publish(self, conn: Connection, op_id: str, frame: Mapping[str, Any]) -> None:
        self.metrics.publish_requests_ws += 1
        try:
            outcome = await self._ws_publish_checked(conn, frame)
            conn.send_text(p.publish_success(op_id, outcome))
        except OperationRefused:
            self.metrics.publish_refused += 1
            raise
        finally:
            conn.uncork()

    async def _ws_publish_checked(
        self, conn: Connection, frame: Mapping[str, Any]
    ) -> PublishOutcome:
        if not conn.allow_publish():
            raise OperationRefused(429, Errors.rate_limited())
        raw_channel = frame.get("channel")
        channel, namespace = self._resolve(raw_channel, allow_wildcard=False, status=400)
        assert isinstance(raw_channel, str)
        if namespace.on_publish is None:
            # its echo (a publisher subscribed to the channel) leaves with the ack, in one write;
            # not so a handler's: what it sends (a receipt) must not wait for the ack
            conn.cork()
        raw_events = frame.get("events")
        identity = await self._authenticate_op(
            conn,
            frame,
            operation="EVENT_PUBLISH",
            namespace=namespace,
            channel=channel,
            signed_body=lambda: p.dumps_signed_body({"channel": raw_channel, "events": raw_events}),
            allowed=namespace.publish_auth,
        )
        try:
            events = p.validate_events(raw_events, websocket=True)
            return await self._publish(namespace, channel, events, identity, conn.headers)
        except FrameError as exc:
            raise OperationRefused(400, exc.error) from None
        except HandlerError as exc:
            raise OperationRefused(403, ErrorInfo("HandlerError", exc.message)) from None
        except Unauthorized:
            raise OperationRefused(403, Errors.unauthorized()) from None

    # -- keep-alive ---------------------------------------------------------------------------------

    async def _keepalive_loop(self) -> None:
        interval = self.config.keepalive_interval
        while True:
            await asyncio.sleep(interval)
            await self.send_keepalives()

    async def send_keepalives(self) -> None:
        connections = [c for c in self._sockets if c.connect_identity is not None]
        for start in range(0, len(connections), self.config.fanout_chunk):
            for conn in connections[start : start + self.config.fanout_chunk]:
                conn.send_frame(_KA)
            await asyncio.sleep(0)
