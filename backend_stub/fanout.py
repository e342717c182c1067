"""Deliver each event to every matching subscription: encode once, write without awaiting.

Fan-outs run in publish order. A small one is written at once; a big one is written in chunks
with a yield between them so the loop keeps serving everyone else (one broadcast to 10,000
sockets would otherwise block it for ~100 ms). One worker keeps the order across publishes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence

from backend_stub.counters import EventApiMetrics
from backend_stub.registry import Subscription
from backend_stub.wsframe import text_frame
from eventapi.protocol import DataFrameTemplate

log = logging.getLogger("quizwire.stub.fanout")


class Fanout:
    def __init__(self, metrics: EventApiMetrics, chunk: int = 1000) -> None:
        self._metrics = metrics
        self._chunk = chunk
        self._jobs: deque[tuple[str, Sequence[Subscription]]] = deque()
        self._worker: asyncio.Task[None] | None = None

    def deliver(self, event: str, subscribers: Sequence[Subscription]) -> None:
        if not subscribers:
            return
        if not self._jobs and len(subscribers) <= self._chunk:
            self._write(event, subscribers)  # nothing queued ahead of it: keep latency minimal
            return
        self._jobs.append((event, subscribers))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._jobs:
            event, subscribers = self._jobs[0]
            for start in range(0, len(subscribers), self._chunk):
                self._write(event, subscribers[start : start + self._chunk])
                await asyncio.sleep(0)
            self._jobs.popleft()

    def _write(self, event: str, subscribers: Sequence[Subscription]) -> None:
        template = DataFrameTemplate(event)
        frames: dict[bytes, bytes] = {}  # subscribers often share an id (same client library)
        delivered = 0
        for sub in subscribers:
            frame = frames.get(sub.sub_id_bytes)
            if frame is None:
                frame = frames[sub.sub_id_bytes] = text_frame(
                    template.for_subscription(sub.sub_id_bytes)
                )
            if sub.connection.send_frame(frame):
                delivered += 1
        self._metrics.events_delivered += delivered

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
