"""What the projected console shows right now, as a function of the model and the clock.

The model changes only when a message or a poll arrives, but the show moves on by itself: a
question's get-ready countdown runs out and its choices appear, the reveal gives way to the
leaderboard a few seconds later, and the podium is revealed place by place. :func:`stage_of` turns
``(model, server time, local time)`` into a small value; the app re-renders when the model's
version *or* the stage changed, so a timer drives the show without a render per tick.
"""

from __future__ import annotations

from dataclasses import dataclass

from admin.model import ConsoleModel
from quizwire.state import Phase

__all__ = [
    "BOARD_AFTER_MS",
    "PODIUM_STEP_MS",
    "Stage",
    "podium_places_shown",
    "stage_of",
]

#: the reveal (right answer, histogram, fastest) stays this long before the leaderboard
BOARD_AFTER_MS = 5_000
#: the podium shows 3rd, then 2nd, then 1st, this far apart
PODIUM_STEP_MS = 1_500


@dataclass(frozen=True, slots=True)
class Stage:
    """``name``: ``ready`` (question text and a countdown), ``open``, ``reveal``, ``board``,
    ``podium`` or ``other``; ``count``: seconds left to get ready, or podium places shown."""

    name: str
    count: int = 0


def podium_places_shown(since_ms: int) -> int:
    """How many podium places are revealed ``since_ms`` after the game finished (1 at once, then
    one more every :data:`PODIUM_STEP_MS`, at most 3)."""
    return min(3, 1 + max(0, since_ms) // PODIUM_STEP_MS)


def stage_of(
    model: ConsoleModel, server_now_ms: int, local_now_ms: int, *, board: bool | None = None
) -> Stage:
    """The stage to show. ``board``: the presenter's own choice between the reveal (False) and
    the leaderboard (True) after a question closed; None lets the clock decide."""
    if model.phase == Phase.QUESTION_OPEN and model.question is not None:
        left = model.question.opens_at - server_now_ms
        if left > 0:
            return Stage("ready", -(-left // 1000))
        return Stage("open")
    if model.phase == Phase.QUESTION_CLOSED:
        if board is None:
            board = local_now_ms - model.phase_seen_ms >= BOARD_AFTER_MS
        return Stage("board" if board else "reveal")
    if model.phase == Phase.FINISHED:
        return Stage("podium", podium_places_shown(local_now_ms - model.phase_seen_ms))
    return Stage("other")
