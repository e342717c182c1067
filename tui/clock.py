"""Clocks in epoch milliseconds. Widgets take a ``Clock`` so tests can freeze time."""

from __future__ import annotations

from collections.abc import Callable

from quizwire.clock import wall_ms

__all__ = ["Clock", "FrozenClock", "wall_ms"]

Clock = Callable[[], int]
"""A zero-argument callable returning the time in epoch milliseconds."""



class FrozenClock:
    """A clock that only moves when told to (tests, snapshots)."""

    def __init__(self, now_ms: int = 1_767_225_600_000) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, ms: int) -> None:
        self.now_ms += ms
