"""Garbage collection for a process holding thousands of long-lived connections.

Every open connection is about a hundred objects the cyclic collector tracks (aiohttp's request
handler, the WebSocket response with its reader and writer, our connection, subscriptions and
identities). At 10,000 players that is about a million objects, and every full (generation 2)
collection walks all of them: up to a second on a 2-core machine, set off every 2-3 s by an
allocation-heavy answer burst (``python -m bench --only burst``; docs/benchmarks.md).

:class:`FreezeSurvivors` moves what survived a full collection to the permanent generation
(``gc.freeze()``): those objects have proven long-lived, so the next collections walk only what
is newer. Reference counting still frees frozen objects; only garbage *cycles* among them wait
-- above all those of connections that closed since. So once enough connections closed (half as
many as were open at the last walk over everything, and at least ``min_churn``), or
``max_age_s`` passed, the policy unfreezes and the next full collection walks everything once.
A steady room of players costs no walk over everything at all.

The young generation is also made larger (:data:`YOUNG_THRESHOLD` allocations instead of 700):
in a burst a thousand answers are in flight at once, each holding a few dozen objects for a loop
turn or two; with the default every one of them was promoted and walked again by the older
generations (``python -m bench --only burst``: GC time in the answer window 1.1 s -> 0.4-0.6
s). The middle generation is collected after :data:`MIDDLE_THRESHOLD` young collections, not
10, so that it never holds more than ~150k objects: while 15,000 players connect its pauses
stay under ~200 ms (~400 ms at 10).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

YOUNG_THRESHOLD = 50_000  # allocations between young collections (CPython's default: 700)
MIDDLE_THRESHOLD = 3  # young collections per middle one (default 10: a 400 ms pause at 50k)


class FreezeSurvivors:
    def __init__(
        self,
        open_connections: Callable[[], int],
        closed_connections: Callable[[], int],
        *,
        churn: float = 0.5,
        min_churn: int = 1000,
        max_age_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._open = open_connections
        self._closed = closed_connections
        self.churn = churn
        self.min_churn = min_churn
        self.max_age_s = max_age_s
        self._clock = clock
        self.frozen = False  # this policy froze survivors and has not unfrozen them since
        self.full_walks = 0
        self.thresholds: tuple[int, ...] = gc.get_threshold()  # as they were before install()
        self._walked_at = 0.0
        self._closed_then = 0
        self._open_then = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase != "stop" or info.get("generation") != 2:
            return
        if not self.frozen:  # this collection walked everything
            self.full_walks += 1
            self._walked_at = self._clock()
            self._closed_then, self._open_then = self._closed(), self._open()
        elif self._due_full_walk():
            gc.unfreeze()  # the next full collection walks (and frees) everything
            self.frozen = False
            return
        gc.freeze()
        self.frozen = True

    def _due_full_walk(self) -> bool:
        closed = self._closed() - self._closed_then
        return (
            closed >= max(self.min_churn, self.churn * self._open_then)
            or self._clock() - self._walked_at >= self.max_age_s
        )


def install(
    open_connections: Callable[[], int], closed_connections: Callable[[], int]
) -> FreezeSurvivors:
    """Install the policy for this process (``quizwire stub`` does, once its server exists)."""
    policy = FreezeSurvivors(open_connections, closed_connections)
    policy.thresholds = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, policy.thresholds[2])
    gc.callbacks.append(policy)
    return policy


def uninstall(policy: FreezeSurvivors) -> None:
    if policy in gc.callbacks:
        gc.callbacks.remove(policy)
        gc.set_threshold(*policy.thresholds)
    if policy.frozen:
        gc.unfreeze()
        policy.frozen = False
