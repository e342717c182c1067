"""``quizwire stub --backend lambda`` as people run it: a process that serves the game API and
the Event API from backend/, and leaves nothing behind when stopped (DynamoDB, Node and the
function workers are its children)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from .harness import StubProcess, free_port, lambda_available

pytestmark = [
    pytest.mark.timeout(90),
    pytest.mark.skipif(not lambda_available(), reason="needs the test extras and node"),
]


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(stat[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return (
        Path(f"/proc/{pid}").exists()
        and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
    )


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_the_lambda_stub_serves_and_leaves_nothing_behind(tmp_path: Path, stop: int) -> None:
    stub = StubProcess(
        tmp_path / "data", tmp_path / "config", free_port(), extra=["--backend", "lambda"]
    )
    stub.data_dir.mkdir()
    stub.config_dir.mkdir()
    info = stub.start(timeout=60)
    try:
        assert "dynamodb" in info
        unknown = httpx.get(f"{info['game_api']}/games/NOSUCH", timeout=10)
        assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
        children = descendants(stub.pid)
        assert len(children) >= 3  # DynamoDB, Node, the functions' fork server (and workers)
        os.kill(stub.pid, stop)
        assert stub.popen is not None
        stub.popen.wait(30)
        deadline = time.monotonic() + 15  # a killed stub's children notice their parent went
        while time.monotonic() < deadline and any(alive(c) for c in children):
            time.sleep(0.2)
        assert not [c for c in children if alive(c)], stub.tail()
    finally:
        stub.stop()
