"""Answer validation and scoring: one pure function per incoming answer (stdlib only).

:func:`submit_answer` checks, in this order, and refuses with the first failing reason
(codes in :mod:`quizwire.refusals`):

1. ``not_in_game``    the player is unknown, kicked or banned;
2. ``game_over``      the game has finished;
3. ``wrong_question`` the answer names another game, or a question id this quiz does not have;
4. ``duplicate``      the player already answered *this* question with the *same* choice: a
                      resend (network retry). The original result is repeated; nothing changes;
   ``already_answered`` the player already answered this question with a *different* choice:
                      only the first answer counts;
5. ``not_open``       the game is still in the lobby;
6. ``wrong_question`` the question has not been asked yet;
7. ``too_late``       an earlier question, the current question after it closed (deadline passed
                      or revealed early), or after its deadline by the server clock;
   ``too_early``      the current question before its choices open (its get-ready phase): not
                      counted, and the player may answer again once they open;
8. ``bad_choice``     the answer does not fit the question: a choice out of range, the wrong
                      kind of answer for the question's type, an empty or too long text, an
                      order that is not a permutation of the items, a number out of range
                      (:mod:`quizwire.judge`).

A typed answer (text, order, number) counts as a resend when its literal value (the cleaned
text, the order, the number) equals the one already received.

The deadline is inclusive: an answer received at ``deadline`` ms counts. Each player has their
own: the choices' opening plus the question's limit lengthened by the extra time the host gave
them (``PlayerState.extra_time``), never after the question's own ``deadline``; their speed
score uses that same limit. A question without a timer takes answers until it is closed and
scores them without a speed part (a flat ``points``, no time counted for the tie-break). The answer time ``t``
used for speed scoring is server receive time minus the time the choices opened (the client's ``sentAt``
is recorded for audit only). Scoring is in :mod:`quizwire.scoring`.

Persisting: write ``outcome.player`` (if not None) conditionally on the old ``PlayerState.seq``
and, for an accepted answer, ``outcome.record`` — e.g. SQL ``UPDATE ... WHERE seq = ?`` or a
DynamoDB ``ConditionExpression`` ``answered_index < :idx``, so two concurrent answers from the
same player cannot both count. Then publish ``outcome.score_message(...)`` on the player's
scores channel.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from quizwire.fields import MessageError
from quizwire.judge import BadAnswer, answer_value, judge
from quizwire.kinds import CHOICE_KINDS, Kind
from quizwire.messages import AnswerMsg, PresenterAnswerMsg, ScoreMsg
from quizwire.quiz import LETTERS, Question
from quizwire.refusals import Refusal, RefusalCode
from quizwire.scoring import AnswerScore, score_graded, score_poll
from quizwire.state import AnswerRecord, GameState, Phase, PlayerState, question_index_from_id

__all__ = [
    "AnswerOutcome",
    "presenter_answer",
    "presenter_fields",
    "refuse_malformed",
    "revealed_answer",
    "submit_answer",
]

#: the types whose bucket would tell the presenter's stream who is right (text: right/wrong,
#: order: exact/partial/wrong): their answers travel as the literal value only
_SECRET_BUCKETS = frozenset({Kind.TEXT, Kind.ORDER})


def presenter_fields(
    question: Question | None, choice: int, value: str
) -> tuple[int | None, str | None]:
    """``(choice, value)`` of an answer as the presenter's stream and view carry them: the
    bucket (None where it would give the answer away) and the literal typed value."""
    kind = question.kind if question is not None else Kind.CHOICE
    return (
        None if kind in _SECRET_BUCKETS else choice,
        value if kind not in CHOICE_KINDS else None,
    )


def presenter_answer(game: GameState, outcome: AnswerOutcome) -> PresenterAnswerMsg:
    """The presenter's stream event for an accepted answer (the same from stub and Lambda)."""
    record, question_id = outcome.record, outcome.question_id
    if record is None or question_id is None:
        raise ValueError("only an accepted answer goes to the presenter's stream")
    choice, value = presenter_fields(
        game.quiz.questions[record.question_index], record.choice, record.value
    )
    return PresenterAnswerMsg(
        game_id=game.game_id,
        player_id=record.player_id,
        name=record.name,
        question_id=question_id,
        index=record.question_index,
        choice=choice,
        value=value,
        elapsed_ms=record.elapsed_ms,
        received_at=record.received_at,
        sent_at=record.sent_at,
    )


