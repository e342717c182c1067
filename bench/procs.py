"""Server subprocesses for bench.fanout and what /proc says about them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

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


def stub_argv(data_dir: Path, port: int) -> list[str]:
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
        "60",
    ]


def start_stub(workdir: Path) -> ServerProc:
    data_dir, config_dir = workdir / "stub-data", workdir / "stub-config"
    data_dir.mkdir()
    config_dir.mkdir()
    return spawn(
        "stub",
        stub_argv(data_dir, free_port()),
        data_dir / "stub.json",
        workdir,
        env={"QUIZWIRE_CONFIG_DIR": str(config_dir)},
    )


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
