"""``quizwire demo``'s housekeeping: it stops within its bound, writes results to the data dir
(never the current directory), and cleans up after a demo that was killed."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from commands import demo
from commands.demo_leftovers import DEMO_PID, STUB_PID, clean_stale_demos, mark_demo
from quizwire.profiles import Profile, load_profiles, save_profile

pytestmark = pytest.mark.timeout(60)

SLEEPER = "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUIZWIRE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("QUIZWIRE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_killed_demos_dir_stub_and_profile_are_cleaned_up(dirs: Path) -> None:
    parent = dirs / "tmp"
    stale, running, foreign = (parent / f"quizwire-demo-{n}" for n in ("old", "live", "x"))
    for root in (stale, running, foreign):
        (root / "data").mkdir(parents=True)
    (stale / DEMO_PID).write_text(str(dead_pid()))
    # the stale demo's stub, still running (it ignores SIGTERM, like a stuck one)
    stub = subprocess.Popen([sys.executable, "-c", SLEEPER, str(stale)])
    (stale / STUB_PID).write_text(str(stub.pid))
    endpoint = "http://127.0.0.1:40404/event"
    (stale / "data" / "stub.json").write_text(json.dumps({"http": endpoint}))
    save_profile(Profile(name="demo", http_endpoint=endpoint, source="quizwire demo"))
    save_profile(Profile(name="local", http_endpoint="http://127.0.0.1:8787/event"))
    mark_demo(running)  # this process: alive
    try:
        assert clean_stale_demos(parent, "demo") == [stale]
        assert stub.wait(timeout=10) != 0  # stopped
    finally:
        stub.kill()
        stub.wait()
    assert not stale.exists() and running.exists() and foreign.exists()
    assert set(load_profiles()) == {"local"}


def test_a_live_pid_that_is_not_the_stub_is_left_alone(dirs: Path) -> None:
    """A recycled pid (a process that is not this demo's stub) is never signalled."""
    root = dirs / "tmp" / "quizwire-demo-old"
    root.mkdir(parents=True)
    (root / DEMO_PID).write_text(str(dead_pid()))
    other = subprocess.Popen([sys.executable, "-c", SLEEPER])  # no demo dir in its argv
    (root / STUB_PID).write_text(str(other.pid))
    try:
        clean_stale_demos(dirs / "tmp", "demo")
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()
    assert not root.exists()


def test_stopping_kills_a_stub_that_ignores_sigterm_within_the_bound() -> None:
    stub = subprocess.Popen([sys.executable, "-c", SLEEPER])
    stop = threading.Event()
    release = threading.Event()
    stuck = threading.Thread(target=release.wait, daemon=True)  # a thread that will not stop
    stuck.start()
    began = time.monotonic()
    try:
        demo.stop_everything(stub, [stop], [stuck], within_s=0.5)
    finally:
        release.set()
        stub.kill()
    assert stop.is_set() and stub.returncode is not None
    assert time.monotonic() - began < 5  # bounded (0.5 s asked), not 10 s per part


def test_the_demo_saves_results_in_the_data_dir_and_leaves_nothing_behind(
    dirs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, Any] = {}

    def console(args: argparse.Namespace) -> int:
        seen["export_dir"] = args.export_dir
        seen["profiles"] = set(load_profiles())
        seen["demo_dirs"] = [
            d
            for d in Path(tempfile.gettempdir()).glob("quizwire-demo-*")
            if (d / DEMO_PID).is_file() and (d / DEMO_PID).read_text() == str(os.getpid())
        ]
        results = args.export_dir
        results.mkdir(parents=True)
        (results / f"quizwire-{args.game}-results.csv").write_text("rank\n")
        return 0

    import admin.app

    monkeypatch.setattr(admin.app, "run", console)
    monkeypatch.chdir(dirs)
    args = argparse.Namespace(
        players=0, quiz="aws-serverless", time=15, autopilot=False, theme=None
    )
    assert demo.run(args) == 0
    out = capsys.readouterr().out
    assert seen["export_dir"] == dirs / "data" / "results"
    assert "demo" in seen["profiles"] and "demo" not in load_profiles()
    (mine,) = seen["demo_dirs"]  # marked as this process's while it ran, gone after
    assert not mine.exists()
    assert f"results saved in {dirs / 'data' / 'results'}" in out
    assert out.index("stopping…") < out.index("stopped")
    assert sorted(p.name for p in dirs.iterdir()) == ["config", "data"]  # nothing in the cwd
