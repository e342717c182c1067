"""Counters the stub keeps as plain integers (cheap on the hot path); exported elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(slots=True)
class EventApiMetrics:
    connections_active: int = 0
    connection_requests: int = 0
    connections_refused: int = 0
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

    def snapshot(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
