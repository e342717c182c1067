"""Join storm: N players join at once through the entry rate limiter, connect and subscribe.

Stub: every player POSTs ``/games/{code}/players`` (429s are retried with full-jitter
exponential backoff, at least ``Retry-After``), opens one WebSocket with its player token and
subscribes its 4 channels (game, question, its own scores, leaderboard). Reference: the same
number of clients open bare connections to the ``websockets`` reference server and send the
same 4 subscribes (no join, no auth). The figure is the time from "go" until every player is
subscribed. Players are spread over worker processes, each with a loopback source address of
its own; every phase is bounded in time; the server and the workers are stopped on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import tempfile
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from websockets.exceptions import WebSocketException

from bench import procs
from bench.answer_burst import PlayerInfo
from bench.httpclient import HttpPool
from bench.loadgen import StopRequested, pipe_recv, raise_fd_limit
from bench.report import percentile
from bench.wsclient import ServerInfo, WsClient, open_client
from eventapi import IamAuth
from quizwire.client.game_api import AdminClient

HTTP_CONCURRENCY = 100  # join requests in flight per worker (keep-alive connections)
HTTP_TIMEOUT_S = 30.0
CONNECT_ATTEMPTS = 3
JOIN_ATTEMPTS = 12
BACKOFF_BASE_S = 0.25
BACKOFF_CAP_S = 10.0
QUIZ = {
    "title": "Join storm",
    "questions": [{"text": "Ready?", "choices": ["yes", "no"], "answer": "A", "time_limit": 30}],
}


@dataclass(frozen=True)
class StormConfig:
    index: int
    mode: str  # "stub" or "reference"
    count: int
    info: ServerInfo
    game_api: str
    code: str
    concurrency: int  # WebSocket connects in flight
    timeout_s: float
    source_ip: str | None
    seed: int


@dataclass
class StormReport:
    subscribed: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    http_429: int = 0
    join_errors: int = 0  # transport errors on a join request (retried)
    join_attempts: array[int] = field(default_factory=lambda: array("i"))
    join_stamps: array[float] = field(default_factory=lambda: array("d"))  # wall time of 201s
    done_s: float = 0.0
    cpu_s: float = 0.0


class Storm:
    """One worker's share of the storm."""

    def __init__(self, cfg: StormConfig) -> None:
        self.cfg = cfg
        self.rng = random.Random(cfg.seed)
        self.report = StormReport()
        self.clients: list[WsClient] = []
        self.ws_gate = asyncio.Semaphore(cfg.concurrency)

    def backoff(self, attempt: int, retry_after: float) -> float:
        """Full jitter, but never before the server's Retry-After."""
        ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt)
        return retry_after + self.rng.uniform(0, ceiling)

    async def join(self, http: HttpPool, i: int) -> tuple[str, str]:
        """POST the player, retrying 429s; returns the player's id and token."""
        path = f"/games/{self.cfg.code}/players"
        for attempt in range(JOIN_ATTEMPTS):
            try:
                response = await http.post_json(
                    path, {"name": f"storm{self.cfg.index}-{i}"}, HTTP_TIMEOUT_S
                )
            except (OSError, TimeoutError, ValueError):  # counted as a retry, not a failure yet
                self.report.join_errors += 1
                await asyncio.sleep(self.backoff(attempt, 0.0))
                continue
            status, retry_header = response.status, response.headers.get("retry-after", "0")
            if status == 201:
                self.report.join_stamps.append(time.time())
                self.report.join_attempts.append(attempt + 1)
                body = response.json()
                return str(body["playerId"]), str(body["token"])
            if status != 429:
                raise RuntimeError(f"join: HTTP {status} {response.body[:80]!r}")
            self.report.http_429 += 1
            try:
                retry_after = float(retry_header)
            except ValueError:
                retry_after = 0.0
            await asyncio.sleep(self.backoff(attempt, min(retry_after, BACKOFF_CAP_S)))
        raise RuntimeError(f"join: no 201 after {JOIN_ATTEMPTS} attempts")

    def channels(self, info: ServerInfo, player_id: str) -> list[tuple[str, dict[str, str]]]:
        code = self.cfg.code
        if self.cfg.mode == "stub":
            names = [
                f"/game/{code}",
                f"/question/{code}",
                f"/scores/{code}/{player_id}",
                f"/leaderboard/{code}",
            ]
        else:
            names = [f"/default/storm/{kind}" for kind in ("game", "question", "scores", "lb")]
        return [(name, info.auth) for name in names]

    async def subscribe(
        self, info: ServerInfo, channels: list[tuple[str, dict[str, str]]], deadline: float
    ) -> None:
        loop = asyncio.get_running_loop()
        error: BaseException = TimeoutError("storm deadline")
        for attempt in range(CONNECT_ATTEMPTS):
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            client: WsClient | None = None
            try:
                async with self.ws_gate:
                    client = await open_client(info, self.cfg.source_ip, min(remaining, 15.0))
                    # broadcasts on channels already acked (the lobby count) are skipped
                    await client.subscribe(channels, min(remaining, 15.0))
                self.clients.append(client)
                return
            except (OSError, TimeoutError, RuntimeError, ValueError, WebSocketException) as exc:
                error = exc
                if client is not None:
                    client.abort()
                await asyncio.sleep(self.backoff(attempt, 0.0))
        raise error

    async def one(self, http: HttpPool | None, i: int, deadline: float) -> None:
        info, player_id = self.cfg.info, ""
        if http is not None:  # the stub: join first (the reference has no entry API)
            player_id, token = await self.join(http, i)
            info = PlayerInfo(info.realtime, info.host, "", token)
        await self.subscribe(info, self.channels(info, player_id), deadline)

    async def run(self, http: HttpPool | None) -> StormReport:
        loop = asyncio.get_running_loop()
        started, cpu0 = time.perf_counter(), time.process_time()
        deadline = loop.time() + self.cfg.timeout_s
        results = await asyncio.gather(
            *(
                asyncio.wait_for(self.one(http, i, deadline), self.cfg.timeout_s)
                for i in range(self.cfg.count)
            ),
            return_exceptions=True,
        )
        self.report.done_s = time.perf_counter() - started
        self.report.cpu_s = time.process_time() - cpu0
        failures: Counter[str] = Counter(
            f"{type(r).__name__}: {str(r)[:60]}" for r in results if isinstance(r, BaseException)
        )
        self.report.failures = dict(failures)
        self.report.subscribed = len(self.clients)
        return self.report


