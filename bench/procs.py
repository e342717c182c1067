"""Server subprocesses and load-generator worker processes for the benchmarks, and what /proc
says about them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from bench.loadgen import pipe_recv
from bench.wsclient import ServerInfo

VENV_BIN = Path(sys.executable).parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
_running: set[subprocess.Popen[bytes]] = set()  # safety net for stop_all()


@dataclass
class ServerProc:
    name: str
    popen: subprocess.Popen[bytes]
    info: ServerInfo
    log: Path

    @property
    def workdir(self) -> Path:
        return self.log.parent

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self) -> None:
        stop_process(self.popen)


def stop_process(popen: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's own process group, then SIGKILL it if it lingers."""
    _running.discard(popen)
    if popen.poll() is not None:
        return
    for sig, wait_s in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, STOP_TIMEOUT_S)):
        try:
            os.killpg(popen.pid, sig)  # start_new_session=True: pgid == pid
        except ProcessLookupError:
            return
        try:
            popen.wait(wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def stop_all() -> None:
    """Stop every server this process started and has not stopped yet."""
    for popen in list(_running):
        stop_process(popen)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn(
    name: str, argv: list[str], ready_file: Path, workdir: Path, env: dict[str, str] | None = None
) -> ServerProc:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    _running.add(popen)
    try:
        info = wait_ready(popen, ready_file, log)
    except BaseException:
        stop_process(popen)
        raise
    return ServerProc(name, popen, info, log)


def wait_ready(popen: subprocess.Popen[bytes], ready_file: Path, log: Path) -> ServerInfo:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            raise RuntimeError(f"server exited with {popen.returncode}:\n{tail(log)}")
        if ready_file.exists():
            try:
                return ServerInfo.load(ready_file)
            except (ValueError, KeyError):
                pass  # partially written; retry
        time.sleep(0.05)
    raise TimeoutError(f"{ready_file} not written within {READY_TIMEOUT_S:.0f}s:\n{tail(log)}")


def tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def start_reference(workdir: Path) -> ServerProc:
    ready = workdir / "reference.json"
    argv = [
        sys.executable,
        "-m",
        "bench.reference_server",
        "--port",
        "0",
        "--ready-file",
        str(ready),
    ]
    return spawn("reference", argv, ready, workdir)


# A load generator stands in for thousands of players from a handful of loopback addresses and
# measures raw fan-out on ``default``: the room protections meant for real clients (the
# per-address connection cap, the default namespace's delivery budget) are lifted for it.
LOAD_TEST_ARGS = ("--max-connections-per-address", "0", "--default-namespace", "open")


def stub_argv(
    data_dir: Path, port: int, keepalive_s: float = 60.0, *, load_test: bool = True
) -> list[str]:
    return [
        str(VENV_BIN / "quizwire"),
        "stub",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--keepalive-interval",
        f"{keepalive_s:g}",
        *(LOAD_TEST_ARGS if load_test else ()),
    ]


def start_stub(
    workdir: Path,
    extra_args: Sequence[str] = (),
    keepalive_s: float = 60.0,
    *,
    load_test: bool = True,
) -> ServerProc:
    """``quizwire stub`` on a free 127.0.0.1 port with its own data and config dirs."""
    data_dir, config_dir = workdir / "stub-data", workdir / "stub-config"
    data_dir.mkdir()
    config_dir.mkdir()
    return spawn(
        "stub",
        [*stub_argv(data_dir, free_port(), keepalive_s, load_test=load_test), *extra_args],
        data_dir / "stub.json",
        workdir,
        env={"QUIZWIRE_CONFIG_DIR": str(config_dir)},
    )


def stub_secrets(server: ServerProc) -> dict[str, str]:
    """The stub's ``stub.json`` (endpoints, API key, IAM credentials for the admin API)."""
    data: dict[str, str] = json.loads((server.workdir / "stub-data" / "stub.json").read_text())
    return data


def source_address(scenario: int, worker: int) -> str:
    """A loopback source address of its own for one worker of one scenario run.

    Each (source, destination) address pair has ~28k ephemeral ports; giving every worker its
    own 127.x address (varied by pid, so a re-run does not meet the last run's sockets) keeps
    the suite's scenarios from sharing that budget."""
    return f"127.{10 + scenario % 200}.{1 + (os.getpid() // 7) % 250}.{1 + worker % 250}"


class Workers:
    """Spawned load-generator processes, each running ``target(config, pipe)``.

    Messages on the pipes are ``(kind, payload)`` pairs; every wait on them is bounded."""

    def __init__(
        self, target: Callable[[Any, Connection], None], configs: Sequence[Any], name: str
    ) -> None:
        ctx = mp.get_context("spawn")
        self.pipes: list[Connection] = []
        self.procs: list[BaseProcess] = []
        for i, cfg in enumerate(configs):
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=target, args=(cfg, theirs), daemon=True, name=f"{name}-{i}")
            proc.start()
            theirs.close()
            self.pipes.append(mine)
            self.procs.append(proc)

    async def gather(self, kind: str, wait_s: float) -> list[Any]:
        try:
            return list(await asyncio.gather(*(pipe_recv(p, kind, wait_s) for p in self.pipes)))
        except EOFError:
            codes = [p.exitcode for p in self.procs]
            raise RuntimeError(f"a worker died waiting for {kind!r} (exit codes {codes})") from None

    def send(self, kind: str, payload: Any = None) -> None:
        for pipe in self.pipes:
            pipe.send((kind, payload))

    def stop(self, grace_s: float = 3.0) -> None:
        """Ask every worker to stop, then terminate / kill the ones that linger."""
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(("stop", None))
        deadline = time.monotonic() + grace_s
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


def stub_available() -> str | None:
    """None if ``quizwire stub --help`` works, else why not."""
    try:
        done = subprocess.run(
            [str(VENV_BIN / "quizwire"), "stub", "--help"],
            capture_output=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if done.returncode != 0:
        return (done.stderr or done.stdout).decode(errors="replace").strip().splitlines()[-1]
    return None


# /proc readers (sum over the server's process tree) -------------------------------------
def process_tree(pid: int) -> list[int]:
    pids: list[int] = []
    todo = [pid]
    while todo and len(pids) < 1000:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            todo.extend(int(child) for child in read_proc(str(task)).split())
    return pids


def read_proc(path: str) -> str:
    try:
        return Path(path).read_text()
    except (FileNotFoundError, ProcessLookupError):
        return ""  # the process just exited


def memory_bytes(pid: int, field: str = "VmRSS") -> int:
    """``field`` of /proc/<pid>/status (VmRSS: now, VmHWM: peak), in bytes."""
    total = 0
    for p in process_tree(pid):
        for line in read_proc(f"/proc/{p}/status").splitlines():
            if line.startswith(f"{field}:"):
                total += int(line.split()[1]) * 1024
    return total


def cpu_seconds(pid: int) -> float:
    ticks = 0
    for p in process_tree(pid):
        fields = read_proc(f"/proc/{p}/stat").rsplit(")", 1)[-1].split()
        if len(fields) > 12:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
    return ticks / CLK_TCK
