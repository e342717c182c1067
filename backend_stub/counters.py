"""Counters the stub keeps as plain integers (cheap on the hot path), read at scrape time."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, fields

LATENCY_BUCKETS: tuple[float, ...] = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
)


@dataclass(slots=True)
class Histogram:
    """Fixed buckets (seconds); ``counts[i]`` observations <= ``buckets[i]``, last is +Inf."""

    buckets: tuple[float, ...] = LATENCY_BUCKETS
    counts: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    total: float = 0.0
    count: int = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, seconds)] += 1
        self.total += seconds
        self.count += 1

    def cumulative(self) -> list[tuple[float, int]]:
        out, running = [], 0
        for bound, n in zip((*self.buckets, float("inf")), self.counts, strict=True):
            running += n
            out.append((bound, running))
        return out


@dataclass(slots=True)
class EventApiMetrics:
    connections_active: int = 0
    connection_requests: int = 0
    connections_refused: int = 0
    connections_idle_closed: int = 0
    subscriptions_active: int = 0
    subscribe_requests: int = 0
    subscribe_refused: int = 0
    publish_requests_ws: int = 0
    publish_requests_http: int = 0
    publish_refused: int = 0
    events_published: int = 0
    events_failed: int = 0
    events_delivered: int = 0
    laggards_dropped: int = 0
    bad_frames: int = 0
    frames_paced: int = 0
    handler_latency: Histogram = field(default_factory=Histogram)

    def snapshot(self) -> dict[str, int]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), int)
        }
