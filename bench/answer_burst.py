"""Answer-burst benchmark: N players answer one question within about a second.

    .venv/bin/python -m bench.answer_burst [--players 10000] [--processes 2] [--window 1.0]

The stub runs as its own subprocess (so its CPU is measured apart, from /proc). N players join
through the entry API (rate limit lifted for the run), each opens one raw WebSocket with its
player token (the lean client of :mod:`bench.wsclient`, not ``EventsClient``: 10,000 of those
would measure the load generator) and subscribes to ``/question/{game}``, its own
``/scores/{game}/{player}`` and ``/default/burst/{player}``; players are spread over P
load-generator processes. Then, on the same connections, two bursts of N publishes each:

1. **reference** — every player publishes one plain event to its ``/default/burst/{player}``
   channel (API key, no handler) at a uniformly random moment within ``--window`` seconds and
   waits for it to come back on its subscription: the bare cost of publish + delivery.
2. **game** — the presenter opens the question (admin API); each player, when the ``question``
   message reaches it, answers at a uniformly random moment within ``--window`` and waits for its
   receipt on ``/scores`` ("locked in": accepted, ``correct`` null, no points): authorizer, answer
   handler (validate, score, SQLite commit), receipt publish. Results are held until the reveal:
   once every receipt is in (the question closes itself when every connected player answered;
   otherwise the bench presses *reveal*), each player waits for its result (correct, points,
   the choice it sent) — measured from the result's ``ts`` (the close) to its arrival.

Reported per burst: receipts, lost (sent - accepted - refused; must be 0), accepted answers
without a result after the reveal (must be 0), receipts that leaked a result (must be 0),
throughput (client side: first send → last receipt; for the game also server side: first → last
accepted answer, from the server's recorded answer times), publish -> receipt latency p50/p99,
reveal -> result latency, server CPU (µs per operation) and the game/reference ratio.
Loopback only; every wait is bounded; the stub and the
load generators are stopped on exit, error or Ctrl-C.

``--backend lambda`` runs the same bursts against ``backend/`` on the local Lambda mode
(``quizwire stub --backend lambda``: answers judged by the answers function, DynamoDB with its
per-partition limits, ``--partition-write-units`` to make a key throttle sooner) and reports
what DynamoDB stored against what the players were acknowledged, the throttling and the
invocations that failed every retry (server CPU is then the whole tree: stub, functions, moto).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import multiprocessing as mp
import random
import re
import shlex
import signal
import sys
import tempfile
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import httpx

from bench import procs
from bench.loadgen import StopRequested, pipe_recv, raise_fd_limit
from bench.report import machine_line, percentile
from bench.wsclient import ServerInfo, WsClient, kind, open_client
from eventapi import IamAuth
from eventapi.session import Data, KeepAlive, PublishAcked, PublishRefused, SessionEvent
from quizwire.client.game_api import AdminClient, GameApiError
from quizwire.clock import wall_ms

FD_RESERVE = 64
SUB_IDS = ("q", "s", "r")  # each player's subscriptions: question, own scores, own echo
JOIN_CONCURRENCY = 64
CONNECT_ATTEMPTS = 3
STOP_GRACE_S = 3.0
QUIZ = {
    "title": "Answer burst",
    "questions": [
        {
            "text": "Which choice is right?",
            "choices": ["alpha", "bravo", "charlie", "delta"],
            "answer": "C",
            "time_limit": 120,
        }
    ],
}


@dataclass(frozen=True)
class PlayerInfo(ServerInfo):
    """Connection info for one player: the connection is authorized with its token."""

    token: str = ""

    @property
    def auth(self) -> dict[str, str]:
        return {"host": self.host, "Authorization": self.token}


@dataclass(frozen=True)
class WorkerConfig:
    index: int
    count: int
    info: ServerInfo
    game_api: str
    code: str
    window_s: float
    concurrency: int
    connect_timeout: float
    burst_timeout: float
    seed: int


@dataclass
class ReadyReport:
    joined: int
    subscribed: int
    join_s: float
    connect_s: float
    errors: dict[str, int]


@dataclass
class BurstReport:
    sent: int = 0
    acks: int = 0  # publish_success frames
    failed_events: int = 0  # events listed as failed in a publish_success (refused answers)
    publish_errors: int = 0  # publish_error frames (whole publish refused)
    results: int = 0  # players with their score message (game) / echoed event (reference)
    duplicates: int = 0  # a second result for the same player
    foreign: int = 0  # a result for another player on this player's channel
    accepted: int = 0
    refusals: dict[str, int] = field(default_factory=dict)
    latencies_ns: array[int] = field(default_factory=lambda: array("q"))
    first_send_ns: int = 0
    last_result_ns: int = 0
    cpu_s: float = 0.0
    other_frames: dict[str, int] = field(default_factory=dict)
    closes: int = 0
    # game only: the per-player result that follows the reveal (the receipt above is "locked in")
    revealed: int = 0  # players whose result arrived after the reveal
    reveal_latencies_ns: array[int] = field(default_factory=lambda: array("q"))  # recv - ts
    last_reveal_ns: int = 0
    leaked: int = 0  # a receipt that carried correctness or points before the reveal
    mismatched: int = 0  # a result whose choice is not the one the player sent


# -- load-generator process ------------------------------------------------------------------


class Players:
    """This process's share of players: one socket each, all bookkeeping in flat lists."""

    def __init__(self, cfg: WorkerConfig) -> None:
        self.cfg = cfg
        self.rng = random.Random(cfg.seed)
        self.ids: list[str] = []
        self.tokens: list[str] = []
        self.clients: list[WsClient] = []
        self.sent_ns: list[int] = []
        self.choices: list[int] = []
        self.got = bytearray()  # 0: nothing yet, 1: receipt / echo, 2: result after the reveal
        self.report = BurstReport()
        self.mode = ""  # "", "reference" or "game"
        self.expected = 0
        self.done = asyncio.Event()
        self.all_revealed = asyncio.Event()
        self.other: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()
        host = cfg.info.host
        self.key_auth = {"host": host, "x-api-key": cfg.info.api_key}

    # joining and subscribing --------------------------------------------------------------
    async def join_all(self) -> Counter[str]:
        errors: Counter[str] = Counter()
        gate = asyncio.Semaphore(JOIN_CONCURRENCY)
        url = f"{self.cfg.game_api}/games/{self.cfg.code}/players"
        limits = httpx.Limits(max_connections=JOIN_CONCURRENCY)

        async with httpx.AsyncClient(timeout=30, limits=limits) as http:

            async def join(i: int) -> tuple[str, str] | None:
                name = f"bot{self.cfg.index}-{i}"
                async with gate:
                    for attempt in range(5):
                        try:
                            response = await http.post(url, json={"name": name})
                        except httpx.TransportError as exc:
                            errors[f"join: {type(exc).__name__}"] += 1
                            await asyncio.sleep(0.2 * 2**attempt)
                            continue
                        if response.status_code == 201:
                            body = response.json()
                            return body["playerId"], body["token"]
                        errors[f"join: HTTP {response.status_code}"] += 1
                        if response.status_code != 429:
                            return None
                        await asyncio.sleep(0.2 * 2**attempt)
                return None

            joined = await asyncio.gather(*(join(i) for i in range(self.cfg.count)))
        for item in joined:
            if item is not None:
                self.ids.append(item[0])
                self.tokens.append(item[1])
        return errors

    def _channels(self, i: int) -> list[tuple[str, dict[str, str]]]:
        """In the order of :data:`SUB_IDS`: the question, the player's scores, its echo."""
        code, pid = self.cfg.code, self.ids[i]
        token_auth = {"host": self.cfg.info.host, "Authorization": self.tokens[i]}
        return [
            (f"/question/{code}", token_auth),
            (f"/scores/{code}/{pid}", token_auth),
            (f"/default/burst/{pid}", self.key_auth),
        ]

    async def _connect_one(self, i: int, deadline: float) -> WsClient:
        loop = asyncio.get_running_loop()
        info = PlayerInfo(self.cfg.info.realtime, self.cfg.info.host, "", self.tokens[i])
        error: BaseException = TimeoutError("connect phase deadline")
        for attempt in range(CONNECT_ATTEMPTS):
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            client: WsClient | None = None
            try:
                client = await open_client(info, None, min(remaining, 15.0))
                for channel, sub_id in zip(self._channels(i), SUB_IDS, strict=True):
                    await client.subscribe([channel], min(remaining, 15.0), [sub_id])
                client.on_event = functools.partial(self.on_event, i)
                return client
            except (OSError, TimeoutError, RuntimeError, ValueError) as exc:
                error = exc
                if client is not None:
                    client.abort()
                await asyncio.sleep(0.2 * 2**attempt)
        raise error

    async def connect_all(self) -> Counter[str]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.cfg.connect_timeout
        gate = asyncio.Semaphore(self.cfg.concurrency)

        async def bounded(i: int) -> WsClient:
            async with gate:
                return await self._connect_one(i, deadline)

        results = await asyncio.gather(
            *(bounded(i) for i in range(len(self.ids))), return_exceptions=True
        )
        errors: Counter[str] = Counter()
        keep_ids, keep_tokens = [], []
        for i, result in enumerate(results):
            if isinstance(result, WsClient):
                self.clients.append(result)
                keep_ids.append(self.ids[i])
                keep_tokens.append(self.tokens[i])
            else:
                errors[f"connect: {type(result).__name__}: {str(result)[:60]}"] += 1
        self.ids, self.tokens = keep_ids, keep_tokens
        # rebind the callbacks to the compacted indices
        for i, client in enumerate(self.clients):
            client.on_event = functools.partial(self.on_event, i)
        self.sent_ns = [0] * len(self.clients)
        return errors

    # the bursts ------------------------------------------------------------------------------
    def arm(self, mode: str) -> None:
        self.mode = mode
        self.report = BurstReport()
        self.refusals = Counter()
        self.other = Counter()
        self.expected = len(self.clients)
        self.sent_ns = [0] * len(self.clients)
        self.choices = [-1] * len(self.clients)
        self.got = bytearray(len(self.clients))
        self.done = asyncio.Event()
        self.all_revealed = asyncio.Event()
        if self.expected == 0:
            self.done.set()

    def start_reference(self) -> None:
        loop = asyncio.get_running_loop()
        for i in range(len(self.clients)):
            loop.call_later(self.rng.uniform(0, self.cfg.window_s), self._send_reference, i)

    def _stamp(self, i: int) -> None:
        now = time.time_ns()
        self.sent_ns[i] = now
        if not self.report.first_send_ns or now < self.report.first_send_ns:
            self.report.first_send_ns = now
        self.report.sent += 1

    def _send_reference(self, i: int) -> None:
        event = json.dumps({"i": i, "sentAt": wall_ms()})
        self._stamp(i)
        self.clients[i].publish(f"/default/burst/{self.ids[i]}", event, self.key_auth)

    def _send_answer(self, i: int, question_id: str) -> None:
        self.choices[i] = self.rng.randrange(4)
        event = json.dumps(
            {
                "questionId": question_id,
                "choice": self.choices[i],
                "sentAt": wall_ms(),
            }
        )
        auth = {"host": self.cfg.info.host, "Authorization": self.tokens[i]}
        self._stamp(i)
        self.clients[i].publish(f"/answer/{self.cfg.code}", event, auth)

    def on_event(self, i: int, event: SessionEvent) -> None:
        now = time.time_ns()
        if isinstance(event, Data):
            sub = event.sub_id
            if sub == "q" and self.mode == "game" and not self.sent_ns[i]:
                question = json.loads(str(event.event))
                self.sent_ns[i] = -1  # scheduled
                delay = self.rng.uniform(0, self.cfg.window_s)
                asyncio.get_running_loop().call_later(
                    delay, self._send_answer, i, question["questionId"]
                )
            elif (sub == "s" and self.mode == "game") or (sub == "r" and self.mode == "reference"):
                self._result(i, now, json.loads(str(event.event)))
            else:
                self.other[f"data on {sub} during {self.mode or 'idle'}"] += 1
        elif isinstance(event, PublishAcked):
            self.report.acks += 1
            self.report.failed_events += len(event.result.failed)
        elif isinstance(event, PublishRefused) and event.reply == "publish_error":
            self.report.publish_errors += 1
            errors = json.dumps([e.to_json() for e in event.errors])
            self.other["publish_error: " + errors[:80]] += 1
        elif not isinstance(event, KeepAlive):
            self.other[kind(event)] += 1

    def _result(self, i: int, now: int, event: dict[str, Any]) -> None:
        report = self.report
        mine = event.get("playerId") == self.ids[i] if self.mode == "game" else event.get("i") == i
        if not mine:
            report.foreign += 1  # someone else's result on this player's channel
            return
        if self.got[i] == 1 and self.mode == "game" and event.get("correct") is not None:
            self._revealed(i, now, event)
            return
        if self.got[i]:
            report.duplicates += 1
            return
        self.got[i] = 1
        if self.sent_ns[i] > 0:
            report.latencies_ns.append(now - self.sent_ns[i])
        report.results += 1
        report.last_result_ns = max(report.last_result_ns, now)
        if self.mode == "game":
            if event.get("accepted"):
                report.accepted += 1
                if event.get("correct") is not None or event.get("points"):
                    report.leaked += 1  # results are held until the reveal
            else:
                code = (event.get("refusal") or {}).get("code", "?")
                self.refusals[str(code)] += 1
        else:
            report.accepted += 1
        if report.results >= self.expected:
            self.done.set()

    def _revealed(self, i: int, now: int, event: dict[str, Any]) -> None:
        """The player's result for the question, published at the reveal (``ts``: close time)."""
        report = self.report
        self.got[i] = 2
        report.revealed += 1
        report.reveal_latencies_ns.append(now - int(event.get("ts", 0)) * 1_000_000)
        report.last_reveal_ns = max(report.last_reveal_ns, now)
        if event.get("choice") != self.choices[i]:
            report.mismatched += 1
        if report.revealed >= report.accepted:
            self.all_revealed.set()

    async def wait_results(self, conn: Connection) -> BurstReport:
        """After the reveal: wait (bounded) until every accepted answer's result is in."""
        await pipe_recv(conn, "reveal", 120)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.cfg.burst_timeout
        if self.report.revealed < self.report.accepted:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.all_revealed.wait(), deadline - loop.time())
        await asyncio.sleep(0.2)  # duplicates, if any
        self.report.other_frames = dict(self.other)
        self.mode = ""
        return self.report

    async def run_burst(self, conn: Connection, mode: str) -> BurstReport:
        await pipe_recv(conn, "go", 60)
        cpu0 = time.process_time()
        closes0 = sum(1 for c in self.clients if c.closed.done())
        if mode == "reference":
            self.start_reference()
        # the game burst starts when the question reaches each player (see on_text)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.done.wait(), self.cfg.burst_timeout)
        await asyncio.sleep(0.2)  # late acks
        self.report.cpu_s = time.process_time() - cpu0
        self.report.refusals = dict(self.refusals)
        self.report.other_frames = dict(self.other)
        self.report.closes = sum(1 for c in self.clients if c.closed.done()) - closes0
        if mode == "reference":
            self.mode = ""
        return self.report


