"""The console's view of each question type: what the histogram counts and what the reveal says.

Typed answers are shown literally (``clean`` + ``Text``). While a text or order question is
open the console shows what the room typed (the most given answers, folded) — never whether it
is right: right/wrong counts appear with the reveal.
"""

from __future__ import annotations

from rich.text import Text

from admin.model import ConsoleModel
from quizwire.kinds import NUMBER_BUCKETS, ORDER_BUCKETS, Kind, bucket_edges, number_bucket
from quizwire.messages import PublicQuestion, Reveal
from quizwire.typed_view import number_hint, solution_line
from tui.safe import clean
from tui.symbols import choice_letter, choice_symbol

__all__ = ["Bars", "bars", "prompt_text", "typed_reveal_text"]

#: what the histogram shows: counts, the right bar (None: none marked), labels (None: letters)
Bars = tuple[tuple[int, ...], int | None, tuple[str, ...] | None]


def number_labels(question: PublicQuestion) -> tuple[str, ...]:
    edges = bucket_edges(question.low or 0, question.high or 0)
    return tuple(f"{edges[i]}..{edges[i + 1]}" for i in range(NUMBER_BUCKETS))


def bars(model: ConsoleModel, question: PublicQuestion, revealed: Reveal | None) -> Bars:
    """The histogram of the current question, per type."""
    kind = question.kind
    if kind is Kind.TEXT or (kind is Kind.ORDER and revealed is None):
        top = model.feed.top_values()
        return tuple(c for _, c in top), None, tuple(v for v, _ in top)
    if kind is Kind.ORDER and revealed is not None:
        return revealed.counts, 0, ORDER_BUCKETS
    if kind is Kind.NUMBER:
        right = None
        if revealed is not None and revealed.number is not None:
            right = number_bucket(revealed.number, question.low or 0, question.high or 0)
        return model.counts(), right, number_labels(question)
    correct = revealed.correct if revealed is not None and kind is not Kind.POLL else None
    return model.counts(), correct, None


def prompt_text(question: PublicQuestion) -> Text | None:
    """What players do, for the types without choices to list (None: list the choices)."""
    if question.kind is Kind.TEXT:
        return Text("✎ Players type their answer.", style="bold")
    if question.kind is Kind.NUMBER:
        return Text(f"# Players answer with {number_hint(question)}.", style="bold")
    return None


def typed_reveal_text(model: ConsoleModel, question: PublicQuestion, reveal: Reveal) -> Text:
    """The reveal box of a poll, text, order or number question."""
    text = Text()
    if reveal.kind is Kind.POLL:
        text.append("Poll — no right answer. ", style="bold")
        if reveal.answered and reveal.counts:
            top = max(range(len(reveal.counts)), key=lambda i: reveal.counts[i])
            share = round(100 * reveal.counts[top] / reveal.answered)
            text.append("Most votes: ")
            text.append(f"{choice_symbol(top)} {choice_letter(top)} ", style="bold")
            name = question.choices[top] if top < len(question.choices) else ""
            text.append(clean(name, 30))
            text.append(f" ({share}%)")
        text.append(f"   {reveal.answered} votes")
        return text
    label = {Kind.TEXT: "Accepted: ", Kind.ORDER: "Right order: ", Kind.NUMBER: "Answer: "}
    text.append(label.get(reveal.kind, "Answer: "), style="bold")
    text.append(clean(solution_line(question, reveal), 60), style="bold green")
    if reveal.kind is Kind.TEXT and len(reveal.counts) >= 2:
        text.append(f"   {reveal.counts[0]}/{reveal.answered} right")
    elif reveal.kind is Kind.ORDER and len(reveal.counts) >= 3:
        text.append(
            f"   exact {reveal.counts[0]} · partial {reveal.counts[1]} · wrong {reveal.counts[2]}"
        )
    else:
        text.append(f"   {reveal.answered} answered")
    text.append("\n")
    append_fastest(text, reveal, nobody="Nobody got it exactly.")
    return text


def append_fastest(text: Text, reveal: Reveal, *, nobody: str) -> None:
    """The reveal's "Fastest:" line (three names, literal), or ``nobody``."""
    if not reveal.fastest:
        text.append(nobody, style="dim")
        return
    text.append("Fastest: ", style="bold")
    for i, entry in enumerate(reveal.fastest[:3]):
        if i:
            text.append(" · ")
        text.append(clean(entry.name, 18))
        text.append(f" {entry.ms / 1000:.2f}s", style="dim")
