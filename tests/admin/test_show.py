"""The show on the console, driven by a fake source and a clock the test moves: the get-ready
phase before the choices, the leaderboard after the reveal, the podium place by place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from admin.app import ConsoleApp
from tui.clock import FrozenClock

from .fakes import CODE, QUESTION, T0, FakeSource, view
from .test_snapshots import make_app, settle

pytestmark = pytest.mark.timeout(60)


def shown(app: ConsoleApp, selector: str) -> str:
    widget = app.screen.query_one(selector)
    return str(widget.render()) if widget.display else ""


def visible(app: ConsoleApp, selector: str) -> bool:
    widget = app.screen.query_one(selector)
    node: Any = widget
    while node is not None:
        if not node.display:
            return False
        node = node.parent
    return True


async def open_ready_question(source: FakeSource, pilot: Pilot[Any]) -> None:
    question = {**QUESTION, "readyMs": 3000, "opensAt": T0 + 3000, "deadline": T0 + 23000}
    current = view("question_open", seq=12)
    current["question"] = question
    source.current = current
    source.push("question", {"type": "question", "gameId": CODE, "seq": 12, "ts": T0, **question})
    await settle(pilot)


async def test_the_choices_appear_when_the_server_opens_them(tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    app = make_app(source, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_ready_question(source, pilot)
        assert "Which protocol" in shown(app, "#q-text")
        assert "Get ready" in shown(app, "#get-ready")
        assert not visible(app, "#q-choices") and not visible(app, "#histogram")
        clock = app.clock
        assert isinstance(clock, FrozenClock)
        clock.advance(3000)
        source.current["serverTime"] = T0 + 3000  # the server's clock moves too
        await settle(pilot)
        assert visible(app, "#q-choices") and not visible(app, "#get-ready")
        assert "WebSocket" in shown(app, "#q-choices")
