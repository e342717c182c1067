"""The end screen under ties (quizwire.leaderboard's rule): tied players share a podium step,
nobody takes a medal for 0 points, and the final rank says "tied"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from quizwire.messages import LeaderboardEntry
from quizwire.play_model import PlayerModel

from .conftest import screen_text
from .scripted import ME, scripted_app
from .test_snapshots import settle

pytestmark = pytest.mark.timeout(60)


def entry(pid: str, name: str, score: int, rank: int) -> LeaderboardEntry:
    return LeaderboardEntry(player_id=pid, name=name, score=score, rank=rank)


def finish(model: PlayerModel, board: tuple[LeaderboardEntry, ...], podium: int) -> None:
    """The game is over with ``board`` as its final leaderboard; its first ``podium`` rows
    are the finished message's podium."""
    model.leaderboard, model.podium = board, board[:podium]
    mine = next(e for e in board if e.player_id == ME)
    model.score, model.rank, model.ranked_players = mine.score, mine.rank, len(board)


async def test_nobody_scored_no_medals_and_a_tied_first(tmp_path: Path) -> None:
    app, session = scripted_app(tmp_path, "finished")
    assert session.model is not None
    board = (*(entry(f"p{i}", f"P{i}", 0, 1) for i in range(4)), entry(ME, "Alice", 0, 1))
    finish(session.model, board, podium=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
    assert "★ 1st\n—" in text and "2nd\n—" in text and "3rd\n—" in text
    assert "You finished tied #1 of 5 with 0 points. Nobody scored: no podium." in text


def tied_gold_board() -> tuple[Any, ...]:
    """Bob and Alice tie for gold (no silver), Carol takes bronze, Dan has no points."""
    return (
        entry("p-1", "Bob", 2_000, 1),
        entry(ME, "Alice", 2_000, 1),
        entry("p-3", "Carol", 900, 3),
        entry("p-4", "Dan", 0, 4),
    )


async def test_tied_gold_shares_the_top_step_and_leaves_second_empty(tmp_path: Path) -> None:
    app, session = scripted_app(tmp_path, "finished")
    assert session.model is not None
    finish(session.model, tied_gold_board(), podium=3)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
    assert "★ 1st\n▶ Alice ◀\n2,000 · +1 tied" in text
    assert "2nd\n—" in text and "3rd\nCarol\n900" in text
    assert "You finished tied #1 of 4 with 2,000 points." in text


def test_tied_gold_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    app, session = scripted_app(tmp_path, "finished")
    assert session.model is not None
    finish(session.model, tied_gold_board(), podium=3)

    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)
