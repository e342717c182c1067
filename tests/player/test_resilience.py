"""Resilience against a real stub: drops and restarts, rehydration from the snapshot, rejoining
after quitting, removal by the host, and hostile text that must stay plain text."""

from __future__ import annotations

import contextlib
import html
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from player.app import PlayerApp
from player.screens.game import GameScreen
from player.screens.join import JoinScreen
from quizwire.client.game_api import GameApiError
from tests.game.harness import make_quiz
from tui.choices import ChoiceButton
from tui.leaderboard import LeaderboardTable

from .conftest import HOSTILE_QUIZ, Game, GameFactory, screen_text, wait_for, wait_text

pytestmark = pytest.mark.timeout(90)

QUIZ = make_quiz([(4, 1, 1000), (4, 2, 1000), (4, 0, 1000)], title="Resilient quiz")


async def in_game(pilot: Pilot[Any], app: PlayerApp) -> GameScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, GameScreen), "the game screen")
    screen = app.screen
    assert isinstance(screen, GameScreen)
    return screen


async def answer_first_question(game: Game, code: str, pilot: Pilot[Any], key: str) -> None:
    await game.bystander(code, "Bob")
    await game.command(code, "start")
    await wait_text(pilot, "Question 1/3")
    await pilot.press(key)
    await wait_text(pilot, "Locked in — wait for the reveal")


