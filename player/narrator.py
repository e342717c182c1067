"""The game told as plain lines of text, for ``quizwire play --plain`` (screen readers).

:class:`Narrator` looks at the :class:`~quizwire.play_model.PlayerModel` after each pump and
returns the lines to print for what changed since it last looked: one line per change, whole
sentences, no colour, no animation, no cursor movement. Everything from the server goes through
:func:`quizwire.text.clean` (single line, no control sequences). Pure: no I/O, no clock of its
own (the caller passes the local time), so tests drive it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from quizwire.leaderboard import podium
from quizwire.messages import LeaderboardEntry, PublicQuestion, TeamEntry
from quizwire.play_model import PlayerModel
from quizwire.state import Phase
from quizwire.text import clean

__all__ = ["WARN_AT_S", "Narrator", "choices_line", "ordinal"]

#: "N seconds left." is said once at each of these marks (if the question is longer)
WARN_AT_S = (10, 5)
#: the lobby count is said at most this often (a join storm must not flood the reader)
LOBBY_EVERY_MS = 3_000


def ordinal(n: int) -> str:
    """``1 -> "1st"``, ``2 -> "2nd"``, ``11 -> "11th"``, ``23 -> "23rd"``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _points(n: int) -> str:
    return f"{n:,} point" + ("" if n == 1 else "s")


def _seconds(ms: int) -> str:
    s = (ms + 999) // 1000
    return f"{s} second" + ("" if s == 1 else "s")


def choices_line(question: PublicQuestion) -> str:
    """``"Choices: 1 Paris, 2 Rome, 3 Berlin. Type 1-3 and Enter."``"""
    choices = ", ".join(f"{i + 1} {clean(c)}" for i, c in enumerate(question.choices))
    return f"Choices: {choices}. Type 1-{len(question.choices)} and Enter."


def _choice(question: PublicQuestion | None, index: int | None) -> str:
    if index is None:
        return "nothing"
    if question is not None and 0 <= index < len(question.choices):
        return f"{index + 1} ({clean(question.choices[index])})"
    return str(index + 1)


def _team_board(teams: tuple[TeamEntry, ...]) -> str:
    rows = ", ".join(f"{t.rank} {clean(t.name)} {t.score:,}" for t in teams)
    return f"Teams: {rows}."


def _podium(entries: tuple[LeaderboardEntry, ...]) -> str:
    rows = "; ".join(f"{ordinal(e.rank)} {clean(e.name)} {e.score:,}" for e in entries)
    return f"Podium: {rows}." if rows else "Nobody scored: no podium."


