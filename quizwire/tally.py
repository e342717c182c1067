"""Per-question answer tally: per-choice counts and the fastest correct players (pure).

Build it from the stored answers of one question with :func:`tally_answers`, or keep it up to
date one accepted answer at a time with :meth:`Tally.add`. The reveal
(:func:`quizwire.game.close_question`) publishes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from quizwire.messages import FastestEntry
from quizwire.state import AnswerRecord

__all__ = ["FASTEST_N", "FastAnswer", "Tally", "tally_answers"]

FASTEST_N = 3


@dataclass(frozen=True, slots=True)
class FastAnswer:
    elapsed_ms: int
    received_at: int
    player_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Tally:
    """Answers to question ``question_index``: ``counts[i]`` picked choice ``i``."""

    question_index: int
    counts: tuple[int, ...]
    fastest_correct: tuple[FastAnswer, ...] = ()

    @classmethod
    def empty(cls, question_index: int, n_choices: int) -> Tally:
        return cls(question_index, (0,) * n_choices)

    @property
    def answered(self) -> int:
        return sum(self.counts)

    @property
    def fastest(self) -> tuple[FastestEntry, ...]:
        """Up to :data:`FASTEST_N` fastest correct answers, fastest first."""
        return tuple(
            FastestEntry(player_id=f.player_id, name=f.name, ms=f.elapsed_ms)
            for f in self.fastest_correct
        )

    def add(self, record: AnswerRecord) -> Tally:
        """A new tally including ``record`` (which must be for this question)."""
        if record.question_index != self.question_index:
            raise ValueError(
                f"answer is for question index {record.question_index}, tally is for {self.question_index}"
            )
        if not 0 <= record.choice < len(self.counts):
            raise ValueError(f"choice {record.choice} out of range for {len(self.counts)} choices")
        counts = list(self.counts)
        counts[record.choice] += 1
        fastest = self.fastest_correct
        if record.correct:
            entry = FastAnswer(record.elapsed_ms, record.received_at, record.player_id, record.name)
            ranked = sorted(
                (*fastest, entry), key=lambda f: (f.elapsed_ms, f.received_at, f.player_id)
            )
            fastest = tuple(ranked[:FASTEST_N])
        return Tally(self.question_index, tuple(counts), fastest)


def tally_answers(question_index: int, n_choices: int, records: Iterable[AnswerRecord]) -> Tally:
    """Tally the accepted answers of one question (records for other questions are skipped)."""
    tally = Tally.empty(question_index, n_choices)
    for record in records:
        if record.question_index == question_index:
            tally = tally.add(record)
    return tally
