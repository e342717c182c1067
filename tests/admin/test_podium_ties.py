"""The console's podium follows quizwire.leaderboard's rule: tied players share a medal and a
rank, and nobody takes a medal for 0 points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .fakes import CODE, T0, FakeSource, view
from .test_snapshots import make_app, settle

pytestmark = pytest.mark.timeout(60)


def row(pid: str, name: str, score: int, rank: int) -> dict[str, Any]:
    return {"playerId": pid, "name": name, "score": score, "rank": rank}


async def podium_after(tmp_path: Path, podium: list[dict[str, Any]], board: list[Any]) -> str:
    source = FakeSource(view("question_closed", seq=13))
    app = make_app(source, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        source.current = {**view("finished", seq=20), "leaderboard": board}
        finished = {"type": "finished", "gameId": CODE, "seq": 20, "ts": T0, "reason": "ended"}
        source.push("game", {**finished, "podium": podium})
        await settle(pilot)
        return str(app.screen.query_one("#podium").render())


async def test_tied_players_share_gold_and_bronze_follows(tmp_path: Path) -> None:
    podium = [row("p1", "Ann", 900, 1), row("p2", "Ben", 900, 1), row("p3", "Cy", 400, 3)]
    text = await podium_after(tmp_path, podium, podium)
    assert text.splitlines() == ["🥇 1. Ann  900 pts", "🥇 1. Ben  900 pts", "🥉 3. Cy  400 pts"]


async def test_nobody_scored_means_no_podium(tmp_path: Path) -> None:
    board = [row(f"p{i}", f"P{i}", 0, 1) for i in range(5)]
    text = await podium_after(tmp_path, [], board)
    assert text == "No podium: nobody scored any points."
