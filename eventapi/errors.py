"""Typed exceptions of the Event API client; each carries the server's ``errors`` list.

Hierarchy::

    EventApiError                      .errors: tuple[ErrorInfo, ...]
    ├── ConnectionFailedError          could not reach / upgrade to the realtime endpoint (retried)
    ├── ConnectionLostError            the socket died with an operation in flight (retried)
    ├── ConnectionRefusedByServer      ``connection_error`` (retried unless it is an AuthError)
    │   └── AuthError                  Unauthorized/BadRequest or 400/401/403: never retried
    ├── SubscribeError                 ``subscribe_error``
    ├── UnsubscribeError               ``unsubscribe_error``
    ├── PublishError                   ``publish_error``
    │   └── HttpPublishError           non-2xx from ``POST /event`` (.status, .body)
    ├── BroadcastError                 ``broadcast_error`` (delivered to callbacks, not raised)
    ├── ProtocolError                  a frame we cannot understand, or the ``error`` frame
    ├── OperationTimeoutError          also a builtin ``TimeoutError``
    └── ClientClosedError              the client is closed (``.__cause__`` says why, if not by you)
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Sequence
from typing import Final

from eventapi.protocol import ErrorInfo, frame_errors

# Amplify's non-retryable set (docs/appsync-events-protocol.md §9, §11): credentials will not get better by waiting.
AUTH_ERROR_TYPES: Final = frozenset({"UnauthorizedException", "BadRequestException"})
AUTH_ERROR_CODES: Final = frozenset({400, 401, 403})


def is_auth_failure(errors: Iterable[ErrorInfo], status: int | None = None) -> bool:
    """True if the errors (or an HTTP status) say the request's authorization was refused."""
    if status is not None and status in AUTH_ERROR_CODES:
        return True
    return any(e.error_type in AUTH_ERROR_TYPES or e.error_code in AUTH_ERROR_CODES for e in errors)


def errors_from_body(body: bytes | None) -> list[ErrorInfo]:
    """The ``errors`` of an HTTP error body (``{"errors": [...]}``), or ``[]``."""
    if not body:
        return []
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return []
    return frame_errors(parsed) if isinstance(parsed, dict) else []


class EventApiError(Exception):
    """Base of every error this package raises about the Event API."""

    #: Whether the reconnect loop should try again after this error.
    retryable: bool = False

    def __init__(self, message: str, errors: Sequence[ErrorInfo] = ()) -> None:
        self.errors: tuple[ErrorInfo, ...] = tuple(errors)
        detail = "; ".join(map(str, self.errors))
        super().__init__(f"{message}: {detail}" if detail else message)
        self.message = message

    @property
    def error_types(self) -> tuple[str, ...]:
        return tuple(e.error_type for e in self.errors)


class ConnectionFailedError(EventApiError):
    """The WebSocket could not be opened (DNS, TCP, TLS, HTTP upgrade refused with non-auth status)."""

    retryable = True


class ConnectionLostError(EventApiError):
    """The connection dropped before the server answered; the operation may or may not have
    taken effect (publishes are not re-sent automatically: they are not idempotent)."""

    retryable = True


class ConnectionRefusedByServer(EventApiError):
    """The server answered ``connection_init`` with ``connection_error``."""

    retryable = True


class AuthError(ConnectionRefusedByServer):
    """The connection's authorization was refused (``UnauthorizedException``,
    ``BadRequestException`` e.g. a SigV4 mismatch, or 400/401/403). Never retried."""

    retryable = False

    def __init__(
        self, message: str, errors: Sequence[ErrorInfo] = (), status: int | None = None
    ) -> None:
        super().__init__(message, errors)
        self.status = status


def connection_refused(errors: Sequence[ErrorInfo]) -> ConnectionRefusedByServer:
    """The typed error for a ``connection_error`` frame."""
    if is_auth_failure(errors):
        return AuthError("connection refused", errors)
    return ConnectionRefusedByServer("connection refused", errors)


class SubscribeError(EventApiError):
    def __init__(self, channel: str, sub_id: str, errors: Sequence[ErrorInfo]) -> None:
        super().__init__(f"subscribe to {channel} failed", errors)
        self.channel = channel
        self.sub_id = sub_id


class UnsubscribeError(EventApiError):
    def __init__(self, channel: str, sub_id: str, errors: Sequence[ErrorInfo]) -> None:
        super().__init__(f"unsubscribe from {channel} failed", errors)
        self.channel = channel
        self.sub_id = sub_id


class PublishError(EventApiError):
    """The whole publish was refused (``publish_error``); per-event failures are not errors,
    they are in :attr:`PublishResult.failed`."""

    def __init__(self, channel: str, errors: Sequence[ErrorInfo], message: str = "") -> None:
        super().__init__(message or f"publish to {channel} failed", errors)
        self.channel = channel

    @property
    def is_auth_failure(self) -> bool:
        return is_auth_failure(self.errors)


class HttpPublishError(PublishError):
    """``POST /event`` answered with a non-2xx status; ``errors`` is the decoded body, if any."""

    def __init__(
        self, channel: str, status: int, errors: Sequence[ErrorInfo], body: str = ""
    ) -> None:
        super().__init__(channel, errors, f"HTTP publish to {channel} failed with {status}")
        self.status = status
        self.body = body

    @property
    def is_auth_failure(self) -> bool:
        return is_auth_failure(self.errors, self.status)


class BroadcastError(EventApiError):
    """The server could not deliver an event to a subscription. Non-fatal: the subscription
    stays open. Passed to the subscription's ``on_error`` callback, never raised."""

    def __init__(self, channel: str, sub_id: str, errors: Sequence[ErrorInfo]) -> None:
        super().__init__(f"broadcast on {channel} failed", errors)
        self.channel = channel
        self.sub_id = sub_id


class ProtocolError(EventApiError):
    """A frame that breaks the protocol, or a generic ``error`` frame from the server."""


class OperationTimeoutError(EventApiError, builtins.TimeoutError):
    """No answer in time (``connection_ack``, ``subscribe_success``, ``publish_success``…)."""

    retryable = True


class ClientClosedError(EventApiError):
    """The client is closed, or closed while the operation was waiting."""
