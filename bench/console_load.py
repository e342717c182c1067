"""Presenter console under an answer flood: is the UI loop still responsive?

    .venv/bin/python -m bench.console_load [--rate 5000] [--seconds 10] [--quick] [--json OUT]

A real stub runs as a subprocess (its own core). The bench creates a game there, opens a
question with a long time limit and attaches the real console (``admin.app.ConsoleApp`` with a
``LiveSource``: IAM WebSocket subscribed to ``/answer``, ``/game``, ``/question``,
``/leaderboard``; 1 Hz admin-view poll) headless at 160x48 via ``App.run_test``. Then two
phases of equal length, in this order, on the same console:

1. **reference** — nothing flows: the console's idle cost.
2. **load** — the stub broadcasts ``--rate`` answers/s on ``/answer/{game}`` for ``--seconds``
   through its own fan-out (the path an accepted answer takes after the answer handler: same
   registry match and frames), from distinct synthetic players so every one counts.

Measured in the console process: UI-loop lag (lateness of a 20 ms Textual timer: p50/p99/max),
CPU % of the process (``time.process_time``), renders/s, publish -> console receive latency of
the last 1,024 answers (server ``receivedAt`` vs local receive time), and finally whether the
console counted exactly every published answer. Loopback only; the stub is stopped on exit, error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizwire.clock import wall_ms
from quizwire.messages import PresenterAnswerMsg

API_KEY = "da2-" + "b" * 26
KEY_ID = "AKIDBENCHCONSOLE0000"
SECRET = "bench-console-secret-000000000000000000"
REGION = "us-east-1"
PROBE_S = 0.02
FLOOD_HZ = 100  # publish batches per second


# -- the stub side (child process) ---------------------------------------------------------------


async def _flood(stub: Any, code: str, qid: str, n_choices: int, rate: int, seconds: float) -> int:
    """Publish ``rate`` answers/s for ``seconds`` on a fixed schedule; returns how many.

    Each event takes the server's fan-out path after the ``/answer`` handler (the handler would
    refuse synthetic players: it scores real ones): the same registry match, frames and
    per-subscriber writes as an accepted answer's broadcast."""
    from eventapi import protocol

    server = stub.events
    channel = protocol.parse_channel(f"/answer/{code}", allow_wildcard=False)
    per_tick = max(1, rate // FLOOD_HZ)
    ticks = int(seconds * FLOOD_HZ)
    start = time.monotonic()
    sent = 0
    for k in range(ticks):
        delay = start + k / FLOOD_HZ - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        now_ms = wall_ms()
        batch = [
            PresenterAnswerMsg(
                game_id=code,
                player_id=f"bench-{sent + i:07d}",
                name=f"bot {sent + i}",
                question_id=qid,
                index=0,
                choice=(sent + i) % n_choices,
                value=None,
                elapsed_ms=int((time.monotonic() - start) * 1000),
                received_at=now_ms,
                sent_at=now_ms,
            ).to_dict()
            for i in range(per_tick)
        ]
        subscribers = server.registry.match(channel)
        for payload in batch:
            server.fanout.deliver(protocol.dumps(payload), subscribers)
        server.metrics.events_published += len(batch)
        sent += per_tick
    return sent


async def _serve(data_dir: Path) -> None:
    from backend_stub.app import Stub
    from backend_stub.config import IamCredential, StubConfig

    config = StubConfig(
        host="127.0.0.1",
        port=0,
        api_keys=(API_KEY,),
        iam_credentials=(IamCredential(KEY_ID, SECRET),),
    )
    stub = Stub(config, data_dir, coalesce_interval=0.5)
    await stub.start()
    info = {
        "http": stub.events.http_url,
        "realtime": stub.events.realtime_url,
        "game_api": stub.game_api,
    }
    print(json.dumps(info), flush=True)
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            parts = line.split()
            if not parts or parts[0] == "quit":
                break
            if parts[0] == "flood":
                code, qid, n, rate, seconds = (
                    parts[1],
                    parts[2],
                    int(parts[3]),
                    int(parts[4]),
                    float(parts[5]),
                )
                sent = await _flood(stub, code, qid, n, rate, seconds)
                print(f"done {sent}", flush=True)
    finally:
        await stub.stop()


# -- the console side (this process) ----------------------------------------------------------------


@dataclass
class Phase:
    name: str
    seconds: float
    lags_ms: list[float] = field(default_factory=list)
    cpu_pct: float = 0.0
    renders: int = 0
    answers_seen: int = 0

    def pct(self, p: float) -> float:
        if not self.lags_ms:
            return 0.0
        ordered = sorted(self.lags_ms)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _rss_mb() -> float:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def _measure(app: Any, phase: Phase, during: Any = None) -> None:
    expected = [time.monotonic() + PROBE_S]

    def probe() -> None:
        now = time.monotonic()
        phase.lags_ms.append(max(0.0, (now - expected[0]) * 1000))
        expected[0] = now + PROBE_S

    renders0, seen0 = app.renders, app.model.feed.received
    timer = app.set_interval(PROBE_S, probe)
    cpu0, wall0 = time.process_time(), time.monotonic()
    if during is not None:
        await during
    remaining = phase.seconds - (time.monotonic() - wall0)
    if remaining > 0:
        await asyncio.sleep(remaining)
    wall = time.monotonic() - wall0
    timer.stop()
    phase.cpu_pct = 100 * (time.process_time() - cpu0) / wall
    phase.renders = app.renders - renders0
    phase.answers_seen = app.model.feed.received - seen0
    phase.seconds = wall


async def _run(
    args: argparse.Namespace, child: subprocess.Popen[str], info: dict[str, str]
) -> dict[str, Any]:
    from admin.app import ConsoleApp
    from admin.source import LiveSource
    from eventapi.auth import IamAuth
    from quizwire.client.game_api import AdminClient
    from quizwire.profiles import Profile

    admin = AdminClient(info["game_api"], IamAuth.from_keys(REGION, KEY_ID, SECRET))
    try:
        # no get-ready phase: the flood of answers starts as the question opens
        view = await admin.create_game(
            pack="general", options={"timeLimit": 120, "readySeconds": 0}
        )
        code = view["gameId"]
        view = await admin.command(code, "start")
        qid = view["question"]["questionId"]
        n_choices = len(view["question"]["choices"])
    finally:
        await admin.close()
    profile = Profile(
        name="bench",
        http_endpoint=info["http"],
        realtime_endpoint=info["realtime"],
        region=REGION,
        access_key_id=KEY_ID,
        secret_access_key=SECRET,
        game_api=info["game_api"],
        source="quizwire stub",
    )
    with tempfile.TemporaryDirectory(prefix="console-load-") as tmp:
        app = ConsoleApp(LiveSource(profile), code=code, export_dir=Path(tmp), auto_export=False)
        async with app.run_test(size=(160, 48)) as pilot:
            deadline = time.monotonic() + 20
            while app.source.stats.state != "connected" or app.model.question is None:
                if time.monotonic() > deadline:
                    raise SystemExit("console_load: the console did not attach within 20 s")
                await pilot.pause(0.05)
            await pilot.pause(1.0)  # let start-up settle
            rss0 = _rss_mb()
            reference = Phase("reference (idle)", args.seconds)
            await _measure(app, reference)
            load = Phase(f"load ({args.rate}/s)", args.seconds)
            assert child.stdin is not None and child.stdout is not None
            child.stdin.write(f"flood {code} {qid} {n_choices} {args.rate} {args.seconds}\n")
            child.stdin.flush()
            loop = asyncio.get_running_loop()
            done = loop.run_in_executor(None, child.stdout.readline)
            await _measure(app, load)
            published = int((await asyncio.wait_for(done, 60)).split()[1])
            deadline = time.monotonic() + 15
            while app.model.feed.answered < published and time.monotonic() < deadline:
                await pilot.pause(0.1)
            counted = app.model.feed.answered
            latency = (app.model.feed.latency.percentile(50), app.model.feed.latency.percentile(99))
            rss1 = _rss_mb()
    return {
        "code": code,
        "reference": reference,
        "load": load,
        "published": published,
        "counted": counted,
        "dropped": app.source.stats.dropped,
        "rss_mb": (rss0, rss1),
        "latency": latency,
    }


def _rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    ref: Phase = result["reference"]
    load: Phase = result["load"]

    def row(metric: str, value: float, reference: float | None) -> dict[str, Any]:
        return {
            "metric": metric,
            "value": round(value, 2),
            "reference": None if reference is None else round(reference, 2),
        }

    return [
        row("ui_lag_p50_ms", load.pct(50), ref.pct(50)),
        row("ui_lag_p99_ms", load.pct(99), ref.pct(99)),
        row("ui_lag_max_ms", max(load.lags_ms, default=0), max(ref.lags_ms, default=0)),
        row("cpu_pct", load.cpu_pct, ref.cpu_pct),
        row("renders_per_s", load.renders / load.seconds, ref.renders / ref.seconds),
        row("answers_per_s_seen", load.answers_seen / load.seconds, ref.answers_seen / ref.seconds),
        row("answers_published", result["published"], None),
        row("answers_counted", result["counted"], None),
        row("rss_mb", result["rss_mb"][1], result["rss_mb"][0]),
        row("answer_to_console_p50_ms", result["latency"][0] or 0, None),
        row("answer_to_console_p99_ms", result["latency"][1] or 0, None),
    ]


def _print_table(result: dict[str, Any], args: argparse.Namespace) -> None:
    import textual

    print(
        f"\nquizwire host under load — textual {textual.__version__}, Python "
        f"{sys.version.split()[0]}, {os.cpu_count()} CPUs, console 160x48 headless, stub in a subprocess"
    )
    print(f"{'metric':<22}{'reference (idle)':>18}{f'load ({args.rate}/s)':>18}{'ratio':>9}")
    for r in _rows(result):
        ref = r["reference"]
        ratio = f"{r['value'] / ref:.2f}" if ref else "-"
        ref_s = "-" if ref is None else f"{ref:,.2f}"
        print(f"{r['metric']:<22}{ref_s:>18}{r['value']:>18,.2f}{ratio:>9}")
    ok = result["counted"] == result["published"]
    print(
        f"every published answer counted exactly once: {'yes' if ok else 'NO'} "
        f"({result['counted']:,}/{result['published']:,}; buffer drops {result['dropped']})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.console_load",
        description="Stream answers at --rate/s into a headless presenter console through a real "
        "stub and report UI-loop lag p99 and CPU%% next to the same console idle (same run).",
    )
    parser.add_argument("--rate", type=int, default=5000, help="answers per second (default 5000)")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of each phase (default 10)"
    )
    parser.add_argument("--quick", action="store_true", help="3-second phases (a smoke run)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON rows here")
    parser.add_argument("--serve-stub", metavar="DATA_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_stub:
        asyncio.run(_serve(Path(args.serve_stub)))
        return 0
    if args.quick:
        args.seconds = min(args.seconds, 3.0)
    if args.rate < 1 or args.seconds <= 0:
        parser.error("--rate and --seconds must be positive")
    with tempfile.TemporaryDirectory(prefix="console-load-stub-") as data:
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.console_load", "--serve-stub", data],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            if not line:
                print("console_load: the stub did not start", file=sys.stderr)
                return 1
            info = json.loads(line)
            result = asyncio.run(_run(args, child, info))
        finally:
            with contextlib.suppress(Exception):
                assert child.stdin is not None
                child.stdin.write("quit\n")
                child.stdin.flush()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    _print_table(result, args)
    if args.json:
        rows = _rows(result)
        Path(args.json).write_text(
            json.dumps(
                {
                    "rows": rows,
                    "lag_stdev_load_ms": statistics.pstdev(result["load"].lags_ms or [0]),
                },
                indent=2,
            )
        )
    return 0 if result["counted"] == result["published"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
