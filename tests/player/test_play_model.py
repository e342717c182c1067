"""The player's model between messages: the streak after a missed question, and the result of a
question revealed while the player was away."""

from __future__ import annotations

from player.widgets.question import result_lines
from quizwire.messages import PlayerView, QuestionClosedMsg, ScoreMsg, SnapshotMsg
from quizwire.play_model import PlayerModel
from quizwire.state import Phase
from tui.clock import FrozenClock

from .scripted import CODE, ME, T0, locked, question, revealed


def closed(model: PlayerModel, clock: FrozenClock) -> QuestionClosedMsg:
    reveal = revealed(clock).reveal
    assert reveal is not None
    return QuestionClosedMsg(game_id=CODE, seq=50, ts=clock(), reveal=reveal)


def test_a_missed_question_resets_the_streak_at_the_reveal() -> None:
    clock = FrozenClock(T0)
    model = question(clock)  # streak 2, no answer
    assert model.streak == 2
    model.apply("game", closed(model, clock), clock())
    assert model.streak == 0
    assert "streak 0" in str(result_lines(model, model.question, model.reveal))  # type: ignore[arg-type]


def test_an_answered_question_keeps_the_streak_until_its_result() -> None:
    clock = FrozenClock(T0)
    model = locked(clock)
    model.apply("game", closed(model, clock), clock())
    assert model.streak == 2  # the result (on /scores) says what it becomes


def back_after_the_reveal(clock: FrozenClock, receipt: bool) -> PlayerModel:
    """Locked in q3, away over its reveal, back: the rejoin snapshot."""
    model = locked(clock)
    if receipt:  # the "locked in" receipt came before the drop
        model.result = ScoreMsg(
            game_id=CODE, seq=6, ts=clock(), player_id=ME, question_id="q3", index=2,
            accepted=True, correct=None, choice=1, points=0, bonus=0, total=2_410, streak=2,
            rank=3,
        )  # fmt: skip
    shown = revealed(clock)
    you = PlayerView(
        player_id=ME, name="Alice", total=3_360, streak=3, rank=2, answered=True, choice=1,
        correct=True, points=950, bonus=100,
    )  # fmt: skip
    snap = SnapshotMsg(
        game_id=CODE, seq=60, ts=clock(), phase=Phase.QUESTION_CLOSED, title="General knowledge",
        total=10, index=2, question=shown.question, reveal=shown.reveal, you=you,
        leaderboard=shown.leaderboard, players=24,
    )  # fmt: skip
    model.apply_snapshot(snap, clock())
    return model


def test_a_result_missed_while_away_shows_its_points() -> None:
    clock = FrozenClock(T0)
    for receipt in (True, False):
        model = back_after_the_reveal(clock, receipt)
        assert model.question is not None and model.reveal is not None
        text = str(result_lines(model, model.question, model.reveal))
        assert "✔ Correct!  +950 points (incl. +100 streak bonus)" in text, receipt
        assert "Total 3,360 · streak 3 · rank #2" in text, receipt
