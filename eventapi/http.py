"""Publishing over HTTP: ``POST /event`` (docs/appsync-events-protocol.md §4), with httpx.

``HttpPublisher`` keeps one ``httpx.AsyncClient`` (connection pooling) for many publishes;
``publish_http`` is the one-shot form. A non-2xx answer raises
:class:`~eventapi.errors.HttpPublishError` carrying the status and the decoded ``errors``; a
network failure :class:`~eventapi.errors.ConnectionFailedError`, a timeout
:class:`~eventapi.errors.OperationTimeoutError`. Publishes are not retried: a publish is not
idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

import httpx

from eventapi.auth import Auth
from eventapi.endpoints import Endpoints, resolve_endpoints
from eventapi.errors import (
    ConnectionFailedError,
    HttpPublishError,
    OperationTimeoutError,
    ProtocolError,
    errors_from_body,
)
from eventapi.payloads import PublishResult, batches, encode_events
from eventapi.protocol import MAX_EVENTS_PER_PUBLISH, dumps_signed_body, parse_channel, parse_json

DEFAULT_TIMEOUT = 10.0


class HttpPublisher:
    def __init__(
        self,
        http_endpoint: str,
        auth: Auth,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.endpoints: Endpoints = resolve_endpoints(http_endpoint)
        self.auth = auth
        self.timeout = timeout
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._owns_client = client is None

    async def publish(
        self, channel: str, events: Sequence[object], *, auth: Auth | None = None
    ) -> PublishResult:
        """Publish 1-5 events (see :mod:`eventapi.payloads` for how they are encoded)."""
        parse_channel(channel, allow_wildcard=False)
        encoded = encode_events(events)
        body = dumps_signed_body({"channel": channel, "events": encoded}).encode()
        url = self.endpoints.http_url
        headers = (auth or self.auth).http(url, self.endpoints.host, body)
        try:
            response = await self._client.post(
                url, content=body, headers=headers, timeout=self.timeout
            )
        except httpx.TimeoutException as exc:  # the publish may or may not have happened
            raise OperationTimeoutError(f"HTTP publish to {channel} timed out") from exc
        except httpx.TransportError as exc:
            raise ConnectionFailedError(f"HTTP publish to {url} failed: {exc}") from exc
        if not response.is_success:
            raise HttpPublishError(
                channel, response.status_code, errors_from_body(response.content), response.text
            )
        try:
            parsed = parse_json(response.content)
        except ValueError as exc:
            raise ProtocolError(f"HTTP publish to {channel}: response is not JSON") from exc
        if not isinstance(parsed, dict):
            raise ProtocolError(f"HTTP publish to {channel}: response is not a JSON object")
        return PublishResult.from_json(parsed)

    async def publish_all(
        self, channel: str, events: Sequence[object], *, auth: Auth | None = None
    ) -> PublishResult:
        """Any number of events in sequential batches of 5; indices refer to ``events``."""
        if isinstance(events, str | bytes) or not isinstance(events, Sequence):
            raise TypeError("events must be a list of events")
        result = PublishResult()
        for number, batch in enumerate(batches(events)):
            part = await self.publish(channel, batch, auth=auth)
            result = result + part.offset(number * MAX_EVENTS_PER_PUBLISH)
        return result

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> HttpPublisher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def publish_http(
    http_endpoint: str,
    channel: str,
    events: Sequence[object],
    auth: Auth,
    *,
    client: httpx.AsyncClient | None = None,
    request_timeout: float = DEFAULT_TIMEOUT,
) -> PublishResult:
    """Publish 1-5 events with one ``POST /event``; reuses ``client`` if given."""
    async with HttpPublisher(
        http_endpoint, auth, client=client, timeout=request_timeout
    ) as publisher:
        return await publisher.publish(channel, events)
