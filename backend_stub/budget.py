"""A delivery budget for a namespace any API-key holder may publish to and subscribe on.

Every player of a game holds the API key, and the ``default`` namespace (which every AppSync
Event API starts with) lets an API key publish and subscribe. Without a budget it is an open
relay: a few sockets subscribed many times over, publishing 5 x 240 KB events at the
per-connection quota, multiply into hundreds of MB/s of fan-out and stall the game. The budget
counts what a publish would *deliver* (events x matching subscriptions, and their bytes) and
refuses a publish that the namespace cannot afford, before anything is sent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Bucket:
    rate: float
    burst: float
    tokens: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = self.burst
        self.stamp = time.monotonic()

    def refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now


@dataclass(slots=True)
class DeliveryBudget:
    """Token buckets on deliveries and delivered bytes, shared by every client publisher."""

    deliveries_per_s: float = 5_000.0
    deliveries_burst: float = 20_000.0
    bytes_per_s: float = 4 * 1024 * 1024
    bytes_burst: float = 16 * 1024 * 1024
    refused: int = 0
    _deliveries: _Bucket = field(init=False)
    _bytes: _Bucket = field(init=False)

    def __post_init__(self) -> None:
        self._deliveries = _Bucket(self.deliveries_per_s, self.deliveries_burst)
        self._bytes = _Bucket(self.bytes_per_s, self.bytes_burst)

    def afford(self, deliveries: int, delivered_bytes: int) -> bool:
        """Take what a publish costs, or nothing and False if the namespace cannot afford it."""
        now = time.monotonic()
        self._deliveries.refill(now)
        self._bytes.refill(now)
        if deliveries > self._deliveries.tokens or delivered_bytes > self._bytes.tokens:
            self.refused += 1
            return False
        self._deliveries.tokens -= deliveries
        self._bytes.tokens -= delivered_bytes
        return True
