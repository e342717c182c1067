"""Publishing from a Lambda: ``POST /event`` on the Event API, SigV4-signed with the function's
role credentials (IAM auth mode), at most 5 events per request.

The wire details are :mod:`eventapi`'s (endpoint resolution, event encoding, signing); this adds
only a blocking transport with keep-alive (urllib3: nothing to bundle, the Lambda runtime is
synchronous), retries with jittered backoff where the Event API asks for them (429, 5xx, a
dropped connection), and a small thread pool for fan-out to many channels (per-player results
at a reveal). A repeated publish is harmless: clients drop a message whose ``seq`` they have.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import urllib3

from backend.retry import Backoff
from eventapi import sigv4
from eventapi.endpoints import resolve_endpoints
from eventapi.payloads import batches, encode_events
from eventapi.protocol import dumps_signed_body

#: ``(url, headers, body) -> (status, body)``; injectable so tests can count or fail requests.
Transport = Callable[[str, Mapping[str, str], bytes], tuple[int, bytes]]
CredentialsProvider = Callable[[], Any]


class PublishFailed(Exception):
    """The Event API refused a publish (or could not be reached). ``retryable``: a 429, a 5xx
    or no answer at all - worth another try; a 4xx refusal is not."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class PooledTransport:
    """HTTP with keep-alive (urllib3, which ships with botocore in every Lambda runtime): a
    reveal publishes thousands of results, a TLS handshake each would dominate."""

    def __init__(self, maxsize: int = 32) -> None:
        self._pool = urllib3.PoolManager(
            maxsize=maxsize,
            block=False,
            retries=False,  # a publish is not retried blindly (seq makes duplicates harmless)
            timeout=urllib3.Timeout(connect=3.0, read=10.0),
        )

    def __call__(self, url: str, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
        try:
            response = self._pool.request("POST", url, body=body, headers=dict(headers))
        except urllib3.exceptions.HTTPError as exc:
            raise PublishFailed(f"publish to {url} failed: {exc}", retryable=True) from exc
        return int(response.status), bytes(response.data)


@cache
def _session() -> Any:
    import boto3

    return boto3.Session()


def session_credentials() -> Any:
    """The function role's temporary credentials (the standard AWS chain, refreshed by
    botocore before they expire; one session per container)."""
    credentials = _session().get_credentials()
    if credentials is None:
        raise PublishFailed("no AWS credentials to sign the publish with")
    return credentials.get_frozen_credentials()


@dataclass
class Publisher:
    http_endpoint: str
    region: str
    credentials: CredentialsProvider = session_credentials
    transport: Transport | None = None
    fanout_threads: int = 32
    backoff: Backoff = field(default_factory=lambda: Backoff(attempts=4, base_s=0.1, cap_s=2.0))

    def __post_init__(self) -> None:
        self._endpoints = resolve_endpoints(self.http_endpoint)
        self._send: Transport = self.transport or PooledTransport(self.fanout_threads)
        self.sent = 0  # events accepted by the Event API, for metrics

    def publish(self, channel: str, messages: Sequence[Mapping[str, Any]]) -> None:
        """Publish ``messages`` to ``channel`` in batches of 5; raise on any refusal (after the
        retries, for a refusal worth retrying)."""
        for batch in batches(list(messages)):
            self.backoff.call(functools.partial(self._publish_batch, channel, batch), _retryable)
            self.sent += len(batch)

    def _publish_batch(self, channel: str, batch: Sequence[object]) -> None:
        body = dumps_signed_body({"channel": channel, "events": encode_events(batch)}).encode()
        url = self._endpoints.http_url
        headers = sigv4.sign(
            self.credentials(),
            self.region,
            method="POST",
            url=url,
            headers={"content-type": "application/json", "host": self._endpoints.host},
            body=body,
        )
        status, answer = self._send(url, headers, body)
        if not 200 <= status < 300:
            raise PublishFailed(
                f"publish to {channel}: HTTP {status} {answer[:300]!r}",
                retryable=status == 429 or status >= 500,
            )
        failed = _failed(answer)
        if failed:
            raise PublishFailed(f"publish to {channel}: {failed} event(s) failed")

    def publish_each(self, items: Iterable[tuple[str, Sequence[Mapping[str, Any]]]]) -> int:
        """Publish to many channels concurrently; returns how many channels failed (logged by
        the caller) rather than stopping at the first: one lost socket must not cost everyone
        their result."""
        work = list(items)
        if not work:
            return 0
        with ThreadPoolExecutor(max_workers=min(self.fanout_threads, len(work))) as pool:
            outcomes = list(pool.map(lambda item: self._try(*item), work))
        return sum(1 for ok in outcomes if not ok)

    def _try(self, channel: str, messages: Sequence[Mapping[str, Any]]) -> bool:
        try:
            self.publish(channel, messages)
        except PublishFailed:
            return False
        return True


def _retryable(error: BaseException) -> bool:
    return isinstance(error, PublishFailed) and error.retryable


def _failed(answer: bytes) -> int:
    try:
        parsed = json.loads(answer) if answer else {}
    except ValueError:
        return 0
    failed = parsed.get("failed") if isinstance(parsed, dict) else None
    return len(failed) if isinstance(failed, list) else 0
