"""A flooding client does not flood the operator's log, and what it chose to send (channels,
names, hosts) reaches the log escaped, never as terminal control sequences."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx

from backend_stub.logs import JsonFormatter, LimitedLog, LogLimiter, TextFormatter
from tests.conformance.conftest import StubProcess
from tests.conformance.wire import open_conn


async def test_refusals_are_logged_a_few_a_second_and_counted_exactly(tmp_path: Path) -> None:
    """300 refused subscribes and 200 garbage frames from one socket: the metrics count every
    one; the log keeps a handful of lines per reason and says how many it left out."""
    stub = StubProcess(tmp_path, "--log-format", "json")
    ep = stub.wait_ready()
    try:
        async with open_conn(ep) as conn:
            for i in range(300):
                await conn.send(
                    json.dumps(
                        {
                            "type": "subscribe",
                            "id": f"s{i}",
                            "channel": "/nowhere/\x1b[2Jx",
                            "authorization": {"x-api-key": ep.api_key, "host": ep.host},
                        }
                    )
                )
            for _ in range(200):
                await conn.send("{garbage")
            assert await conn.is_open()
            await conn.drain(wait=1.5)  # the summary of what was left out comes a second later
        async with httpx.AsyncClient() as http:
            text = (await http.get(ep.http.rsplit("/event", 1)[0] + "/metrics")).text
    finally:
        stub.stop()
    counted = next(
        line for line in text.splitlines() if line.startswith("quizwire_subscribe_refused_total")
    )
    assert float(counted.split()[-1]) == 300
    records = [
        json.loads(line) for line in stub.log.read_text().splitlines() if line.startswith("{")
    ]
    refusals = [r for r in records if r.get("event") == "subscribe_refused"]
    assert 2 <= len(refusals) <= 10
    assert len(stub.log.read_bytes()) < 50_000  # one socket once wrote 27 MB in 15 s
    # the first lines are there to read; the rest are counted, in a summary a second later
    assert refusals[-1]["msg"].endswith("more like it)")
    assert sum(r.get("suppressed", 0) for r in refusals) + len(refusals) - 1 == 300


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("quizwire.test", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def test_text_logs_escape_control_sequences() -> None:
    """A channel, name or host chosen by a client is shown escaped in the text log: ESC, BEL,
    carriage returns and bidi overrides never reach the operator's terminal raw."""
    hostile = "evil\x1b]0;owned\x07\r\n\u202etxt.exe"
    line = TextFormatter().format(_record("joined as %s", hostile, channel=hostile, name2=hostile))
    assert not any(ch in line for ch in "\x1b\x07\r\n\u202e")
    assert "\\x1b" in line and "\\u202e" in line
    payload = JsonFormatter().format(_record("joined as %s", hostile, channel=hostile))
    assert "\x1b" not in payload and json.loads(payload)["channel"] == hostile


def test_limited_log_counts_what_it_leaves_out(caplog: object) -> None:
    limiter = LogLimiter(rate=1.0, burst=3.0)
    logger = logging.getLogger("quizwire.test.limited")
    limited = LimitedLog(logger, limiter)
    lines: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record)

    handler = Keep()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        for _ in range(100):
            limited.info("flood", "refused", {"event": "refused"})
        limited.info("other", "another reason", {"event": "other"})  # its own budget
        limiter._buckets["flood"][0] = 1.0  # a second later, as far as the bucket is concerned
        limited.info("flood", "refused", {"event": "refused"})
    finally:
        logger.removeHandler(handler)
    flood = [r for r in lines if r.__dict__.get("event") == "refused"]
    assert len(flood) == 4
    assert flood[-1].__dict__["suppressed"] == 97
    assert [r.__dict__.get("event") for r in lines].count("other") == 1
