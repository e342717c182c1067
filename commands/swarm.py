"""``quizwire swarm``: headless players against any target (the stub or a deployed stack).

Bots are spread over several processes (each holds a share of the connections and its own
event loop), join with a spread, answer each question with human-like timing and accuracy, and
report counters to the parent, which shows a live Rich display and a final summary. Everything
is bounded: a player count, a duration after which every bot leaves, and the game's end.

A bot thinking about a question wakes at once when anything arrives (the question closing, the
game ending); the swarm leaves within a second of the game's end. Ctrl-C or SIGTERM stop every
bot, collect the workers' last counts and print the summary all the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing as mp
import os
import queue
import random
import resource
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from eventapi import ReconnectPolicy
from quizwire.bot_answers import bot_answer
from quizwire.state import Phase
from quizwire.text import clean

SPAWN = mp.get_context("spawn")
REPORT_INTERVAL = 0.5
IDLE_WAIT_S = 5.0  # a bot with nothing to do looks again this often (events wake it at once)
UNTIMED_THINK_MS = 20_000  # a question without a timer: bots think as on a 20 s one
STOP_GRACE_S = 10.0  # workers asked to stop have this long to send their last counts


@dataclass(frozen=True)
class SwarmConfig:
    game: str
    players: int
    http_endpoint: str
    game_api: str
    realtime_endpoint: str | None = None
    processes: int = 2
    duration: float = 600.0  # every bot leaves after this many seconds
    join_spread: float = 5.0  # joins are spread over this many seconds
    #: question id -> the right answer's payload fields, None for a poll (demo only)
    answer_key: dict[str, dict[str, Any] | None] | None = None
    name_prefix: str = ""
    seed: int = 0
    # Against a loopback target, bots share a 127.x source address at most this many at a time:
    # the stub caps connections per source address (500 by default) as it would a real room's
    # laptops, and one (source, destination) pair has only ~28k ephemeral ports anyway.
    players_per_source: int = 200
    verbose: bool = False
    #: team mode: every other bot picks one of these teams, the rest let the server put them
    #: in the smallest (both ways of joining get exercised); empty: join without a team
    teams: tuple[str, ...] = ()


@dataclass
class BotStats:
    joined: int = 0
    connected: int = 0
    answered: int = 0
    accepted: int = 0  # the Event API took the publish
    refused: int = 0  # ... or refused it
    scored: int = 0  # the game's receipt: the answer was judged and stored
    judged_refused: int = 0  # ... refused by the rules after the publish (late, duplicate...)
    unjudged: int = 0  # no receipt before the next question or the end
    errors: int = 0
    reconnects: int = 0
    finished: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    last_error: str = ""
    stopped_by: str = ""  # "Ctrl-C" or "SIGTERM" when the swarm was told to stop early

    def merge(self, other: BotStats) -> None:
        for name in (
            "joined",
            "connected",
            "answered",
            "accepted",
            "refused",
            "scored",
            "judged_refused",
            "unjudged",
            "errors",
            "reconnects",
            "finished",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.latencies_ms.extend(other.latencies_ms)
        if other.last_error:
            self.last_error = other.last_error


def human_delay(rng: random.Random, duration_ms: int) -> float:
    """Seconds until a person answers: log-normal around a third of the time, never after it."""
    fraction = min(0.95, rng.lognormvariate(math.log(0.3), 0.5))
    return max(0.4, fraction * duration_ms / 1000)


def bot_team(cfg: SwarmConfig, rng: random.Random, index: int) -> str | None:
    """The team bot ``index`` asks for: one of ``cfg.teams`` for even bots, else None (the
    server's smallest-team rule)."""
    if not cfg.teams or index % 2:
        return None
    return rng.choice(cfg.teams)


def pick_choice(rng: random.Random, n_choices: int, correct: int | None, skill: float) -> int:
    if correct is not None and rng.random() < skill:
        return correct
    wrong = [i for i in range(n_choices) if i != correct] or list(range(n_choices))
    return rng.choice(wrong)


def source_address_for(cfg: SwarmConfig, bot_index: int) -> str | None:
    """The loopback source address bot ``bot_index`` connects from (None: the default)."""
    host = urlsplit(cfg.http_endpoint).hostname or ""
    if cfg.players <= cfg.players_per_source or not host.startswith("127."):
        return None
    group = bot_index // cfg.players_per_source
    return f"127.0.{1 + group // 250}.{1 + group % 250}"


async def run_bot(
    cfg: SwarmConfig,
    index: int,
    stats: BotStats,
    stop: asyncio.Event,
    store_root: Path,
    entry: Any,
    source_address: str | None = None,
) -> None:
    from quizwire.client.player import CredentialStore, PlayerSession
    from quizwire.clock import wall_ms
    from quizwire.names import random_nickname

    rng = random.Random(f"{cfg.seed}:{index}")
    skill = rng.uniform(0.35, 0.9)
    session = PlayerSession(
        http_endpoint=cfg.http_endpoint,
        game_api=cfg.game_api,
        realtime_endpoint=cfg.realtime_endpoint,
        credentials=CredentialStore(store_root / str(index)),
        entry=entry,
        reconnect=ReconnectPolicy(),
        source_address=source_address,
    )
    was_reconnecting = False

    def on_state(state: Any) -> None:
        nonlocal was_reconnecting
        if state.value == "reconnecting":
            was_reconnecting = True
        elif state.value == "connected" and was_reconnecting:
            stats.reconnects += 1
            was_reconnecting = False

    session.on_state = on_state
    try:
        with contextlib.suppress(TimeoutError):  # the join spread, unless the swarm stops first
            await asyncio.wait_for(stop.wait(), rng.uniform(0, cfg.join_spread))
        if stop.is_set():
            return
        name = f"{cfg.name_prefix}{random_nickname(rng)}"[:20] + f" {index}"
        await session.join(cfg.game, name[:24], bot_team(cfg, rng, index))
        stats.joined += 1
        model = await session.connect()
        stats.connected += 1
        answered: set[str] = set()
        pending: str | None = None  # the question whose answer awaits its receipt
        while not stop.is_set():
            session.pump()
            pending = settle_receipt(model, pending, stats)
            question = model.question
            if model.phase == Phase.FINISHED:
                stats.finished += 1
                return
            if (
                model.phase == Phase.QUESTION_OPEN
                and question is not None
                and question.question_id not in answered
            ):
                answered.add(question.question_id)
                # wait for the choices to open (the get-ready phase), then think like a person
                ready_s = model.ready_left_ms(wall_ms()) / 1000
                # no timer: think as long as on a 20 s question (the host reveals when ready)
                thinking_ms = question.duration_ms if question.timed else UNTIMED_THINK_MS
                delay = ready_s + human_delay(rng, thinking_ms)
                if not await think(session, model, question.question_id, delay):
                    continue  # closed (revealed early, the game ended) while the bot thought
                right = cfg.answer_key.get(question.question_id) if cfg.answer_key else None
                fields = bot_answer(rng, question, right, skill)
                started = time.perf_counter()
                refusal = await session.send_answer(fields)
                stats.latencies_ms.append((time.perf_counter() - started) * 1000)
                stats.answered += 1
                if refusal is None:
                    stats.accepted += 1
                    pending = question.question_id
                else:
                    stats.refused += 1
                continue
            await session.wait_for_events(IDLE_WAIT_S)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a bot's failure is a statistic, not the swarm's end
        stats.errors += 1
        stats.last_error = clean(f"{type(exc).__name__}: {exc}", 200)  # may quote the server
    finally:
        with contextlib.suppress(Exception):
            await session.close()


def settle_receipt(model: Any, pending: str | None, stats: BotStats) -> str | None:
    """Count the game's verdict on the answer sent for question ``pending`` once its receipt
    is in. The publish's acknowledgement is only the Event API's: on ``backend/`` the answer
    is judged afterwards, asynchronously, and may still be refused (too late) or lost."""
    if pending is None:
        return None
    result = model.result
    if result is not None and result.question_id == pending:
        stats.scored += 1
        return None
    question = model.question
    if model.refusal is not None and question is not None and question.question_id == pending:
        stats.judged_refused += 1
        return None
    if model.phase == Phase.FINISHED or (question is not None and question.question_id != pending):
        stats.unjudged += 1
        return None
    return pending


async def think(session: Any, model: Any, question_id: str, seconds: float) -> bool:
    """Think about the open question for ``seconds``, waking for every event that arrives;
    True if it is still open then, False as soon as it closes or the game ends."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (remaining := deadline - loop.time()) > 0:
        await session.wait_for_events(remaining)
        session.pump()
        if not question_open(model, question_id):
            return False
    return question_open(model, question_id)


def question_open(model: Any, question_id: str) -> bool:
    question = model.question
    return (
        model.phase == Phase.QUESTION_OPEN
        and question is not None
        and question.question_id == question_id
    )


def _raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def _worker_main(
    cfg: SwarmConfig, worker_id: int, indices: list[int], reports: Any, stop_flag: Any
) -> None:
    from quizwire.client.game_api import EntryClient

    _raise_fd_limit()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    # SIGTERM to the whole process group: stop the bots, report, leave (as on the parent's word)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    stats = BotStats()
    sent_latencies = 0

    def report() -> None:
        nonlocal sent_latencies
        delta = BotStats(**{**stats.__dict__, "latencies_ms": stats.latencies_ms[sent_latencies:]})
        sent_latencies = len(stats.latencies_ms)
        reports.put((worker_id, "progress", delta.__dict__))

    entry = EntryClient(cfg.game_api, max_attempts=20, max_wait=min(cfg.duration, 300.0))
    with tempfile.TemporaryDirectory(prefix="quizwire-swarm-") as tmp:
        tasks = [
            asyncio.create_task(
                run_bot(cfg, i, stats, stop, Path(tmp), entry, source_address_for(cfg, i))
            )
            for i in indices
        ]
        deadline = loop.time() + cfg.duration
        try:
            pending: set[asyncio.Task[None]] = set(tasks)
            while pending and not stop.is_set():
                # returns the moment the last bot is done (the game ended), else every interval
                _, pending = await asyncio.wait(pending, timeout=REPORT_INTERVAL)
                if stop_flag.is_set() or loop.time() > deadline:
                    stop.set()
                report()
        finally:
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await entry.close()
            report()
            reports.put((worker_id, "done", None))


def worker(
    cfg: SwarmConfig, worker_id: int, indices: list[int], reports: Any, stop_flag: Any
) -> None:
    # Ctrl-C reaches the whole process group: the parent handles it and tells the workers to
    # stop, so that each one still sends its last counts.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    asyncio.run(_worker_main(cfg, worker_id, indices, reports, stop_flag))
    # The counts are out (join_thread waits until the queue's pipe took them); the sockets and
    # the temporary directory are closed. Leave now: tearing the interpreter down took the
    # worker ~0.5-0.9 s, most of the swarm's time to exit once the game had ended.
    reports.close()
    reports.join_thread()
    os._exit(0)


@dataclass
class SwarmTotals:
    """The latest absolute counters across workers (each report replaces that worker's)."""

    per_worker: dict[int, BotStats] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)

    def update(self, worker_id: int, raw: dict[str, Any]) -> None:
        stats = BotStats(**raw)
        self.latencies_ms.extend(stats.latencies_ms)
        stats.latencies_ms = []
        self.per_worker[worker_id] = stats

    def total(self) -> BotStats:
        out = BotStats()
        for stats in self.per_worker.values():
            out.merge(stats)
        out.latencies_ms = self.latencies_ms
        return out


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class _Terminated(KeyboardInterrupt):
    """SIGTERM, turned into the same orderly stop as Ctrl-C."""


@contextlib.contextmanager
def _sigterm_stops() -> Iterator[None]:
    """While the swarm runs, SIGTERM raises :class:`_Terminated` in the main thread (a swarm run
    from another thread leaves signals to its host)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: object) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_swarm(
    cfg: SwarmConfig, *, show: bool = True, stop: threading.Event | None = None
) -> BotStats:
    """Start the workers, show progress, return the totals. Stops by itself (the game ended,
    the duration passed), on ``stop``, on Ctrl-C or on SIGTERM -- always with the totals."""
    processes = max(1, min(cfg.processes, cfg.players))
    shares = [list(range(i, cfg.players, processes)) for i in range(processes)]
    reports = SPAWN.Queue()  # one for all workers: a report wakes the parent at once
    stop_flag = SPAWN.Event()
    procs = [
        SPAWN.Process(target=worker, args=(cfg, wid, share, reports, stop_flag), daemon=True)
        for wid, share in enumerate(shares)
    ]
    totals = SwarmTotals()
    done: set[int] = set()
    stopped_by = ""
    display = _Display(cfg) if show else None

    def collect() -> None:
        with contextlib.suppress(queue.Empty):
            wid, kind, raw = reports.get(timeout=0.1)
            while True:
                if kind == "done":
                    done.add(wid)
                else:
                    totals.update(wid, raw)
                wid, kind, raw = reports.get_nowait()
        for wid, proc in enumerate(procs):
            if wid not in done and proc.pid is not None and not proc.is_alive():
                done.add(wid)  # killed: whatever it reported is all there is
        if display is not None:
            display.update(totals.total())

    def until(finished: Callable[[], bool], limit_s: float) -> None:
        deadline = time.monotonic() + limit_s
        while not finished() and time.monotonic() < deadline:
            if stop is not None and stop.is_set():
                stop_flag.set()
            collect()

    with _sigterm_stops(), display or contextlib.nullcontext():
        try:
            for proc in procs:
                proc.start()
            until(lambda: len(done) == len(procs), cfg.duration + 30)
        except KeyboardInterrupt as exc:
            stopped_by = "SIGTERM" if isinstance(exc, _Terminated) else "Ctrl-C"
        finally:
            stop_flag.set()
            with contextlib.suppress(KeyboardInterrupt):  # their last counts, briefly
                until(lambda: len(done) == len(procs), STOP_GRACE_S)
            for proc in procs:
                if proc.pid is None:
                    continue
                proc.join(timeout=5)
                if proc.is_alive():
                    proc.kill()
                    proc.join(timeout=5)
            reports.close()
            reports.join_thread()
    result = totals.total()
    result.stopped_by = stopped_by
    return result


class _Display:
    """A live Rich panel: joined / answered / errors / latency, refreshed a few times a second."""

    def __init__(self, cfg: SwarmConfig) -> None:
        from rich.live import Live

        self.cfg = cfg
        self.started = time.monotonic()
        self.live = Live(refresh_per_second=4, transient=False)

    def __enter__(self) -> _Display:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(None, None, None)

    def update(self, stats: BotStats) -> None:
        self.live.update(render_stats(self.cfg, stats, time.monotonic() - self.started))


def receipts_line(stats: BotStats) -> str:
    return (
        f"scored {stats.scored}, refused by the game {stats.judged_refused}, none {stats.unjudged}"
    )


def render_stats(cfg: SwarmConfig, stats: BotStats, elapsed: float) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(f"quizwire swarm → game {cfg.game}"), show_header=False, box=None)
    table.add_column(justify="right", style="bold")
    table.add_column()
    table.add_row("elapsed", f"{elapsed:6.1f} s of at most {cfg.duration:.0f} s")
    table.add_row("joined", f"{stats.joined} / {cfg.players}")
    table.add_row("connected", f"{stats.connected}")
    table.add_row(
        "answered", f"{stats.answered} (accepted {stats.accepted}, refused {stats.refused})"
    )
    table.add_row("receipts", receipts_line(stats))
    table.add_row("errors", f"{stats.errors}  reconnects {stats.reconnects}")
    lat = stats.latencies_ms
    table.add_row(
        "answer latency",
        f"p50 {percentile(lat, 0.5):.1f} ms  p99 {percentile(lat, 0.99):.1f} ms" if lat else "-",
    )
    if stats.last_error:
        table.add_row("last error", Text(stats.last_error))
    return table


def summary(cfg: SwarmConfig, stats: BotStats) -> str:
    lat = stats.latencies_ms
    lines = [
        f"players {cfg.players}: joined {stats.joined}, connected {stats.connected}, finished {stats.finished}",
        f"answers {stats.answered}: accepted {stats.accepted}, refused {stats.refused}",
        f"receipts: {receipts_line(stats)}",
        f"errors {stats.errors}, reconnects {stats.reconnects}",
    ]
    if lat:
        lines.append(
            f"answer round-trip p50 {percentile(lat, 0.5):.1f} ms, p99 {percentile(lat, 0.99):.1f} ms"
        )
    if stats.last_error:
        lines.append(f"last error: {stats.last_error}")
    if stats.stopped_by:
        lines.append(f"stopped early by {stats.stopped_by}")
    return "\n".join(lines)
