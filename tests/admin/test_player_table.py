"""The presenter's player table: whole names when there is room, cut names when there is not."""

from __future__ import annotations

from textual.app import App, ComposeResult

from admin.model import PlayerRow
from admin.widgets import PlayerTable

LONG = "Fearless Jaguar 27 xyz"  # 22 characters


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield PlayerTable(name_width=12)


async def test_name_column_follows_the_table_width() -> None:
    app = TableApp()
    async with app.run_test(size=(30, 8)) as pilot:
        table = app.query_one(PlayerTable)
        table.update_players([PlayerRow("p1", LONG, score=1200, connected=True)])
        await pilot.pause()
        narrow = table.get_cell("p1", "name").plain
        assert narrow.endswith("…") and len(narrow) == 12
        await pilot.resize_terminal(100, 8)
        await pilot.pause()
        await pilot.pause()
        assert table.get_cell("p1", "name").plain == LONG
        assert table.get_cell("p1", "score").plain == "1,200"  # other cells untouched
        # an update after the resize keeps the full name
        table.update_players([PlayerRow("p1", LONG, score=1500, connected=True)])
        await pilot.pause()
        assert table.get_cell("p1", "name").plain == LONG


async def test_unknown_presence_is_not_shown_as_away() -> None:
    """backend/ on AWS cannot tell who is connected (``connected: null``): the table says so
    ("?"), instead of calling every player "away"; known presence still reads on/away."""
    from admin.model import ConsoleModel, online_text

    model = ConsoleModel("K7QX2M")
    row = {"name": "Amy", "score": 0, "status": "active"}
    model.apply_view(
        {
            "gameId": "K7QX2M",
            "phase": "lobby",
            "seq": 1,
            "connectedCount": None,
            "players": [{**row, "playerId": "p1", "connected": None}],
        },
        0,
    )
    assert model.players["p1"].connected is None and model.connected_count is None
    assert online_text(model.connected_count, 1) == "?/1"
    app = TableApp()
    async with app.run_test(size=(60, 8)) as pilot:
        table = app.query_one(PlayerTable)
        table.update_players(
            [model.players["p1"], PlayerRow("p2", "Bo", connected=False), PlayerRow("p3", "Cy")]
        )
        await pilot.pause()
        assert table.get_cell("p1", "conn").plain == "?"
        assert table.get_cell("p2", "conn").plain == "away"
