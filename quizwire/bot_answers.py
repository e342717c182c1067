"""How simulated players answer each question type (pure; the demo bots and the bench swarm).

A bot is right with probability ``skill`` when it knows the answer (the demo hands the bots the
quiz's answer plan); otherwise it answers plausibly: a wrong choice, a near-miss typed answer,
an order with two neighbours swapped (a partial order), a number off by a bit. Without a plan
it still answers every type with something valid for the question.
"""

from __future__ import annotations

import random
from typing import Any

from quizwire.kinds import CHOICE_KINDS, Kind, format_number
from quizwire.messages import PublicQuestion
from quizwire.quiz import Question

__all__ = ["answer_plan", "bot_answer"]

_WRONG_WORDS = ("Sydney", "no idea", "42", "Paris", "Melbourne", "???", "Canbera", "seven")


def answer_plan(question: Question) -> dict[str, Any] | None:
    """The right answer as payload fields (None for a poll: nothing is right)."""
    kind = question.kind
    if kind is Kind.POLL:
        return None
    if kind in CHOICE_KINDS:
        return {"choice": question.answer}
    if kind is Kind.TEXT:
        return {"text": question.accept[0]}
    if kind is Kind.ORDER:
        return {"order": list(question.solution)}
    return {"number": question.target}


def bot_answer(
    rng: random.Random, question: PublicQuestion, right: dict[str, Any] | None, skill: float
) -> dict[str, Any]:
    """The payload fields of one bot's answer to ``question``."""
    kind = question.kind
    knows = right is not None and rng.random() < skill
    if knows and right is not None:
        return dict(right)
    if kind in CHOICE_KINDS:
        correct = right.get("choice") if right is not None else None
        n = len(question.choices)
        wrong = [i for i in range(n) if i != correct] or list(range(n))
        return {"choice": rng.choice(wrong)}
    if kind is Kind.TEXT:
        if right is not None and rng.random() < 0.5:
            return {"text": _typo(rng, str(right["text"]))}
        return {"text": rng.choice(_WRONG_WORDS)}
    if kind is Kind.ORDER:
        order = list(right["order"]) if right is not None else list(range(len(question.choices)))
        if right is None or rng.random() < 0.3:
            rng.shuffle(order)
        else:
            i = rng.randrange(len(order) - 1)
            order[i], order[i + 1] = order[i + 1], order[i]  # a partial order: two swapped
        return {"order": order}
    return {"number": _near(rng, question, right)}


def _typo(rng: random.Random, word: str) -> str:
    """A near miss: a letter dropped or doubled (still wrong after case folding)."""
    if len(word) < 3:
        return word + word[-1:]
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :] if rng.random() < 0.5 else word[:i] + word[i] + word[i:]


def _near(rng: random.Random, question: PublicQuestion, right: dict[str, Any] | None) -> float:
    low = question.low if question.low is not None else 0.0
    high = question.high if question.high is not None else 100.0
    span = high - low
    if right is None:
        value = rng.uniform(low, high)
    else:
        value = float(right["number"]) + rng.gauss(0, span / 8) or span / 10
    value = min(high, max(low, value))
    step = question.step
    if step:
        value = low + round((value - low) / step) * step
        value = min(high, max(low, value))
    return float(format_number(value))
