"""Playing against a real stub: answer by key or mouse, the lock, the reveal, the leaderboard,
the end with its podium, and leaving cleanly."""

from __future__ import annotations

import pytest

from player.screens.game import GameScreen
from tests.game.harness import make_quiz
from tui.choices import ChoiceButton

from .conftest import Game, GameFactory, screen_text, wait_for, wait_text

pytestmark = pytest.mark.timeout(60)

# q1: B is right (1000 points); q2: C is right (1000 points); q3 has 6 choices, F is right.
QUIZ = make_quiz([(4, 1, 1000), (4, 2, 1000), (6, 5, 1000)], title="Play quiz")


async def joined(game: Game, code: str, pilot: object, app: object) -> GameScreen:
    from textual.pilot import Pilot

    from player.app import PlayerApp

    assert isinstance(pilot, Pilot) and isinstance(app, PlayerApp)
    await wait_for(pilot, lambda: isinstance(app.screen, GameScreen), "the game screen")
    await wait_text(pilot, "Waiting for the host")
    screen = app.screen
    assert isinstance(screen, GameScreen)
    return screen


def buttons(screen: GameScreen) -> list[ChoiceButton]:
    return [b for b in screen.query(ChoiceButton) if b.display]


async def test_answer_by_key_locks_then_reveals_correct(make_game: GameFactory) -> None:
    game = await make_game()
    code = await game.create(QUIZ)
    app = game.app(game=code, name="Alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await joined(game, code, pilot, app)
        await game.bystander(code, "Bob")  # keeps the question open until the reveal
        await game.command(code, "start")
        await wait_text(pilot, "Question 1/3 · 1,000 points")
        text = screen_text(app)
        assert "Question 1: pick B" in text
        assert "Press A-D or 1-4 (or click a choice) to answer." in text
        assert [b.text for b in buttons(screen)] == [f"choice {c} of q1" for c in "ABCD"]
        await pilot.press("b")
        await wait_text(pilot, "Locked in — wait for the reveal  (◆ B)")
        locked = buttons(screen)
        assert [b.locked for b in locked] == [False, True, False, False]
        assert [b.dimmed for b in locked] == [True, False, True, True]
        assert "◀ locked in" in str(locked[1].render())
        await pilot.press("a")  # a second key changes nothing: the choice is locked
        await pilot.pause(0.2)
        assert screen.model.choice == 1
        await game.command(code, "reveal")
        await wait_text(pilot, "✔ Correct!")
        text = screen_text(app)
        assert "closed: closed by the host" in text
        assert "✔ correct" in str(buttons(screen)[1].render())
        result = screen.model.result
        assert result is not None and result.correct is True and result.points > 0
        assert f"+{result.points:,} points" in text
        assert f"Total {result.total:,} · streak 1 · rank #1 of 2" in text


async def test_answer_by_number_and_wrong_answer_shows_the_right_one(
    make_game: GameFactory,
) -> None:
    game = await make_game()
    code = await game.create(QUIZ)
    app = game.app(game=code, name="Alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await joined(game, code, pilot, app)
        await game.bystander(code, "Bob")
        await game.command(code, "start")
        await wait_text(pilot, "Question 1/3")
        await pilot.press("1")  # A: wrong
        await wait_text(pilot, "Locked in — wait for the reveal  (▲ A)")
        await game.command(code, "reveal")
        await wait_text(pilot, "✘ Wrong — the answer was ◆ B  choice B of q1  +0 points")
        assert "Total 0 · streak 0" in screen_text(app)
        assert "✘ your answer" in str(buttons(screen)[0].render())


async def test_answer_with_the_mouse_and_six_choices_fit_80x24(make_game: GameFactory) -> None:
    game = await make_game()
    code = await game.create(make_quiz([(6, 5, 1000)], title="Six"))
    app = game.app(game=code, name="Alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await joined(game, code, pilot, app)
        await game.bystander(code, "Bob")
        await game.command(code, "start")
        await wait_text(pilot, "Press A-F or 1-6")
        shown = buttons(screen)
        assert len(shown) == 6
        assert all(b.is_on_screen and b.region.bottom < 23 for b in shown)  # above the footer
        assert len({str(b.render())[2:5] for b in shown}) == 6  # ▲ A, ◆ B, ... ✚ F
        await pilot.click("#choice-5")
        await wait_text(pilot, "Locked in — wait for the reveal  (✚ F)")
        await game.command(code, "reveal")
        await wait_text(pilot, "✔ Correct!")
        status = screen.query_one("#q-status")
        # the two-line result is laid out on the next refresh: wait for it, then check it fits
        await wait_for(pilot, lambda: status.region.height >= 2, "a two-line result")
        assert status.is_on_screen and status.region.bottom <= 23  # the result line is visible


async def test_no_answer_then_leaderboard_by_key_and_by_itself(make_game: GameFactory) -> None:
    game = await make_game()
    code = await game.create(QUIZ)
    app = game.app(game=code, name="Alice", reveal_hold_ms=1_500)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await joined(game, code, pilot, app)
        bob = await game.bystander(code, "Bob")
        await game.command(code, "start")
        await wait_text(pilot, "Question 1/3")
        await bob.answer("q1", 1)
        await game.command(code, "reveal")
        await wait_text(pilot, "· No answer — the answer was ◆ B")
        # Left alone, the reveal gives way to the leaderboard after the hold time.
        await wait_for(pilot, lambda: screen.view == "standings", "the leaderboard by itself")
        await wait_text(pilot, "Leaderboard after question 1/3")
        await wait_for(pilot, lambda: "▶ 2  Alice  0" in screen_text(app), "Alice highlighted")
        text = screen_text(app)
        assert "1  Bob" in text
        assert "You are #2 of 2 with 0 points" in text
        await pilot.press("l")  # back to the result, and it stays there
        await wait_text(pilot, "· No answer")
        assert screen.view == "question"
        await pilot.press("l")
        await wait_text(pilot, "Leaderboard after question 1/3")


async def test_end_shows_podium_and_final_rank(make_game: GameFactory) -> None:
    game = await make_game()
    code = await game.create(make_quiz([(4, 0, 1000)], title="Short"))
    app = game.app(game=code, name="Alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await joined(game, code, pilot, app)
        bob = await game.bystander(code, "Bob")
        await game.bystander(code, "Carol")
        await game.command(code, "start")
        await wait_text(pilot, "Question 1/1")
        await pilot.press("a")
        await wait_text(pilot, "Locked in")
        await bob.answer("q1", 0)
        await game.command(code, "reveal")
        await wait_text(pilot, "✔ Correct!")
        await game.command(code, "next")
        await wait_text(pilot, "Game over — Short")
        text = screen_text(app)
        assert "★ 1st\n▶ Alice ◀" in text
        assert "2nd\nBob" in text
        assert "3rd\n—" in text  # Carol has 0 points: no medal
        assert "You finished #1 of 3 with" in text


async def test_host_ending_early_is_said(make_game: GameFactory) -> None:
    game = await make_game()
    code = await game.create(QUIZ)
    app = game.app(game=code, name="Alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await joined(game, code, pilot, app)
        await game.command(code, "end")
        await wait_text(pilot, "The host ended the game early.")


async def test_q_leaves_cleanly_and_closes_the_connection(make_game: GameFactory) -> None:
    game = await make_game()
    code = await game.create(QUIZ)
    app = game.app(game=code, name="Alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await joined(game, code, pilot, app)
        assert game.stub.events.connection_count == 1
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, "the app to exit")
    assert app.return_code == 0
    assert game.stub.events.connection_count == 0