async def storm_main(cfg: StormConfig, conn: Connection) -> None:
    storm = Storm(cfg)
    http = HttpPool(cfg.game_api, HTTP_CONCURRENCY, cfg.source_ip) if cfg.game_api else None
    try:
        conn.send(("ready", None))
        await pipe_recv(conn, "go", 120)
        conn.send(("done", await storm.run(http)))
        await pipe_recv(conn, "stop", cfg.timeout_s + 300)
    finally:
        if http is not None:
            http.close()
        for client in storm.clients:
            client.abort()


def run_worker(cfg: StormConfig, conn: Connection) -> None:
    """Entry point of a storm worker process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    raise_fd_limit()
    with contextlib.suppress(StopRequested, EOFError, BrokenPipeError, TimeoutError):
        asyncio.run(storm_main(cfg, conn))


# -- orchestrator ---------------------------------------------------------------------------


@dataclass
class StormResult:
    name: str
    players: int
    subscribed: int
    failures: int
    failure_kinds: dict[str, int]
    seconds: float
    per_s: float
    http_429: int
    join_errors: int
    join_attempts_p99: float
    max_joins_1s: int
    server_cpu_s: float
    server_us_per_player: float
    server_rss_mib: float
    loadgen_cpu_s: float
    recorded: int | None  # players the stub counts in the game
    connected: int | None  # players the stub sees connected


def max_in_window(stamps: list[float], window_s: float = 1.0) -> int:
    """Most events within any ``window_s`` seconds (``stamps`` sorted)."""
    best, lo = 0, 0
    for hi, t in enumerate(stamps):
        while t - stamps[lo] >= window_s:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def stub_game(server: procs.ServerProc) -> tuple[str, str, AdminClient]:
    secrets = procs.stub_secrets(server)
    auth = IamAuth.from_keys(
        secrets["region"], secrets["access_key_id"], secrets["secret_access_key"]
    )
    admin = AdminClient(secrets["game_api"], auth)
    code = str((await admin.create_game(quiz=QUIZ))["gameId"])
    return secrets["game_api"], code, admin


async def server_view(admin: AdminClient, code: str) -> tuple[int, int]:
    view = await admin.view(code)
    players = view.get("players") or []
    return len(players), sum(1 for p in players if p.get("connected"))


async def run_storm(
    mode: str, players: int, processes: int, entry_rate: float, timeout_s: float
) -> StormResult:
    """One storm against a fresh server (``mode``: "stub" or "reference")."""
    with tempfile.TemporaryDirectory(prefix=f"bench-storm-{mode}-") as tmp:
        if mode == "stub":
            server = procs.start_stub(Path(tmp), ["--entry-rate", f"{entry_rate:g}"])
        else:
            server = procs.start_reference(Path(tmp))
        admin: AdminClient | None = None
        workers: procs.Workers | None = None
        try:
            game_api, code = "", ""
            if mode == "stub":
                game_api, code, admin = await stub_game(server)
            base, extra = divmod(players, processes)
            configs = [
                StormConfig(
                    index=i,
                    mode=mode,
                    count=base + (1 if i < extra else 0),
                    info=server.info,
                    game_api=game_api,
                    code=code,
                    concurrency=200,
                    timeout_s=timeout_s,
                    source_ip=procs.source_address(1, i),
                    seed=i,
                )
                for i in range(processes)
            ]
            workers = procs.Workers(run_worker, configs, f"storm-{mode}")
            await workers.gather("ready", 60)
            cpu0 = procs.cpu_seconds(server.pid)
            started = time.perf_counter()
            workers.send("go")
            reports: list[StormReport] = await workers.gather("done", timeout_s + 60)
            seconds = time.perf_counter() - started
            cpu = procs.cpu_seconds(server.pid) - cpu0
            rss = procs.memory_bytes(server.pid) / 2**20
            recorded = connected = None
            if admin is not None:
                recorded, connected = await server_view(admin, code)
            return summarize(mode, players, reports, seconds, cpu, rss, recorded, connected)
        finally:
            if workers is not None:
                workers.stop()
            if admin is not None:
                with contextlib.suppress(Exception):
                    await admin.close()
            server.stop()


def summarize(
    name: str,
    players: int,
    reports: list[StormReport],
    seconds: float,
    server_cpu_s: float,
    rss_mib: float,
    recorded: int | None,
    connected: int | None,
) -> StormResult:
    subscribed = sum(r.subscribed for r in reports)
    kinds: Counter[str] = Counter()
    for r in reports:
        kinds.update(r.failures)
    attempts = sorted(a for r in reports for a in r.join_attempts)
    stamps = sorted(t for r in reports for t in r.join_stamps)
    return StormResult(
        name=name,
        players=players,
        subscribed=subscribed,
        failures=players - subscribed,
        failure_kinds=dict(kinds),
        seconds=seconds,
        per_s=subscribed / seconds if seconds else 0.0,
        http_429=sum(r.http_429 for r in reports),
        join_errors=sum(r.join_errors for r in reports),
        loadgen_cpu_s=sum(r.cpu_s for r in reports),
        join_attempts_p99=percentile(attempts, 99),
        max_joins_1s=max_in_window(stamps),
        server_cpu_s=server_cpu_s,
        server_us_per_player=server_cpu_s * 1e6 / max(1, subscribed),
        server_rss_mib=rss_mib,
        recorded=recorded,
        connected=connected,
    )
