"""Held connections: N subscribed WebSockets held idle for a while, stub vs. reference.

Reuses the fan-out machinery (:mod:`bench.fanout`, :mod:`bench.loadgen`): N subscribers of
``/default/bench`` spread over worker processes, then a hold of ``hold_s`` seconds during which
the stub sends its ``ka`` keep-alives (every 10 s here) and a probe pings the server every 20 ms,
then one event is published: a connection that did not receive it was dropped during the hold.
Server RSS per held connection is read from /proc once the hold is over.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import procs
from bench.fanout import PING_INTERVAL_S, SETTLE_S, PingProbe, Publisher, ServerRun
from bench.report import percentile
from bench.wsclient import open_client

KEEPALIVE_S = 10.0  # the stub's ka interval during the hold (its default is 60 s)


@dataclass
class HeldResult:
    name: str
    connections: int
    subscribed: int
    connect_per_s: float
    hold_s: float
    dropped: int  # subscribed but missed the final event (closed or stuck)
    failed: int  # never subscribed
    rss_base_mib: float
    rss_mib: float
    rss_per_conn_kib: float
    idle_cpu_pct: float  # server CPU during the hold, % of one core
    ping_p99_ms: float
    errors: list[str]


class HeldRun(ServerRun):
    async def measure_held(self, hold_s: float) -> HeldResult:
        info = self.server.info
        self.own = [await open_client(info, None, 10) for _ in range(2)]
        publisher = Publisher(self.own[0], info, 16)
        probe = PingProbe(self.own[1])
        await asyncio.sleep(SETTLE_S)
        rss0 = self.memory()
        connects = await self.subscribe_all()
        subscribed = sum(c.subscribed for c in connects)
        cpu0 = self.cpu()
        pinging = asyncio.create_task(probe.run(int(hold_s / PING_INTERVAL_S) + 1))
        try:
            await asyncio.sleep(hold_s)
        finally:
            pinging.cancel()
        cpu = self.cpu() - cpu0
        rss1 = self.memory()
        _, fanouts = await self.fan_out(publisher, Probe0())
        received = sum(f.received for f in fanouts)
        connect_s = max((c.seconds for c in connects), default=0.0)
        ping = sorted(probe.rtt_us)
        return HeldResult(
            name=self.server.name,
            connections=self.args.subscribers,
            subscribed=subscribed,
            connect_per_s=subscribed / connect_s if connect_s else 0.0,
            hold_s=hold_s,
            dropped=subscribed - received,
            failed=self.args.subscribers - subscribed,
            rss_base_mib=rss0 / 2**20,
            rss_mib=rss1 / 2**20,
            rss_per_conn_kib=(rss1 - rss0) / max(1, subscribed) / 1024,
            idle_cpu_pct=cpu / hold_s * 100 if hold_s else 0.0,
            ping_p99_ms=percentile(ping, 99) / 1e3,
            errors=sorted({e for c in connects for e in c.errors}),
        )


class Probe0(PingProbe):
    """No pings while the final event goes out: the hold is what is measured."""

    def __init__(self) -> None:
        self.rtt_us = []

    async def run(self, max_pings: int) -> None:
        return None


def held_args(connections: int, processes: int) -> argparse.Namespace:
    return argparse.Namespace(
        subscribers=connections,
        processes=processes,
        publishes=1,
        rate=1.0,
        concurrency=200,
        connect_timeout=120.0,
        drain_timeout=30.0,
        payload_bytes=16,
    )


async def run_held(name: str, connections: int, processes: int, hold_s: float) -> HeldResult:
    """Hold ``connections`` on a fresh server (``name``: "stub" or "reference")."""
    with tempfile.TemporaryDirectory(prefix=f"bench-held-{name}-") as tmp:
        if name == "stub":
            server = procs.start_stub(Path(tmp), keepalive_s=KEEPALIVE_S)
        else:
            server = procs.start_reference(Path(tmp))
        run = HeldRun(server, held_args(connections, processes))
        try:
            return await run.measure_held(hold_s)
        finally:
            await run.close()
