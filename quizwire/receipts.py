"""What a player is told on their scores channel, the same from the stub and the Lambdas.

The channel's ``seq`` numbers both kinds of message from the player's row version ``n``: the
receipt of an answer is ``2n``, the result after the reveal ``2n + 1``, so a result always
sorts after the receipt it completes and a client's :class:`~quizwire.messages.SeqTracker`
drops whatever is stale.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from quizwire.answers import AnswerOutcome, revealed_answer
from quizwire.messages import ScoreMsg
from quizwire.state import GameState, Phase, PlayerState, question_id

__all__ = ["Shown", "receipt", "result_after_reveal"]


@dataclass(frozen=True, slots=True)
class Shown:
    """The standing a receipt shows while the question is open: as at its opening (nothing
    the answer earned may leak before the reveal). ``rank`` None: not known without a query."""

    score: int
    streak: int
    rank: int | None


def receipt(
    game: GameState, outcome: AnswerOutcome, now: int, *, rank: int | None, shown: Shown
) -> ScoreMsg:
    """The immediate receipt of an answer (``outcome.player`` is set): "locked in" or the
    refusal's reason. While the question is open correctness and points wait for the reveal
    and ``shown`` replaces every figure; after it, the row's own figures and ``rank``."""
    message = outcome.score_message(game.game_id, now, rank)
    message = replace(message, seq=2 * message.seq)
    if game.phase is not Phase.QUESTION_OPEN:
        return message
    return replace(
        message,
        correct=None,
        points=0,
        bonus=0,
        total=shown.score,
        streak=shown.streak,
        rank=shown.rank,
    )


def result_after_reveal(
    game: GameState, player: PlayerState, index: int, now: int, rank: int | None
) -> ScoreMsg:
    """The result of question ``index`` for a player who answered it, sent once it is
    revealed: right or not, the points, the new total, streak and rank."""
    choice, value = revealed_answer(game.quiz.questions[index], player)
    return ScoreMsg(
        game_id=game.game_id,
        seq=2 * player.seq + 1,
        ts=now,
        player_id=player.player_id,
        question_id=question_id(index),
        index=index,
        accepted=True,
        correct=player.last_correct,
        choice=choice,
        value=value,
        points=player.last_points,
        bonus=player.last_bonus,
        total=player.score,
        streak=player.streak,
        rank=rank,
    )
