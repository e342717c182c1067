"""``python -m bench.ssh_players``: many players over SSH, against the same number of native
``quizwire play`` processes, in one run.

Both sides are the same player app driven the same way: a scripted terminal client reads each
session's screen bytes, types a nickname, and presses the right answer as soon as a question's
choices show, timing the key press -> "Locked in" on its screen (the answer round trip as the
player sees it). SSH side: ``quizwire gateway`` (sessions forked from its zygote), one SSH
connection per player from this process. Reference: ``quizwire play`` started per player on a
pty of its own (a fresh interpreter each: what a session costs without the gateway), read by the
same client. Figures: unique RSS (USS: private clean + dirty pages, /proc/PID/smaps_rollup),
PSS and RSS per session, the gateway's and the sessions' CPU, round-trip p50/p99 and their
ratio. Everything is on loopback, bounded in count and time, and stops itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import procs
from bench.report import percentile

__all__ = ["main", "run"]

QUIZWIRE = (sys.executable, "-m", "quizwire")  # this checkout's, whatever is on PATH
USS_GOAL_MB = 15.0
STEP_TIMEOUT_S = 120.0  # one bot's wait for one screen (a question, its "Locked in")
JOIN_TIMEOUT_S = 600.0  # one bot's join: 200 apps starting at once on 2 cores take minutes
QUESTION_TIME_S = 120  # the longest a quiz allows: a loaded machine must not close it first
NICKNAME = b"Nickname"
LOBBY = b"Waiting for the host"
OPEN = b"Press A-"  # the open question's key hint
LOCKED = b"Locked in"


# -- one scripted player, whatever carries its terminal ---------------------------------------


class Bot:
    """Finds markers in a session's screen bytes; ``write`` sends keys."""

    def __init__(self, name: str, write: Callable[[bytes], object]) -> None:
        self.name = name
        self.write = write
        self.buffer = bytearray()
        self.changed = asyncio.Event()
        self.round_trips_ms: list[float] = []
        self.pid: int | None = None
        self.closed = False

    def feed(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > 256 * 1024:
            del self.buffer[: len(self.buffer) - 64 * 1024]
        self.changed.set()

    async def wait_for(self, marker: bytes, within: float = STEP_TIMEOUT_S) -> None:
        """Until ``marker`` shows in what arrived since the last wait (then forget it)."""
        deadline = time.monotonic() + within
        while True:
            at = self.buffer.find(marker)
            if at >= 0:
                del self.buffer[: at + len(marker)]
                return
            if self.closed:
                raise RuntimeError(f"{self.name}: session closed waiting for {marker!r}")
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.name}: no {marker!r} within {within:.0f} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)

    async def join(self) -> None:
        await self.wait_for(NICKNAME, JOIN_TIMEOUT_S)
        self.write(f"{self.name}\r".encode())
        await self.wait_for(LOBBY, JOIN_TIMEOUT_S)

    async def answer(self, key: str) -> None:
        await self.wait_for(OPEN)
        self.buffer.clear()
        start = time.perf_counter()
        self.write(key.encode())
        await self.wait_for(LOCKED)
        self.round_trips_ms.append((time.perf_counter() - start) * 1000)


# -- SSH bots ------------------------------------------------------------------------------------


async def open_ssh_bot(port: int, code: str, name: str) -> tuple[Bot, Any]:
    import asyncssh

    class _NoKey(asyncssh.SSHClient):
        def kbdint_auth_requested(self) -> str:
            return ""

        def kbdint_challenge_received(
            self, name: str, instructions: str, lang: str, prompts: Any
        ) -> list[str]:
            return ["" for _ in prompts]

    conn = await asyncssh.connect(
        "127.0.0.1",
        port,
        username=code,
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        client_factory=_NoKey,
    )
    holder: dict[str, Any] = {}

    class _Session(asyncssh.SSHClientSession[bytes]):
        def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
            holder["bot"].feed(data)

        def connection_lost(self, exc: Exception | None) -> None:
            holder["bot"].closed = True
            holder["bot"].changed.set()

    chan, _ = await conn.create_session(
        _Session, term_type="xterm-256color", term_size=(80, 24), encoding=None
    )
    holder["bot"] = bot = Bot(name, chan.write)
    return bot, conn


# -- native bots: `quizwire play` on a pty of its own ----------------------------------------------


