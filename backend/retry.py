"""Bounded, jittered retries for what AWS asks to be retried: DynamoDB throttling and transaction
conflicts, the Event API's 429 and 5xx. Full-jitter exponential backoff (tenacity), a few
attempts, then the last error is raised so the invocation fails and Lambda's own retry (and,
after that, the OnFailure queue) takes over: nothing is acknowledged that was not done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    attempts: int = 5
    base_s: float = 0.05  # the first wait is up to this; each next one up to twice as long
    cap_s: float = 1.0

    def call(self, fn: Callable[[], T], retry_on: Callable[[BaseException], bool]) -> T:
        """``fn()`` until it returns or raises something ``retry_on`` rejects, at most
        ``attempts`` times; the last error propagates."""
        for attempt in Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_random_exponential(multiplier=self.base_s, max=self.cap_s),
            retry=retry_if_exception(retry_on),
            reraise=True,
        ):
            with attempt:
                return fn()
        raise AssertionError("unreachable: tenacity either returns or raises")
