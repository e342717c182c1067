"""Figures of a bench.fanout run and their plain-text table."""

from __future__ import annotations

import os
import platform
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bench.loadgen import ConnectReport, FanoutReport


def percentile(values: list[int] | array[int], q: float) -> float:
    """Nearest-rank percentile of ``values`` (already sorted), NaN if empty."""
    if not values:
        return float("nan")
    rank = min(len(values) - 1, max(0, round(q / 100 * len(values)) - 1))
    return float(values[rank])


def merged_sorted(arrays: Iterable[array[int]]) -> list[int]:
    out: list[int] = []
    for a in arrays:
        out.extend(a)
    out.sort()
    return out


@dataclass
class ServerSample:
    """Raw observations the orchestrator collects for one server."""

    name: str
    subscribers: int
    publishes: int
    rate: float
    connects: list[ConnectReport]
    fanouts: list[FanoutReport]
    first_send_ns: int
    publish_acks: int
    rss_before: int
    rss_after: int
    rss_peak: int
    cpu_connect_s: float
    cpu_fanout_s: float
    ping_rtt_us: list[int]
    notes: list[str] = field(default_factory=list)


@dataclass
class ServerResult:
    name: str
    subscribed: int
    connect_per_s: float
    expected: int
    received: int
    reach: float
    deliveries_per_s: float
    p50_ms: float
    p99_ms: float
    last_p50_ms: float
    last_p99_ms: float
    rss_base_mib: float
    rss_mib: float
    rss_per_conn_kib: float
    rss_peak_mib: float
    server_us_per_delivery: float
    server_us_per_connect: float
    loadgen_cpu_s: float
    loadgen_us_per_delivery: float
    loadgen_lag_p99_ms: float
    ping_p50_ms: float
    ping_p99_ms: float
    publish_acks: int
    out_of_order: int
    incomplete_subscribers: int
    unexpected_closes: int
    notes: list[str]


def last_subscriber_ns(fanouts: list[FanoutReport], publishes: int) -> list[int]:
    """Per publish, the latency of the slowest subscriber over all processes (sorted)."""
    per_publish = (max(f.last_ns[seq] for f in fanouts) for seq in range(publishes))
    return sorted(v for v in per_publish if v >= 0)


def collect_notes(s: ServerSample) -> list[str]:
    errors = sorted({e for c in s.connects for e in c.errors})
    frames = sorted({k for f in s.fanouts for k in f.other_frames})
    return (
        s.notes
        + [f"connect error: {e}" for e in errors]
        + [f"unexpected frame type during fan-out: {k}" for k in frames]
    )


def summarize(s: ServerSample) -> ServerResult:
    subscribed = sum(c.subscribed for c in s.connects)
    expected = s.subscribers * s.publishes
    received = sum(f.received for f in s.fanouts)
    last_recv = max((f.last_recv_ns for f in s.fanouts), default=0)
    window_s = max(1e-9, (last_recv - s.first_send_ns) / 1e9)
    latencies = merged_sorted(f.latencies_ns for f in s.fanouts)
    last = last_subscriber_ns(s.fanouts, s.publishes)
    loadgen_cpu = sum(f.cpu_s for f in s.fanouts)
    connect_s = max((c.seconds for c in s.connects), default=0.0)
    ping = sorted(s.ping_rtt_us)
    return ServerResult(
        name=s.name,
        subscribed=subscribed,
        connect_per_s=subscribed / connect_s if connect_s else 0.0,
        expected=expected,
        received=received,
        reach=received / expected if expected else 0.0,
        deliveries_per_s=received / window_s if received else 0.0,
        p50_ms=percentile(latencies, 50) / 1e6,
        p99_ms=percentile(latencies, 99) / 1e6,
        last_p50_ms=percentile(last, 50) / 1e6,
        last_p99_ms=percentile(last, 99) / 1e6,
        rss_base_mib=s.rss_before / 2**20,
        rss_mib=s.rss_after / 2**20,
        rss_per_conn_kib=(s.rss_after - s.rss_before) / max(1, subscribed) / 1024,
        rss_peak_mib=s.rss_peak / 2**20,
        server_us_per_delivery=s.cpu_fanout_s * 1e6 / max(1, received),
        server_us_per_connect=s.cpu_connect_s * 1e6 / max(1, subscribed),
        loadgen_cpu_s=loadgen_cpu,
        loadgen_us_per_delivery=loadgen_cpu * 1e6 / max(1, received),
        loadgen_lag_p99_ms=percentile(merged_sorted(f.lag_us for f in s.fanouts), 99) / 1e3,
        ping_p50_ms=percentile(ping, 50) / 1e3,
        ping_p99_ms=percentile(ping, 99) / 1e3,
        publish_acks=s.publish_acks,
        out_of_order=sum(f.out_of_order for f in s.fanouts),
        incomplete_subscribers=sum(f.incomplete_subscribers for f in s.fanouts),
        unexpected_closes=sum(f.unexpected_closes for f in s.fanouts),
        notes=collect_notes(s),
    )


