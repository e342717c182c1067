"""Subscriber side of bench.fanout: one child process holding many subscribed sockets.

Protocol with the parent over a ``multiprocessing`` pipe (every wait is bounded):

    child  -> ("subscribed", ConnectReport)
    parent -> ("start", None)          # publishing is about to begin
    child  -> ("result", FanoutReport)  # all deliveries in, or drain timeout
    parent -> ("stop", None)           # close everything and exit
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import resource
import signal
import time
from array import array
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from websockets.exceptions import WebSocketException

from bench.wsclient import CHANNEL, ServerInfo, WsClient, kind, open_client
from eventapi.session import Data, KeepAlive, SessionEvent

CONNECT_ATTEMPTS = 3
LAG_INTERVAL_S = 0.01
MAX_LAG_SAMPLES = 100_000


@dataclass(frozen=True)
class ClientConfig:
    index: int
    info: ServerInfo
    count: int
    publishes: int
    concurrency: int
    connect_timeout: float
    fanout_timeout: float
    source_ip: str | None


@dataclass
class ConnectReport:
    subscribed: int
    errors: dict[str, int]
    seconds: float
    cpu_s: float


@dataclass
class FanoutReport:
    received: int
    latencies_ns: array[int]  # one entry per delivery: receive time - publisher stamp
    last_ns: list[int]  # per publish seq: latency of this process's slowest subscriber (-1: none)
    last_recv_ns: int
    incomplete_subscribers: int
    out_of_order: int
    other_frames: dict[str, int]
    unexpected_closes: int
    cpu_s: float
    lag_us: array[int]  # load-generator event-loop lag samples


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class Recorder:
    """Counts and timestamps deliveries; called from ``data_received``, so keep it cheap."""

    def __init__(self, count: int, publishes: int) -> None:
        self.expected = count * publishes
        self.publishes = publishes
        self.latencies_ns = array("q")
        self.last_ns = [-1] * publishes
        self.next_seq = [0] * count
        self.received = 0
        self.out_of_order = 0
        self.last_recv_ns = 0
        self.other_frames: Counter[str] = Counter()
        self.done = asyncio.Event()

    def on_event(self, sub: int, event: SessionEvent) -> None:
        now = time.time_ns()
        if not isinstance(event, Data):
            if not isinstance(event, KeepAlive):
                self.other_frames[kind(event)] += 1
            return
        payload = json.loads(str(event.event))
        seq: int = payload["seq"]
        latency = now - payload["t"]
        self.latencies_ns.append(latency)
        if 0 <= seq < self.publishes and latency > self.last_ns[seq]:
            self.last_ns[seq] = latency
        if seq != self.next_seq[sub]:  # gap, duplicate or reordering
            self.out_of_order += 1
        self.next_seq[sub] = seq + 1
        self.last_recv_ns = now
        self.received += 1
        if self.received >= self.expected:
            self.done.set()

    def report(self, closes: int, cpu_s: float, lag_us: array[int]) -> FanoutReport:
        incomplete = sum(1 for n in self.next_seq if n != self.publishes)
        return FanoutReport(
            self.received,
            self.latencies_ns,
            self.last_ns,
            self.last_recv_ns,
            incomplete,
            self.out_of_order,
            dict(self.other_frames),
            closes,
            cpu_s,
            lag_us,
        )


class StopRequested(Exception):
    """The parent is shutting down early (error or Ctrl-C)."""


async def pipe_recv(conn: Connection, kind: str, wait_s: float) -> Any:
    """Wait (bounded) for the next message on ``conn`` and check its kind."""
    ready = await asyncio.get_running_loop().run_in_executor(None, conn.poll, wait_s)
    if not ready:
        raise TimeoutError(f"no {kind!r} message within {wait_s:.0f}s")
    got, payload = conn.recv()
    if got == "stop" and kind != "stop":
        raise StopRequested
    if got != kind:
        raise RuntimeError(f"expected {kind!r} message, got {got!r}: {payload!r}")
    return payload


async def subscribe_one(
    cfg: ClientConfig, sub: int, recorder: Recorder, deadline: float
) -> WsClient:
    loop = asyncio.get_running_loop()
    error: BaseException = TimeoutError("connect phase deadline")
    for attempt in range(CONNECT_ATTEMPTS):
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        client: WsClient | None = None
        try:
            client = await open_client(cfg.info, cfg.source_ip, min(remaining, 15.0))
            await client.subscribe([(CHANNEL, cfg.info.auth)], min(remaining, 15.0))
            client.on_event = lambda event: recorder.on_event(sub, event)
            return client
        except (OSError, TimeoutError, RuntimeError, ValueError, WebSocketException) as exc:
            error = exc
            if client is not None:
                client.abort()
            await asyncio.sleep(0.2 * 2**attempt)
    raise error


async def connect_all(cfg: ClientConfig, recorder: Recorder) -> tuple[list[WsClient], Counter[str]]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + cfg.connect_timeout
    gate = asyncio.Semaphore(cfg.concurrency)

    async def bounded(sub: int) -> WsClient:
        async with gate:
            return await subscribe_one(cfg, sub, recorder, deadline)

    results = await asyncio.gather(*(bounded(i) for i in range(cfg.count)), return_exceptions=True)
    clients = [r for r in results if isinstance(r, WsClient)]
    errors = Counter(
        f"{type(r).__name__}: {str(r)[:80]}" for r in results if isinstance(r, BaseException)
    )
    return clients, errors


async def monitor_lag(samples: array[int]) -> None:
    """Event-loop lag of this load generator: overshoot of a 10 ms sleep, in µs."""
    loop = asyncio.get_running_loop()
    for _ in range(MAX_LAG_SAMPLES):
        start = loop.time()
        await asyncio.sleep(LAG_INTERVAL_S)
        samples.append(int((loop.time() - start - LAG_INTERVAL_S) * 1e6))


def count_closes(clients: list[WsClient]) -> int:
    return sum(1 for c in clients if c.closed.done())


async def client_main(cfg: ClientConfig, conn: Connection) -> None:
    recorder = Recorder(cfg.count, cfg.publishes)
    started, cpu0 = time.perf_counter(), time.process_time()
    clients, errors = await connect_all(cfg, recorder)
    try:
        elapsed, cpu_s = time.perf_counter() - started, time.process_time() - cpu0
        conn.send(("subscribed", ConnectReport(len(clients), dict(errors), elapsed, cpu_s)))
        await pipe_recv(conn, "start", cfg.connect_timeout + 120)
        stop = asyncio.ensure_future(pipe_recv(conn, "stop", cfg.fanout_timeout + 120))
        report = await fan_out(cfg, recorder, clients, stop)
        if report is not None:
            conn.send(("result", report))
        await stop
    finally:
        for client in clients:
            client.abort()


async def fan_out(
    cfg: ClientConfig, recorder: Recorder, clients: list[WsClient], stop: asyncio.Future[Any]
) -> FanoutReport | None:
    """Record deliveries until all are in, the time is up, or ``stop`` (then: None)."""
    gc.collect()
    gc.freeze()  # no full collections over 10k sockets' objects in the middle of a broadcast
    gc.disable()
    closes_before, cpu0 = count_closes(clients), time.process_time()
    lag_us: array[int] = array("q")
    lag_task = asyncio.create_task(monitor_lag(lag_us))
    finished = asyncio.ensure_future(recorder.done.wait())
    try:  # a timeout is no error here: missing deliveries show up as reach < 1
        await asyncio.wait(
            {stop, finished}, timeout=cfg.fanout_timeout, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        finished.cancel()
        lag_task.cancel()
        gc.enable()
    if stop.done():
        return None
    cpu_s = time.process_time() - cpu0
    return recorder.report(count_closes(clients) - closes_before, cpu_s, lag_us)


def run_client(cfg: ClientConfig, conn: Connection) -> None:
    """Entry point of a load-generator process (spawned by bench.fanout)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    raise_fd_limit()
    # parent gone, gave up or stopping early: just exit (the sockets die with the process)
    with contextlib.suppress(StopRequested, EOFError, BrokenPipeError, TimeoutError):
        asyncio.run(client_main(cfg, conn))
