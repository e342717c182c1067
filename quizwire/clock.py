"""The one wall clock of the project, in epoch milliseconds (the unit of every ``ts``,
``sentAt`` and deadline on the wire). Code that must be testable takes a clock callable
instead and defaults it to :func:`wall_ms`."""

from __future__ import annotations

import time

__all__ = ["wall_ms"]


def wall_ms() -> int:
    """This machine's wall clock in epoch milliseconds."""
    return time.time_ns() // 1_000_000
