"""The answer aggregator: plain Python, no Textual.

Thousands of answers per second arrive on ``/answer/{gameId}``; each costs a few dict/list
operations here, and the UI reads a :class:`FeedSnapshot` on a timer (<= 10 Hz). Everything is
bounded: the stream window is a ``deque(maxlen=...)``, the rate series keeps one bucket per
second for a fixed number of seconds, latency samples are a fixed-size ring.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from quizwire.kinds import fold_answer
from quizwire.messages import MessageError, PresenterAnswerMsg
from quizwire.quiz import MAX_CHOICES

#: ``(playerId, choice)`` or, for a typed answer, ``(playerId, choice, value)``
ViewAnswer = tuple[str, int] | tuple[str, int, str]


class StreamItem(NamedTuple):
    """One answer as the stream shows it: who and which choice; never whether it is right.
    (A named tuple: one is made per answer, thousands a second.)"""

    player_id: str
    name: str
    choice: int  # -1: a typed answer whose bucket is not public (text, order)
    elapsed_ms: int | None
    #: the literal typed answer (text, order "2,0,1", number), "" for a choice
    value: str = ""


@dataclass(frozen=True, slots=True)
class FeedSnapshot:
    question_id: str | None
    counts: tuple[int, ...]
    answered: int
    recent: tuple[StreamItem, ...]  # newest last
    received: int  # answer events seen (including duplicates and strays)
    rejected: int  # malformed, other question, or a second answer of a player
    version: int
    #: the most given typed answers, folded: (the first literal seen, count), most first
    top_values: tuple[tuple[str, int], ...] = ()


class RateMeter:
    """Events per second over the last ``seconds`` whole seconds (one bucket each)."""

    def __init__(self, seconds: int = 60) -> None:
        self.seconds = seconds
        self._buckets: deque[tuple[int, int]] = deque(maxlen=seconds)  # complete seconds
        self._second = -1  # the second being counted (not in _buckets yet) and its count
        self._count = 0

    def add(self, now_s: float, n: int = 1) -> None:
        second = int(now_s)
        if second != self._second:
            if self._count:
                self._buckets.append((self._second, self._count))
            self._second, self._count = second, 0
        self._count += n

    def series(self, now_s: float, points: int | None = None) -> tuple[int, ...]:
        """Counts of the last ``points`` complete seconds, oldest first (zeros for gaps)."""
        points = points or self.seconds
        last = int(now_s) - 1
        by_second = dict(self._buckets)
        if self._count:
            by_second[self._second] = self._count
        return tuple(by_second.get(s, 0) for s in range(last - points + 1, last + 1))

    def last_rate(self, now_s: float) -> int:
        """Events in the last complete second."""
        return self.series(now_s, 1)[0]


class LatencyRing:
    """The last ``size`` latency samples (ms) and their percentiles."""

    def __init__(self, size: int = 1024) -> None:
        self._samples: deque[int] = deque(maxlen=size)
        self.count = 0

    def add(self, ms: int) -> None:
        self._samples.append(ms)
        self.count += 1

    def percentile(self, p: float) -> int | None:
        if not self._samples:
            return None
        ordered = sorted(self._samples)
        k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
        return ordered[k]


class AnswerFeed:
    """Exact per-choice counts and the answered set for the open question, plus a stream window.

    A player counts once per question (the backend accepts only a first answer; a redelivered
    event must not count twice). :meth:`reconcile` merges the admin view's per-player answers,
    so answers missed while the socket was down still count, exactly once.
    """

    def __init__(self, window: int = 200) -> None:
        self.window = window
        self.question_id: str | None = None
        self.n_choices = 0
        self.counts: list[int] = []
        self.choice_of: dict[str, int] = {}
        self.streamed: set[str] = set()  # who is in the stream for this question
        # typed answers grouped by their folded key: bounded by the players in the game
        self.values: dict[str, list[Any]] = {}
        self.recent: deque[StreamItem] = deque(maxlen=window)
        #: how a typed value reads on the console (an order's positions as letters)
        self.show_value: Callable[[str], str] | None = None
        self.received = 0
        self.rejected = 0
        self.version = 0
        self.rate = RateMeter()
        self.latency = LatencyRing()

    def reset(self, question_id: str | None, n_choices: int) -> None:
        """A new question opened (or none is open): start counting from zero."""
        if question_id == self.question_id and n_choices == self.n_choices:
            return
        self.question_id = question_id
        self.n_choices = max(0, min(MAX_CHOICES, n_choices))
        self.counts = [0] * self.n_choices
        self.choice_of = {}
        self.values = {}
        self.streamed = set()
        self.recent.clear()
        self.version += 1

    def _count(self, player_id: str, choice: int, value: str = "") -> bool:
        """Count a player once; a typed answer with no public bucket (-1) counts as answered."""
        if player_id in self.choice_of or not (0 <= choice < self.n_choices or value):
            return False
        self.choice_of[player_id] = choice
        if 0 <= choice < self.n_choices:
            self.counts[choice] += 1
        if value:
            group = self.values.setdefault(fold_answer(value), [value, 0])
            group[1] += 1
        return True

    def top_values(self, n: int = 6) -> tuple[tuple[str, int], ...]:
        """The ``n`` most given typed answers (first literal seen, count), most given first."""
        ranked = sorted(self.values.values(), key=lambda g: (-g[1], g[0]))
        return tuple((str(g[0]), int(g[1])) for g in ranked[:n])

    def add(self, payload: object, local_ms: int, now_s: float) -> bool:
        """One ``answer`` event from the stream. Returns True if it was shown (and counted, unless
        a poll of the view had counted it already)."""
        self.received += 1
        self.rate.add(now_s)
        try:
            answer = PresenterAnswerMsg.from_dict(payload)
        except MessageError:
            self.rejected += 1
            return False
        value = answer.value or ""
        if value and self.show_value is not None:
            value = self.show_value(value)
        # a typed answer without its bucket (text/order): the bucket would say who is right
        choice = answer.choice if answer.choice is not None else (-1 if value else None)
        if (
            answer.question_id != self.question_id
            or choice is None
            or not (0 <= choice < self.n_choices or value)
            or answer.player_id in self.streamed
        ):
            self.rejected += 1
            return False
        # A poll of the view may have counted this answer before its event arrived: it is
        # still shown in the stream, once, and counted only once.
        self._count(answer.player_id, choice, value)
        self.streamed.add(answer.player_id)
        self.recent.append(
            StreamItem(answer.player_id, answer.name, choice, answer.elapsed_ms, value)
        )
        self.latency.add(local_ms - answer.received_at)
        self.version += 1
        return True

    def reconcile(self, question_id: str | None, answers: Iterable[ViewAnswer]) -> int:
        """Merge ``(player_id, choice, value)`` the server says were answered. Returns how many
        were new to the feed (answers the stream had not delivered yet)."""
        if question_id != self.question_id:
            return 0
        added = sum(1 for pid, choice, *value in answers if self._count(pid, choice, *value))
        if added:
            self.version += 1
        return added

    @property
    def answered(self) -> int:
        return len(self.choice_of)

    def snapshot(self, recent: int = 50) -> FeedSnapshot:
        items = tuple(self.recent)[-recent:] if recent else ()
        return FeedSnapshot(
            question_id=self.question_id,
            counts=tuple(self.counts),
            answered=len(self.choice_of),
            recent=items,
            top_values=self.top_values(),
            received=self.received,
            rejected=self.rejected,
            version=self.version,
        )


def answers_from_view(view: Mapping[str, Any]) -> list[ViewAnswer]:
    """The ``(playerId, lastAnswer, lastValue)`` of an admin view's players (current question);
    a typed answer with no public bucket has ``lastAnswer`` -1."""
    out: list[ViewAnswer] = []
    players = view.get("players")
    if not isinstance(players, list):
        return out
    for row in players:
        if not isinstance(row, Mapping):
            continue
        pid, choice, raw = row.get("playerId"), row.get("lastAnswer"), row.get("lastValue")
        value = raw[:200] if isinstance(raw, str) else ""
        if choice is None and value:
            choice = -1
        if isinstance(pid, str) and isinstance(choice, int) and not isinstance(choice, bool):
            out.append((pid, choice, value) if value else (pid, choice))
    return out
