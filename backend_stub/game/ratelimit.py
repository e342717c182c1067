"""Rate limits for the entry API: what API Gateway's stage throttling does for the talk, made
fair between clients.

The talk allowed 2,000 entry requests a second in all and answered 429 beyond. One global
bucket alone lets a single flooding client take every token, so the room's joins all get the
429s. :class:`FairLimiter` keeps the global ceiling and gives each source address at most an
even share of it (the ceiling divided by the sources seen in the last few seconds): a flooder
spends its own share and gets the 429s; everyone else still gets in.
"""

from __future__ import annotations

import ipaddress
import math
import time
from typing import Final


class TokenBucket:
    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else rate
        self._tokens = self.burst
        self._stamp = time.monotonic()

    def take(self) -> float:
        """0 if a request may pass now, else the seconds until one may (for Retry-After)."""
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))


# A source that has sent nothing for this long no longer counts towards the shares.
ACTIVE_WINDOW_S: Final = 5.0
# Every source may burst at least this much above its share: a classroom behind one address
# joins at once, and a single player's join + state call never wait.
MIN_SOURCE_BURST: Final = 20.0
MAX_SOURCES: Final = 100_000


def source_key(address: str | None) -> str:
    """The unit of fairness: an IPv4 address, or an IPv6 /64 (one host can hold a whole /64)."""
    if not address:
        return "?"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class FairLimiter:
    """A global token bucket of ``rate``/s shared evenly between the sources using it."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.global_bucket = TokenBucket(rate, burst)
        # source -> [tokens, last refill, last seen] (monotonic seconds)
        self._sources: dict[str, list[float]] = {}
        self._pruned_at = time.monotonic()

    @property
    def active_sources(self) -> int:
        return max(1, len(self._sources))

    def take(self, address: str | None) -> float:
        """0 if a request from ``address`` may pass now, else the seconds until one may."""
        now = time.monotonic()
        if now - self._pruned_at >= 1.0 or len(self._sources) >= MAX_SOURCES:
            self._prune(now)
        share = self.rate / self.active_sources
        burst = max(MIN_SOURCE_BURST, share)
        key = source_key(address)
        state = self._sources.get(key)
        if state is None:
            state = self._sources[key] = [burst, now, now]
        state[0] = min(burst, state[0] + (now - state[1]) * share)
        state[1] = state[2] = now
        if state[0] < 1.0:
            return (1.0 - state[0]) / share
        wait = self.global_bucket.take()
        if wait > 0:
            return wait
        state[0] -= 1.0
        return 0.0

    def _prune(self, now: float) -> None:
        self._pruned_at = now
        stale = now - ACTIVE_WINDOW_S
        self._sources = {k: v for k, v in self._sources.items() if v[2] >= stale}
        if len(self._sources) >= MAX_SOURCES:  # a flood of distinct addresses: start afresh
            self._sources.clear()