def revealed_answer(
    question: Question | None, player: PlayerState
) -> tuple[int | None, str | None]:
    """A player's last answer as their result and snapshot show it: ``(choice, None)`` for a
    choice type, ``(None, value)`` for a typed one (its bucket says nothing to the player)."""
    if question is not None and question.kind not in CHOICE_KINDS:
        return None, player.last_value
    return (player.last_choice if player.last_choice >= 0 else None), None


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerOutcome:
    """What happened to one answer.

    ``player`` is the player row to persist (its ``seq`` is bumped for every outcome so the
    score message is fresh; None if the player is unknown). ``record`` and ``score`` are set
    only when the answer was accepted; ``refusal`` only when it was not.
    """

    player_id: str
    player: PlayerState | None
    refusal: Refusal | None = None
    record: AnswerRecord | None = None
    score: AnswerScore | None = None
    question_id: str | None = None
    question_index: int | None = None
    choice: int | None = None
    #: the literal typed answer (text, order, number), None for a choice
    value: str | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None

    def score_message(self, game_id: str, now_ms: int, rank: int | None = None) -> ScoreMsg:
        """The ``score`` message for ``/scores/{gameId}/{playerId}``; ``rank`` from the store.

        A ``duplicate`` refusal repeats the original result; other refusals carry no points.
        """
        p = self.player
        correct: bool | None = None
        choice, points, bonus, value = self.choice, 0, 0, self.value
        if self.score is not None:
            correct, points, bonus = self.score.correct, self.score.total, self.score.bonus
        elif (
            self.refusal is not None
            and self.refusal.code is RefusalCode.DUPLICATE
            and p is not None
        ):
            correct, choice, points, bonus = (
                p.last_correct,
                p.last_choice,
                p.last_points,
                p.last_bonus,
            )
            if value is not None:
                value = p.last_value
        if (choice is not None and not 0 <= choice < len(LETTERS)) or value is not None:
            choice = None  # a typed answer's bucket is not the player's to know before the reveal
        return ScoreMsg(
            game_id=game_id,
            seq=p.seq if p is not None else 0,
            ts=now_ms,
            player_id=self.player_id,
            question_id=self.question_id,
            index=self.question_index,
            accepted=self.refusal is None,
            correct=correct,
            choice=choice,
            points=points,
            bonus=bonus,
            total=p.score if p is not None else 0,
            streak=p.streak if p is not None else 0,
            rank=rank,
            refusal_code=None if self.refusal is None else self.refusal.code.value,
            refusal_message=None if self.refusal is None else self.refusal.message,
            value=value,
        )


def _refuse(
    player_id: str,
    player: PlayerState | None,
    code: RefusalCode,
    message: str,
    *,
    qid: str | None = None,
    index: int | None = None,
    choice: int | None = None,
    value: str | None = None,
) -> AnswerOutcome:
    bumped = replace(player, seq=player.seq + 1) if player is not None else None
    return AnswerOutcome(
        player_id=player_id,
        player=bumped,
        refusal=Refusal(code, message),
        question_id=qid,
        question_index=index,
        choice=choice,
        value=value,
    )


def refuse_malformed(
    player_id: str, player: PlayerState | None, error: MessageError
) -> AnswerOutcome:
    """Outcome for an answer that failed :func:`quizwire.messages.parse_answer`."""
    return _refuse(
        player_id, player, RefusalCode.MALFORMED, f"Your answer could not be read: {error}"
    )


