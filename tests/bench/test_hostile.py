"""``python -m bench.hostile``: a legit game survives a flooding process (no timings here: the
figures are the bench's job; this checks the room gets through and the attacks really ran)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(300)
def test_a_legit_game_gets_through_a_flood(tmp_path: Path) -> None:
    out = tmp_path / "hostile.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.hostile",
            "--players",
            "12",
            "--questions",
            "2",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "p99 round trip, hostile / quiet" in done.stdout
    data = json.loads(out.read_text())
    for phase in ("quiet", "hostile"):
        figures = data[phase]
        assert figures["failures"] == []
        assert figures["joined"] == figures["subscribed"] == 12
        assert figures["receipts"] == figures["answers"] == 24
    flood = data["flood"]
    # every attack ran, and the stub pushed back on it
    assert flood["slowloris_opened"] > 0 and flood["slowloris_refused_503"] > 0
    assert flood["garbage_sent"] > 0 and flood["subscribes_sent"] > 0
    assert flood["amplify_publishes"] > 0
    assert sum(v for k, v in flood.items() if k.startswith("entry_")) > 0
    # the log stayed a log: a flood of refusals is summarised, not written line by line
    assert data["stub_log_bytes_hostile"] < 2_000_000
