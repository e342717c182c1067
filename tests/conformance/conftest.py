"""Fixtures: a real ``quizwire stub`` subprocess on a free port, reached over real sockets."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from .wire import Endpoint

QUIZWIRE = Path(sys.executable).parent / "quizwire"
API_KEY = "da2-conformance0000000000000000"
STARTUP_TIMEOUT = 20.0

# Namespaces of the shared stub, besides ``default`` (API_KEY/API_KEY).
NAMESPACES = (
    "secure:AWS_IAM:AWS_IAM",  # IAM only
    "mixed:API_KEY,AWS_IAM:API_KEY,AWS_IAM",
    "subonly:AWS_IAM:API_KEY",  # API key may subscribe, only IAM may publish
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class StubProcess:
    def __init__(self, workdir: Path, *extra: str) -> None:
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log = workdir / "stub.log"
        self.port = free_port()
        args = [
            str(QUIZWIRE), "stub",
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--data-dir", str(self.data_dir),
            "--api-key", API_KEY,
            *extra,
        ]  # fmt: skip
        env = {**os.environ, "QUIZWIRE_CONFIG_DIR": str(workdir / "config")}
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=workdir
            )

    def wait_ready(self) -> Endpoint:
        stub_json = self.data_dir / "stub.json"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"quizwire stub exited with {self.proc.returncode}:\n{self.logs()}")
            if stub_json.exists():
                try:
                    data = json.loads(stub_json.read_text())
                except ValueError:  # being written
                    data = None
                if data:
                    return Endpoint.from_stub_json(data)
            time.sleep(0.05)
        self.stop()
        pytest.fail(f"quizwire stub wrote no stub.json in {STARTUP_TIMEOUT}s:\n{self.logs()}")

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def launch(workdir: Path, *extra: str) -> Iterator[Endpoint]:
    stub = StubProcess(workdir, *extra)
    try:
        yield stub.wait_ready()
    finally:
        stub.stop()


@pytest.fixture(scope="session")
def stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """The shared stub: ``default`` plus the namespaces in ``NAMESPACES``."""
    extra = [arg for ns in NAMESPACES for arg in ("--namespace", ns)]
    yield from launch(tmp_path_factory.mktemp("stub"), *extra)


@pytest.fixture
def fast_ka_stub(tmp_path: Path) -> Iterator[Endpoint]:
    """A dedicated stub with a 0.5 s keep-alive interval."""
    yield from launch(tmp_path, "--keepalive-interval", "0.5")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client