def submit_answer(
    game: GameState,
    player_id: str,
    player: PlayerState | None,
    answer: AnswerMsg,
    now_ms: int,
) -> AnswerOutcome:
    """Validate and score one answer received at server time ``now_ms``.

    ``player_id`` comes from auth; ``player`` is that player's row (None if unknown). Returns an
    :class:`AnswerOutcome`; never raises for bad input (only if ``player`` belongs to someone
    else, a programming error).
    """
    if player is not None and player.player_id != player_id:
        raise ValueError(f"player row {player.player_id!r} is not player {player_id!r}")
    total = game.total_questions
    idx = question_index_from_id(answer.question_id)
    known = idx is not None and 0 <= idx < total
    qid = answer.question_id if known else None
    index = idx if known else None
    choice = answer.choice
    typed = answer.choice is None
    value = answer_value(answer) if typed else None

    def refuse(code: RefusalCode, message: str) -> AnswerOutcome:
        return _refuse(
            player_id, player, code, message, qid=qid, index=index, choice=choice, value=value
        )

    if player is None:
        return refuse(RefusalCode.NOT_IN_GAME, "You are not in this game: join it first.")
    if not player.active:
        return refuse(RefusalCode.NOT_IN_GAME, "You were removed from this game by the presenter.")
    if game.phase is Phase.FINISHED:
        return refuse(RefusalCode.GAME_OVER, "The game is over: answers are closed.")
    if answer.game_id is not None and answer.game_id != game.game_id:
        return refuse(RefusalCode.WRONG_QUESTION, "That answer is for a different game.")
    if idx is None or not known:
        return refuse(
            RefusalCode.WRONG_QUESTION, "That answer is for a question this game does not have."
        )
    number = idx + 1
    question = game.quiz.questions[idx]
    if player.answered_index == idx:
        if typed and question.kind not in CHOICE_KINDS and value == player.last_value:
            return refuse(
                RefusalCode.DUPLICATE,
                f"Already received: your answer to question {number} counts once.",
            )
        if not typed and choice == player.last_choice and question.kind in CHOICE_KINDS:
            shown = LETTERS[choice] if choice is not None and 0 <= choice < len(LETTERS) else ""
            return refuse(
                RefusalCode.DUPLICATE,
                f"Already received: your answer {shown} to question {number} counts once.",
            )
        return refuse(
            RefusalCode.ALREADY_ANSWERED,
            f"You already answered question {number}: only your first answer counts.",
        )
    if game.phase is Phase.LOBBY:
        return refuse(
            RefusalCode.NOT_OPEN, "No question is open yet: wait for the presenter to start."
        )
    if idx > game.question_index:
        return refuse(RefusalCode.WRONG_QUESTION, f"Question {number} has not been asked yet.")
    if idx < game.question_index:
        return refuse(RefusalCode.TOO_LATE, f"Too late: question {number} is already closed.")
    if game.phase is Phase.QUESTION_CLOSED:
        return refuse(
            RefusalCode.TOO_LATE,
            f"Too late: question {number} was closed before your answer arrived.",
        )
    timed = game.timed(idx)
    # untimed: the whole (safety) window, so the recorded answer time is the real one
    limit_ms = (
        game.player_limit_ms(idx, player.extra_time)
        if timed
        else max(game.deadline - game.opened_at, 1)
    )
    own_deadline = min(game.opened_at + limit_ms, game.deadline) if timed else game.deadline
    if now_ms > own_deadline:
        return refuse(RefusalCode.TOO_LATE, f"Too late: time was up for question {number}.")
    if now_ms < game.opened_at:
        return refuse(
            RefusalCode.TOO_EARLY,
            f"Too early: the choices of question {number} are not open yet.",
        )
    judged = judge(question, answer, number)
    if isinstance(judged, BadAnswer):
        return refuse(RefusalCode.BAD_CHOICE, judged.message)

    points = game.points_for(idx)
    elapsed = now_ms - game.opened_at
    previous_streak = player.streak if player.answered_index == idx - 1 else 0
    if judged.fraction is None:
        result = score_poll(elapsed_ms=elapsed, limit_ms=limit_ms, previous_streak=previous_streak)
    else:
        result = score_graded(
            fraction=judged.fraction,
            points=points,
            elapsed_ms=elapsed,
            limit_ms=limit_ms,
            previous_streak=previous_streak,
            speed_scoring=game.options.speed_scoring and timed,
            streak_enabled=game.options.streak_bonus,
        )
    choice = judged.bucket
    # no timer, no speed pressure: the time taken does not break ties either
    counted_ms = result.elapsed_ms if result.correct and points > 0 and timed else 0
    new_player = replace(
        player,
        score=player.score + result.total,
        streak=result.streak,
        correct_count=player.correct_count + (1 if result.correct else 0),
        correct_ms=player.correct_ms + counted_ms,
        answered_index=idx,
        last_choice=choice,
        last_value=judged.value,
        last_correct=result.correct,
        last_points=result.total,
        last_bonus=result.bonus,
        last_ms=counted_ms,
        prior_streak=player.streak,
        seq=player.seq + 1,
    )
    record = AnswerRecord(
        game_id=game.game_id,
        player_id=player_id,
        name=player.name,
        question_index=idx,
        choice=choice,
        correct=result.correct,
        points=result.total,
        bonus=result.bonus,
        elapsed_ms=result.elapsed_ms,
        received_at=now_ms,
        sent_at=answer.sent_at,
        value=judged.value,
    )
    return AnswerOutcome(
        player_id=player_id,
        player=new_player,
        record=record,
        score=result,
        question_id=qid,
        question_index=idx,
        choice=choice,
        value=judged.value if question.kind not in CHOICE_KINDS else None,
    )
