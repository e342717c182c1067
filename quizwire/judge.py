"""Judging one answer against its question, per type (pure, stdlib only).

:func:`judge` turns an :class:`~quizwire.messages.AnswerMsg` into a :class:`Judged` (the
bucket the reveal counts, the literal value kept for the presenter and the results, and the
share of the points it earns) or a :class:`BadAnswer` saying, for the player, why it does not fit
the question (a choice for a text question, an order that is not a permutation, a number out of
range, an empty or too long text). The scoring itself is :mod:`quizwire.scoring`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from quizwire.kinds import (
    CHOICE_KINDS,
    MAX_TEXT_ANSWER,
    Kind,
    clean_typed,
    format_number,
    judge_text,
    number_bucket,
    number_fraction,
    order_bucket,
    order_fraction,
)
from quizwire.messages import AnswerMsg
from quizwire.quiz import LETTERS, Question

__all__ = ["BadAnswer", "Judged", "answer_value", "judge"]

_FIELD = {
    Kind.CHOICE: "choice",
    Kind.TRUEFALSE: "choice",
    Kind.POLL: "choice",
    Kind.TEXT: "text",
    Kind.ORDER: "order",
    Kind.NUMBER: "number",
}


@dataclass(frozen=True, slots=True)
class Judged:
    """``fraction`` is the share of the points earned; None for a poll (never scores)."""

    bucket: int
    value: str
    fraction: Fraction | None


@dataclass(frozen=True, slots=True)
class BadAnswer:
    message: str


def answer_value(answer: AnswerMsg) -> str:
    """The literal value an answer would be kept as (for telling a resend apart)."""
    if answer.text is not None:
        return clean_typed(answer.text)[:MAX_TEXT_ANSWER]
    if answer.order is not None:
        return ",".join(str(i) for i in answer.order)
    if answer.number is not None:
        return format_number(answer.number)
    return ""


def judge(question: Question, answer: AnswerMsg, number: int) -> Judged | BadAnswer:
    """Judge ``answer`` to ``question`` (question ``number``, 1-based, for the messages)."""
    kind = question.kind
    field = _FIELD[kind]
    given = next(
        (f for f in ("choice", "text", "order", "number") if getattr(answer, f) is not None), None
    )
    if given != field:
        return BadAnswer(f"Question {number} takes a {field} answer, not a {given or 'blank'} one.")
    if kind in CHOICE_KINDS:
        return _judge_choice(question, answer.choice, number)
    if kind is Kind.TEXT:
        return _judge_text(question, answer.text or "")
    if kind is Kind.ORDER:
        return _judge_order(question, answer.order or (), number)
    return _judge_number(question, answer.number, number)


def _judge_choice(question: Question, choice: int | None, number: int) -> Judged | BadAnswer:
    n = len(question.choices)
    if choice is None or not 0 <= choice < n:
        shown = LETTERS[choice] if choice is not None and 0 <= choice < len(LETTERS) else choice
        return BadAnswer(
            f"Choice {shown} is not valid: question {number} has choices A-{LETTERS[n - 1]}."
        )
    if question.kind is Kind.POLL:
        return Judged(choice, "", None)
    return Judged(choice, "", Fraction(1 if choice == question.answer else 0))


def _judge_text(question: Question, raw: str) -> Judged | BadAnswer:
    text = clean_typed(raw)
    if not text:
        return BadAnswer("Your answer is empty: type a few words.")
    if len(text) > MAX_TEXT_ANSWER:
        return BadAnswer(
            f"Your answer is too long ({len(text)} characters, max {MAX_TEXT_ANSWER})."
        )
    right = judge_text(text, question.accept, question.tolerance)
    return Judged(0 if right else 1, text, Fraction(1 if right else 0))


def _judge_order(question: Question, order: tuple[int, ...], number: int) -> Judged | BadAnswer:
    n = len(question.choices)
    if sorted(order) != list(range(n)):
        return BadAnswer(
            f"Question {number} needs all {n} items in an order, each once (positions 1-{n})."
        )
    fraction = order_fraction(order, question.solution)
    return Judged(order_bucket(fraction), ",".join(str(i) for i in order), fraction)


def _judge_number(question: Question, value: float | None, number: int) -> Judged | BadAnswer:
    low, high = question.low, question.high
    if value is None or not math.isfinite(value) or not low <= value <= high:
        return BadAnswer(
            f"Question {number} takes a number from {format_number(low)} to {format_number(high)}."
        )
    fraction = number_fraction(value, question.target, low, high, question.tolerance or 0)
    return Judged(number_bucket(value, low, high), format_number(value), fraction)
