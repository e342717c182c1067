"""Scoring rules (pure integer arithmetic, stdlib only).

Speed scoring (Kahoot-like), for a correct answer worth ``P`` points on a question of
``T`` ms, answered ``t`` ms after the question opened (server receive time - server open time,
clamped to ``[0, T]``)::

    points = round(P * (1 - (t / T) / 2))        # P at t = 0, P/2 at t = T

``T`` is the player's own limit: the question's, lengthened by the extra time the host gave
them (``T * (100 + extra%) // 100``), so a player with +50% who answers at 15 s of 30 s scores
what a player without extra time scores at 10 s of 20 s. A question without a timer
(``timer = false``) has no speed part: a correct answer earns a flat ``P``.

``round`` is round-half-up, computed exactly in integers (no float drift): the same inputs give
the same points in the stub and in Lambda. With speed scoring off a correct answer earns a flat
``P``. A wrong or missing answer earns 0.

Streak: the number of consecutive correct answers, this one included. A wrong answer or a
question the player did not answer resets it to 0. With the streak bonus on, a correct answer on
a question worth points earns ``+100 * (streak - 1)``, capped at ``+500``: streak 1 -> +0,
2 -> +100, 3 -> +200, ..., 6 and beyond -> +500. Questions worth 0 points earn no bonus but do
extend (or, if answered wrong, reset) the streak.

Graded types (order, number: :func:`score_graded`) earn a share ``f`` of the speed points,
``round_half_up(speed_points * f)``; only a perfect answer (``f = 1``; number: within its
tolerance) counts as correct, extends the streak and earns the bonus; any other answer resets
the streak, even one that earns points. A poll (:func:`score_poll`) never scores and leaves the
streak as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "STREAK_BONUS_CAP",
    "STREAK_BONUS_STEP",
    "AnswerScore",
    "round_half_up",
    "score_answer",
    "score_graded",
    "score_poll",
    "speed_points",
    "streak_bonus",
]

STREAK_BONUS_STEP = 100
STREAK_BONUS_CAP = 500


def speed_points(points: int, elapsed_ms: int, limit_ms: int) -> int:
    """``round_half_up(points * (1 - (t/T)/2))`` with ``t`` clamped to ``[0, T]``."""
    if limit_ms <= 0:
        raise ValueError(f"limit_ms must be positive, got {limit_ms}")
    if points < 0:
        raise ValueError(f"points must not be negative, got {points}")
    t = min(max(elapsed_ms, 0), limit_ms)
    # points * (2T - t) / (2T), rounded half up: floor(a/b + 1/2) == (2a + b) // (2b)
    a = points * (2 * limit_ms - t)
    b = 2 * limit_ms
    return (2 * a + b) // (2 * b)


def streak_bonus(streak: int) -> int:
    """Bonus for a correct answer that makes the streak ``streak`` long (0 for streak <= 1)."""
    if streak <= 1:
        return 0
    return min(STREAK_BONUS_STEP * (streak - 1), STREAK_BONUS_CAP)


@dataclass(frozen=True, slots=True)
class AnswerScore:
    """Result of scoring one answer: ``total = base + bonus`` points are added to the player."""

    correct: bool
    base: int
    bonus: int
    streak: int
    elapsed_ms: int

    @property
    def total(self) -> int:
        return self.base + self.bonus


def score_answer(
    *,
    correct: bool,
    points: int,
    elapsed_ms: int,
    limit_ms: int,
    previous_streak: int,
    speed_scoring: bool = True,
    streak_enabled: bool = True,
) -> AnswerScore:
    """Score one answer.

    ``previous_streak`` is the streak *before* this answer, already reset to 0 by the caller if
    the player skipped the previous question. ``elapsed_ms`` is clamped to ``[0, limit_ms]``.
    """
    elapsed = min(max(elapsed_ms, 0), limit_ms)
    if not correct:
        return AnswerScore(correct=False, base=0, bonus=0, streak=0, elapsed_ms=elapsed)
    streak = max(previous_streak, 0) + 1
    base = speed_points(points, elapsed, limit_ms) if speed_scoring else points
    bonus = streak_bonus(streak) if streak_enabled and points > 0 else 0
    return AnswerScore(correct=True, base=base, bonus=bonus, streak=streak, elapsed_ms=elapsed)


def round_half_up(value: Fraction) -> int:
    """``floor(value + 1/2)`` exactly."""
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def score_graded(
    *,
    fraction: Fraction,
    points: int,
    elapsed_ms: int,
    limit_ms: int,
    previous_streak: int,
    speed_scoring: bool = True,
    streak_enabled: bool = True,
) -> AnswerScore:
    """Score an answer that earns ``fraction`` (0-1) of the points; 1 is the perfect answer."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be within 0-1, got {fraction}")
    if fraction == 1:
        return score_answer(
            correct=True,
            points=points,
            elapsed_ms=elapsed_ms,
            limit_ms=limit_ms,
            previous_streak=previous_streak,
            speed_scoring=speed_scoring,
            streak_enabled=streak_enabled,
        )
    elapsed = min(max(elapsed_ms, 0), limit_ms)
    full = speed_points(points, elapsed, limit_ms) if speed_scoring else points
    base = round_half_up(full * fraction)
    return AnswerScore(correct=False, base=base, bonus=0, streak=0, elapsed_ms=elapsed)


def score_poll(*, elapsed_ms: int, limit_ms: int, previous_streak: int) -> AnswerScore:
    """A poll vote: no points, not correct, the streak carried over unchanged."""
    elapsed = min(max(elapsed_ms, 0), limit_ms)
    return AnswerScore(
        correct=False, base=0, bonus=0, streak=max(previous_streak, 0), elapsed_ms=elapsed
    )