@dataclass
class Narrator:
    """Remembers what it has said, so each change is said once."""

    _joined: bool = False
    _phase: str = ""
    _question: str | None = None
    _choices_said: str | None = None
    _warned: set[int] = field(default_factory=set)
    _times_up: str | None = None
    _choice: int | None = None
    _refusal: str | None = None
    _reveal: str | None = None
    _result: str | None = None
    _teams_after: str | None = None
    _extra: int = 0
    _team: str = ""
    _lobby: int = -1
    _lobby_said_at: int = -LOBBY_EVERY_MS
    _finished: bool = False

    def lines(self, model: PlayerModel, now_ms: int) -> list[str]:
        """What to say now about ``model`` (``now_ms``: the local clock)."""
        out: list[str] = []
        if not self._joined:
            self._joined = True
            self._team, self._extra = model.team, model.extra_time
            out.append(self._welcome(model))
        self._settings(model, out)
        if model.phase == Phase.LOBBY:
            self._lobby_count(model, now_ms, out)
        self._question_lines(model, now_ms, out)
        self._reveal_lines(model, out)
        if model.phase == Phase.FINISHED and not self._finished:
            self._finished = True
            out.extend(self._final(model))
        self._phase = model.phase
        return out

    # -- the parts ----------------------------------------------------------------------------

    def _welcome(self, model: PlayerModel) -> str:
        text = f"Joined game {model.game_id} as {clean(model.name)}"
        if model.team:
            text += f", team {clean(model.team)}"
        text += "."
        if model.title:
            text += f" Quiz: {clean(model.title)}, {model.total_questions} questions."
        if model.phase == Phase.LOBBY:
            text += " Waiting for the host to start."
        if model.extra_time:
            text += f" You have {model.extra_time}% extra time on every question."
        return text

    def _settings(self, model: PlayerModel, out: list[str]) -> None:
        if model.extra_time != self._extra:
            self._extra = model.extra_time
            if model.extra_time:
                out.append(f"The host gave you {model.extra_time}% extra time on every question.")
            else:
                out.append("The host took your extra time away.")
        if model.team != self._team:
            self._team = model.team
            out.append(f"You are in team {clean(model.team)}.")

    def _lobby_count(self, model: PlayerModel, now_ms: int, out: list[str]) -> None:
        if model.lobby_players == self._lobby or now_ms - self._lobby_said_at < LOBBY_EVERY_MS:
            return
        self._lobby, self._lobby_said_at = model.lobby_players, now_ms
        n = model.lobby_players
        out.append(f"{n} player{'' if n == 1 else 's'} in the lobby.")

    def _question_lines(self, model: PlayerModel, now_ms: int, out: list[str]) -> None:
        q = model.question
        if q is None or model.phase != Phase.QUESTION_OPEN:
            return
        if q.question_id != self._question:
            self._question, self._choices_said, self._times_up = q.question_id, None, None
            self._warned, self._choice, self._refusal = set(), None, None
            worth = _points(q.points) if q.points else "no points, just for fun"
            line = f"Question {q.index + 1} of {q.total}, {worth}: {clean(q.text)}"
            ready = model.ready_left_ms(now_ms)
            if ready > 0:
                line += f" Get ready: the choices come in {_seconds(ready)}."
            out.append(line)
        if self._choices_said != q.question_id and model.choices_open(now_ms):
            self._choices_said = q.question_id
            out.append(choices_line(q) + " " + self._time_allowed(model))
        if model.choice != self._choice:
            self._choice = model.choice
            if model.choice is not None:
                out.append(
                    f"You answered {_choice(q, model.choice)}. Locked in: wait for the reveal."
                )
        if model.refusal and model.refusal != self._refusal:
            out.append(f"Not accepted: {clean(model.refusal)}")
        self._refusal = model.refusal
        if q.timed and model.choice is None and self._choices_said == q.question_id:
            left = model.time_left_ms(now_ms)
            if left <= 0 and self._times_up != q.question_id:
                self._times_up = q.question_id
                out.append("Time's up.")
            for mark in WARN_AT_S:
                if 0 < left <= mark * 1000 and mark not in self._warned:
                    self._warned.update(m for m in WARN_AT_S if m >= mark)
                    if q.duration_for(model.extra_time) > mark * 1000:
                        out.append(f"{mark} seconds left.")

    @staticmethod
    def _time_allowed(model: PlayerModel) -> str:
        q = model.question
        if q is None or not q.timed:
            return "No time limit: the host reveals the answer when everyone is ready."
        text = f"You have {_seconds(q.duration_for(model.extra_time))}"
        if model.extra_time:
            text += f" (with your {model.extra_time}% extra time)"
        return text + "."

    def _reveal_lines(self, model: PlayerModel, out: list[str]) -> None:
        reveal = model.reveal
        if reveal is None or model.phase not in (Phase.QUESTION_CLOSED, Phase.FINISHED):
            return
        q = model.question if model.question is not None else None
        if q is not None and q.question_id != reveal.question_id:
            q = None
        if reveal.question_id != self._reveal:
            self._reveal = reveal.question_id
            out.append(
                f"Question {reveal.index + 1} closed. The answer was {_choice(q, reveal.correct)}."
            )
        result = model.result
        if self._result != reveal.question_id:
            if result is not None and result.question_id == reveal.question_id:
                if result.correct is not None:
                    self._result = reveal.question_id
                    out.append(self._result_line(model, q))
            elif model.choice is None:
                self._result = reveal.question_id
                out.append(f"You did not answer. Total {_points(model.score)}.")
        if model.teams and self._teams_after != reveal.question_id and model.phase != Phase.FINISHED:
            self._teams_after = reveal.question_id
            out.append(self._team_standing(model) + " " + _team_board(model.teams))

    @staticmethod
    def _result_line(model: PlayerModel, q: PublicQuestion | None) -> str:
        result = model.result
        assert result is not None
        verdict = "Correct!" if result.correct else "Wrong."
        text = f"You answered {_choice(q, result.choice)}. {verdict} +{result.points:,}"
        if result.bonus:
            text += f" (streak bonus {result.bonus:,})"
        text += f", total {model.score:,}"
        if model.rank is not None:
            text += f", rank {model.rank}"
            if model.ranked_players:
                text += f" of {model.ranked_players}"
        return text + "."

    @staticmethod
    def _team_standing(model: PlayerModel) -> str:
        mine = model.my_team()
        if mine is None:
            return ""
        return (
            f"Your team {clean(mine.name)} is {ordinal(mine.rank)} of {len(model.teams)} "
            f"with {_points(mine.score)} (the mean of {mine.members})."
        )

    def _final(self, model: PlayerModel) -> list[str]:
        lines = []
        ended = " The host ended it early." if model.finish_reason == "ended" else ""
        you = f"Game over.{ended} You finished"
        if model.rank is not None:
            you += f" {ordinal(model.rank)}"
            if model.ranked_players:
                you += f" of {model.ranked_players}"
        lines.append(f"{you} with {_points(model.score)}.")
        lines.append(_podium(model.podium or tuple(podium(model.leaderboard))))
        if model.teams:
            standing = self._team_standing(model)
            lines.append((standing + " " if standing else "") + _team_board(model.teams))
        return lines
