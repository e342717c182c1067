"""The console in a hostile room: a real in-process stub that takes any nickname, six players
named after markup and terminal escapes, a quiz whose text carries both — and every screen of
the console driven from the keyboard (lobby, kick, ban, the removed list, readmit, question,
answer feed, reveal, tables, system panel, palette, podium, export). The app must keep running
and show each name as the literal text it is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from admin.app import ConsoleApp
from admin.removed import RemovedScreen
from admin.widgets import PlayerTable
from backend_stub.app import Stub
from quizwire.client.game_api import AdminClient
from quizwire.state import Phase
from tests.hostile_names import (
    CHOICES,
    HOSTILE_NAMES,
    QUESTION,
    TITLE,
    assert_no_raw_controls,
    hostile_quiz,
    lax_names,
)

from .conftest import screen_text, wait_until

SIZE = (160, 48)


def shown(app: ConsoleApp) -> str:
    text = screen_text(app)
    assert_no_raw_controls(text)
    assert app.is_running, "the console exited"
    return text


def toasts(app: ConsoleApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def select(pilot: Pilot[Any], table: PlayerTable, pid: str) -> None:
    table.focus()
    table.move_cursor(row=table.get_row_index(pid))
    await pilot.pause()


async def test_every_screen_shows_hostile_names_literally(
    stub: Stub,
    admin: AdminClient,
    players: Callable[..., Any],
    console: Callable[..., ConsoleApp],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    lax_names(monkeypatch)
    # the reveal stays on screen (the leaderboard replaces it after 5 s, which a loaded machine
    # can take to repaint the stream this test reads)
    monkeypatch.setattr("admin.stage.BOARD_AFTER_MS", 10**9)
    code = (await admin.create_game(quiz=hostile_quiz()))["gameId"]
    app = console(code=code)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: "Join with" in screen_text(app), "lobby shown")
        joined = {name: await players(code, name) for name in HOSTILE_NAMES}
        await wait_until(pilot, lambda: len(app.model.players) == len(HOSTILE_NAMES), "players")
        assert app.model.phase == Phase.LOBBY

        def in_lobby(lit: str) -> Callable[[], bool]:
            return lambda: lit in shown(app)

        for name, literal in HOSTILE_NAMES.items():
            await wait_until(pilot, in_lobby(literal), f"{name!r} in the lobby")
        assert TITLE[:23] + "…" in shown(app)  # the top bar shows 24 characters of the title

        # kick one, ban another: each toast names them literally
        lobby = app.screen.query_one("#lobby-players", PlayerTable)
        kicked, banned = joined["[/]"], joined["[@click=app.quit]Q[/]"]
        await select(pilot, lobby, kicked.player_id)
        await pilot.press("k")
        await wait_until(pilot, lambda: "Kick [/]? y/n" in shown(app), "asked, literally")
        await pilot.press("y")
        await wait_until(pilot, lambda: "Kicked [/]" in shown(app), "kick toast")
        await select(pilot, lobby, banned.player_id)
        await pilot.press("b")
        await wait_until(
            pilot, lambda: "Ban [@click=app.quit]Q[/]? y/n" in shown(app), "asked, literally"
        )
        await pilot.press("y")
        await wait_until(pilot, lambda: "Banned [@click=app.quit]Q[/]" in shown(app), "ban toast")
        await wait_until(
            pilot, lambda: app.model.players[banned.player_id].status == "banned", "banned"
        )

        # the removed list: both there, literally; readmit the kicked one; a ban is for good
        await wait_until(pilot, lambda: "2 removed (u)" in shown(app), "the top bar's hint")
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, RemovedScreen), "removed list")
        removed = app.screen
        assert isinstance(removed, RemovedScreen)
        assert removed.player_ids == [kicked.player_id, banned.player_id]
        rows = [[cell.plain for cell in removed.table.get_row(p)] for p in removed.player_ids]
        assert rows == [
            ["[/]", "kicked", "0", "a: readmit"],
            ["[@click=app.quit]Q[/]", "banned", "0", "for good"],
        ]
        assert "join again under a new name" in str(removed.query_one("#removed-note").render())
        removed.table.move_cursor(row=removed.table.get_row_index(kicked.player_id))
        await pilot.press("a")
        await wait_until(
            pilot, lambda: app.model.players[kicked.player_id].status == "active", "readmitted"
        )
        await wait_until(pilot, lambda: "Readmitted [/]" in shown(app), "readmit toast")
        await wait_until(pilot, lambda: removed.player_ids == [banned.player_id], "list updated")
        await pilot.press("a")  # the banned one: refused by the server, said so, no crash
        await wait_until(
            pilot, lambda: any("banned" in t.lower() for t in toasts(app)[-1:]), "ban is final"
        )
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app._console, "back to the console")

        # one more player, connected, who never answers: the question stays open until "r"
        # (once every connected player has answered it closes, and the reveal replaces the
        # stream this test reads)
        await players(code, "Quiet")
        await wait_until(pilot, lambda: len(app.model.players) == len(HOSTILE_NAMES) + 1, "Quiet")

        # the question: text and choices literal; answers stream in under hostile names
        await pilot.press("g")
        await wait_until(pilot, lambda: app.model.phase == Phase.QUESTION_OPEN, "question open")
        await wait_until(pilot, lambda: QUESTION in shown(app), "the question")
        text = shown(app)
        for choice in CHOICES:
            assert choice in text
        qid = app.model.question.question_id  # type: ignore[union-attr]
        answering = [n for n in HOSTILE_NAMES if n != "[@click=app.quit]Q[/]"]  # all but banned
        for name in answering:  # right: markup names; wrong: names the message parser refuses
            await joined[name].answer(qid, 0 if name == HOSTILE_NAMES[name] else 1)
        await wait_until(pilot, lambda: app.model.feed.answered == len(answering), "answers")

        def stream() -> str:
            return str(app.screen.query_one("#stream").render())

        # the stream repaints at most 4 times a second: the model may be a repaint ahead of it
        await wait_until(
            pilot,
            lambda: all(HOSTILE_NAMES[name] in stream() for name in answering),
            "every hostile name in the answer stream, literally",
        )

        # the reveal, the top 10 and the player table, then the system panel and the palette
        await pilot.press("r")
        await wait_until(pilot, lambda: app.model.phase == Phase.QUESTION_CLOSED, "revealed")
        await wait_until(pilot, lambda: "Right answer" in shown(app), "reveal shown")
        assert "Fastest:" in shown(app)
        await wait_until(pilot, lambda: len(app.model.leaderboard) >= 1, "leaderboard")
        assert "[/b]x" in shown(app).split("Top 10")[1]
        await select(pilot, app.screen.query_one("#players", PlayerTable), kicked.player_id)
        await pilot.press("s")
        await wait_until(pilot, lambda: app.system_shown and "link" in shown(app), "system panel")
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"kick")
        await pilot.pause(0.3)
        shown(app)
        await pilot.press("escape")
        await pilot.pause(0.2)

        # the last question, the end: podium and export
        await pilot.press("n")
        await wait_until(
            pilot, lambda: app.model.index == 1 and app.model.phase == Phase.QUESTION_OPEN, "q2"
        )
        await pilot.press("e", "e")
        await wait_until(pilot, lambda: app.model.phase == Phase.FINISHED, "finished")
        await wait_until(pilot, lambda: len(app.exported) == 2, "exported")
        await wait_until(pilot, lambda: "Results saved" in shown(app), "paths shown")
        # the podium is revealed place by place: wait for the winner
        await wait_until(
            pilot, lambda: "wins" in str(app.screen.query_one("#winner").render()), "won"
        )
        podium = " ".join(str(app.screen.query_one(f"#place-{p}").render()) for p in (1, 2, 3))
        # names with control characters never pass the message parser; the others are shown
        assert "[/]" in podium and "[/b]x" in podium
        assert [p.name for p in app.exported] == [
            f"quizwire-{code}-results.csv",
            f"quizwire-{code}-results.json",
        ]
        assert all(p.parent == tmp_path / "exports" for p in app.exported)
        assert app.is_running


async def test_a_game_code_that_is_not_an_id_is_refused_before_any_request(
    console: Callable[..., ConsoleApp], capsys: pytest.CaptureFixture[str]
) -> None:
    app = console(code="../../admin/games")
    async with app.run_test() as pilot:
        await pilot.pause(0.3)
    assert app.return_code == 2
    err = capsys.readouterr().err
    assert "quizwire host: game id '../../ADMIN/GAMES' is not a valid channel segment" in err
