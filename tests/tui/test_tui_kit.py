"""The shared Textual kit: safe text, symbols, countdown, badge, leaderboard, choices, themes."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets._toast import Toast

from quizwire.text import clean_lines
from tui.badge import ConnectionBadge, badge_state
from tui.choices import ChoiceButton
from tui.clock import FrozenClock
from tui.countdown import Countdown
from tui.leaderboard import LeaderboardTable
from tui.safe import SafeApp, clean, safe_content, safe_text
from tui.symbols import CHOICE_SYMBOLS, choice_label, choice_letter, choice_symbol
from tui.theme import DEFAULT_THEME, apply_theme, next_theme


@dataclass(frozen=True)
class Entry:
    player_id: str
    name: str
    score: int
    rank: int


# -- safe text ----------------------------------------------------------------------------------


def test_clean_replaces_control_and_invisible_characters() -> None:
    assert clean("a\x1b[31mb") == "a␛[31mb"
    assert clean("x\u202ey") == "x\ufffdy"
    assert clean("line\nbreak\ttab") == "line break tab"
    assert clean("del\x7f") == "del␡"
    assert clean("zero\u200bwidth") == "zero\ufffdwidth"
    assert clean("plain [bold]text[/]") == "plain [bold]text[/]"


def test_clean_truncates_with_ellipsis() -> None:
    assert clean("abcdefgh", max_len=5) == "abcd…"
    assert clean("abc", max_len=5) == "abc"


def test_safe_text_and_content_never_parse_markup() -> None:
    text = safe_text("[blink]boo[/] :smile:", "bold")
    assert isinstance(text, Text)
    assert text.plain == "[blink]boo[/] :smile:"
    content = safe_content("[red]x[/red]\x07")
    assert isinstance(content, Content)
    assert content.plain == "[red]x[/red]␇"


def test_clean_lines_keeps_only_newline_and_crlf_line_ends() -> None:
    # a lone CR would let a line overwrite the one before it
    assert clean_lines("a\x1b\r\nb\rc\n\x9b2J\r") == "a␛\r\nb c\n\ufffd2J "


async def test_safe_app_toasts_are_literal_text() -> None:
    app: SafeApp[None] = SafeApp()
    async with app.run_test(notifications=True) as pilot:
        app.notify("Kicked [/] \x1b[2J\nline 2", title="[@click=app.quit]Q[/]\x07")
        for _ in range(50):  # the toast is mounted a frame or two later
            await pilot.pause(0.02)
            if app.screen.query(Toast):
                break
        assert app.is_running
        (toast,) = app.screen.query(Toast)
        assert str(toast.render()) == "[@click=app.quit]Q[/]␇\nKicked [/] ␛[2J\nline 2"


# -- symbols ------------------------------------------------------------------------------------


def test_choice_symbols_are_distinct_and_labelled() -> None:
    assert len(set(CHOICE_SYMBOLS)) == 6
    assert [choice_letter(i) for i in range(6)] == list("ABCDEF")
    assert choice_symbol(0) == "▲" and choice_symbol(9) == "?"
    assert choice_label(1, "[b]Paris\x1b").plain == "◆ B  [b]Paris␛"


def test_badge_state_normalises() -> None:
    class Fake:
        value = "closed"

    assert badge_state(Fake()) == "offline"
    assert badge_state("RECONNECTING") == "reconnecting"
    assert badge_state("weird") == "offline"


# -- widgets in an app -------------------------------------------------------------------------


class KitApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock()
        self.chosen: list[int] = []

    def compose(self) -> ComposeResult:
        yield Countdown(self.clock, id="cd")
        yield ConnectionBadge(id="badge")
        yield ChoiceButton(0, "[b]Paris[/b]", id="c0")
        yield LeaderboardTable(limit=3, id="lb")

    def on_mount(self) -> None:
        apply_theme(self, None)

    def on_choice_button_chosen(self, message: ChoiceButton.Chosen) -> None:
        self.chosen.append(message.index)


async def test_countdown_derives_from_deadline() -> None:
    app = KitApp()
    async with app.run_test(size=(40, 10)) as pilot:
        cd = app.query_one(Countdown)
        cd.start(deadline_ms=app.clock.now_ms + 20_000, duration_ms=20_000)
        await pilot.pause()
        assert cd.remaining_ms == 20_000
        assert str(cd.render()).startswith(" 20s ")
        assert not cd.has_class("-urgent")
        app.clock.advance(15_500)
        cd.tick()
        assert str(cd.render()).startswith("  5s ")
        assert cd.has_class("-urgent")
        app.clock.advance(10_000)
        cd.tick()
        await pilot.pause()
        assert cd.remaining_ms == 0 and cd.has_class("-done")
        assert "time's up" in str(cd.render())
        cd.stop()
        assert str(cd.render()) == ""


async def test_badge_and_theme() -> None:
    app = KitApp()
    async with app.run_test(size=(40, 10)) as pilot:
        assert app.theme == DEFAULT_THEME
        badge = app.query_one(ConnectionBadge)
        badge.set_state("reconnecting")
        await pilot.pause()
        assert badge.has_class("-reconnecting") and not badge.has_class("-connecting")
        assert "reconnecting" in str(badge.render())
        assert next_theme(app) != DEFAULT_THEME
        assert apply_theme(app, "no-such-theme") is not None
        assert app.theme == DEFAULT_THEME


async def test_choice_button_click_and_states() -> None:
    app = KitApp()
    async with app.run_test(size=(60, 10)) as pilot:
        button = app.query_one("#c0", ChoiceButton)
        assert button.has_class("choice-0")
        assert str(button.render()).strip().startswith("▲ A  [b]Paris[/b]")
        await pilot.click("#c0")
        assert app.chosen == [0]
        button.locked = True
        await pilot.pause()
        assert button.has_class("-locked") and "locked in" in str(button.render())
        button.mark = "correct"
        await pilot.pause()
        assert button.has_class("-correct") and "✔ correct" in str(button.render())


async def test_leaderboard_updates_by_diff() -> None:
    app = KitApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(LeaderboardTable)
        entries = [
            Entry("a", "Ann", 100, 2),
            Entry("b", "[red]Bob", 200, 1),
            Entry("c", "Cy", 5, 4),
        ]
        entries.append(Entry("d", "Di", 50, 3))
        assert table.update_entries(entries, highlight="a")
        await pilot.pause()
        assert table.player_ids == ["b", "a", "d"]
        assert table.get_cell("b", "name").plain == "[red]Bob"
        assert table.get_cell("a", "rank").plain == "▶ 2"
        assert table.get_cell("a", "name").style == "bold reverse"
        assert not table.update_entries(entries)  # nothing changed
        row_b = table.get_row("b")
        assert table.update_entries(
            [Entry("a", "Ann", 300, 1), Entry("b", "[red]Bob", 200, 2), Entry("e", "Eve", 90, 3)]
        )
        await pilot.pause()
        assert table.player_ids == ["a", "b", "e"]
        assert table.get_cell("a", "score").plain == "300"
        assert table.get_row("b")[1] is row_b[1]  # untouched cell objects stay


class NarrowBoardApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LeaderboardTable(limit=10, name_width=10)


async def test_leaderboard_name_column_fills_a_wide_table_and_shrinks_back() -> None:
    long = "Fearless Jaguar 27 xyz"  # 22 characters
    app = NarrowBoardApp()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(LeaderboardTable)
        table.update_entries([Entry("a", long, 10, 1)])
        await pilot.pause()
        assert table.get_cell("a", "name").plain == long  # room for all of it
        await pilot.resize_terminal(30, 10)
        await pilot.pause()
        await pilot.pause()
        shown = table.get_cell("a", "name").plain
        assert shown.endswith("…") and len(shown) == table.name_width == 10
        await pilot.resize_terminal(80, 10)
        await pilot.pause()
        await pilot.pause()
        assert table.get_cell("a", "name").plain == long
        await pilot.resize_terminal(44, 10)  # room for a shorter column, no less
        await pilot.pause()
        await pilot.pause()
        # the scrollable width shrank with the column: no horizontal scrollbar over the rows
        columns = sum(c.get_render_width(table) for c in table.columns.values())
        assert table.virtual_size.width == columns and not table.show_horizontal_scrollbar
