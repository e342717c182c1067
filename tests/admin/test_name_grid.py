"""The lobby's name grid: whole names in columns, filling as players join, the newest
highlighted, and "+N more" when the room outgrows the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from admin.namegrid import NameGrid, grid_layout

from .fakes import FakeSource, view
from .test_snapshots import make_app, settle

pytestmark = pytest.mark.timeout(60)

LONG = "Bartholomew Fitzgerald X"  # 24 characters: the longest name a player may choose


def test_whole_names_in_as_many_columns_as_fit() -> None:
    layout = grid_layout(["Ann", LONG, "Bob"], width=80, height=10)
    assert layout.shown == ("Ann", LONG, "Bob") and layout.more == 0
    assert layout.column_width == len(LONG) + 2 and layout.columns == 3


def test_short_names_make_narrow_columns() -> None:
    layout = grid_layout(["Ann", "Bob"], width=80, height=10)
    assert layout.column_width == 12 and layout.columns == 6


def test_when_not_all_fit_the_newest_are_shown_and_the_rest_counted() -> None:
    names = [f"Player {i:03}" for i in range(300)]
    layout = grid_layout(names, width=40, height=5)  # 3 columns of 12 x 5 rows = 15 cells
    assert layout.columns == 3 and layout.more == 300 - 14
    assert layout.shown == tuple(names[-14:])


def lobby_with(n: int) -> dict[str, Any]:
    current = view("lobby")
    current["players"] = [
        {"playerId": f"p-{i}", "name": f"[b]Player {i}" if i % 7 == 0 else f"Player {i}",
         "score": 0, "correctCount": 0, "rank": 1, "lastAnswer": None, "connected": True,
         "status": "active"}
        for i in range(n)
    ]  # fmt: skip
    current["playerCount"] = current["connectedCount"] = n
    return current


async def test_the_grid_fills_as_players_join_and_highlights_the_newest(tmp_path: Path) -> None:
    source = FakeSource(lobby_with(3))
    app = make_app(source, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        grid = app.screen.query_one("#name-grid", NameGrid)
        assert grid.names == ("[b]Player 0", "Player 1", "Player 2")
        rendered = grid.render()
        assert rendered.plain.split() == ["[b]Player", "0", "Player", "1", "Player", "2"]
        newest = [s for s in rendered.spans if "reverse" in str(s.style)]
        assert len(newest) == 1 and rendered.plain[newest[0].start : newest[0].end] == "Player 2"

        source.current = lobby_with(300)
        await settle(pilot)
        text = grid.render().plain
        assert "more" in text and "Player 299" in text and "Player 0 " not in text
        layout = grid_layout(grid.names, grid.size.width, grid.size.height)
        assert f"+{layout.more} more" in text and layout.more > 200


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_crowded_lobby_snapshot(snap_compare: Any, size: tuple[int, int], tmp_path: Path) -> None:
    source = FakeSource(lobby_with(300))

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)

    assert snap_compare(make_app(source, tmp_path), terminal_size=size, run_before=run_before)
