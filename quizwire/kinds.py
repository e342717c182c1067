"""Question types and how each judges an answer (pure, stdlib only; both backends share it).

=============  ==============================================================================
type           the answer and how it is judged
=============  ==============================================================================
``choice``     one of 2-6 choices (a letter in the file); right or wrong
``truefalse``  "True" or "False"; right or wrong
``poll``       one of 2-6 choices; no right answer, never scores, the reveal shows the votes
``text``       free text, at most :data:`MAX_TEXT_ANSWER` characters once cleaned; right if its
               :func:`fold_answer` key equals an accepted answer's, or, with a ``tolerance``,
               if it reads as a number within ``tolerance`` of a numeric accepted answer
``order``      3-6 items shown in a fixed shuffled order; the answer lists the shown indices
               first to last. Only the exact order is right; a partial order earns
               ``right positions / items`` of the points (see :func:`order_fraction`)
``number``     a number in ``[min, max]``; right within ``tolerance`` (default 0) of the answer,
               else it earns ``1 - 2 * distance / (max - min)`` of the points, nothing from half
               the range away (see :func:`number_fraction`)
=============  ==============================================================================

Every accepted answer also lands in a *bucket* (``AnswerRecord.choice``), which the reveal
counts: the choice for choice/truefalse/poll, right/wrong for text, exact/partial/wrong for
order and one of :data:`NUMBER_BUCKETS` equal slices of the range for number.

Fractions are exact (:class:`fractions.Fraction`), so the stub and the Lambdas score alike.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import unicodedata
from collections.abc import Sequence
from enum import StrEnum
from fractions import Fraction

from quizwire.text import INVISIBLE, normalize_spaces

__all__ = [
    "CHOICE_KINDS",
    "MAX_TEXT_ANSWER",
    "NUMBER_BUCKETS",
    "ORDER_BUCKETS",
    "TEXT_BUCKETS",
    "TRUE_FALSE",
    "Kind",
    "bucket_edges",
    "clean_typed",
    "fold_answer",
    "format_number",
    "judge_text",
    "number_bucket",
    "number_fraction",
    "order_bucket",
    "order_fraction",
    "parse_number_text",
    "shown_order",
    "solution_order",
]


class Kind(StrEnum):
    CHOICE = "choice"
    TRUEFALSE = "truefalse"
    POLL = "poll"
    TEXT = "text"
    ORDER = "order"
    NUMBER = "number"


#: the kinds answered by picking one of the shown choices (``choice`` in the payload)
CHOICE_KINDS = frozenset({Kind.CHOICE, Kind.TRUEFALSE, Kind.POLL})
TRUE_FALSE = ("True", "False")
#: typed answers are cut to this many characters after cleaning (the server refuses longer)
MAX_TEXT_ANSWER = 80
NUMBER_BUCKETS = 6
TEXT_BUCKETS = ("right", "wrong")
ORDER_BUCKETS = ("exact", "partial", "wrong")

_WHITESPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def clean_typed(raw: str) -> str:
    """A typed answer as the server keeps it: control, format and invisible characters dropped,
    every run of whitespace one space, trimmed. Never longer than the raw text."""
    kept = "".join(
        ch
        for ch in normalize_spaces(raw)
        if ch.isspace() or (ch.isprintable() and ch not in INVISIBLE)
    )
    return _WHITESPACE.sub(" ", kept).strip()


def fold_answer(text: str) -> str:
    """The comparison key of a typed answer: NFKD with accents dropped, case-folded,
    whitespace collapsed and trimmed. Idempotent: ``fold_answer(fold_answer(s)) == fold_answer(s)``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # casefold after NFKD can produce new decomposable letters: normalise once more
    bare = unicodedata.normalize("NFKD", bare.casefold())
    bare = "".join(ch for ch in bare if not unicodedata.combining(ch))
    return _WHITESPACE.sub(" ", bare).strip()


def parse_number_text(text: str) -> Fraction | None:
    """A plain decimal number typed as text (``"42"``, ``"-3.5"``, ``"1,5"``); None otherwise."""
    candidate = text.strip().replace(",", ".")
    if not _NUMBER.fullmatch(candidate):
        return None
    return Fraction(candidate)


def judge_text(answer: str, accept: Sequence[str], tolerance: float | None) -> bool:
    """Whether a cleaned typed answer matches one of the accepted answers."""
    key = fold_answer(answer)
    if not key:
        return False
    if any(fold_answer(a) == key for a in accept):
        return True
    if tolerance is None:
        return False
    value = parse_number_text(key)
    if value is None:
        return False
    margin = Fraction(tolerance)
    for a in accept:
        target = parse_number_text(fold_answer(a))
        if target is not None and abs(value - target) <= margin:
            return True
    return False


def shown_order(items: Sequence[str], seed: str) -> tuple[int, ...]:
    """The order items are shown in: ``shown[j]`` is the index (in the right order) of the
    ``j``-th item on screen. Deterministic from ``seed`` (the question text) and never the
    right order itself."""
    n = len(items)
    order = list(range(n))
    if n < 2:
        return tuple(order)
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    random.Random(digest).shuffle(order)
    if order == sorted(order):
        order = order[1:] + order[:1]
    return tuple(order)


def solution_order(shown: Sequence[int]) -> tuple[int, ...]:
    """The right answer in shown indices: the screen position of each item, first to last."""
    solution = [0] * len(shown)
    for position, item in enumerate(shown):
        solution[item] = position
    return tuple(solution)


def order_fraction(answer: Sequence[int], solution: Sequence[int]) -> Fraction:
    """Share of the points an order earns: items in their right position / items. 1 only for
    the exact order (any other permutation has at least two items out of place)."""
    if not solution:
        return Fraction(0)
    right = sum(1 for a, s in zip(answer, solution, strict=False) if a == s)
    return Fraction(right, len(solution))


def order_bucket(fraction: Fraction) -> int:
    """0 exact, 1 partial, 2 wrong (no item in place)."""
    if fraction == 1:
        return 0
    return 1 if fraction > 0 else 2


def number_fraction(
    value: float, answer: float, low: float, high: float, tolerance: float
) -> Fraction:
    """Share of the points a number earns: 1 within ``tolerance`` of the answer, else
    ``1 - 2 * distance / (high - low)``, never below 0. Never grows with the distance."""
    distance = abs(Fraction(value) - Fraction(answer))
    if distance <= Fraction(tolerance):
        return Fraction(1)
    span = Fraction(high) - Fraction(low)
    if span <= 0:
        return Fraction(0)
    return max(Fraction(0), 1 - 2 * distance / span)


def number_bucket(value: float, low: float, high: float) -> int:
    """Which of :data:`NUMBER_BUCKETS` equal slices of ``[low, high]`` holds ``value``."""
    span = Fraction(high) - Fraction(low)
    if span <= 0:
        return 0
    slot = math.floor((Fraction(value) - Fraction(low)) / span * NUMBER_BUCKETS)
    return min(NUMBER_BUCKETS - 1, max(0, slot))


def bucket_edges(low: float, high: float) -> list[str]:
    """The :data:`NUMBER_BUCKETS` + 1 edges of a number range, rounded for reading
    (``1950, 1958, 1967, ...``): whole numbers when each slice is at least 1 wide."""
    width = (high - low) / NUMBER_BUCKETS
    digits = 0 if width >= 1 else max(1, -math.floor(math.log10(width)) + 1)
    return [format_number(round(low + i * width, digits)) for i in range(NUMBER_BUCKETS + 1)]


def format_number(value: float) -> str:
    """A number as people write it: ``42`` not ``42.0``, ``3.5``, no exponent for usual sizes."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"
