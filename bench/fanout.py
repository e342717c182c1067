"""Fan-out benchmark: one event to N subscribers, stub vs. a bare ``websockets`` reference.

    .venv/bin/python -m bench.fanout [--subscribers N] [--processes P] [--publishes K]
                                     [--rate R] [--only stub|reference]

For each server (same load, same run): start it as a subprocess, connect N subscribers spread
over P load-generator processes (bounded concurrency, all acked before publishing), publish K
events at R/s from a separate connection, wait for every delivery (or a timeout), then report
deliveries/s, reach, publish->receive latency (all deliveries and per-publish last subscriber),
server RSS per idle subscribed connection and CPU per delivery (/proc), load-generator CPU and
event-loop lag, and server responsiveness (WebSocket ping RTT during the fan-out).
Loopback only; every wait is bounded; all child processes are stopped on exit or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import shlex
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from bench import procs
from bench.loadgen import (
    ClientConfig,
    ConnectReport,
    FanoutReport,
    pipe_recv,
    raise_fd_limit,
    run_client,
)
from bench.report import ServerResult, ServerSample, machine_line, notes_text, summarize, table
from bench.wsclient import CHANNEL, ServerInfo, WsClient, kind, open_client
from eventapi.session import SessionEvent

SERVERS: dict[str, Callable[[Path], procs.ServerProc]] = {
    "stub": procs.start_stub,
    "reference": procs.start_reference,
}
SETTLE_S = 1.0
PING_INTERVAL_S = 0.02
PING_TIMEOUT_S = 5.0
SOURCE_SPLIT = 25_000  # above this many sockets, each process binds its own 127.0.0.x source
FD_RESERVE = 64
STOP_GRACE_S = 3.0  # then load generators still connecting get SIGTERM


# load-generator processes -----------------------------------------------------------------
class LoadGenerators:
    """P spawned subscriber processes and their pipes."""

    def __init__(self, configs: list[ClientConfig]) -> None:
        ctx = mp.get_context("spawn")
        self.pipes: list[Connection] = []
        self.procs: list[BaseProcess] = []
        for cfg in configs:
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(
                target=run_client,
                args=(cfg, theirs),
                daemon=True,
                name=f"bench-loadgen-{cfg.index}",
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
            raise RuntimeError(
                f"a load generator died while waiting for {kind!r} (exit codes {codes})"
            ) from None

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


def client_configs(args: argparse.Namespace, info: ServerInfo) -> list[ClientConfig]:
    base, extra = divmod(args.subscribers, args.processes)
    fanout_timeout = args.publishes / args.rate + args.drain_timeout
    return [
        ClientConfig(
            index=i,
            info=info,
            count=base + (1 if i < extra else 0),
            publishes=args.publishes,
            concurrency=args.concurrency,
            connect_timeout=args.connect_timeout,
            fanout_timeout=fanout_timeout,
            source_ip=f"127.0.0.{2 + i}" if args.subscribers > SOURCE_SPLIT else None,
        )
        for i in range(args.processes)
    ]


# publisher and probe (in this process) ----------------------------------------------------
class PingProbe:
    """WebSocket ping RTT on an otherwise idle connection: how responsive the server loop is."""

    def __init__(self, client: WsClient) -> None:
        self.client = client
        self.rtt_us: list[int] = []
        self.waiter: asyncio.Future[None] | None = None
        client.on_pong = self._pong

    def _pong(self, _data: bytes) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def run(self, max_pings: int) -> None:
        for i in range(max_pings):
            self.waiter = asyncio.get_running_loop().create_future()
            start = time.perf_counter_ns()
            self.client.send_ping(i.to_bytes(4, "big"))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.waiter, PING_TIMEOUT_S)
            self.rtt_us.append((time.perf_counter_ns() - start) // 1000)
            await asyncio.sleep(PING_INTERVAL_S)


class Publisher:
    """Publishes ``{"seq", "t", "pad"}`` events at a fixed rate; counts the acks."""

    def __init__(self, client: WsClient, info: ServerInfo, pad_bytes: int) -> None:
        self.client, self.info = client, info
        self.pad = "x" * pad_bytes
        self.replies: Counter[str] = Counter()
        client.on_event = self._reply

    def _reply(self, event: SessionEvent) -> None:
        self.replies[kind(event)] += 1

    async def run(self, publishes: int, rate: float) -> int:
        """Returns the publisher's time stamp of the first publish (ns)."""
        loop = asyncio.get_running_loop()
        start, first_ns = loop.time(), 0
        for seq in range(publishes):
            await asyncio.sleep(max(0.0, start + seq / rate - loop.time()))
            now = time.time_ns()
            first_ns = first_ns or now
            event = json.dumps({"seq": seq, "t": now, "pad": self.pad})
            self.client.publish(CHANNEL, event, self.info.auth)
        return first_ns


