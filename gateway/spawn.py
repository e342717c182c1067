"""Starting one player process per session: forked from the zygote (the default), or a plain
fork-exec of ``python -m gateway.child`` (the baseline the bench compares it with)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Protocol

from gateway.request import SessionRequest

__all__ = ["ExecSpawner", "SpawnError", "Spawner", "ZygoteSpawner"]

READY_TIMEOUT_S = 60.0
SPAWN_TIMEOUT_S = 10.0


class SpawnError(Exception):
    """A session's process could not be started (the zygote or the exec failed or timed out)."""


class Spawner(Protocol):
    async def start(self) -> None: ...
    async def spawn(self, request: SessionRequest, fds: list[int]) -> int:
        """Start a session on ``fds`` (left open for the caller to close); its pid."""
        ...

    async def close(self) -> None: ...


class ZygoteSpawner:
    def __init__(self, log_path: Path | None = None) -> None:
        self.log_path = log_path
        self._sock: socket.socket | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = asyncio.Lock()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    async def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        log = self.log_path.open("ab") if self.log_path else subprocess.DEVNULL
        try:
            self._proc = await asyncio.to_thread(
                subprocess.Popen,
                [sys.executable, "-m", "gateway.zygote", "--fd", str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        finally:
            theirs.close()
            if not isinstance(log, int):
                log.close()
        ours.setblocking(False)
        self._sock = ours
        try:
            ready = await asyncio.wait_for(
                asyncio.get_running_loop().sock_recv(ours, 4096), READY_TIMEOUT_S
            )
        except TimeoutError:
            ready = b""
        if not ready:
            await self.close()
            raise SpawnError("the session zygote did not start (see the gateway's log)")

    async def spawn(self, request: SessionRequest, fds: list[int]) -> int:
        sock = self._sock
        if sock is None:
            raise SpawnError("the zygote is not running")
        loop = asyncio.get_running_loop()
        async with self._lock:  # one request in flight: replies come back in order
            try:
                socket.send_fds(sock, [request.to_json()], fds)
                reply = await asyncio.wait_for(loop.sock_recv(sock, 4096), SPAWN_TIMEOUT_S)
            except (OSError, TimeoutError) as exc:
                raise SpawnError(f"the zygote did not answer: {exc!r}") from exc
        if not reply:
            raise SpawnError("the zygote has exited")
        answer = json.loads(reply)
        if "pid" not in answer:
            raise SpawnError(str(answer.get("error", "refused")))
        return int(answer["pid"])

    async def close(self) -> None:
        if self._sock is not None:
            self._sock.close()  # the zygote hangs up its children and exits
            self._sock = None
        proc, self._proc = self._proc, None
        if proc is not None:
            for sig in (None, signal.SIGTERM, signal.SIGKILL):
                if sig is not None:
                    with contextlib.suppress(ProcessLookupError):
                        proc.send_signal(sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    await asyncio.to_thread(proc.wait, 3)
                    break


class ExecSpawner:
    """A new interpreter per session: what each session costs without the zygote."""

    def __init__(self, log_path: Path | None = None) -> None:
        self.log_path = log_path
        self._procs: set[subprocess.Popen[bytes]] = set()

    async def start(self) -> None:
        return None

    async def spawn(self, request: SessionRequest, fds: list[int]) -> int:
        for done in [p for p in self._procs if p.poll() is not None]:
            self._procs.discard(done)  # reaped
        pty = len(fds) == 1  # a pty is stdin, stdout and stderr (Textual draws on stderr)
        stdin, stdout = (fds[0], fds[0]) if pty else (fds[0], fds[1])
        log = self.log_path.open("ab") if self.log_path else subprocess.DEVNULL
        env = {**os.environ, "QUIZWIRE_GATEWAY_REQUEST": request.to_json().decode()}
        if self.log_path is not None:
            env["QUIZWIRE_GATEWAY_LOG"] = str(self.log_path)
        try:
            proc = await asyncio.to_thread(
                subprocess.Popen,
                [sys.executable, "-m", "gateway.child"],
                stdin=stdin,
                stdout=stdout,
                stderr=fds[0] if pty else log,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            raise SpawnError(str(exc)) from exc
        finally:
            if not isinstance(log, int):
                log.close()
        self._procs.add(proc)
        return proc.pid

    async def close(self) -> None:
        for proc in list(self._procs):
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGHUP)
        for proc in list(self._procs):
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(proc.wait, 3)
                continue
            proc.kill()
        self._procs.clear()
