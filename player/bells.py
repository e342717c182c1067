"""When the player app rings the terminal bell, if the player asked for sound (``--bell``).

Three cues per question, each at most once: ``locked`` (the player's answer is locked in),
``time_up`` (the answer time ran out with the question still open) and ``result`` (the
question was revealed). :class:`BellCues` is fed the model on the screen's timer and says which
cues are due now; what is already true when it first looks (e.g. after a rejoin) never rings.
"""

from __future__ import annotations

from quizwire.play_model import PlayerModel
from quizwire.state import Phase

__all__ = ["CUES", "BellCues"]

CUES = ("locked", "time_up", "result")


def current_cues(model: PlayerModel, local_now_ms: int) -> set[tuple[str, str]]:
    """The cues that hold now, each as ``(question id, cue)``."""
    question = model.question
    if question is None:
        return set()
    qid = question.question_id
    cues: set[tuple[str, str]] = set()
    if model.phase == Phase.QUESTION_OPEN:
        if model.choice is not None:
            cues.add((qid, "locked"))
        if model.choices_open(local_now_ms) and model.time_left_ms(local_now_ms) == 0:
            cues.add((qid, "time_up"))
    elif (
        model.phase == Phase.QUESTION_CLOSED
        and model.reveal is not None
        and model.reveal.question_id == qid
    ):
        cues.add((qid, "result"))
    return cues


class BellCues:
    """Remembers which cues have rung; :meth:`due` returns the new ones, in cue order."""

    def __init__(self) -> None:
        self._rung: set[tuple[str, str]] | None = None

    def due(self, model: PlayerModel, local_now_ms: int) -> list[str]:
        now = current_cues(model, local_now_ms)
        if self._rung is None:  # first look: what is already so is not news
            self._rung = now
            return []
        new = now - self._rung
        self._rung |= new
        return [cue for cue in CUES if any(c == cue for _q, c in new)]
