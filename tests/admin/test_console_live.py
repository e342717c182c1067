"""The console against a real in-process stub: setup, lobby, question, reveal, end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import Input, OptionList

from admin.app import ConsoleApp
from admin.widgets import PlayerTable
from quizwire.client.game_api import AdminClient
from quizwire.state import Phase
from tests.game.harness import make_quiz

from .conftest import screen_text, wait_until

SIZE = (160, 48)


async def test_setup_pick_pack_and_create(console: Callable[..., ConsoleApp]) -> None:
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        packs = app.screen.query_one("#packs", OptionList)
        packs.highlighted = 1  # the second bundled pack
        await pilot.pause()
        chosen = packs.get_option_at_index(1).id
        assert app.screen.choice is not None and app.screen.choice.pack == chosen  # type: ignore[attr-defined]
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: bool(app.model.code), "game created")
        command = f"quizwire play --game {app.model.code} --endpoint http://127.0.0.1:"
        await wait_until(pilot, lambda: command in screen_text(app), "join command shown")
        text = screen_text(app)
        assert "LOBBY" in text
        assert app.model.phase == Phase.LOBBY


async def test_setup_bad_quiz_file_lists_every_problem(
    console: Callable[..., ConsoleApp], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "title": "Broken",
                "questions": [
                    {"text": "ok?", "choices": ["a", "b"], "answer": "A"},
                    {"text": "", "choices": ["only one"], "answer": "A"},
                    {"text": "third", "choices": ["a", "b"], "answer": "Z"},
                ],
            }
        )
    )
    app = console()
    async with app.run_test(size=SIZE) as pilot:
        field = app.screen.query_one("#quiz-file", Input)
        field.focus()
        field.value = str(bad)
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert "Cannot use" in text
        assert "question 2" in text.lower() and "question 3" in text.lower()
        assert app.screen.choice is None  # type: ignore[attr-defined]
        await pilot.press("ctrl+g")  # refuses: nothing valid selected
        await pilot.pause()
        assert app.model.code == ""


async def test_lobby_join_feed_and_kick(
    console: Callable[..., ConsoleApp], admin: AdminClient, players: Callable[..., Any]
) -> None:
    view = await admin.create_game(quiz=make_quiz([(4, 1, 1000)]))
    code = view["gameId"]
    app = console(code=code)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Join with" in screen_text(app), "lobby shown")
        await players(code, "Alice")
        evil = await players(code, "[blink]x[/]")
        await wait_until(pilot, lambda: len(app.model.players) == 2, "two players")
        await wait_until(pilot, lambda: "Alice joined" in screen_text(app), "join feed")
        # markup shown literally (escapes: see the fake-source tests)
        await wait_until(pilot, lambda: "[blink]x[/]" in screen_text(app), "literal name")
        table = app.screen.query_one("#lobby-players", PlayerTable)
        table.focus()
        row = table.get_row_index(evil.player_id)
        table.move_cursor(row=row)
        await pilot.press("k")
        await wait_until(pilot, lambda: "Kick [blink]x[/]? y/n" in screen_text(app), "asked")
        await pilot.press("y")
        await wait_until(
            pilot, lambda: app.model.players[evil.player_id].status == "kicked", "kicked"
        )
        after = await admin.view(code)
        kicked = [p for p in after["players"] if p["playerId"] == evil.player_id]
        assert kicked[0]["status"] == "kicked"
        await wait_until(pilot, lambda: "kicked" in screen_text(app), "kick in the feed")


async def test_question_stream_histogram_reveal_and_end(
    console: Callable[..., ConsoleApp],
    admin: AdminClient,
    players: Callable[..., Any],
    tmp_path: Path,
) -> None:
    quiz = make_quiz([(4, 2, 1000), (3, 0, 1000)])
    quiz["questions"][0]["choices"][2] = "Secret Right Choice"
    view = await admin.create_game(quiz=quiz, options={"timeLimit": 120})
    code = view["gameId"]
    app = console(code=code)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Join with" in screen_text(app), "lobby shown")
        ann, bob, cat, idle = [await players(code, n) for n in ("Ann", "Bob", "Cat", "Idle")]
        await wait_until(pilot, lambda: len(app.model.players) == 4, "players")
        await pilot.press("g")
        await wait_until(pilot, lambda: app.model.phase == Phase.QUESTION_OPEN, "question open")
        qid = app.model.question.question_id  # type: ignore[union-attr]
        await ann.answer(qid, 2)
        await bob.answer(qid, 0)
        await cat.answer(qid, 2)
        await wait_until(pilot, lambda: app.model.feed.answered == 3, "three answers counted")
        assert app.model.feed.counts == [1, 0, 2, 0]
        await wait_until(pilot, lambda: "answered 3/4" in screen_text(app), "answered shown")
        text = screen_text(app)
        for name in ("Ann", "Bob", "Cat"):
            assert name in text
        assert "✔" not in text and "Right answer" not in text  # nothing hints at correctness
        assert "Secret Right Choice" in text  # the choice itself is listed, unmarked

        await pilot.press("r")
        await wait_until(pilot, lambda: app.model.phase == Phase.QUESTION_CLOSED, "revealed")
        await wait_until(pilot, lambda: "Right answer" in screen_text(app), "reveal shown")
        text = screen_text(app)
        assert "✔ ● C" in text
        assert "Fastest:" in text and "Ann" in text.split("Fastest:")[1]
        assert app.model.reveal is not None and app.model.reveal.counts == (1, 0, 2, 0)

        await pilot.press("r")  # 409: no question open -> a notification, not a crash
        await pilot.pause(0.3)
        assert app.is_running

        await pilot.press("e", "e")
        await wait_until(pilot, lambda: app.model.phase == Phase.FINISHED, "finished")
        await wait_until(pilot, lambda: len(app.exported) == 2, "exported")
        await wait_until(pilot, lambda: "Results saved" in screen_text(app), "paths shown")
        # the podium is revealed place by place (3rd, 2nd, then the winner)
        await wait_until(pilot, lambda: "Ann wins" in screen_text(app), "the winner shown")
        text = screen_text(app)
        assert "Final podium" in text and "Ann" in text
        csv_path, json_path = app.exported
        assert csv_path.suffix == ".csv" and csv_path.parent == tmp_path / "exports"
        assert "Ann" in csv_path.read_text() and "Cat" in csv_path.read_text()
        results = json.loads(json_path.read_text())
        assert {p["name"] for p in results["players"]} >= {"Ann", "Bob", "Cat", "Idle"}
        del idle


async def test_quiz_file_from_the_command_line(
    console: Callable[..., ConsoleApp], admin: AdminClient, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"title": "B", "questions": [{"text": "", "choices": ["x"], "answer": "B"}]})
    )
    app = console(quiz=str(bad))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Cannot use" in text and "question 1" in text
        await pilot.press("ctrl+g")  # a pack is NOT silently picked instead
        await pilot.pause(0.3)
        assert app.model.code == ""

    good = tmp_path / "good.json"
    quiz = make_quiz([(3, 1, 1000), (2, 0, 2000)], title="From a file")
    good.write_text(json.dumps(quiz))
    app = console(quiz=str(good))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "From a file" in screen_text(app)
        await pilot.press("ctrl+g")
        await wait_until(
            pilot, lambda: app.model.phase == Phase.LOBBY and bool(app.model.code), "created"
        )
        view = await admin.view(app.model.code)
        assert view["title"] == "From a file" and view["total"] == 2


async def test_l_locks_the_game_against_new_players(
    console: Callable[..., ConsoleApp], admin: AdminClient, players: Callable[..., Any], stub: Any
) -> None:
    """``l``: new joins are refused (a player already in still plays), the top bar says so, and
    ``l`` again opens the door."""
    from quizwire.client.game_api import EntryClient, GameApiError

    code = (await admin.create_game(quiz=make_quiz([(4, 1, 1000)])))["gameId"]
    app = console(code=code)
    entry = EntryClient(stub.game_api)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Join with" in screen_text(app), "lobby shown")
        await players(code, "Early")
        await pilot.press("l")
        await wait_until(pilot, lambda: app.model.locked, "locked")
        await wait_until(pilot, lambda: "locked: no new players" in screen_text(app), "top bar")
        assert (await admin.view(code))["locked"] is True
        try:
            await entry.join(code, "Late")
        except GameApiError as exc:
            assert (exc.status, exc.code) == (403, "locked")
        else:
            raise AssertionError("a locked game took a new player")
        await pilot.press("l")
        await wait_until(pilot, lambda: not app.model.locked, "unlocked")
        assert "locked: no new players" not in screen_text(app)
        assert (await entry.join(code, "Late"))["name"] == "Late"
    await entry.close()