# one server -------------------------------------------------------------------------------
class ServerRun:
    """One server under load: its subprocess, our publisher + probe sockets, the load generators."""

    def __init__(self, server: procs.ServerProc, args: argparse.Namespace) -> None:
        self.server, self.args = server, args
        self.fanout_timeout = args.publishes / args.rate + args.drain_timeout
        self.own: list[WsClient] = []
        self.loadgens: LoadGenerators | None = None

    async def measure(self) -> ServerSample:
        self.own = [await open_client(self.server.info, None, 10) for _ in range(2)]
        publisher = Publisher(self.own[0], self.server.info, self.args.payload_bytes)
        probe = PingProbe(self.own[1])
        await asyncio.sleep(SETTLE_S)
        rss0, cpu0 = self.memory(), self.cpu()
        connects = await self.subscribe_all()
        cpu_connect = self.cpu() - cpu0
        await asyncio.sleep(SETTLE_S)  # idle: RSS per subscribed connection
        rss1, cpu1 = self.memory(), self.cpu()
        first_ns, fanouts = await self.fan_out(publisher, probe)
        odd_replies = set(publisher.replies) - {"publish_success"}
        return ServerSample(
            name=self.server.name,
            subscribers=self.args.subscribers,
            publishes=self.args.publishes,
            rate=self.args.rate,
            connects=connects,
            fanouts=fanouts,
            first_send_ns=first_ns,
            publish_acks=publisher.replies["publish_success"],
            rss_before=rss0,
            rss_after=rss1,
            rss_peak=self.memory("VmHWM"),
            cpu_connect_s=cpu_connect,
            cpu_fanout_s=self.cpu() - cpu1,
            ping_rtt_us=probe.rtt_us,
            notes=[f"publish replies: {dict(publisher.replies)}"] if odd_replies else [],
        )

    async def subscribe_all(self) -> list[ConnectReport]:
        self.loadgens = LoadGenerators(client_configs(self.args, self.server.info))
        connects: list[ConnectReport] = await self.loadgens.gather(
            "subscribed", self.args.connect_timeout + 60
        )
        print(
            f"    subscribed {sum(c.subscribed for c in connects):,} in "
            f"{max(c.seconds for c in connects):.1f}s; publishing",
            flush=True,
        )
        return connects

    async def fan_out(
        self, publisher: Publisher, probe: PingProbe
    ) -> tuple[int, list[FanoutReport]]:
        assert self.loadgens is not None
        self.loadgens.send("start")
        pinging = asyncio.create_task(probe.run(int(self.fanout_timeout / PING_INTERVAL_S)))
        try:
            first_ns = await publisher.run(self.args.publishes, self.args.rate)
            return first_ns, await self.loadgens.gather("result", self.fanout_timeout + 30)
        finally:
            pinging.cancel()

    def memory(self, field: str = "VmRSS") -> int:
        return procs.memory_bytes(self.server.pid, field)

    def cpu(self) -> float:
        return procs.cpu_seconds(self.server.pid)

    async def close(self) -> None:
        if self.loadgens is not None:
            self.loadgens.stop()  # clients reset their sockets (SO_LINGER 0): no TIME_WAIT
        for client in self.own:
            client.abort()
        await asyncio.sleep(0.1)  # let the loop actually close the aborted sockets
        self.server.stop()