async def test_reconnects_after_the_stub_restarts(make_game: GameFactory) -> None:
    game = await make_game()
    code = await game.create(QUIZ)
    app = game.app(game=code, name="Alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await in_game(pilot, app)
        await answer_first_question(game, code, pilot, "b")
        port = game.stub.events.port
        await game.stop()
        await wait_text(pilot, "◐ reconnecting…")
        assert screen.model.choice == 1  # the lock survives the drop
        await game.start(port)
        await wait_text(pilot, "● connected")
        await game.command(code, "reveal")
        await wait_text(pilot, "✔ Correct!")
        await wait_for(pilot, lambda: screen.model.score > 0, "the result")
        assert f"Alice · {screen.model.score:,} pts · #1" in screen_text(app)


async def test_rehydrates_from_the_snapshot_after_missing_events(make_game: GameFactory) -> None:
    """While the player is away the host reveals and opens the next question; on reconnect the
    snapshot brings the player to question 2 with the score from question 1."""
    game = await make_game()
    code = await game.create(QUIZ)
    app = game.app(game=code, name="Alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await in_game(pilot, app)
        await answer_first_question(game, code, pilot, "b")
        port = game.stub.events.port
        await game.stop()
        await wait_text(pilot, "◐ reconnecting…")
        await game.start(0)  # the same game on another port: the player cannot see it
        await game.command(code, "reveal")
        await game.command(code, "next")
        await game.stop()
        await game.start(port)
        await wait_text(pilot, "Question 2/3")
        await wait_text(pilot, "● connected")
        assert screen.model.choice is None
        assert screen.model.score > 0
        assert f"Alice · {screen.model.score:,} pts" in screen_text(app)
        await pilot.press("c")
        await wait_for(pilot, lambda: screen.model.choice == 2, "the lock")
        with contextlib.suppress(GameApiError):  # Bob's client gave up: it may close by itself
            await game.command(code, "reveal")
        await wait_text(pilot, "✔ Correct!")


async def test_rejoin_after_quitting_mid_game_keeps_credential_and_score(
    make_game: GameFactory,
) -> None:
    game = await make_game()
    code = await game.create(QUIZ)
    first = game.app(game=code, name="Alice")
    async with first.run_test(size=(80, 24)) as pilot:
        screen = await in_game(pilot, first)
        await answer_first_question(game, code, pilot, "b")
        await game.command(code, "reveal")
        await wait_for(pilot, lambda: screen.model.score > 0, "the result")
        player_id, score = screen.model.player_id, screen.model.score
        await pilot.press("q")
    assert game.stub.events.connection_count == 1  # only Bob is left

    # Without --game: the join screen offers the running game.
    second = game.app()
    async with second.run_test(size=(80, 24)) as pilot:
        await wait_text(pilot, f"Rejoin {code} as Alice")
        assert isinstance(second.screen, JoinScreen)
        assert second.screen.query_one("#code", Input).value == code
        await pilot.press("ctrl+g")
        screen = await in_game(pilot, second)
        await wait_text(pilot, f"Alice · {score:,} pts · #1")
        assert screen.model.player_id == player_id
        assert screen.session.rejoined
        # The snapshot shows the closed question, text and choices; the locked choice says
        # we were right.
        await wait_text(pilot, "✔ Correct!")
        assert "choice B of q1" in screen_text(second)
        assert "You came back after this question closed." not in screen_text(second)
        await pilot.press("q")

    # With --game of that game and no name: straight back in.
    third = game.app(game=code)
    async with third.run_test(size=(80, 24)) as pilot:
        screen = await in_game(pilot, third)
        assert screen.model.player_id == player_id
        await game.command(code, "next")
        await wait_text(pilot, "Question 2/3")
        await wait_text(pilot, f"Alice · {score:,} pts")


async def on_question_one(game: Game, code: str, pilot: Pilot[Any], app: PlayerApp) -> GameScreen:
    """Alice in the game with Bob, question 1 on her screen."""
    screen = await in_game(pilot, app)
    await game.bystander(code, "Bob")
    await game.command(code, "start")
    await wait_text(pilot, "Question 1/3")
    return screen


async def test_kicked_player_sees_a_clear_screen(make_game: GameFactory) -> None:
    game = await make_game()
    code = await game.create(QUIZ)
    app = game.app(game=code, name="Alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_question_one(game, code, pilot, app)
        await game.admin.player_action(code, screen.model.player_id, "kick")
        await pilot.press("a")
        await wait_text(pilot, "You are out of this game")
        assert screen.view == "removed"
        assert "The host removed you from this game." in screen_text(app)
        await pilot.press("q")


async def test_kicked_player_is_told_at_once_while_idle(make_game: GameFactory) -> None:
    """No key pressed: the removal notice on the player's own channel is enough."""
    game = await make_game()
    code = await game.create(QUIZ)
    app = game.app(game=code, name="Alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await in_game(pilot, app)
        await wait_text(pilot, "Waiting for the host")
        await game.admin.player_action(code, screen.model.player_id, "kick")
        await wait_text(pilot, "You are out of this game")
        assert screen.view == "removed"
        assert "The host removed you from this game." in screen_text(app)
        await pilot.press("q")


async def test_a_player_kicked_after_their_result_is_told_at_once(make_game: GameFactory) -> None:
    """The removal notice outranks the result already on the player's channel (the channel's
    numbering: twice the row version, +1 for a result), so it is not dropped as old news."""
    game = await make_game()
    code = await game.create(QUIZ)
    app = game.app(game=code, name="Alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_question_one(game, code, pilot, app)
        await wait_for(pilot, lambda: screen.model.can_answer(screen.clock()), "choices open")
        await pilot.press("b")
        await wait_text(pilot, "Locked in")
        await game.command(code, "reveal")
        await wait_for(pilot, lambda: screen.model.result is not None, "the result")
        await game.admin.player_action(code, screen.model.player_id, "kick")
        await wait_text(pilot, "You are out of this game")
        assert screen.view == "removed"
        await pilot.press("q")


async def test_banned_player_cannot_come_back(make_game: GameFactory) -> None:
    game = await make_game()
    code = await game.create(QUIZ)
    app = game.app(game=code, name="Alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await in_game(pilot, app)
        await game.admin.player_action(code, screen.model.player_id, "ban")
        await pilot.press("q")
    again = game.app(game=code, name="Alice")
    async with again.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot,
            lambda: (
                isinstance(again.screen, JoinScreen)
                and "You are banned from this game." in again.screen.status_text
            ),
            "the refusal",
        )
    # A ban is final: the refused credential is forgotten; a fresh join under the same name is refused too.
    third = game.app(game=code, name="Alice")
    async with third.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(third.screen, JoinScreen) and bool(third.screen.status_text),
            "a refusal",
        )
        await pilot.pause(0.3)
        assert not isinstance(third.screen, GameScreen)


async def test_markup_and_control_sequences_are_shown_as_plain_text(
    make_game: GameFactory,
) -> None:
    game = await make_game()
    code = await game.create(HOSTILE_QUIZ)
    app = game.app(game=code, name="[bold red]Mal[/]")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await in_game(pilot, app)
        await game.bystander(code, "[on red]Eve[/]")
        await game.command(code, "start")
        await wait_text(pilot, "Question 1/1")
        # A forged question with escape sequences on the channel (as if from a rogue backend).
        model = screen.model
        assert model.question is not None
        forged = dict(model.question.to_dict(), questionId="q9", text="\x1b[2Jboom\x1b]0;t\x07")
        forged["choices"] = ["\x1b[31mred", "b"]
        await game.stub.events.publish_internal(
            f"/question/{code}",
            [{"type": "question", "gameId": code, "seq": 10_000, "ts": 1, **forged}],
        )
        await pilot.pause(0.3)
        text = screen_text(app)
        assert "\x1b" not in text and "boom" not in text  # refused by the parser, never shown
        assert model.question.question_id == "q1"
        question = screen.query_one("#q-text", Static).render()
        assert str(question) == "[bold red]x[/] [2J which?"
        shown = [str(b.render()) for b in screen.query(ChoiceButton) if b.display]
        assert "[bold red]x[/]" in shown[0]
        assert "[2Jclear" in shown[1]
        assert "[link=http://evil]y[/link]" in shown[2]
        assert "QUIZWIRE · [bold red]x[/] quiz" in text
        assert "[bold red]Mal[/] · 0 pts" in text
        await pilot.press("d")
        await game.command(code, "reveal")
        await wait_text(pilot, "✔ Correct!")
        await pilot.press("l")
        await wait_for(pilot, lambda: screen.view == "standings", "the leaderboard")
        table = screen.query_one(LeaderboardTable)
        await wait_for(pilot, lambda: len(table.player_ids) == 2, "two rows")
        names = {str(table.get_row(key)[1]) for key in table.player_ids}
        assert names == {"[bold red]Mal[/]", "[on red]Eve[/]"}
        # What the terminal would draw: the literal brackets, no escape character.
        svg = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        assert "[on red]Eve[/]" in svg
        assert "\x1b" not in svg


async def test_two_players_sharing_a_data_dir_stay_two_players(make_game: GameFactory) -> None:
    """Two panes, one account: Bob never picks up Alice's credential, and both can come back."""
    game = await make_game()
    code = await game.create(QUIZ)
    ids: dict[str, str] = {}
    for name, comes_back in (("Alice", False), ("Bob", False), ("Alice", True), ("bob", True)):
        app = game.app(game=code, name=name)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await in_game(pilot, app)
            await wait_text(pilot, "Waiting for the host")
            assert screen.session.rejoined is comes_back
            key = name.lower()
            assert ids.setdefault(key, screen.model.player_id) == screen.model.player_id
            await pilot.press("q")
    assert len(set(ids.values())) == 2
    view = await game.admin.view(code)
    assert sorted(p["name"] for p in view["players"]) == ["Alice", "Bob"]


async def test_a_readmitted_player_rejoins_with_the_same_command_and_score(
    make_game: GameFactory,
) -> None:
    """A kick is not final: the credential stays on the player's machine (even when they try to
    come back while still out), so after a readmit ``quizwire play --game CODE`` brings them
    back as themselves, score kept — not "already called Alice"."""
    game = await make_game()
    code = await game.create(QUIZ)
    app = game.app(game=code, name="Alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await in_game(pilot, app)
        player_id = screen.model.player_id
        await answer_first_question(game, code, pilot, "b")
        await game.command(code, "reveal")
        await wait_for(pilot, lambda: screen.model.score > 0, "the result")
        score = screen.model.score
        await game.admin.player_action(code, player_id, "kick")
        await pilot.press("q")
    too_soon = game.app(game=code, name="Alice")  # still kicked: refused, credential kept
    async with too_soon.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot,
            lambda: (
                isinstance(too_soon.screen, JoinScreen)
                and "the host removed you" in too_soon.screen.status_text
            ),
            "the refusal",
        )
        assert isinstance(too_soon.screen, JoinScreen)
        assert "If the host readmits you, press Enter" in too_soon.screen.status_text
        await game.admin.player_action(code, player_id, "readmit")
        too_soon.screen.query_one("#name", Input).focus()
        await pilot.press("enter")
        assert (await in_game(pilot, too_soon)).model.player_id == player_id
    again = game.app(game=code)
    async with again.run_test(size=(80, 24)) as pilot:
        back = await in_game(pilot, again)
        assert back.model.player_id == player_id
        await wait_text(pilot, f"Alice · {score:,} pts")