def open_native_bot(endpoint: str, code: str, name: str, env: dict[str, str]) -> tuple[Bot, Any]:
    from gateway.pty_bridge import open_pty

    master, slave = open_pty(80, 24)
    argv = [*QUIZWIRE, "play", "--game", code, "--name", name]
    proc = subprocess.Popen(
        [*argv, "--endpoint", endpoint],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, **env, "TERM": "xterm-256color"},
        start_new_session=True,
    )
    os.close(slave)
    loop = asyncio.get_running_loop()

    def write(data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.write(master, data)

    bot = Bot(name, write)
    bot.pid = proc.pid

    def readable() -> None:
        try:
            data = os.read(master, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(master)
            bot.closed = True
            bot.changed.set()
            return
        bot.feed(data)

    loop.add_reader(master, readable)
    return bot, (proc, master)


def close_native(handles: Sequence[Any], grace_s: float = 10.0) -> None:
    """Hang up every pty (SIGHUP), then kill whoever is still there after ``grace_s``."""
    loop = asyncio.get_running_loop()
    for _proc, master in handles:
        loop.remove_reader(master)
        with contextlib.suppress(OSError):
            os.close(master)
    deadline = time.monotonic() + grace_s
    for proc, _master in handles:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(max(0.0, deadline - time.monotonic()))
    for proc, _master in handles:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


# -- /proc --------------------------------------------------------------------------------------


def smaps(pid: int) -> dict[str, int]:
    """``smaps_rollup`` in KiB (Rss, Pss, Private_Clean, Private_Dirty, ...)."""
    out: dict[str, int] = {}
    for line in procs.read_proc(f"/proc/{pid}/smaps_rollup").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == "kB":
            out[parts[0].rstrip(":")] = int(parts[1])
    return out


def children(pid: int) -> list[int]:
    pids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        pids.extend(int(c) for c in procs.read_proc(str(task)).split())
    return pids


def own_cpu_seconds(pid: int) -> float:
    fields = procs.read_proc(f"/proc/{pid}/stat").rsplit(")", 1)[-1].split()
    return (int(fields[11]) + int(fields[12])) / procs.CLK_TCK if len(fields) > 12 else 0.0


@dataclass
class Memory:
    sessions: int = 0
    uss_mb: float = float("nan")  # per session, mean
    pss_mb: float = float("nan")
    rss_mb: float = float("nan")

    @classmethod
    def of(cls, pids: Sequence[int]) -> Memory:
        rows = [r for r in (smaps(p) for p in pids) if r]
        if not rows:
            return cls()
        n = len(rows)

        def mean(*keys: str) -> float:
            return sum(sum(r.get(k, 0) for k in keys) for r in rows) / n / 1024

        return cls(n, mean("Private_Clean", "Private_Dirty"), mean("Pss"), mean("Rss"))


@dataclass
class Side:
    name: str
    players: int
    joined: int = 0
    answers: int = 0
    failures: list[str] = field(default_factory=list)
    memory: Memory = field(default_factory=Memory)
    join_s: float = float("nan")
    game_s: float = float("nan")
    sessions_cpu_s: float = float("nan")  # all session processes, game phase
    server_cpu_s: float = float("nan")  # the gateway process itself (SSH), game phase
    zygote_rss_mb: float = float("nan")  # shared by every SSH session
    round_trips_ms: list[float] = field(default_factory=list)

    def p(self, q: float) -> float:
        values = sorted(round(v * 1000) for v in self.round_trips_ms)
        return percentile(values, q) / 1000


# -- the game both sides play -----------------------------------------------------------------


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def quiz(questions: int) -> dict[str, Any]:
    return {
        "title": "Bench quiz",
        "defaults": {"ready_seconds": 0, "time_limit": QUESTION_TIME_S},
        "questions": [
            {
                "text": f"Bench question {i + 1}?",
                "choices": ["red", "green", "blue", "yellow"],
                "answer": "B",
                "points": 1000,
            }
            for i in range(questions)
        ],
    }


async def play(
    side: Side,
    admin: Any,
    code: str,
    bots: list[Bot],
    questions: int,
    session_pids: Callable[[], list[int]],
    gateway_pid: int | None,
) -> None:
    async def step(what: str, coros: list[Any]) -> None:
        begun = time.monotonic()
        results = await asyncio.gather(*coros, return_exceptions=True)
        failed = [str(r) for r in results if isinstance(r, BaseException)]
        side.failures.extend(failed)
        progress(
            f"{side.name}: {what}: {len(coros) - len(failed)}/{len(coros)} in "
            f"{time.monotonic() - begun:.1f} s"
        )

    idle = await idle_player(admin, code)  # keeps each question open until every bot answered
    started = time.monotonic()
    await step("joined", [bot.join() for bot in bots])
    side.join_s = time.monotonic() - started
    side.joined = len(bots) - len(side.failures)
    await asyncio.sleep(2.0)  # settled in the lobby: measure then
    pids = session_pids()
    side.memory = Memory.of(pids)
    cpu_0 = sum(own_cpu_seconds(p) for p in pids)
    server_0 = own_cpu_seconds(gateway_pid) if gateway_pid else 0.0
    t_0 = time.monotonic()
    await admin.command(code, "start")
    for n in range(questions):
        await step(f"question {n + 1} answered", [bot.answer("b") for bot in bots])
        if (await admin.view(code))["phase"] == "question_open":
            await admin.command(code, "reveal")  # the idle player never answers
        if n + 1 < questions:
            await asyncio.sleep(0.5)
            await admin.command(code, "next")
    side.game_s = time.monotonic() - t_0
    side.sessions_cpu_s = sum(own_cpu_seconds(p) for p in session_pids()) - cpu_0
    if gateway_pid:
        side.server_cpu_s = own_cpu_seconds(gateway_pid) - server_0
    await admin.command(code, "end")
    await idle.close()
    for bot in bots:
        side.round_trips_ms.extend(bot.round_trips_ms)
    side.answers = len(side.round_trips_ms)


async def idle_player(admin: Any, code: str) -> Any:
    """A connected player who never answers: a question then stays open until the presenter
    reveals it, so every bot's "Locked in" shows before the reveal replaces it."""
    from quizwire.client.player import CredentialStore, PlayerSession

    game_api = admin.base_url
    session = PlayerSession(
        http_endpoint=game_api + "/event",
        game_api=game_api,
        credentials=CredentialStore(Path(tempfile.mkdtemp(prefix="quizwire-idle-"))),
    )
    await session.join(code, "idle")
    await session.connect()
    return session


async def bounded(coros: Sequence[Any], at_once: int) -> list[Any]:
    gate = asyncio.Semaphore(at_once)

    async def one(coro: Any) -> Any:
        async with gate:
            return await coro

    return list(await asyncio.gather(*(one(c) for c in coros)))


# -- the run ------------------------------------------------------------------------------------


def start_gateway(workdir: Path, endpoint: str, players: int, env: dict[str, str]) -> Any:
    ready = workdir / "gateway.json"
    argv = [
        *QUIZWIRE,
        "gateway",
        "--endpoint",
        endpoint,
        "--ssh-port",
        "0",
        "--no-web",
        "--data-dir",
        str(workdir / "gateway"),
        "--max-sessions-per-address",
        "0",
        "--max-sessions",
        str(players + 10),
        "--log-level",
        "warning",
        "--ready-file",
        str(ready),
    ]
    log = (workdir / "gateway.log").open("wb")
    popen = subprocess.Popen(
        argv,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **env},
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while not ready.exists():
        if popen.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the gateway did not start:\n" + procs.tail(workdir / "gateway.log"))
        time.sleep(0.1)
    time.sleep(0.1)
    return popen, json.loads(ready.read_text())


async def run_ssh(
    info: dict[str, str], admin: Any, workdir: Path, args: Any, env: dict[str, str]
) -> Side:
    side = Side("ssh (gateway)", args.players)
    popen, ready = start_gateway(workdir, info["http"], args.players, env)
    conns: list[Any] = []
    try:
        code = (await admin.create_game(quiz=quiz(args.questions)))["gameId"]
        opened = await bounded(
            [open_ssh_bot(ready["ssh_port"], code, f"ssh{i}") for i in range(args.players)], 20
        )
        bots = [bot for bot, _ in opened]
        conns = [conn for _, conn in opened]
        zygote = int(ready["zygote_pid"])
        await play(
            side, admin, code, bots, args.questions, lambda: children(zygote), int(ready["pid"])
        )
        side.zygote_rss_mb = smaps(zygote).get("Rss", 0) / 1024
    finally:
        for conn in conns:
            conn.close()
        procs.stop_process(popen)
    return side


async def run_native(
    info: dict[str, str], admin: Any, workdir: Path, args: Any, env: dict[str, str]
) -> Side:
    side = Side("native quizwire play", args.reference_players)
    handles: list[Any] = []
    try:
        code = (await admin.create_game(quiz=quiz(args.questions)))["gameId"]
        bots: list[Bot] = []
        for i in range(args.reference_players):  # an interpreter each: started a few at a time
            bot, handle = open_native_bot(info["http"], code, f"nat{i}", env)
            bots.append(bot)
            handles.append(handle)
            if i % 4 == 3:
                await asyncio.sleep(0.2)
        pids = [b.pid for b in bots if b.pid is not None]
        await play(side, admin, code, bots, args.questions, lambda: pids, None)
    finally:
        close_native(handles)
    return side


async def run(args: Any) -> tuple[Side, Side]:
    from eventapi import IamAuth
    from quizwire.client.game_api import AdminClient

    with tempfile.TemporaryDirectory(prefix="quizwire-ssh-bench-") as tmp:
        workdir = Path(tmp)
        env = {
            "QUIZWIRE_DATA_DIR": str(workdir / "data"),
            "QUIZWIRE_CONFIG_DIR": str(workdir / "config"),
        }
        stub = procs.start_stub(workdir)
        try:
            info = procs.stub_secrets(stub)
            admin = AdminClient(
                info["game_api"],
                IamAuth.from_keys(info["region"], info["access_key_id"], info["secret_access_key"]),
            )
            try:
                ssh = await asyncio.wait_for(run_ssh(info, admin, workdir, args, env), args.timeout)
                native = await asyncio.wait_for(
                    run_native(info, admin, workdir, args, env), args.timeout
                )
            finally:
                await admin.close()
        finally:
            stub.stop()
    return ssh, native


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def summary(ssh: Side, native: Side) -> str:
    per_ssh = ssh.sessions_cpu_s / max(1, ssh.joined)
    per_native = native.sessions_cpu_s / max(1, native.joined)
    rows = [
        ("players", ssh.players, native.players, None),
        ("joined", ssh.joined, native.joined, None),
        ("answers locked in", ssh.answers, native.answers, None),
        ("unique RSS (USS) per session, MB", ssh.memory.uss_mb, native.memory.uss_mb, 1),
        ("PSS per session, MB", ssh.memory.pss_mb, native.memory.pss_mb, 1),
        ("RSS per session, MB", ssh.memory.rss_mb, native.memory.rss_mb, 1),
        ("join: all in the lobby, s", ssh.join_s, native.join_s, 1),
        ("game phase, s", ssh.game_s, native.game_s, None),
        ("session CPU per player, game phase, s", per_ssh, per_native, 1),
        ("gateway process CPU, game phase, s", ssh.server_cpu_s, float("nan"), None),
        ("answer round trip p50, ms", ssh.p(50), native.p(50), 1),
        ("answer round trip p99, ms", ssh.p(99), native.p(99), 1),
    ]
    lines = [f"{'':40} {ssh.name:>16} {native.name:>22} {'ratio':>7}"]
    for name, a, b, show_ratio in rows:
        r = f"{ratio(float(a), float(b)):7.2f}" if show_ratio else ""
        lines.append(f"{name:40} {float(a):>16,.1f} {float(b):>22,.1f} {r}")
    lines.append(f"zygote RSS (shared by every SSH session): {ssh.zygote_rss_mb:,.1f} MB")
    goal = "met" if ssh.memory.uss_mb <= USS_GOAL_MB else "NOT met"
    lines.append(f"goal: <= {USS_GOAL_MB:g} MB unique RSS per SSH session — {goal}")
    for failure in (ssh.failures + native.failures)[:10]:
        lines.append(f"failure: {failure}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ssh_players", description=__doc__)
    parser.add_argument("--players", type=int, default=50, help="SSH players (default 50)")
    parser.add_argument(
        "--reference-players",
        type=int,
        help="native `quizwire play` processes (default: as many as --players, at most 300: "
        "each is a whole interpreter)",
    )
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="5 players each, 2 questions")
    parser.add_argument("--timeout", type=float, default=900.0, help="per side, seconds")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.players, args.reference_players, args.questions = 5, 5, 2
    if args.reference_players is None:
        args.reference_players = min(args.players, 300)
    if not (1 <= args.players <= 1000 and 1 <= args.reference_players <= 300):
        parser.error("--players 1-1000, --reference-players 1-300")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        ssh, native = asyncio.run(run(args))
    finally:
        procs.stop_all()
    print(summary(ssh, native))
    if args.json:
        data = {"ssh": asdict(ssh), "native": asdict(native)}
        args.json.write_text(json.dumps(data, indent=2) + "\n")
    ok = not ssh.failures and not native.failures
    ok = ok and ssh.answers == ssh.players * args.questions
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
