"""Console behaviour with a scripted source: secrecy before the reveal, hostile names, the
system panel's polling, refusals, a game moved on by someone else, and the CLI entry point."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Input, Label, OptionList, Switch
from textual.widgets.data_table import ColumnKey, RowKey

from admin.app import ConsoleApp, run
from admin.confirm import ConfirmScreen
from admin.removed import RemovedScreen
from admin.source import SourceError
from admin.widgets import AnswerStream, PlayerTable
from commands.cli import build_parser
from quizwire.state import Phase
from tui.clock import FrozenClock
from tui.histogram import Histogram
from tui.symbols import choice_letter, choice_symbol

from .conftest import screen_text, wait_until
from .fakes import ANSWERS, CODE, REVEAL, T0, FakeSource, answer_event, view


def make(source: FakeSource, tmp_path: Path) -> ConsoleApp:
    return ConsoleApp(
        source, code=CODE, clock=FrozenClock(T0), export_dir=tmp_path, tick_s=0.05, poll_s=0.1
    )


def open_question(source: FakeSource) -> None:
    source.current = view("question_open", seq=12)
    q = {
        "type": "question",
        "gameId": CODE,
        "seq": 12,
        "ts": T0,
        **view("question_open")["question"],
    }
    source.push("question", q)


async def test_correct_answer_never_on_screen_before_the_reveal(tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    app = make(source, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: "Join with" in screen_text(app), "lobby")
        open_question(source)
        await wait_until(pilot, lambda: app.model.phase == Phase.QUESTION_OPEN, "open")
        for pid, choice, ms in ANSWERS:
            source.push("answer", answer_event(pid, choice, ms))
            await pilot.pause(0.06)
            text = screen_text(app)
            svg = app.export_screenshot()
            for shown in (text, svg):
                assert "✔" not in shown and "Right answer" not in shown
            assert app.screen.query_one(Histogram).correct is None
        await wait_until(pilot, lambda: app.model.feed.answered == len(ANSWERS), "answers")
        source.current = view("question_closed", seq=13)
        source.push(
            "game", {"type": "question_closed", "gameId": CODE, "seq": 13, "ts": T0, **REVEAL}
        )
        await wait_until(pilot, lambda: "Right answer" in screen_text(app), "reveal")
        assert "✔ ▲ A  WebSocket" in screen_text(app)
        assert app.screen.query_one(Histogram).correct == 0


def shows_a_choice(text: str) -> bool:
    return any(f"{choice_symbol(i)} {choice_letter(i)}" in text for i in range(6))


async def test_projector_safe_shows_who_answered_not_what_until_the_reveal(
    tmp_path: Path,
) -> None:
    """On a projector a visible choice is there to be copied: by default the stream and the
    player table say only *who* answered, and the live histogram is hidden; ``p`` (the
    presenter's private screen) shows them, and the top bar says which mode is on."""
    source = FakeSource(view("lobby"))
    app = make(source, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: "projector-safe (p)" in screen_text(app), "the mode")
        open_question(source)
        for pid, choice, ms in ANSWERS:
            source.push("answer", answer_event(pid, choice, ms))
        await wait_until(pilot, lambda: app.model.feed.answered == len(ANSWERS), "answers")
        stream = app.screen.query_one(AnswerStream)
        table = app.screen.query_one("#players", PlayerTable)
        histogram = app.screen.query_one(Histogram)

        def hidden() -> bool:
            return (
                "Cat" in stream.render().plain
                and not shows_a_choice(stream.render().plain)
                and table.get_row("p-cat")[3].plain == "in"
                and not histogram.display
                and "Who answered · choices hidden (p)" in screen_text(app)
            )

        def shown() -> bool:
            return (
                shows_a_choice(stream.render().plain)
                and shows_a_choice(table.get_row("p-cat")[3].plain)
                and histogram.display
                and "private: choices visible (p)" in screen_text(app)
                and "PRIVATE: choices shown" in screen_text(app)
            )

        await wait_until(pilot, hidden, "only who answered")
        assert "answered 5/6" in screen_text(app)
        await pilot.press("p")
        await wait_until(pilot, shown, "the private view")
        await pilot.press("p")
        await wait_until(pilot, hidden, "projector-safe again")
        source.current = view("question_closed", seq=13)
        source.push(
            "game", {"type": "question_closed", "gameId": CODE, "seq": 13, "ts": T0, **REVEAL}
        )
        await wait_until(pilot, lambda: "Right answer" in screen_text(app), "reveal")
        await wait_until(pilot, lambda: shows_a_choice(stream.render().plain), "stream")
        assert histogram.display and "projector-safe (p)" in screen_text(app)


async def test_answered_counts_only_the_players_still_in(tmp_path: Path) -> None:
    """A kicked or banned player cannot answer: "answered N/M" must not wait for them."""
    source = FakeSource(view("lobby"))
    app = make(source, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        open_question(source)
        rows = {p["playerId"]: p for p in source.current["players"]}
        rows["p-bob"]["status"] = "kicked"
        rows["p-mal"]["status"] = "banned"
        await wait_until(pilot, lambda: "answered 0/4" in screen_text(app), "active only")
        rows["p-bob"]["status"] = "active"  # readmitted: counted again
        await wait_until(pilot, lambda: "answered 0/5" in screen_text(app), "readmitted")


async def test_private_flag_and_palette_open_the_private_view(tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    app = ConsoleApp(
        source, code=CODE, clock=FrozenClock(T0), export_dir=tmp_path, poll_s=0.1, private=True
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: "private: choices visible" in screen_text(app), "mode")
        toggle = next(
            c for c in app.get_system_commands(app.screen) if "private" in c.title.lower()
        )
        toggle.callback()
        await wait_until(pilot, lambda: "projector-safe (p)" in screen_text(app), "palette")
    parsed = build_parser().parse_args(["host", "--private"])
    assert parsed.private is True


async def test_hostile_names_and_question_text_show_literally(tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    app = make(source, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        open_question(source)
        for pid, choice, ms in ANSWERS:
            source.push("answer", answer_event(pid, choice, ms))
        await wait_until(pilot, lambda: app.model.feed.answered == len(ANSWERS), "answers")
        # the answer stream repaints at most 4 times a second: wait for it, not a fixed pause
        await wait_until(
            pilot,
            lambda: (
                "[bold]AppSync Events[/]" in screen_text(app)
                and "[red]Mal␛[31mlory" in str(app.screen.query_one("#stream").render())
            ),
            "the question, and the hostile name in the answer stream",
        )
        text = screen_text(app)
        assert "[red]Mal␛[31mlory" in text  # markup shown as text, ESC as a visible stand-in
        assert "[bold]AppSync Events[/]" in text
        assert "\x1b" not in text


async def test_system_panel_polls_metrics_only_while_shown(tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    app = make(source, tmp_path)
    metrics_calls: Callable[[], int] = lambda: sum(1 for c in source.calls if c[0] == "metrics")  # noqa: E731
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: "Join with" in screen_text(app), "lobby")
        await pilot.pause(1.3)
        assert metrics_calls() == 0 and not app.system_shown
        await pilot.press("s")
        await wait_until(pilot, lambda: "conns 7" in screen_text(app), "stub metrics shown")
        assert "online 5" in screen_text(app)  # this game's players only
        # counters are shown as rates once there are two scrapes to compare
        await wait_until(
            pilot, lambda: "rates measuring…" not in screen_text(app), "a rate", within=5.0
        )
        assert re.search(r"deliveries/s [0-9,]+", screen_text(app))
        await pilot.press("s")
        stopped_at = metrics_calls()
        await pilot.pause(1.3)
        assert metrics_calls() == stopped_at and not app.system_shown
        assert "conns 7" not in screen_text(app)


async def test_system_panel_fits_100_columns_and_says_measuring_first(tmp_path: Path) -> None:
    source = FakeSource(view("lobby"))
    app = make(source, tmp_path)
    async with app.run_test(size=(100, 36)) as pilot:
        await wait_until(pilot, lambda: "Join with" in screen_text(app), "lobby")
        await pilot.press("s")
        await wait_until(pilot, lambda: "conns 7" in screen_text(app), "stub metrics shown")
        await wait_until(pilot, lambda: "deliveries/s" in screen_text(app), "the rates", within=5.0)
        panel = screen_text(app).split("link connected")[1].splitlines()[:7]
        shown = "\n".join(panel)
        for part in ("conn req/s —", "429/s —", "answers/s —", "drops 0"):
            assert part in shown, part  # no rate cut off at the right edge
        assert re.search(r"deliveries/s [0-9]", shown)
        assert not any(line.rstrip().endswith("…") for line in panel)


async def test_system_panel_stops_asking_a_target_without_metrics(tmp_path: Path) -> None:
    """A deployed game API answers /metrics with 403: say so once, and stop polling."""
    source = FakeSource(view("lobby"))
    source.refuse["metrics"] = SourceError("metrics", "HTTP 403", 403)
    app = make(source, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: "Join with" in screen_text(app), "lobby")
        await pilot.press("s")
        await wait_until(pilot, lambda: "see CloudWatch" in screen_text(app), "n/a shown")
        asked = sum(1 for c in source.calls if c[0] == "metrics")
        await pilot.pause(2.2)
        assert sum(1 for c in source.calls if c[0] == "metrics") == asked == 1


async def test_a_refused_command_is_a_notification_not_a_crash(tmp_path: Path) -> None:
    source = FakeSource(view("question_closed", seq=13))
    source.refuse["next"] = SourceError(
        "bad_transition", "Question 2 is still open: close it first", 409
    )
    app = make(source, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.model.phase == Phase.QUESTION_CLOSED, "closed")
        await pilot.press("n")
        await wait_until(
            pilot,
            lambda: any("still open" in n.message for n in app._notifications),
            "notification",
        )
        assert app.is_running and ("command", CODE, "next") in source.calls


async def test_follows_a_game_moved_on_by_someone_else(tmp_path: Path) -> None:
    """The demo's autopilot drives start/next itself: the console just keeps up."""
    source = FakeSource(view("lobby"))
    app = make(source, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: "Join with" in screen_text(app), "lobby")
        source.current = view("question_open", seq=12)  # no stream message: only the poll sees it
        await wait_until(pilot, lambda: "QUESTION OPEN" in screen_text(app), "question via poll")
        source.current = view("finished", seq=20)
        await wait_until(pilot, lambda: app.model.phase == Phase.FINISHED, "finished via poll")
        await wait_until(pilot, lambda: len(app.exported) == 2, "auto export at the end")
        csv_path, json_path = app.exported
        assert csv_path.read_text() == source.results_body["csv"]
        assert json_path.read_text() == source.results_body["json"]
        await wait_until(pilot, lambda: "Results saved" in screen_text(app), "paths shown")
        shown = str(app.screen.query_one("#exports").render())
        assert str(csv_path) in shown and str(json_path) in shown
        assert [c[2] for c in source.calls if c[0] == "command"] == []


async def test_unknown_game_exits_with_code_2_and_the_message_literally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = FakeSource()
    source.refuse["view"] = SourceError("not_found", "No game [/] \x1b]0;pwned\x07", 404)
    app = make(source, tmp_path)
    async with app.run_test() as pilot:
        await pilot.pause(0.3)
    assert app.return_code == 2
    # Textual prints the exit message with Rich: a str would be parsed as markup
    err = capsys.readouterr().err
    assert f"quizwire host: game {CODE}: No game [/] ␛]0;pwned␇" in err
    assert "\x07" not in err


def test_run_without_a_profile_prints_one_line_and_returns_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUIZWIRE_CONFIG_DIR", str(tmp_path))
    args = argparse.Namespace(profile="nowhere", quiz=None, game=None, theme=None)
    assert run(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nowhere" in err[0]


def test_run_prints_the_reattach_command_when_the_game_goes_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import admin.app
    import admin.source
    from quizwire.profiles import Profile

    profile = Profile(name="show", http_endpoint="http://h/event", game_api="http://h")
    monkeypatch.setattr(admin.source, "resolve", lambda args: profile)
    monkeypatch.setattr(admin.source, "LiveSource", lambda p: FakeSource())
    monkeypatch.setattr(admin.app.ConsoleApp, "run", lambda self: 0)
    monkeypatch.setattr(admin.app.ConsoleApp, "game_running", True)
    args = argparse.Namespace(profile="show", quiz=None, game=CODE, theme=None)
    assert run(args) == 0
    assert f"quizwire host --game {CODE} --profile show" in capsys.readouterr().out
    monkeypatch.setattr(admin.app.ConsoleApp, "game_running", False)  # finished: nothing to say
    assert run(args) == 0
    assert capsys.readouterr().out == ""


async def test_ban_selected_player_and_palette_commands(tmp_path: Path) -> None:
    source = FakeSource(view("question_closed", seq=13))
    app = make(source, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: "REVEALED" in screen_text(app), "closed")
        table = app.screen.query_one("#players", PlayerTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("p-bob"))
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asked")
        assert "Ban Bob? y/n" in screen_text(app)
        await pilot.press("y")
        await wait_until(
            pilot, lambda: ("player", CODE, "p-bob", "ban") in source.calls, "ban sent"
        )
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in (
            "Start the game",
            "Next question",
            "Reveal now",
            "End the game",
            "Export results",
        ):
            assert wanted in titles
        next_cmd = next(
            c for c in app.get_system_commands(app.screen) if c.title == "Next question"
        )
        next_cmd.callback()
        await wait_until(
            pilot, lambda: ("command", CODE, "next") in source.calls, "next via palette"
        )


async def test_kick_names_the_player_and_asks_first(tmp_path: Path) -> None:
    """The rows re-sort by score under the cursor: k once kicked the leader. The line above the
    footer names the selected player, and k asks "Kick <name>? y/n" (the name literally)."""
    source = FakeSource(view("question_closed", seq=13))
    app = make(source, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: "REVEALED" in screen_text(app), "closed")
        table = app.screen.query_one("#players", PlayerTable)
        await wait_until(pilot, lambda: app.focused is table, "the table on screen focused")
        await pilot.press("down", "down", "down")  # the arrows move the selection at once
        assert table.cursor_row == 3
        table.move_cursor(row=table.get_row_index("p-mal"))
        selected = "Selected: [red]Mal␛[31mlory  k kick · b ban"
        await wait_until(pilot, lambda: selected in screen_text(app), "the selected player")
        await pilot.press("k")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asked")
        assert "Kick [red]Mal␛[31mlory? y/n" in screen_text(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "closed")
        assert not [c for c in source.calls if c[0] == "player"]
        await pilot.press("k")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asked again")
        await pilot.press("y")
        await wait_until(
            pilot, lambda: ("player", CODE, "p-mal", "kick") in source.calls, "kick sent"
        )
        assert [c for c in source.calls if c[0] == "player"] == [("player", CODE, "p-mal", "kick")]


async def test_readmit_the_selected_player_from_the_palette(tmp_path: Path) -> None:
    source = FakeSource(view("question_closed", seq=13))
    next(p for p in source.current["players"] if p["playerId"] == "p-bob")["status"] = "kicked"
    app = make(source, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: "1 removed (u)" in screen_text(app), "closed")
        table = app.screen.query_one("#players", PlayerTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("p-bob"))
        await wait_until(
            pilot, lambda: "Selected: Bob (kicked)  readmit" in screen_text(app), "selected"
        )
        readmit = next(
            c
            for c in app.get_system_commands(app.screen)
            if c.title == "Readmit the selected player"
        )
        readmit.callback()
        await wait_until(
            pilot, lambda: ("player", CODE, "p-bob", "readmit") in source.calls, "readmit sent"
        )


async def test_quit_while_a_game_runs_asks_and_says_how_to_come_back(tmp_path: Path) -> None:
    source = FakeSource(view("question_open", seq=12))
    app = ConsoleApp(
        source, code=CODE, clock=FrozenClock(T0), export_dir=tmp_path, poll_s=0.1, profile="show"
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: "QUESTION OPEN" in screen_text(app), "open")
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asked")
        text = screen_text(app)
        assert f"Quit while game {CODE} is running? y/n" in text
        assert f"quizwire host --game {CODE} --profile show" in text
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "stayed")
        assert app.is_running
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asked again")
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.is_running, "quit")
    hint = app.reattach_hint()
    assert hint is not None and f"quizwire host --game {CODE} --profile show" in hint


async def test_quit_after_the_end_needs_no_question(tmp_path: Path) -> None:
    source = FakeSource(view("finished", seq=20))
    app = make(source, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: "FINISHED" in screen_text(app), "finished")
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, "quit at once")
    assert app.reattach_hint() is None


async def test_setup_lists_the_running_games_to_resume_one(tmp_path: Path) -> None:
    source = FakeSource(view("question_closed", seq=13))
    source.games = [
        {
            "gameId": "OLD111",
            "title": "Done",
            "phase": "finished",
            "playerCount": 3,
            "createdAt": 3,
        },
        {
            "gameId": CODE,
            "title": "[b]Friday[/b] quiz",
            "phase": "question_closed",
            "playerCount": 1,
            "createdAt": 2,
        },
        {
            "gameId": "../x",
            "title": "not a game",
            "phase": "lobby",
            "playerCount": 0,
            "createdAt": 1,
        },
    ]
    app = ConsoleApp(source, clock=FrozenClock(T0), export_dir=tmp_path, poll_s=0.1)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: "Running games on this profile" in screen_text(app), "list")
        listing = app.screen.query_one("#running", OptionList)
        assert listing.option_count == 1
        assert f"{CODE}  question closed    1 player  [b]Friday[/b] quiz" in screen_text(app)
        await pilot.press("shift+tab")  # from the pack list (focused) up to the running games
        assert app.focused is listing
        await pilot.press("enter")
        await wait_until(pilot, lambda: "REVEALED" in screen_text(app), "resumed")
        assert ("attach", CODE) in source.calls


async def test_setup_switches_say_on_or_off_and_typing_shows_ctrl_q(tmp_path: Path) -> None:
    app = ConsoleApp(FakeSource(), clock=FrozenClock(T0), export_dir=tmp_path, poll_s=0.1)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "Speed scoring" in screen_text(app), "setup")

        def footer() -> str:
            return screen_text(app).splitlines()[-1]

        def state(switch: str) -> str:
            return str(app.screen.query_one(f"#{switch}-state", Label).render())

        assert (state("speed"), state("streak")) == ("on", "on")
        app.screen.query_one("#speed", Switch).toggle()
        await wait_until(pilot, lambda: state("speed") == "off", "speed off")
        await wait_until(  # the footer is recomposed when the bindings change: wait for it
            pilot,
            lambda: bool(re.search(r"(?<!\^)q Quit", footer())) and "^q Quit" not in footer(),
            "q Quit shown",
        )
        field = app.screen.query_one("#quiz-file", Input)
        field.focus()
        await wait_until(
            pilot,
            lambda: "^q Quit" in footer() and not re.search(r"(?<!\^)q Quit", footer()),
            "ctrl+q shown while typing, not q",
        )
        await pilot.press("q")
        assert field.value == "q" and app.is_running
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: not app.is_running, "ctrl+q quits")


