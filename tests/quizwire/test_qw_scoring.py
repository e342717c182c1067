"""Scoring: speed formula, streak bonus, options."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizwire.scoring import STREAK_BONUS_CAP, score_answer, speed_points, streak_bonus

POINTS = st.sampled_from([0, 1000, 2000])
LIMITS = st.integers(min_value=5, max_value=120).map(lambda s: s * 1000)


@pytest.mark.parametrize(
    ("points", "t", "limit", "expected"),
    [
        (1000, 0, 20_000, 1000),
        (1000, 20_000, 20_000, 500),
        (1000, 10_000, 20_000, 750),
        (2000, 5_000, 20_000, 1750),
        (1000, -50, 20_000, 1000),  # clock skew: clamped to 0
        (1000, 99_999, 20_000, 500),  # late by the server clock: clamped to T
        (1000, 1, 20_000, 1000),  # 999.975 rounds to 1000
        (1000, 39, 20_000, 999),  # 999.025
        (1000, 30, 30_000, 1000),  # exactly 999.5: half rounds up
        (1000, 90, 30_000, 999),  # exactly 998.5: half rounds up
        (0, 5_000, 20_000, 0),
    ],
)
def test_speed_points_examples(points: int, t: int, limit: int, expected: int) -> None:
    assert speed_points(points, t, limit) == expected


def test_speed_points_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="limit_ms"):
        speed_points(1000, 0, 0)
    with pytest.raises(ValueError, match="points"):
        speed_points(-1, 0, 1000)


@given(POINTS, LIMITS, st.integers(min_value=-(10**6), max_value=10**6))
def test_speed_points_matches_exact_formula(points: int, limit: int, t: int) -> None:
    tc = min(max(t, 0), limit)
    exact = Fraction(points) * (1 - Fraction(tc, limit) / 2)
    # round half up
    expected = int(exact + Fraction(1, 2)) if exact >= 0 else None
    assert speed_points(points, t, limit) == expected


@given(
    POINTS,
    LIMITS,
    st.integers(min_value=-1000, max_value=200_000),
    st.integers(min_value=0, max_value=200_000),
)
def test_speed_points_monotone_non_increasing_in_time(
    points: int, limit: int, t1: int, dt: int
) -> None:
    assert speed_points(points, t1, limit) >= speed_points(points, t1 + dt, limit)


@given(POINTS, LIMITS, st.integers(min_value=-(10**6), max_value=10**6))
def test_speed_points_bounds(points: int, limit: int, t: int) -> None:
    value = speed_points(points, t, limit)
    assert points // 2 <= value <= points


@given(
    POINTS,
    LIMITS,
    st.integers(min_value=0, max_value=200_000),
    st.integers(min_value=0, max_value=50),
    st.booleans(),
)
def test_flat_points_when_speed_off(
    points: int, limit: int, t: int, streak: int, bonus_on: bool
) -> None:
    result = score_answer(
        correct=True,
        points=points,
        elapsed_ms=t,
        limit_ms=limit,
        previous_streak=streak,
        speed_scoring=False,
        streak_enabled=bonus_on,
    )
    assert result.base == points
    assert result.total == points + result.bonus


@pytest.mark.parametrize(
    ("streak", "bonus"),
    [(0, 0), (1, 0), (2, 100), (3, 200), (4, 300), (5, 400), (6, 500), (7, 500), (50, 500)],
)
def test_streak_bonus_table(streak: int, bonus: int) -> None:
    assert streak_bonus(streak) == bonus


@given(st.integers(min_value=-5, max_value=10_000))
def test_streak_bonus_capped_and_monotone(streak: int) -> None:
    assert 0 <= streak_bonus(streak) <= STREAK_BONUS_CAP == 500
    assert streak_bonus(streak) <= streak_bonus(streak + 1)


@given(
    POINTS,
    LIMITS,
    st.integers(min_value=0, max_value=200_000),
    st.integers(min_value=0, max_value=100),
)
def test_score_answer_properties(points: int, limit: int, t: int, prev: int) -> None:
    right = score_answer(
        correct=True, points=points, elapsed_ms=t, limit_ms=limit, previous_streak=prev
    )
    wrong = score_answer(
        correct=False, points=points, elapsed_ms=t, limit_ms=limit, previous_streak=prev
    )
    assert right.streak == prev + 1
    assert right.bonus == (streak_bonus(prev + 1) if points else 0)
    assert right.total <= points + STREAK_BONUS_CAP
    assert (wrong.total, wrong.streak, wrong.correct) == (0, 0, False)
    assert 0 <= right.elapsed_ms <= limit


def test_streak_progression_example() -> None:
    streak, totals = 0, []
    for _ in range(8):
        r = score_answer(
            correct=True, points=1000, elapsed_ms=0, limit_ms=20_000, previous_streak=streak
        )
        streak = r.streak
        totals.append(r.total)
    assert totals == [1000, 1100, 1200, 1300, 1400, 1500, 1500, 1500]


def test_streak_bonus_off() -> None:
    r = score_answer(
        correct=True,
        points=1000,
        elapsed_ms=0,
        limit_ms=20_000,
        previous_streak=4,
        streak_enabled=False,
    )
    assert (r.bonus, r.total, r.streak) == (0, 1000, 5)


def test_zero_point_question_extends_streak_without_bonus() -> None:
    r = score_answer(correct=True, points=0, elapsed_ms=0, limit_ms=20_000, previous_streak=3)
    assert (r.total, r.bonus, r.streak) == (0, 0, 4)
