"""Session caps: per source address, and in all (SSH and web sessions count together)."""

from __future__ import annotations

from collections import Counter

__all__ = ["SessionCaps"]


class SessionCaps:
    def __init__(self, per_address: int, total: int) -> None:
        self.per_address = per_address  # 0: no cap
        self.total = total
        self._by_address: Counter[str] = Counter()

    @property
    def open(self) -> int:
        return sum(self._by_address.values())

    def acquire(self, address: str) -> str | None:
        """Take a slot for ``address``: None if admitted, else why not (said to the client)."""
        if self.open >= self.total:
            return f"the gateway is full ({self.total} sessions); try again later"
        if self.per_address and self._by_address[address] >= self.per_address:
            return f"too many sessions from your address (at most {self.per_address})"
        self._by_address[address] += 1
        return None

    def release(self, address: str) -> None:
        if self._by_address[address] > 1:
            self._by_address[address] -= 1
        else:
            self._by_address.pop(address, None)
