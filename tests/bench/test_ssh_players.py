"""``python -m bench.ssh_players --quick``: a few SSH players through a real gateway and as
many native ``quizwire play`` processes play the same game; every answer is locked in on both
sides and the figures the bench reports are there (the figures themselves are the bench's job)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(300)
def test_ssh_players_quick(tmp_path: Path) -> None:
    out = tmp_path / "ssh.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.ssh_players", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "unique RSS (USS) per session, MB" in done.stdout
    assert "answer round trip p99, ms" in done.stdout
    data = json.loads(out.read_text())
    for side in ("ssh", "native"):
        figures = data[side]
        assert figures["failures"] == []
        assert figures["answers"] == figures["players"] * 2  # --quick: 2 questions
        assert figures["memory"]["sessions"] == figures["players"]
        assert 1 < figures["memory"]["uss_mb"] < figures["memory"]["rss_mb"]
    # sessions forked from the zygote share its pages: each costs less than a new interpreter
    assert data["ssh"]["memory"]["uss_mb"] < data["native"]["memory"]["uss_mb"]
