"""The ``hostile`` scenario: a legit game played twice on one stub, quiet and then while one
process floods it with everything a mischievous player can throw (:mod:`bench.flooder`).

    .venv/bin/python -m bench.hostile [--players 150] [--questions 6] [--quick] [--json FILE]

The stub runs with the defaults a host gets (``quizwire stub``: per-address cap, idle and init
timeouts, the default namespace's budget, the fair entry limiter). The legit players are real
clients (the entry API with its 429 backoff, a WebSocket with a player token); each answers
every question and times its **round trip**: the answer's publish to its "locked in" receipt
on ``/scores``. The figure is the hostile game's p99 as a ratio of the quiet game's, in the
same run (goal <= 3x), with 0 legit failures (every join, every subscribe, every receipt).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import flooder, procs
from bench.report import percentile

ANSWER_TIMEOUT_S = 15.0
QUESTION_TIME_S = 30


@dataclass
class GameFigures:
    """What the legit players of one game saw."""

    players: int = 0
    joined: int = 0
    subscribed: int = 0
    answers: int = 0
    receipts: int = 0
    failures: list[str] = field(default_factory=list)
    join_ms: list[float] = field(default_factory=list)
    round_trip_ms: list[float] = field(default_factory=list)
    join_429s: int = 0

    def p(self, values: list[float], q: float) -> float:
        return percentile(sorted(values), q)  # type: ignore[arg-type]


@dataclass
class HostileResult:
    quiet: GameFigures
    hostile: GameFigures
    flood: dict[str, int]
    stub_log_bytes_quiet: int
    stub_log_bytes_hostile: int
    stub_cpu_s_quiet: float
    stub_cpu_s_hostile: float
    seconds_quiet: float
    seconds_hostile: float

    @property
    def p99_ratio(self) -> float:
        quiet = self.quiet.p(self.quiet.round_trip_ms, 99)
        return self.hostile.p(self.hostile.round_trip_ms, 99) / quiet if quiet else float("nan")


class LegitPlayer:
    def __init__(self, index: int, info: dict[str, str], code: str, figures: GameFigures) -> None:
        self.index = index
        self.info = info
        self.code = code
        self.figures = figures
        self.client: Any = None
        self.player_id = ""
        self.receipts: dict[str, asyncio.Future[float]] = {}
        self._pump: asyncio.Task[None] | None = None

    async def join(self, entry: Any) -> None:
        from quizwire.client.game_api import GameApiError

        started = time.perf_counter()
        try:
            joined = await entry.join(self.code, f"Legit {self.index}")
        except (GameApiError, OSError) as exc:
            self.figures.failures.append(f"join {self.index}: {exc}")
            return
        self.figures.join_ms.append((time.perf_counter() - started) * 1000)
        self.figures.joined += 1
        self.player_id = joined["playerId"]
        await self._connect(joined["token"])

    async def _connect(self, token: str) -> None:
        from eventapi import EventsClient, LambdaAuth

        try:
            self.client = EventsClient(self.info["http"], LambdaAuth(token), connect_timeout=15)
            await self.client.connect()
            sub = await self.client.subscribe(f"/scores/{self.code}/{self.player_id}")
        except Exception as exc:
            self.figures.failures.append(f"connect {self.index}: {type(exc).__name__}: {exc}")
            return
        self.figures.subscribed += 1
        self._pump = asyncio.create_task(self._read(sub))

    async def _read(self, sub: Any) -> None:
        with contextlib.suppress(Exception):
            async for message in sub:
                waiter = self.receipts.get(str(message.get("questionId")))
                if waiter is not None and not waiter.done() and message.get("accepted"):
                    waiter.set_result(time.perf_counter())

    async def answer(self, question_id: str, choices: int, rng: random.Random) -> None:
        if self.client is None or self._pump is None:
            return
        await asyncio.sleep(rng.uniform(0.0, 0.5))  # people do not all press at once
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.receipts[question_id] = waiter
        self.figures.answers += 1
        sent = time.perf_counter()
        try:
            await self.client.publish(
                f"/answer/{self.code}",
                [{"questionId": question_id, "choice": rng.randrange(choices)}],
            )
            received = await asyncio.wait_for(waiter, ANSWER_TIMEOUT_S)
        except Exception as exc:
            self.figures.failures.append(f"answer {self.index} {question_id}: {exc!r}"[:200])
            return
        self.figures.receipts += 1
        self.figures.round_trip_ms.append((received - sent) * 1000)

    async def close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.close()


async def play_game(
    info: dict[str, str],
    players: int,
    questions: int,
    *,
    seed: int,
    on_created: Callable[[str], Awaitable[None]] | None = None,
) -> GameFigures:
    """One whole game: create, join everyone, ``questions`` questions answered by all."""
    from eventapi import IamAuth
    from quizwire.client.game_api import AdminClient, EntryClient

    admin = AdminClient(
        info["game_api"],
        IamAuth.from_keys(info["region"], info["access_key_id"], info["secret_access_key"]),
    )
    figures = GameFigures(players=players)
    rng = random.Random(seed)
    # no get-ready phase: the legitimate players answer as soon as a question arrives
    created = await admin.create_game(
        pack="general", options={"timeLimit": QUESTION_TIME_S, "readySeconds": 0}
    )
    code = created["gameId"]
    if on_created is not None:
        await on_created(code)
    entry = EntryClient(info["game_api"], max_attempts=30, max_wait=60.0)
    legit = [LegitPlayer(i, info, code, figures) for i in range(players)]
    try:
        await asyncio.gather(*(p.join(entry) for p in legit))
        view = await admin.command(code, "start")
        for n in range(questions):
            question = view["question"]
            await asyncio.gather(
                *(p.answer(question["questionId"], len(question["choices"]), rng) for p in legit)
            )
            if (await admin.view(code))["phase"] == "question_open":  # someone did not answer
                await admin.command(code, "reveal")
            if n + 1 < questions:
                view = await admin.command(code, "next")
        await admin.command(code, "end")
        figures.join_429s = entry.retries
    finally:
        for p in legit:
            await p.close()
        await entry.close()
        await admin.close()
    return figures


async def run_hostile(players: int, questions: int, *, flood_s_max: float = 600.0) -> HostileResult:
    with tempfile.TemporaryDirectory(prefix="quizwire-hostile-") as tmp:
        stub = procs.start_stub(Path(tmp), load_test=False)
        try:
            info = procs.stub_secrets(stub)
            log_0, cpu_0, t_0 = (
                stub.log.stat().st_size,
                procs.cpu_seconds(stub.pid),
                time.monotonic(),
            )
            quiet = await play_game(info, players, questions, seed=1)
            log_1, cpu_1, t_1 = (
                stub.log.stat().st_size,
                procs.cpu_seconds(stub.pid),
                time.monotonic(),
            )

            started: dict[str, Any] = {}

            async def unleash(code: str) -> None:
                cfg = flooder.FloodConfig(
                    host=info["host"],
                    realtime=info["realtime"],
                    game_api=info["game_api"],
                    api_key=info["api_key"],
                    game=code,
                    max_s=flood_s_max,
                )
                started["proc"], started["stop"], started["results"] = flooder.start(cfg)
                await asyncio.sleep(3.0)  # the flood is in full swing before the room arrives

            try:
                hostile = await play_game(info, players, questions, seed=2, on_created=unleash)
            finally:
                if "stop" in started:
                    started["stop"].set()
            log_2, cpu_2, t_2 = (
                stub.log.stat().st_size,
                procs.cpu_seconds(stub.pid),
                time.monotonic(),
            )
            flood: dict[str, int] = {}
            if "results" in started:
                with contextlib.suppress(Exception):
                    flood = await asyncio.to_thread(started["results"].get, True, 30.0)
                started["proc"].join(10)
                if started["proc"].is_alive():
                    started["proc"].kill()
        finally:
            stub.stop()
    return HostileResult(
        quiet=quiet,
        hostile=hostile,
        flood=flood,
        stub_log_bytes_quiet=log_1 - log_0,
        stub_log_bytes_hostile=log_2 - log_1,
        stub_cpu_s_quiet=cpu_1 - cpu_0,
        stub_cpu_s_hostile=cpu_2 - cpu_1,
        seconds_quiet=t_1 - t_0,
        seconds_hostile=t_2 - t_1,
    )


def summary(result: HostileResult) -> str:
    q, h = result.quiet, result.hostile
    rows = [
        ("legit players joined", q.joined, h.joined),
        ("legit players subscribed", q.subscribed, h.subscribed),
        ("legit answers with a receipt", q.receipts, h.receipts),
        ("legit failures", len(q.failures), len(h.failures)),
        ("legit 429s retried at join", q.join_429s, h.join_429s),
        ("join p99 ms", q.p(q.join_ms, 99), h.p(h.join_ms, 99)),
        ("answer->receipt p50 ms", q.p(q.round_trip_ms, 50), h.p(h.round_trip_ms, 50)),
        ("answer->receipt p99 ms", q.p(q.round_trip_ms, 99), h.p(h.round_trip_ms, 99)),
        ("stub CPU s", result.stub_cpu_s_quiet, result.stub_cpu_s_hostile),
        ("stub log bytes", result.stub_log_bytes_quiet, result.stub_log_bytes_hostile),
    ]
    lines = [f"{'':34} {'quiet':>12} {'hostile':>12}"]
    for name, a, b in rows:
        lines.append(f"{name:34} {a:>12,.1f} {b:>12,.1f}")
    lines.append(f"p99 round trip, hostile / quiet: {result.p99_ratio:.2f}x (goal <= 3x)")
    lines.append("flood: " + ", ".join(f"{k} {v:,}" for k, v in sorted(result.flood.items())))
    for failure in (h.failures + q.failures)[:10]:
        lines.append(f"failure: {failure}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    parser.add_argument("--players", type=int, default=150)
    parser.add_argument("--questions", type=int, default=6)
    parser.add_argument("--quick", action="store_true", help="30 players, 3 questions")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    players, questions = (30, 3) if args.quick else (args.players, args.questions)
    try:
        result = asyncio.run(run_hostile(players, questions))
    finally:
        procs.stop_all()
    print(summary(result))
    if args.json:
        args.json.write_text(json.dumps(asdict(result), indent=2) + "\n")
    ok = not result.hostile.failures and not result.quiet.failures
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
