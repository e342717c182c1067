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


def retry_after(wait: float) -> str:
    """A ``Retry-After`` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))


# A source that has sent nothing for this long no longer counts towards the shares.
ACTIVE_WINDOW_S: Final = 5.0
# Every source may burst at least this much above its share: a classroom behind one address
# joins at once, and a single player's join + state call never wait.
MIN_SOURCE_BURST: Final = 20.0
# The part of the global bucket only sources well within their share may spend: a flooder
# drains the bucket down to it and no further, so the room's next join finds a token.
RESERVE_FRACTION: Final = 0.25
MAX_SOURCES: Final = 100_000


class TokenBucket:
    """One bucket for everyone: API Gateway's stage throttling exactly (the local Lambda
    backend's gateway). :class:`FairLimiter` is the stub's fairer version of it."""

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
    """A global token bucket of ``rate``/s (burst ``burst``) shared fairly between sources.

    Each source has a bucket of its own refilled at its even share, ``rate`` / the sources
    active in the last few seconds; and only a source with at least half of its own bucket
    left (one using well under its share) may take the global bucket's last quarter.
    """

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else rate
        self._tokens = self.burst
        self._stamp = time.monotonic()
        # source -> [tokens, last refill, last seen] (monotonic seconds)
        self._sources: dict[str, list[float]] = {}
        self._pruned_at = self._stamp

    @property
    def active_sources(self) -> int:
        return max(1, len(self._sources))

    def take(self, address: str | None) -> float:
        """0 if a request from ``address`` may pass now, else the seconds until one may."""
        now = time.monotonic()
        if now - self._pruned_at >= 1.0 or len(self._sources) >= MAX_SOURCES:
            self._prune(now)
        share = self.rate / self.active_sources
        source_burst = max(MIN_SOURCE_BURST, share)
        key = source_key(address)
        source = self._sources.get(key)
        if source is None:
            source = self._sources[key] = [source_burst, now, now]
        source[0] = min(source_burst, source[0] + (now - source[1]) * share)
        source[1] = source[2] = now
        if source[0] < 1.0:
            return (1.0 - source[0]) / share
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        floor = 0.0 if source[0] >= source_burst / 2 else self.burst * RESERVE_FRACTION
        if self._tokens < 1.0 + floor:
            return (1.0 + floor - self._tokens) / self.rate
        self._tokens -= 1.0
        source[0] -= 1.0
        return 0.0

    def _prune(self, now: float) -> None:
        self._pruned_at = now
        stale = now - ACTIVE_WINDOW_S
        self._sources = {k: v for k, v in self._sources.items() if v[2] >= stale}
        if len(self._sources) >= MAX_SOURCES:  # a flood of distinct addresses: start afresh
            self._sources.clear()
