"""The benchmark suite: every scenario, one table, each figure next to a same-run reference.

    .venv/bin/python -m bench [--only join,held,fanout,burst,console,hostile] [--quick] [--json FILE]

Scenarios (each starts its own servers on free 127.0.0.1 ports and stops everything it starts;
each is bounded in count and time):

- ``join``    join storm: players join through the entry rate limiter, connect and subscribe
              their 4 channels  vs. bare connections to the ``websockets`` reference server
- ``held``    subscribed connections held idle  vs. the reference server
- ``fanout``  one question to every subscriber (:mod:`bench.fanout`)  vs. bare ``broadcast()``
- ``burst``   answers to one question; receipts, then results at the reveal
              (:mod:`bench.answer_burst`)  vs. plain publishes echoed by the same stub
- ``console`` the presenter console under an answer stream (``python -m bench.console_load``,
              when that module exists)
- ``hostile`` a legit game while one process floods the stub with everything a mischievous
              player can throw (:mod:`bench.hostile`)  vs. the same game quiet, same stub, same run

Exit status 0 only if every scenario ran and every "must" check holds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import shlex
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import answer_burst, console_scenario, fanout, hostile, procs
from bench.held import run_held
from bench.join_storm import run_storm
from bench.loadgen import raise_fd_limit
from bench.report import machine_line

SCENARIOS = ("join", "held", "fanout", "burst", "console", "hostile")
REFERENCES = {
    "join": "bare connect + 4 subscribes to the websockets reference server",
    "held": "the same connections held by the websockets reference server",
    "fanout": "bare websockets.broadcast() reference server",
    "burst": "plain publishes echoed back by the same stub (no handler)",
    "console": "the same presenter console idle (no answers flowing), same run",
    "hostile": "the same legit game on the same stub with no flood, same run",
}
FD_RESERVE = 64
OVERRIDES = {  # Sizes fields settable from the command line (over the full or --quick sizes)
    "join_players": "players in the join storm (default 10000)",
    "entry_rate": "the stub's entry rate limit, joins/s (default 2000, the stub's own; the"
    " reference time is then the longer of the bare connects and what the limit alone allows)",
    "held": "connections held (default 15000)",
    "hold_s": "seconds they are held (default 120)",
    "fanout_subscribers": "subscribers of the fan-out (default 10000)",
    "burst_players": "players answering in the burst (default 10000)",
}


@dataclass(frozen=True)
class Sizes:
    """Counts and durations of one suite run."""

    processes: int = 2
    join_players: int = 10_000
    # The talk's (and the stub's) 2,000 joins/s. Below what the load generator offers the
    # limiter sets the pace; the reference then takes that pace too (see join_rows).
    entry_rate: float = 2000.0
    held: int = 15_000
    hold_s: float = 120.0
    fanout_subscribers: int = 10_000
    fanout_publishes: int = 10
    fanout_rate: float = 2.0
    burst_players: int = 10_000
    console_rate: int = 5000
    hostile_players: int = 150
    hostile_questions: int = 6

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            join_players=500,
            held=1000,
            hold_s=10.0,
            fanout_subscribers=500,
            fanout_publishes=4,
            fanout_rate=4.0,
            burst_players=300,
            hostile_players=30,
            hostile_questions=3,
        )


@dataclass
class Row:
    scenario: str
    metric: str
    value: float | None
    reference: float | None = None
    fmt: str = "{:,.1f}"
    ratio: bool = False  # show value / reference
    must: str = ""  # the condition, in words ("= 0", "= 10,000")
    ok: bool | None = None  # None: no condition

    def cells(self) -> list[str]:
        ratio = ""
        if self.ratio and valid(self.value) and valid(self.reference) and self.reference:
            assert self.value is not None and self.reference is not None
            ratio = f"{self.value / self.reference:.2f}x"
        check = "" if self.ok is None else ("ok" if self.ok else "FAIL")
        if self.must:
            check = f"{check} ({self.must})"
        return [
            self.scenario,
            self.metric,
            fmt(self.fmt, self.value),
            fmt(self.fmt, self.reference),
            ratio,
            check,
        ]


@dataclass
class ScenarioOutcome:
    name: str
    status: str  # "ok", "failed", "not available"
    seconds: float
    rows: list[Row] = field(default_factory=list)
    detail: str = ""
    raw: Any = None


def valid(v: float | None) -> bool:
    return v is not None and not math.isnan(v)


def fmt(pattern: str, v: float | None) -> str:
    return pattern.format(v) if valid(v) else "-"


def must_equal(
    scenario: str, metric: str, value: float, want: float, ref: float | None = None
) -> Row:
    return Row(scenario, metric, value, ref, "{:,.0f}", False, f"= {want:,.0f}", value == want)


# -- scenarios --------------------------------------------------------------------------------


def limit_floor_s(players: int, rate: float) -> float:
    """How long the entry limit alone makes ``players`` joins take: the token bucket starts full
    (a burst of ``rate``), then admits ``rate`` a second."""
    return max(0.0, players - rate) / rate


async def join_rows(s: Sizes) -> tuple[list[Row], Any]:
    stub = await run_storm("stub", s.join_players, s.processes, s.entry_rate, 300.0)
    ref = await run_storm("reference", s.join_players, s.processes, s.entry_rate, 300.0)
    j = "join"
    # The reference has no entry API: its players need only connect. When the limit is below
    # what the load generator offers, no server could beat the limit; the reference time is then
    # the limit's own, so the ratio says how close to it the stub comes.
    floor = limit_floor_s(s.join_players, s.entry_rate)
    ref_s = max(ref.seconds, floor)
    rows = [
        must_equal(
            j, "players subscribed (4 channels)", stub.subscribed, s.join_players, ref.subscribed
        ),
        must_equal(j, "failures", stub.failures, 0, ref.failures),
        Row(j, "time until all subscribed s", stub.seconds, ref_s, "{:,.2f}", True),
        Row(j, "reference: bare connects s", None, ref.seconds, "{:,.2f}"),
        Row(j, "reference: the entry limit alone s", None, floor, "{:,.2f}"),
        Row(j, "players subscribed /s", stub.per_s, s.join_players / ref_s, "{:,.0f}", True),
        Row(j, "HTTP 429 seen (rate limit)", stub.http_429, None, "{:,.0f}"),
        Row(j, "join attempts p99", stub.join_attempts_p99, None, "{:,.0f}"),
        Row(j, "join transport errors (retried)", stub.join_errors, None, "{:,.0f}"),
        Row(
            j,
            "max joins in any 1 s",
            stub.max_joins_1s,
            None,
            "{:,.0f}",
            False,
            f"<= {2 * s.entry_rate:,.0f}: rate + burst",
            stub.max_joins_1s <= 2 * s.entry_rate,
        ),
        must_equal(j, "players the stub counts in the game", stub.recorded or 0, s.join_players),
        must_equal(j, "players the stub sees connected", stub.connected or 0, s.join_players),
        Row(
            j,
            "server CPU us / player",
            stub.server_us_per_player,
            ref.server_us_per_player,
            "{:,.0f}",
            True,
        ),
        Row(j, "server RSS MiB after", stub.server_rss_mib, ref.server_rss_mib, "{:,.1f}", True),
        Row(j, "load-generator CPU s", stub.loadgen_cpu_s, ref.loadgen_cpu_s, "{:,.2f}", True),
    ]
    return rows, {"stub": asdict(stub), "reference": asdict(ref)}


async def held_rows(s: Sizes) -> tuple[list[Row], Any]:
    stub = await run_held("stub", s.held, s.processes, s.hold_s)
    ref = await run_held("reference", s.held, s.processes, s.hold_s)
    h = "held"
    rows = [
        must_equal(h, f"connections held {s.hold_s:g} s", stub.subscribed, s.held, ref.subscribed),
        must_equal(
            h, "drops during the hold", stub.dropped + stub.failed, 0, ref.dropped + ref.failed
        ),
        Row(h, "connect+subscribe /s", stub.connect_per_s, ref.connect_per_s, "{:,.0f}", True),
        Row(
            h,
            "server RSS KiB / connection",
            stub.rss_per_conn_kib,
            ref.rss_per_conn_kib,
            "{:,.1f}",
            True,
        ),
        Row(h, "server RSS MiB held", stub.rss_mib, ref.rss_mib, "{:,.1f}", True),
        Row(
            h, "server CPU % of a core, idle", stub.idle_cpu_pct, ref.idle_cpu_pct, "{:,.1f}", True
        ),
        Row(h, "server ping RTT p99 ms", stub.ping_p99_ms, ref.ping_p99_ms, "{:,.1f}", True),
    ]
    return rows, {"stub": asdict(stub), "reference": asdict(ref)}


async def fanout_rows(s: Sizes) -> tuple[list[Row], Any]:
    args = argparse.Namespace(
        subscribers=s.fanout_subscribers,
        processes=s.processes,
        publishes=s.fanout_publishes,
        rate=s.fanout_rate,
        concurrency=200,
        connect_timeout=120.0,
        drain_timeout=30.0,
        payload_bytes=64,
        only=None,
    )
    results, failures = await fanout.run_all(["stub", "reference"], args)
    by_name = {r.name: r for r in results}
    if failures or set(by_name) != {"stub", "reference"}:
        raise RuntimeError("; ".join(failures) or "a server gave no result")
    stub, ref = by_name["stub"], by_name["reference"]
    f = "fanout"
    rows = [
        must_equal(f, "subscribers", stub.subscribed, s.fanout_subscribers, ref.subscribed),
        Row(f, "reach", stub.reach, ref.reach, "{:.4f}", False, "= 1.0000", stub.reach == 1.0),
        Row(f, "deliveries /s", stub.deliveries_per_s, ref.deliveries_per_s, "{:,.0f}", True),
        Row(f, "publish->receive p50 ms", stub.p50_ms, ref.p50_ms, "{:,.1f}", True),
        Row(f, "publish->receive p99 ms", stub.p99_ms, ref.p99_ms, "{:,.1f}", True),
        Row(f, "publish->last receive p50 ms", stub.last_p50_ms, ref.last_p50_ms, "{:,.1f}", True),
        Row(f, "publish->last receive p99 ms", stub.last_p99_ms, ref.last_p99_ms, "{:,.1f}", True),
        Row(
            f,
            "server CPU us / delivery",
            stub.server_us_per_delivery,
            ref.server_us_per_delivery,
            "{:,.2f}",
            True,
        ),
        Row(f, "server ping RTT p99 ms", stub.ping_p99_ms, ref.ping_p99_ms, "{:,.1f}", True),
        Row(
            f,
            "load-generator CPU us / delivery",
            stub.loadgen_us_per_delivery,
            ref.loadgen_us_per_delivery,
            "{:,.1f}",
            True,
        ),
        must_equal(f, "out-of-order / duplicate", stub.out_of_order, 0, ref.out_of_order),
    ]
    return rows, {r.name: asdict(r) for r in results}


async def burst_rows(s: Sizes) -> tuple[list[Row], Any]:
    args = argparse.Namespace(
        players=s.burst_players,
        processes=s.processes,
        window=1.0,
        concurrency=200,
        connect_timeout=120.0,
        drain_timeout=60.0,
        settle=1.0,
        seed=1,
    )
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp:
        bursts, facts = await answer_burst.run(args, Path(tmp))
    by_name = {b.name: b for b in bursts}
    game, echo = by_name["game"], by_name["reference"]
    b = "burst"
    lost = game.lost + game.results_lost
    in_export = facts.get("results_answers", -1)
    rows = [
        must_equal(b, "answers sent", game.sent, s.burst_players, echo.sent),
        Row(
            b,
            "accepted /s (first send->last receipt)",
            game.client_per_s,
            echo.client_per_s,
            "{:,.0f}",
            True,
        ),
        Row(b, "accepted /s (server: first->last accepted)", game.server_per_s, None, "{:,.0f}"),
        Row(b, "answer->receipt p50 ms", game.p50_ms, echo.p50_ms, "{:,.1f}", True),
        Row(b, "answer->receipt p99 ms", game.p99_ms, echo.p99_ms, "{:,.1f}", True),
        must_equal(b, "refused", game.refused, 0),
        must_equal(b, "lost (no receipt, or no result after reveal)", lost, 0, echo.lost),
        must_equal(b, "receipts leaking a result before reveal", game.leaked, 0),
        must_equal(b, "results after the reveal", game.revealed, game.accepted),
        must_equal(b, "results with another choice", game.mismatched, 0),
        must_equal(
            b,
            "duplicate / other player's messages",
            game.duplicates + game.foreign,
            0,
            echo.duplicates + echo.foreign,
        ),
        must_equal(b, "accepted answers in the results export", in_export, game.accepted),
        Row(b, "reveal->result p50 ms", game.reveal_p50_ms, None, "{:,.1f}"),
        Row(b, "reveal->result p99 ms", game.reveal_p99_ms, None, "{:,.1f}"),
        Row(
            b,
            "server CPU us / answer",
            game.server_us_per_op,
            echo.server_us_per_op,
            "{:,.0f}",
            True,
        ),
        Row(b, "load-generator CPU s", game.loadgen_cpu_s, echo.loadgen_cpu_s, "{:,.2f}", True),
    ]
    return rows, {"bursts": [asdict(x) for x in bursts], "facts": facts}


async def hostile_rows(s: Sizes) -> tuple[list[Row], Any]:
    result = await hostile.run_hostile(s.hostile_players, s.hostile_questions)
    q, h = result.quiet, result.hostile
    x = "hostile"
    rows = [
        must_equal(x, "legit players subscribed", h.subscribed, s.hostile_players, q.subscribed),
        must_equal(x, "legit failures", len(h.failures), 0, len(q.failures)),
        must_equal(x, "legit answers with a receipt", h.receipts, h.answers, q.receipts),
        Row(x, "join p99 ms", h.p(h.join_ms, 99), q.p(q.join_ms, 99), "{:,.1f}", True),
        Row(
            x,
            "answer->receipt p50 ms",
            h.p(h.round_trip_ms, 50),
            q.p(q.round_trip_ms, 50),
            "{:,.1f}",
            True,
        ),
        Row(
            x,
            "answer->receipt p99 ms",
            h.p(h.round_trip_ms, 99),
            q.p(q.round_trip_ms, 99),
            "{:,.1f}",
            True,
            "<= 3x quiet",
            result.p99_ratio <= 3.0,
        ),
        Row(
            x,
            "stub log bytes",
            result.stub_log_bytes_hostile,
            result.stub_log_bytes_quiet,
            "{:,.0f}",
            True,
        ),
        Row(x, "stub CPU s", result.stub_cpu_s_hostile, result.stub_cpu_s_quiet, "{:,.1f}", True),
        *(Row(x, f"flood: {k}", v, None, "{:,.0f}") for k, v in sorted(result.flood.items())),
    ]
    return rows, asdict(result)


async def console_rows(s: Sizes, quick: bool) -> tuple[list[Row], Any, str, str]:
    outcome = await console_scenario.run_console(quick, s.console_rate, 120.0 if quick else 600.0)
    rows = [
        Row("console", metric, value, ref, "{:,.2f}", ref is not None)
        for metric, value, ref in outcome.figures
    ]
    values = {metric: value for metric, value, _ in outcome.figures}
    if "answers_published" in values and "answers_counted" in values:
        want = values["answers_published"]
        rows.append(
            must_equal(
                "console", "answers counted - published", values["answers_counted"] - want, 0
            )
        )
    return rows, outcome.raw, outcome.status, outcome.detail


# -- running and printing ----------------------------------------------------------------------


def scenario_timeout(name: str, s: Sizes) -> float:
    return {"held": 2 * s.hold_s + 600}.get(name, 900.0)


async def run_one(name: str, s: Sizes, quick: bool) -> ScenarioOutcome:
    print(f"=== {name}", flush=True)
    started = time.perf_counter()
    runners: dict[str, Callable[[], Awaitable[tuple[list[Row], Any]]]] = {
        "join": lambda: join_rows(s),
        "held": lambda: held_rows(s),
        "fanout": lambda: fanout_rows(s),
        "burst": lambda: burst_rows(s),
        "hostile": lambda: hostile_rows(s),
    }
    try:
        if name == "console":
            rows, raw, status, detail = await asyncio.wait_for(
                console_rows(s, quick), scenario_timeout(name, s)
            )
            print(f"    {name}: {status} in {time.perf_counter() - started:.0f}s", flush=True)
            return ScenarioOutcome(name, status, time.perf_counter() - started, rows, detail, raw)
        rows, raw = await asyncio.wait_for(runners[name](), scenario_timeout(name, s))
    except Exception as exc:  # one scenario's failure is reported; the others still run
        detail = f"{type(exc).__name__}: {exc}"[:500]
        print(f"    {name} FAILED: {detail}", flush=True)
        return ScenarioOutcome(name, "failed", time.perf_counter() - started, [], detail)
    finally:
        procs.stop_all()
    elapsed = time.perf_counter() - started
    print(f"    {name} done in {elapsed:.0f}s", flush=True)
    return ScenarioOutcome(name, "ok", elapsed, rows, "", raw)


def table(outcomes: list[ScenarioOutcome]) -> str:
    header = ["scenario", "metric", "quizwire", "reference", "ratio", "check"]
    rows = [header]
    for o in outcomes:
        if o.status != "ok" or not o.rows:  # why it failed, above whatever it measured
            rows.append(
                [
                    o.name,
                    o.status.upper() if o.status == "failed" else o.status,
                    "-",
                    "-",
                    "",
                    o.detail[:60],
                ]
            )
        rows.extend(r.cells() for r in o.rows)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            c.ljust(w) if i in (0, 1, 5) else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def passed(outcomes: list[ScenarioOutcome]) -> bool:
    return all(
        o.status == "ok" or (o.name == "console" and o.status == "not available") for o in outcomes
    ) and all(r.ok is not False for o in outcomes for r in o.rows)


def parse_only(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown scenario(s) {', '.join(unknown) or '(none)'}; choose from {','.join(SCENARIOS)}"
        )
    return [n for n in SCENARIOS if n in names]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    doc = __doc__ or ""
    p = argparse.ArgumentParser(prog="python -m bench", description=doc.splitlines()[0])
    p.add_argument(
        "--only",
        type=parse_only,
        default=list(SCENARIOS),
        metavar="LIST",
        help=f"comma-separated scenarios to run (default all: {','.join(SCENARIOS)})",
    )
    p.add_argument("--quick", action="store_true", help="small counts, under a minute in all")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    p.add_argument("--processes", type=int, default=2, help="load-generator processes (default 2)")
    for name, help_text in OVERRIDES.items():
        kind = float if name in ("hold_s", "entry_rate") else int
        p.add_argument(f"--{name.replace('_', '-')}", type=kind, metavar="N", help=help_text)
    args = p.parse_args(argv)
    sizes = Sizes.quick() if args.quick else Sizes()
    chosen = {k: getattr(args, k) for k in OVERRIDES if getattr(args, k) is not None}
    args.sizes = Sizes(**{**asdict(sizes), **chosen, "processes": args.processes})
    if min(asdict(args.sizes).values()) <= 0:
        p.error("counts, durations and rates must be positive")
    fd_limit = raise_fd_limit()  # the servers we start inherit it
    largest = max(
        args.sizes.join_players,
        args.sizes.held,
        args.sizes.fanout_subscribers,
        args.sizes.burst_players,
    )
    if not 1 <= args.processes <= 16:
        p.error("need 1 <= processes <= 16")
    if largest > fd_limit - FD_RESERVE or -(-largest // args.processes) > fd_limit - FD_RESERVE:
        p.error(f"{largest} connections do not fit the open-files limit {fd_limit}")
    return args


async def run_suite(names: list[str], sizes: Sizes, quick: bool) -> list[ScenarioOutcome]:
    return [await run_one(name, sizes, quick) for name in names]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # stop children, as on Ctrl-C
        signal.signal(sig, signal.default_int_handler)
    command = shlex.join(["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)])
    started = datetime.now(UTC)
    print(machine_line())
    print(f"date: {started:%Y-%m-%d %H:%M UTC}   command: {command}", flush=True)
    t0 = time.perf_counter()
    try:
        outcomes = asyncio.run(run_suite(args.only, args.sizes, args.quick))
    except KeyboardInterrupt:
        print("interrupted; servers and load generators stopped", file=sys.stderr)
        return 130
    finally:
        procs.stop_all()
    total_s = time.perf_counter() - t0
    print()
    print(table(outcomes))
    print()
    for o in outcomes:
        print(f"reference for {o.name}: {REFERENCES[o.name]}")
    ok = passed(outcomes)
    print(f"total {total_s:.0f}s; {'all checks passed' if ok else 'SOME CHECKS FAILED'}")
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine_line(),
                    "date": f"{started:%Y-%m-%d %H:%M UTC}",
                    "command": command,
                    "sizes": asdict(args.sizes),
                    "seconds": total_s,
                    "passed": ok,
                    "scenarios": [
                        {
                            "name": o.name,
                            "status": o.status,
                            "seconds": o.seconds,
                            "detail": o.detail,
                            "reference": REFERENCES[o.name],
                            "rows": [
                                {
                                    "metric": r.metric,
                                    "value": r.value if valid(r.value) else None,
                                    "reference": r.reference if valid(r.reference) else None,
                                    "must": r.must or None,
                                    "ok": r.ok,
                                }
                                for r in o.rows
                            ],
                            "raw": o.raw,
                        }
                        for o in outcomes
                    ],
                },
                indent=2,
                default=str,
            )
        )
    return 0 if ok else 1