# (label, attribute, format, show the stub/reference ratio?)
ROWS: list[tuple[str, str, str, bool]] = [
    ("subscribed", "subscribed", "{:,.0f}", False),
    ("connect+subscribe /s", "connect_per_s", "{:,.0f}", True),
    ("deliveries expected", "expected", "{:,.0f}", False),
    ("deliveries received", "received", "{:,.0f}", False),
    ("reach (must be 1.000)", "reach", "{:.4f}", False),
    ("deliveries /s", "deliveries_per_s", "{:,.0f}", True),
    ("latency p50 ms", "p50_ms", "{:,.1f}", True),
    ("latency p99 ms", "p99_ms", "{:,.1f}", True),
    ("last-subscriber p50 ms", "last_p50_ms", "{:,.1f}", True),
    ("last-subscriber p99 ms", "last_p99_ms", "{:,.1f}", True),
    ("server RSS MiB before subscribers", "rss_base_mib", "{:,.1f}", True),
    ("server RSS MiB all subscribed", "rss_mib", "{:,.1f}", True),
    ("server RSS KiB / idle conn", "rss_per_conn_kib", "{:,.1f}", True),
    ("server peak RSS MiB (VmHWM)", "rss_peak_mib", "{:,.1f}", True),
    ("server CPU us / delivery", "server_us_per_delivery", "{:,.2f}", True),
    ("server CPU us / connect", "server_us_per_connect", "{:,.0f}", True),
    ("server ping RTT p50 ms", "ping_p50_ms", "{:,.1f}", True),
    ("server ping RTT p99 ms", "ping_p99_ms", "{:,.1f}", True),
    ("loadgen CPU s (fan-out)", "loadgen_cpu_s", "{:,.2f}", True),
    ("loadgen CPU us / delivery", "loadgen_us_per_delivery", "{:,.2f}", True),
    ("loadgen loop lag p99 ms", "loadgen_lag_p99_ms", "{:,.1f}", True),
    ("publish acks", "publish_acks", "{:,.0f}", False),
    ("out-of-order/duplicate deliveries", "out_of_order", "{:,.0f}", False),
    ("incomplete subscribers", "incomplete_subscribers", "{:,.0f}", False),
    ("unexpected closes", "unexpected_closes", "{:,.0f}", False),
]


def machine_line() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return (
        f"machine: {os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"Linux {platform.release()}"
    )


def ratio_cell(stub: float, ref: float) -> str:
    if not ref or ref != ref or stub != stub:
        return "-"
    return f"{stub / ref:.2f}x"


def table(results: list[ServerResult]) -> str:
    by_name = {r.name: r for r in results}
    with_ratio = "stub" in by_name and "reference" in by_name
    header = ["metric", *by_name, *(["stub/ref"] if with_ratio else [])]
    rows = [header]
    for label, attr, fmt, show_ratio in ROWS:
        cells = [label, *(fmt.format(getattr(r, attr)) for r in results)]
        if with_ratio:
            stub, ref = getattr(by_name["stub"], attr), getattr(by_name["reference"], attr)
            cells.append(ratio_cell(stub, ref) if show_ratio else "")
        rows.append(cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def notes_text(results: list[ServerResult]) -> str:
    return "\n".join(f"[{r.name}] {n}" for r in results for n in r.notes)
