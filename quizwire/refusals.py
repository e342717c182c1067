"""Typed refusal reasons with stable codes and the message a player is shown.

Answer refusals (from :func:`quizwire.answers.submit_answer`):

===================  ========================================================================
``malformed``        the answer message could not be parsed (the parser's error is shown)
``not_in_game``      unknown player, or kicked/banned
``game_over``        the game has finished
``not_open``         no question is open yet (lobby)
``wrong_question``   the questionId is not a question of this game, or not asked yet
``too_early``        the question is in its get-ready phase: its choices are not open yet
``too_late``         the question closed (deadline passed, revealed early, or a later one is open)
``duplicate``        a resend of the answer already recorded for this question (same choice)
``already_answered`` a *different* second answer to a question already answered
``bad_choice``       the choice is not one of the question's choices
===================  ========================================================================

Join refusals (from :func:`quizwire.players.check_join`): ``game_over``, ``banned``,
``late_join_closed`` and the nickname codes ``name_empty``, ``name_too_long``,
``name_bad_char``, ``name_taken``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ANSWER_REFUSALS", "Refusal", "RefusalCode"]


class RefusalCode(StrEnum):
    MALFORMED = "malformed"
    NOT_IN_GAME = "not_in_game"
    GAME_OVER = "game_over"
    NOT_OPEN = "not_open"
    WRONG_QUESTION = "wrong_question"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"
    DUPLICATE = "duplicate"
    ALREADY_ANSWERED = "already_answered"
    BAD_CHOICE = "bad_choice"
    BANNED = "banned"
    LATE_JOIN_CLOSED = "late_join_closed"
    NAME_EMPTY = "name_empty"
    NAME_TOO_LONG = "name_too_long"
    NAME_BAD_CHAR = "name_bad_char"
    NAME_TAKEN = "name_taken"


#: the codes an answer can be refused with (the rest are join refusals)
ANSWER_REFUSALS = (
    RefusalCode.MALFORMED,
    RefusalCode.NOT_IN_GAME,
    RefusalCode.GAME_OVER,
    RefusalCode.NOT_OPEN,
    RefusalCode.WRONG_QUESTION,
    RefusalCode.TOO_EARLY,
    RefusalCode.TOO_LATE,
    RefusalCode.DUPLICATE,
    RefusalCode.ALREADY_ANSWERED,
    RefusalCode.BAD_CHOICE,
)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why something was refused: a stable ``code`` and a human ``message``."""

    code: RefusalCode
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code.value, "message": self.message}
