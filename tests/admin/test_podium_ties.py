"""The console's podium follows quizwire.leaderboard's rule: tied players share a medal and a
rank, and nobody takes a medal for 0 points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tui.clock import FrozenClock

from .fakes import CODE, T0, FakeSource, view
from .test_snapshots import make_app, settle

pytestmark = pytest.mark.timeout(60)


def row(pid: str, name: str, score: int, rank: int) -> dict[str, Any]:
    return {"playerId": pid, "name": name, "score": score, "rank": rank}


async def podium_after(
    tmp_path: Path, podium: list[dict[str, Any]], board: list[Any]
) -> dict[str, str]:
    """The text of each podium step and of the winner's line, every place revealed."""
    source = FakeSource(view("question_closed", seq=13))
    app = make_app(source, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        source.current = {**view("finished", seq=20), "leaderboard": board}
        finished = {"type": "finished", "gameId": CODE, "seq": 20, "ts": T0, "reason": "ended"}
        source.push("game", {**finished, "podium": podium})
        await settle(pilot)
        assert isinstance(app.clock, FrozenClock)
        app.clock.advance(3_000)  # the staged reveal is over: 3rd, 2nd and 1st shown
        await settle(pilot)
        ids = ("place-1", "place-2", "place-3", "winner")
        return {i: str(app.screen.query_one(f"#{i}").render()) for i in ids}


async def test_tied_players_share_gold_and_bronze_follows(tmp_path: Path) -> None:
    podium = [row("p1", "Ann", 900, 1), row("p2", "Ben", 900, 1), row("p3", "Cy", 400, 3)]
    shown = await podium_after(tmp_path, podium, podium)
    assert "Ann" in shown["place-1"] and "Ben" in shown["place-1"]
    assert "900 pts each" in shown["place-1"]
    assert "Ann" not in shown["place-2"] and "Ben" not in shown["place-2"]
    assert shown["place-2"].splitlines()[-1] == "—"  # no silver after two golds
    assert "Cy" in shown["place-3"] and "400 pts" in shown["place-3"]
    assert shown["winner"] == "🏆 Ann and Ben win with 900 points!"


async def test_nobody_scored_means_no_podium(tmp_path: Path) -> None:
    board = [row(f"p{i}", f"P{i}", 0, 1) for i in range(5)]
    shown = await podium_after(tmp_path, [], board)
    assert shown["winner"] == "No podium: nobody scored any points."
    assert not any(f"P{i}" in shown[f"place-{p}"] for i in range(5) for p in (1, 2, 3))