LONG_CHOICES = [
    f"Choice {n}: a long answer that keeps going so that it cannot fit on one line {n}"[:76]
    for n in "ABCD"
]


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_long_choices_wrap_whole_on_the_console(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    """A 76-character choice used to be cut at 60: the room read half an answer."""
    assert {len(c) for c in LONG_CHOICES} == {76}
    source = FakeSource(view("lobby"))
    app = make(source, tmp_path)
    async with app.run_test(size=size) as pilot:
        open_question(source)
        source.current["question"]["choices"] = list(LONG_CHOICES)
        source.pending[-1][1]["choices"] = list(LONG_CHOICES)
        await wait_until(pilot, lambda: app.model.phase == Phase.QUESTION_OPEN, "open")

        def main_pane() -> str:
            left = [line.split("│")[0] for line in screen_text(app).splitlines()]
            return " ".join(" ".join(left).split())

        await wait_until(
            pilot, lambda: all(c in main_pane() for c in LONG_CHOICES), "every choice whole"
        )


async def test_player_table_updates_by_diff_never_clear(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = FakeSource(view("question_closed", seq=13))
    app = make(source, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: "REVEALED" in screen_text(app), "closed")
        table = app.screen.query_one("#players", PlayerTable)

        def no_clear(*args: object, **kwargs: object) -> None:
            raise AssertionError("the player table must be diffed, not cleared")

        monkeypatch.setattr(table, "clear", no_clear)
        updated: list[tuple[object, object]] = []
        real_update = table.update_cell

        def spy_update(row: RowKey | str, col: ColumnKey | str, value: Text, **kw: bool) -> None:
            updated.append((row, col))
            real_update(row, col, value, **kw)

        monkeypatch.setattr(table, "update_cell", spy_update)
        changed = view("question_closed", seq=14)
        changed["players"][1]["score"] = 9999  # Bob overtakes everyone
        changed["players"] = changed["players"][:-1]  # Mallory leaves
        source.current = changed
        await wait_until(pilot, lambda: table.row_count == 5, "row removed")
        await wait_until(pilot, lambda: ("p-bob", "score") in updated, "cell updated")
        assert str(table.ordered_rows[0].key.value) == "p-bob"
        assert {col for row, col in updated if row == "p-bob"} == {"score"}


async def test_export_refuses_a_game_id_that_is_not_one(tmp_path: Path) -> None:
    """The files are named after the game id the server sent: ``x/../../escaped`` would put them
    beside the export directory (given a folder ``quizwire-x`` in it)."""
    source = FakeSource(view("lobby"))
    source.current["gameId"] = "x/../../escaped"
    exports = tmp_path / "exports"
    (exports / "quizwire-x").mkdir(parents=True)
    app = ConsoleApp(
        source, code=CODE, clock=FrozenClock(T0), export_dir=exports, tick_s=0.05, poll_s=0.1
    )
    async with app.run_test(notifications=True) as pilot:
        await wait_until(pilot, lambda: app.model.code == "x/../../escaped", "the server's id")
        await pilot.press("x")
        await wait_until(
            pilot, lambda: any(n.title == "Export failed" for n in app._notifications), "refusal"
        )
        assert app.is_running
    assert app.exported == []
    assert files_under(tmp_path) == []


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


async def test_removed_players_list_readmits_the_selected_one(tmp_path: Path) -> None:
    source = FakeSource(view("question_closed", seq=13))
    rows = {p["playerId"]: p for p in source.current["players"]}
    rows["p-bob"]["status"] = "kicked"
    rows["p-mal"]["status"] = "banned"
    app = make(source, tmp_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: "2 removed (u)" in screen_text(app), "the hint")
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, RemovedScreen), "the list")
        removed = app.screen
        assert isinstance(removed, RemovedScreen)
        assert removed.player_ids == ["p-bob", "p-mal"]
        assert removed.table.get_row("p-mal")[0].plain == "[red]Mal␛[31mlory"
        await pilot.press(
            "down", "a"
        )  # a ban is for good: the server says so, the console shows it
        await wait_until(
            pilot, lambda: ("player", CODE, "p-mal", "readmit") in source.calls, "asked"
        )
        await pilot.press("up", "a")
        await wait_until(
            pilot, lambda: ("player", CODE, "p-bob", "readmit") in source.calls, "readmit sent"
        )
        await wait_until(pilot, lambda: "Readmitted Bob" in screen_text(app), "toast")
        rows["p-bob"]["status"] = "active"  # the next poll brings Bob back
        await wait_until(pilot, lambda: removed.player_ids == ["p-mal"], "list updated")
        await pilot.press("escape")
        await wait_until(pilot, lambda: "1 removed (u)" in screen_text(app), "back, one left")


async def test_the_pack_picker_says_bundled_packs_are_for_practice(tmp_path: Path) -> None:
    """Every player's install holds the bundled packs' answers: the host reads that where they
    pick one, and how to run a real competition instead."""
    quiz = tmp_path / "friday.toml"
    quiz.write_text(
        'title = "Friday"\n[[questions]]\ntext = "2+2?"\nchoices = ["3", "4"]\nanswer = "B"\n'
    )
    app = ConsoleApp(FakeSource(), clock=FrozenClock(T0), export_dir=tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: "Selected:" in screen_text(app), "a pack preselected")
        text = screen_text(app)
        assert (
            "Bundled packs are for practice: players' Quizwire installs hold the answers." in text
        )
        assert "For a real competition use your own quiz file (see `quizwire quiz import`)." in text
        field = app.screen.query_one("#quiz-file", Input)
        field.focus()
        field.value = str(quiz)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Selected: Friday" in screen_text(app), "the file")
        assert "Selected: Friday — 1 question, " in screen_text(app)  # not "1 questions"
        assert "Bundled packs are for practice" not in screen_text(app)  # said for a pack
