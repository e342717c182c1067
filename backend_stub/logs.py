"""Structured logs for the stub: one line per lifecycle event or refusal, never per delivery.

Call sites pass fields with ``extra={"event": ..., ...}``; ``--log-format json`` prints each
record as one JSON object per line, the text format appends the fields as ``key=value``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import time
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

_STANDARD: Final = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {
    "message",
    "asctime",
    "taskName",
}


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **fields_of(record),
        }
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


# C0/C1 controls (ESC starts a terminal escape sequence) and the bidi overrides that reorder
# what a reader sees: none may reach an operator's terminal from a client-chosen string.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(text: str) -> str:
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _field(key: str, value: object) -> str:
    if isinstance(value, str) and (" " in value or _UNSAFE.search(value)):
        return f"{key}={value!r}"  # repr escapes controls and quotes the spaces
    return f"{key}={_escape(str(value))}"


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message key=value …`` with control characters escaped: messages and
    fields carry client-chosen text (channels, hosts, names)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        return _escape(super().formatMessage(record))

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = fields_of(record)
        if extra:
            line += " " + " ".join(_field(k, v) for k, v in extra.items())
        return line


class LogLimiter:
    """Token buckets per key: at most ``rate`` lines a second per key, bursts of ``burst``.

    A flooding client must not flood the log: its refusals are still counted exactly (in the
    metrics); the log keeps a sample and says how many lines it left out."""

    def __init__(self, rate: float = 10.0, burst: float = 20.0, max_keys: int = 1024) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        # key -> [tokens, last refill (monotonic s), lines suppressed since the last one logged]
        self._buckets: dict[Hashable, list[float]] = {}

    def allow(self, key: Hashable, now: float | None = None) -> int | None:
        """None to leave this line out; else how many lines of ``key`` were left out before it."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()  # keys come from a few fixed reasons; this is a backstop
            bucket = self._buckets[key] = [self.burst, now, 0.0]
        bucket[0] = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        if bucket[0] < 1.0:
            bucket[2] += 1
            return None
        bucket[0] -= 1.0
        suppressed, bucket[2] = int(bucket[2]), 0.0
        return suppressed

    def take_suppressed(self, key: Hashable) -> int:
        """How many lines of ``key`` were left out since the last one logged (and reset it)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0
        count, bucket[2] = int(bucket[2]), 0.0
        return count


class LimitedLog:
    """A logger whose lines pass a :class:`LogLimiter` by ``key`` (an event and its reason).

    A line the limiter leaves out is counted; the next line of its key carries the count as
    ``suppressed``, and if none comes, a summary line does, a second later."""

    def __init__(self, logger: logging.Logger, limiter: LogLimiter | None = None) -> None:
        self.logger = logger
        self.limiter = limiter or LogLimiter()
        self._summaries: dict[Hashable, asyncio.TimerHandle] = {}

    def log(
        self,
        level: int,
        key: Hashable,
        msg: str,
        extra: Mapping[str, Any] | None = None,
        *,
        exc_info: bool = False,
    ) -> None:
        if not self.logger.isEnabledFor(level):
            return
        suppressed = self.limiter.allow(key)
        if suppressed is None:
            self._summarise_later(level, key, msg, extra)
            return
        fields = dict(extra or {})
        if suppressed:
            fields["suppressed"] = suppressed
        self.logger.log(level, msg, extra=fields, exc_info=exc_info)

    def _summarise_later(
        self, level: int, key: Hashable, msg: str, extra: Mapping[str, Any] | None
    ) -> None:
        if key in self._summaries:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop: the next line of this key reports the count

        def summarise() -> None:
            del self._summaries[key]
            left_out = self.limiter.take_suppressed(key)
            if left_out:
                fields = {**(extra or {}), "suppressed": left_out}
                self.logger.log(level, f"{msg} (and {left_out} more like it)", extra=fields)

        self._summaries[key] = loop.call_later(1.0, summarise)

    def info(self, key: Hashable, msg: str, extra: Mapping[str, Any] | None = None) -> None:
        self.log(logging.INFO, key, msg, extra)

    def warning(self, key: Hashable, msg: str, extra: Mapping[str, Any] | None = None) -> None:
        self.log(logging.WARNING, key, msg, extra)

    def exception(self, key: Hashable, msg: str, extra: Mapping[str, Any] | None = None) -> None:
        self.log(logging.ERROR, key, msg, extra, exc_info=True)


def limited_exception_handler(
    limiter: LogLimiter,
) -> Callable[[asyncio.AbstractEventLoop, dict[str, Any]], None]:
    """An event-loop exception handler that reports each kind of error at most as often as
    ``limiter`` allows. Out of file descriptors, asyncio reports every failed ``accept()`` with
    a traceback: under a connection flood that alone wrote hundreds of MB of log a minute."""

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        key = (str(context.get("message", ""))[:200], type(exc).__name__)
        suppressed = limiter.allow(key)
        if suppressed is None:
            return
        if suppressed:
            context = {
                **context,
                "message": f"{context.get('message')} ({suppressed} more like it)",
            }
        loop.default_exception_handler(context)

    return handler


def configure(log_format: str = "text", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