async def worker_main(cfg: WorkerConfig, conn: Connection) -> None:
    players = Players(cfg)
    started = time.perf_counter()
    errors = await players.join_all()
    joined, joined_s = len(players.ids), time.perf_counter() - started
    errors += await players.connect_all()
    try:
        connect_s = time.perf_counter() - started - joined_s
        conn.send(
            ("ready", ReadyReport(joined, len(players.clients), joined_s, connect_s, dict(errors)))
        )
        for mode in ("reference", "game"):
            await pipe_recv(conn, mode, cfg.connect_timeout + 300)
            players.arm(mode)
            conn.send(("armed", None))
            conn.send((f"{mode}_done", await players.run_burst(conn, mode)))
        conn.send(("results_done", await players.wait_results(conn)))
        await pipe_recv(conn, "stop", 300)
    finally:
        for client in players.clients:
            client.abort()


def run_worker(cfg: WorkerConfig, conn: Connection) -> None:
    """Entry point of a load-generator process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    raise_fd_limit()
    with contextlib.suppress(StopRequested, EOFError, BrokenPipeError, TimeoutError):
        asyncio.run(worker_main(cfg, conn))


# -- orchestrator -------------------------------------------------------------------------------


class Workers:
    def __init__(self, configs: list[WorkerConfig]) -> None:
        ctx = mp.get_context("spawn")
        self.pipes: list[Connection] = []
        self.procs: list[BaseProcess] = []
        for cfg in configs:
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(
                target=run_worker, args=(cfg, theirs), daemon=True, name=f"burst-{cfg.index}"
            )
            proc.start()
            theirs.close()
            self.pipes.append(mine)
            self.procs.append(proc)

    async def gather(self, kind: str, wait_s: float) -> list[Any]:
        try:
            return list(await asyncio.gather(*(pipe_recv(p, kind, wait_s) for p in self.pipes)))
        except EOFError:
            codes = [p.exitcode for p in self.procs]
            raise RuntimeError(f"a load generator died waiting for {kind!r} ({codes})") from None

    def send(self, kind: str) -> None:
        for pipe in self.pipes:
            pipe.send((kind, None))

    def stop(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(("stop", None))
        deadline = time.monotonic() + STOP_GRACE_S
        for proc in self.procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.terminate()
                proc.join(2)
            if proc.is_alive():
                proc.kill()
                proc.join(2)
        for pipe in self.pipes:
            pipe.close()


@dataclass
class Burst:
    name: str
    sent: int
    acks: int
    results: int
    accepted: int
    refused: int
    lost: int
    publish_errors: int
    duplicates: int
    foreign: int
    client_per_s: float
    server_per_s: float | None
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_s: float
    server_us_per_op: float
    loadgen_cpu_s: float
    handler_ms_mean: float | None
    refusals: dict[str, int]
    notes: list[str]
    revealed: int = 0
    results_lost: int = 0  # accepted answers whose result never came after the reveal
    reveal_p50_ms: float = float("nan")
    reveal_p99_ms: float = float("nan")
    leaked: int = 0
    mismatched: int = 0


def combine(name: str, reports: list[BurstReport], server_cpu_s: float) -> Burst:
    sent = sum(r.sent for r in reports)
    results = sum(r.results for r in reports)
    accepted = sum(r.accepted for r in reports)
    refusals: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    for r in reports:
        refusals.update(r.refusals)
        notes.update(r.other_frames)
        if r.closes:
            notes[f"{r.closes} sockets closed during the burst"] += 1
    latencies = sorted(v for r in reports for v in r.latencies_ns)
    first = min((r.first_send_ns for r in reports if r.first_send_ns), default=0)
    last = max((r.last_result_ns for r in reports), default=0)
    window = (last - first) / 1e9 if first and last > first else 0.0
    refused = sum(refusals.values())
    reveal = sorted(v for r in reports for v in r.reveal_latencies_ns)
    revealed = sum(r.revealed for r in reports)
    return Burst(
        name=name,
        sent=sent,
        acks=sum(r.acks for r in reports),
        results=results,
        accepted=accepted,
        refused=refused,
        lost=sent - accepted - refused,
        publish_errors=sum(r.publish_errors for r in reports),
        duplicates=sum(r.duplicates for r in reports),
        foreign=sum(r.foreign for r in reports),
        client_per_s=results / window if window else 0.0,
        server_per_s=None,
        p50_ms=percentile(latencies, 50) / 1e6,
        p90_ms=percentile(latencies, 90) / 1e6,
        p99_ms=percentile(latencies, 99) / 1e6,
        max_ms=(latencies[-1] / 1e6) if latencies else float("nan"),
        server_cpu_s=server_cpu_s,
        server_us_per_op=server_cpu_s * 1e6 / max(1, results),
        loadgen_cpu_s=sum(r.cpu_s for r in reports),
        handler_ms_mean=None,
        refusals=dict(refusals),
        notes=[f"{k} (x{v})" for k, v in notes.items()],
        revealed=revealed,
        results_lost=accepted - revealed if name == "game" else 0,
        reveal_p50_ms=percentile(reveal, 50) / 1e6,
        reveal_p99_ms=percentile(reveal, 99) / 1e6,
        leaked=sum(r.leaked for r in reports),
        mismatched=sum(r.mismatched for r in reports),
    )


_METRIC = re.compile(r"^(quizwire_[a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$", re.M)


async def scrape(http: httpx.AsyncClient, game_api: str) -> dict[str, float]:
    text = (await http.get(f"{game_api}/metrics")).text
    return {name + (labels or ""): float(value) for name, labels, value in _METRIC.findall(text)}


def server_window(results: dict[str, Any]) -> tuple[int, float]:
    """Accepted answers and the server-side span first -> last accepted (recorded ``ms``)."""
    times = [a["ms"] for p in results["players"] for a in p["answers"] if a is not None]
    if len(times) < 2:
        return len(times), 0.0
    return len(times), (max(times) - min(times)) / 1000


async def run(args: argparse.Namespace, workdir: Path) -> tuple[list[Burst], dict[str, Any]]:
    data_dir, config_dir = workdir / "stub-data", workdir / "stub-config"
    data_dir.mkdir()
    config_dir.mkdir()
    argv = [*procs.stub_argv(data_dir, procs.free_port()), "--entry-rate", "1000000000"]
    backend = getattr(args, "backend", "sqlite")  # the suite's burst runs the SQLite stub
    if backend == "lambda":
        argv += ["--backend", "lambda", "--partition-write-units", str(args.partition_write_units)]
    server = procs.spawn(
        "stub", argv, data_dir / "stub.json", workdir, env={"QUIZWIRE_CONFIG_DIR": str(config_dir)}
    )
    stub = json.loads((data_dir / "stub.json").read_text())
    auth = IamAuth.from_keys(stub["region"], stub["access_key_id"], stub["secret_access_key"])
    admin = AdminClient(stub["game_api"], auth)
    workers: Workers | None = None
    facts: dict[str, Any] = {}
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            # no get-ready phase: the burst measures the answer path from the question's opening
            code = (await admin.create_game(quiz=QUIZ, options={"readySeconds": 0}))["gameId"]
            base, extra = divmod(args.players, args.processes)
            burst_timeout = args.window + args.drain_timeout
            configs = [
                WorkerConfig(
                    index=i,
                    count=base + (1 if i < extra else 0),
                    info=server.info,
                    game_api=stub["game_api"],
                    code=code,
                    window_s=args.window,
                    concurrency=args.concurrency,
                    connect_timeout=args.connect_timeout,
                    burst_timeout=burst_timeout,
                    seed=args.seed + i,
                )
                for i in range(args.processes)
            ]
            rss0 = procs.memory_bytes(server.pid)
            workers = Workers(configs)
            ready: list[ReadyReport] = await workers.gather("ready", args.connect_timeout + 300)
            subscribed = sum(r.subscribed for r in ready)
            facts.update(
                players=args.players,
                joined=sum(r.joined for r in ready),
                subscribed=subscribed,
                join_s=max(r.join_s for r in ready),
                connect_s=max(r.connect_s for r in ready),
                setup_errors=dict(sum((Counter(r.errors) for r in ready), Counter())),
                rss_mib=(procs.memory_bytes(server.pid)) / 2**20,
                rss_per_player_kib=(procs.memory_bytes(server.pid) - rss0)
                / max(1, subscribed)
                / 1024,
            )
            print(
                f"    {subscribed:,} players joined and subscribed "
                f"(join {facts['join_s']:.1f}s, connect+subscribe {facts['connect_s']:.1f}s)",
                flush=True,
            )
            bursts: list[Burst] = []
            for mode in ("reference", "game"):
                await asyncio.sleep(args.settle)
                workers.send(mode)
                await workers.gather("armed", 30)
                before = await scrape(http, stub["game_api"])
                cpu0 = procs.cpu_seconds(server.pid)
                workers.send("go")
                if mode == "game":
                    view = await admin.command(code, "start")
                    assert view["phase"] == "question_open", view["phase"]
                reports = await workers.gather(f"{mode}_done", burst_timeout + 60)
                cpu1 = procs.cpu_seconds(server.pid)
                after = await scrape(http, stub["game_api"])
                if mode == "game":  # results are held until the reveal: close, then collect
                    if (await admin.view(code))["phase"] == "question_open":
                        # some answer never arrived (or, on the Lambda path, the stream
                        # consumer closes it meanwhile: then the reveal finds it closed)
                        with contextlib.suppress(GameApiError):
                            await admin.command(code, "reveal")
                    workers.send("reveal")
                    reports = await workers.gather("results_done", burst_timeout + 60)
                burst = combine(mode, reports, cpu1 - cpu0)
                if mode == "game":
                    results = json.loads(await admin.results(code, "json"))
                    accepted, span = server_window(results)
                    burst.server_per_s = accepted / span if span else None
                    key_n, key_s = (
                        "quizwire_handler_latency_seconds_count",
                        "quizwire_handler_latency_seconds_sum",
                    )
                    n = after.get(key_n, 0) - before.get(key_n, 0)
                    burst.handler_ms_mean = (
                        (after.get(key_s, 0) - before.get(key_s, 0)) / n * 1000 if n else None
                    )
                    server_accepted = after.get("quizwire_answers_accepted_total", 0) - before.get(
                        "quizwire_answers_accepted_total", 0
                    )
                    facts["server_accepted"] = int(server_accepted)
                    facts["results_answers"] = accepted
                    facts["close"] = (await admin.view(code))["reveal"]
                    if backend == "lambda":
                        from bench import lambda_facts

                        facts["stored"] = lambda_facts.stored_answers(stub, code)
                        facts["acknowledged"] = burst.accepted
                        facts["dynamodb"] = lambda_facts.throughput(stub)
                        facts["dead_lettered"] = lambda_facts.dead_lettered(data_dir)
                bursts.append(burst)
                print(
                    f"    {mode}: {burst.results:,}/{burst.sent:,} results, lost {burst.lost}, "
                    f"p99 {burst.p99_ms:,.0f} ms",
                    flush=True,
                )
            facts["rss_peak_mib"] = procs.memory_bytes(server.pid, "VmHWM") / 2**20
            with contextlib.suppress(Exception):
                await admin.command(code, "end")
            return bursts, facts
    finally:
        if workers is not None:
            workers.stop()
        await admin.close()
        server.stop()


ROWS: list[tuple[str, str, str, bool]] = [
    ("publishes sent", "sent", "{:,.0f}", False),
    ("publish acks", "acks", "{:,.0f}", False),
    ("receipts back (locked in / echo)", "results", "{:,.0f}", False),
    ("accepted", "accepted", "{:,.0f}", False),
    ("refused", "refused", "{:,.0f}", False),
    ("lost = sent - accepted - refused", "lost", "{:,.0f}", False),
    ("publish_error frames", "publish_errors", "{:,.0f}", False),
    ("duplicate results", "duplicates", "{:,.0f}", False),
    ("receipts carrying a result before the reveal", "leaked", "{:,.0f}", False),
    ("results after the reveal", "revealed", "{:,.0f}", False),
    ("accepted without a result after the reveal", "results_lost", "{:,.0f}", False),
    ("results with another choice than sent", "mismatched", "{:,.0f}", False),
    ("reveal->result p50 ms", "reveal_p50_ms", "{:,.1f}", False),
    ("reveal->result p99 ms", "reveal_p99_ms", "{:,.1f}", False),
    ("results for another player", "foreign", "{:,.0f}", False),
    ("throughput /s (client: first send->last receipt)", "client_per_s", "{:,.0f}", True),
    ("accepted /s (server: first->last accepted)", "server_per_s", "{:,.0f}", False),
    ("publish->receipt p50 ms", "p50_ms", "{:,.1f}", True),
    ("publish->receipt p90 ms", "p90_ms", "{:,.1f}", True),
    ("publish->receipt p99 ms", "p99_ms", "{:,.1f}", True),
    ("publish->receipt max ms", "max_ms", "{:,.1f}", True),
    ("server CPU s (burst)", "server_cpu_s", "{:,.2f}", True),
    ("server CPU us / operation", "server_us_per_op", "{:,.0f}", True),
    ("answer handler mean ms (/metrics)", "handler_ms_mean", "{:,.2f}", False),
    ("load-generator CPU s", "loadgen_cpu_s", "{:,.2f}", True),
]


def table(bursts: list[Burst]) -> str:
    by_name = {b.name: b for b in bursts}
    names = [n for n in ("game", "reference") if n in by_name]
    header = ["metric", *names, "game/ref" if len(names) == 2 else ""]
    rows = [header]
    for label, attr, fmt, ratio in ROWS:
        values = [getattr(by_name[n], attr) for n in names]
        cells = [label, *("-" if v is None else fmt.format(v) for v in values)]
        if len(names) == 2 and ratio and all(isinstance(v, int | float) and v for v in values):
            cells.append(f"{values[0] / values[1]:.2f}x")
        else:
            cells.append("")
        rows.append(cells)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    doc = __doc__ or ""
    p = argparse.ArgumentParser(
        prog="python -m bench.answer_burst", description=doc.splitlines()[0]
    )
    p.add_argument("--players", type=int, default=10_000, help="players (default 10000)")
    p.add_argument("--processes", type=int, default=2, help="load-generator processes (default 2)")
    p.add_argument("--window", type=float, default=1.0, help="answers spread over this many s")
    p.add_argument("--concurrency", type=int, default=200, help="connects in flight per process")
    p.add_argument("--connect-timeout", type=float, default=120.0, help="setup phase limit, s")
    p.add_argument("--drain-timeout", type=float, default=60.0, help="wait after the window, s")
    p.add_argument("--settle", type=float, default=1.0, help="pause before each burst, s")
    p.add_argument("--seed", type=int, default=1, help="random seed of the answer times")
    p.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    p.add_argument(
        "--backend", choices=("sqlite", "lambda"), default="sqlite", help="the stub's backend"
    )
    p.add_argument(
        "--partition-write-units",
        type=int,
        default=1000,
        help="lambda backend: write units a second per DynamoDB partition key (default 1000)",
    )
    args = p.parse_args(argv)
    fd_limit = raise_fd_limit()
    if not 1 <= args.processes <= 64 or args.players < args.processes:
        p.error("need 1 <= processes <= 64 and players >= processes")
    if -(-args.players // args.processes) > fd_limit - FD_RESERVE:
        p.error(f"too many sockets per process for the fd limit {fd_limit}: add --processes")
    if args.players > fd_limit - FD_RESERVE:
        p.error(f"one stub process cannot hold {args.players} sockets (fd limit {fd_limit})")
    if not 0 < args.window <= 60:
        p.error("need 0 < window <= 60")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)
    command = "python -m bench.answer_burst " + shlex.join(sys.argv[1:] if argv is None else argv)
    print(machine_line())
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}   command: {command}", flush=True)
    print(
        f"--- {args.players:,} players over {args.processes} processes, "
        f"answers spread over {args.window:g}s",
        flush=True,
    )
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp:
            bursts, facts = asyncio.run(run(args, Path(tmp)))
    except KeyboardInterrupt:
        print("interrupted; stub and load generators stopped", file=sys.stderr)
        return 130
    except Exception as exc:
        print(f"FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        procs.stop_all()
    print()
    print(table(bursts))
    print()
    print(
        f"setup: {facts['subscribed']:,}/{facts['players']:,} players subscribed; "
        f"join {facts['join_s']:.1f}s, connect+3 subscribes {facts['connect_s']:.1f}s; "
        f"stub RSS {facts['rss_mib']:,.0f} MiB ({facts['rss_per_player_kib']:.1f} KiB/player), "
        f"peak {facts['rss_peak_mib']:,.0f} MiB"
    )
    close = facts.get("close") or {}
    print(
        f"server: answers accepted {facts.get('server_accepted')} (/metrics), "
        f"{facts.get('results_answers')} in the results; question closed by "
        f"{close.get('reason')!r} with {close.get('answered')} answers"
    )
    if "stored" in facts:
        ddb = facts["dynamodb"]
        print(
            f"lambda: answers stored in DynamoDB {facts['stored']:,} vs acknowledged "
            f"{facts['acknowledged']:,}; throttled writes {ddb['writes_throttled']:,} / reads "
            f"{ddb['reads_throttled']:,} at {ddb['write_units_per_s']:,} WCU/s per key "
            f"(busiest keys, WCU in a second: {ddb['peak_write_units']}); "
            f"dead-lettered invocations {facts['dead_lettered']}"
        )
    for b in bursts:
        for note in ([f"refusals: {b.refusals}"] if b.refusals else []) + b.notes:
            print(f"[{b.name}] {note}")
    if facts["setup_errors"]:
        print(f"setup errors: {facts['setup_errors']}")
    print(f"total {time.perf_counter() - started:.0f}s")
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine_line(),
                    "command": command,
                    "facts": facts,
                    "bursts": [{k: v for k, v in vars(b).items()} for b in bursts],
                },
                indent=2,
                default=str,
            )
        )
    ok = all(
        b.lost == 0
        and b.duplicates == 0
        and b.foreign == 0
        and b.results_lost == 0
        and b.leaked == 0
        and b.mismatched == 0
        and b.sent == facts["subscribed"]
        for b in bursts
    ) and facts.get("stored", 0) == facts.get("acknowledged", 0)
    if args.backend == "sqlite":
        ok = ok and facts.get("results_answers") == facts.get("server_accepted")
    return 0 if ok and facts["subscribed"] == args.players else 1


if __name__ == "__main__":
    sys.exit(main())
