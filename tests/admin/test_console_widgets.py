"""The console widgets that change ten times a second under an answer flood: they repaint only
what changed, and the live stream at most every ``AnswerStream.REPAINT_S``."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult

from admin.feed import StreamItem
from admin.widgets import AnswerStream, Readout


class CountingReadout(Readout):
    """Records the refreshes the Readout asks for (layout or not)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.layouts: list[bool] = []

    def refresh(self, *args: Any, layout: bool = False, **kwargs: Any) -> Any:
        self.layouts.append(layout)
        return super().refresh(*args, layout=layout, **kwargs)


class WidgetsApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CountingReadout("answered 0/10", id="count")
        yield AnswerStream(id="stream")


def item(name: str, choice: int) -> StreamItem:
    return StreamItem(name, name, choice, 1200)


def stream_text(stream: AnswerStream, rows: int) -> list[str]:
    return [stream.render_line(y).text.rstrip() for y in range(rows)]


async def test_a_readout_repaints_changes_and_lays_out_only_when_its_shape_changes() -> None:
    app = WidgetsApp()
    async with app.run_test(size=(60, 12)) as pilot:
        readout = app.query_one(CountingReadout)
        await pilot.pause()
        readout.layouts.clear()
        readout.update("answered 0/10")  # the same: nothing happens
        assert readout.layouts == []
        readout.update("answered 7/10")  # same width: repaint, no layout
        readout.update(Text("answered 8/10", style="bold"))  # same shape, new style
        assert readout.layouts == [False, False]
        readout.update("answered 10/10")  # one cell wider: layout
        readout.update("two\nlines")
        assert readout.layouts[2:] == [True, True]
        await pilot.pause()
        assert str(readout.render()) == "two\nlines"


async def test_the_stream_repaints_at_most_every_interval_and_always_shows_the_latest() -> None:
    app = WidgetsApp()
    async with app.run_test(size=(60, 12)) as pilot:
        stream = app.query_one(AnswerStream)
        await pilot.pause()
        assert stream_text(stream, 1) == ["waiting for answers…"]
        stream.show((item("ann", 0),), 1)
        stream.show((item("ann", 0), item("ben", 1)), 2)  # within the interval: held back
        assert stream_text(stream, 2)[0].startswith("ann") and stream_text(stream, 2)[1] == ""
        assert str(stream.render()).startswith("ben")  # as text: what it is about to show
        await pilot.pause(AnswerStream.REPAINT_S + 0.1)
        shown = stream_text(stream, 2)  # then the latest, newest first
        assert shown[0].startswith("ben") and shown[1].startswith("ann")
        stream.show((), 3)
        await pilot.pause(AnswerStream.REPAINT_S + 0.1)
        assert stream_text(stream, 1) == ["waiting for answers…"]