async def bench_server(name: str, args: argparse.Namespace, workdir: Path) -> ServerSample:
    run = ServerRun(SERVERS[name](workdir), args)
    try:
        return await run.measure()
    finally:
        await run.close()


async def run_all(
    names: list[str], args: argparse.Namespace
) -> tuple[list[ServerResult], list[str]]:
    """Bench each server in turn; one server's failure is reported, the others still run."""
    results, failures = [], []
    for name in names:
        print(
            f"--- {name}: {args.subscribers:,} subscribers over {args.processes} processes, "
            f"{args.publishes} publishes at {args.rate}/s",
            flush=True,
        )
        started = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
                sample = await bench_server(name, args, Path(tmp))
        except Exception as exc:
            failures.append(f"{name}: FAILED: {type(exc).__name__}: {exc}")
            print(f"    {failures[-1]}", flush=True)
            continue
        result = summarize(sample)
        print(
            f"    done in {time.perf_counter() - started:.1f}s: reach {result.reach:.4f}, "
            f"{result.deliveries_per_s:,.0f} deliveries/s",
            flush=True,
        )
        results.append(result)
    return results, failures


# CLI --------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__.splitlines()[0])
    p.add_argument("--subscribers", type=int, default=2000, help="N subscribers (default 2000)")
    p.add_argument("--processes", type=int, default=2, help="load-generator processes (default 2)")
    p.add_argument("--publishes", type=int, default=10, help="events published (default 10)")
    p.add_argument(
        "--rate",
        type=float,
        default=2.0,
        help="publishes per second from one connection (default 2; the stub, like AppSync, "
        "refuses more than 25/s per connection)",
    )
    p.add_argument("--only", choices=sorted(SERVERS), help="bench one server only")
    p.add_argument("--concurrency", type=int, default=200, help="connects in flight per process")
    p.add_argument("--connect-timeout", type=float, default=120.0, help="connect phase limit, s")
    p.add_argument("--drain-timeout", type=float, default=30.0, help="wait after last publish, s")
    p.add_argument("--payload-bytes", type=int, default=64, help="padding in each event")
    p.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = p.parse_args(argv)
    check_args(p, args)
    return args


def check_args(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    fd_limit = raise_fd_limit()
    per_process = -(-args.subscribers // max(1, args.processes))
    if not 1 <= args.processes <= 64 or args.subscribers < args.processes:
        p.error("need 1 <= processes <= 64 and subscribers >= processes")
    if per_process > fd_limit - FD_RESERVE:
        p.error(
            f"{per_process} sockets per process exceeds the fd limit {fd_limit}: add --processes"
        )
    if args.subscribers > fd_limit - FD_RESERVE:
        p.error(f"one server process cannot hold {args.subscribers} sockets (fd limit {fd_limit})")
    if not 1 <= args.publishes <= 100_000 or not 0 < args.rate <= 10_000:
        p.error("need 1 <= publishes <= 100000 and 0 < rate <= 10000")


def servers_to_run(only: str | None) -> list[str]:
    if only is not None:
        return [only]
    why = procs.stub_available()
    if why is None:
        return list(SERVERS)
    print(f"NOTE: stub skipped, `quizwire stub --help` fails: {why}", flush=True)
    return ["reference"]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # stop children, as on Ctrl-C
        signal.signal(sig, signal.default_int_handler)
    command = shlex.join(
        ["python", "-m", "bench.fanout", *(sys.argv[1:] if argv is None else argv)]
    )
    print(machine_line())
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}   command: {command}", flush=True)
    try:
        results, failures = asyncio.run(run_all(servers_to_run(args.only), args))
    except KeyboardInterrupt:
        print("interrupted; servers and load generators stopped", file=sys.stderr)
        return 130
    finally:
        procs.stop_all()
    print()
    print(table(results) if results else "no results")
    notes = "\n".join(filter(None, [notes_text(results), *failures]))
    if notes:
        print("\nnotes:\n" + notes)
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine_line(),
                    "command": command,
                    "results": [asdict(r) for r in results],
                },
                indent=2,
            )
        )
    return 0 if results and not failures and all(r.reach == 1.0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
