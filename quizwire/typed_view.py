"""How a typed answer and a type's solution read on screen (pure: both apps and the tests).

Everything returned is plain text to be shown literally (``Text(...)``, never markup).
"""

from __future__ import annotations

from collections.abc import Sequence

from quizwire.kinds import Kind, format_number
from quizwire.messages import PublicQuestion, Reveal

__all__ = ["number_hint", "order_items", "parse_order_value", "solution_line", "value_line"]


def parse_order_value(value: str) -> list[int]:
    """``"2,0,1"`` -> ``[2, 0, 1]`` (an unreadable value gives ``[]``)."""
    try:
        return [int(part) for part in value.split(",") if part != ""]
    except ValueError:
        return []


def order_items(choices: Sequence[str], order: Sequence[int]) -> str:
    """Screen positions as the items they name: ``"Venus > Earth > Mars"``."""
    return " > ".join(choices[i] for i in order if 0 <= i < len(choices))


def _with_unit(value: str, question: PublicQuestion) -> str:
    return f"{value} {question.unit}".strip()


def value_line(question: PublicQuestion, value: str) -> str:
    """A player's typed answer as read back: the text, the order as items, the number + unit."""
    if question.kind is Kind.ORDER:
        return order_items(question.choices, parse_order_value(value))
    if question.kind is Kind.NUMBER:
        return _with_unit(value, question)
    return value


def solution_line(question: PublicQuestion, reveal: Reveal) -> str:
    """The revealed solution of a typed question, as one line."""
    if reveal.kind is Kind.TEXT:
        return " / ".join(reveal.accepted)
    if reveal.kind is Kind.ORDER:
        return order_items(question.choices, reveal.order)
    if reveal.kind is Kind.NUMBER and reveal.number is not None:
        return _with_unit(format_number(reveal.number), question)
    return ""


def number_hint(question: PublicQuestion) -> str:
    """``"a number from 1950 to 2000 (step 1)"``."""
    low = format_number(question.low or 0)
    high = format_number(question.high or 0)
    hint = f"a number from {low} to {high}"
    if question.unit:
        hint += f" {question.unit}"
    if question.step:
        hint += f" (step {format_number(question.step)})"
    return hint
