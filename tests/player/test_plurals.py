"""Counts read as words: "1 question", "1 point", never "1 questions" (a one-question quiz, a
quiz worth 1 point a question)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from player.widgets.lobby import LobbyView
from player.widgets.standings import own_rank_text
from quizwire.play_model import PlayerModel
from tui.plural import counted, players


def test_counted_says_one_thing_and_many_things() -> None:
    assert counted(1, "question") == "1 question"
    assert counted(0, "point") == "0 points"
    assert counted(1200, "player") == "1,200 players"
    assert players(1) == "1 player"


def test_own_rank_with_one_point() -> None:
    model = PlayerModel("K7QX2M", "p1", "Ann", score=1, rank=1, ranked_players=1)
    assert own_rank_text(model).plain == "You are #1 of 1 with 1 point"
    model.rank = None
    assert own_rank_text(model).plain == "You have 1 point (not ranked yet)."


class LobbyApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LobbyView()


async def test_lobby_of_a_one_question_quiz() -> None:
    app = LobbyApp()
    async with app.run_test(size=(80, 24)) as pilot:
        model = PlayerModel("K7QX2M", "p1", "Ann", total_questions=1, lobby_players=1)
        app.query_one(LobbyView).show(model)
        await pilot.pause()
        you = str(app.query_one("#lobby-you", Static).render())
        assert you.endswith("· 1 question")
        assert str(app.query_one("#lobby-count", Static).render()) == "1 player in the lobby"
