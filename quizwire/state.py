"""Plain, frozen game-state records shared by every store (SQLite in the stub, DynamoDB in AWS).

- :class:`GameState`: one row per game (phase, current question, server-stamped times, ``seq``).
- :class:`PlayerState`: one row per player (score, streak, tie-break time, last answer).
- :class:`AnswerRecord`: one row per accepted answer (feeds the reveal tally and audits).

All times are epoch milliseconds stamped by the server. ``to_dict``/``from_dict`` give a flat,
JSON-ready form with snake_case keys; ``from_dict`` also accepts DynamoDB's ``Decimal`` numbers.
The rules never mutate: use :func:`dataclasses.replace` or the functions in :mod:`quizwire.game`,
:mod:`quizwire.players` and :mod:`quizwire.answers`, which return new records.

Concurrency: ``GameState.seq`` only ever grows, and every transition that changes the game row
bumps it, so it doubles as an optimistic-lock version: write the new row only if the stored ``seq``
still equals the one you read (SQL ``WHERE seq = ?``; DynamoDB ``ConditionExpression seq = :old``).
``PlayerState.seq`` plays the same role for player rows.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from quizwire.quiz import (
    ALLOWED_POINTS,
    MAX_TIME_LIMIT,
    MIN_TIME_LIMIT,
    Question,
    Quiz,
    parse_quiz,
    quiz_to_dict,
    ready_seconds_problem,
)
from quizwire.teams import TeamError, clean_team_names

__all__ = [
    "MAX_EXTRA_TIME",
    "UNTIMED_CLOSE_MS",
    "AnswerRecord",
    "CloseReason",
    "FinishReason",
    "GameOptions",
    "GameState",
    "OptionsError",
    "Phase",
    "PlayerState",
    "PlayerStatus",
    "StateError",
    "extra_time_problem",
    "question_id",
    "question_index_from_id",
    "with_extra_time",
]


class Phase(StrEnum):
    LOBBY = "lobby"
    QUESTION_OPEN = "question_open"
    QUESTION_CLOSED = "question_closed"
    FINISHED = "finished"


class CloseReason(StrEnum):
    DEADLINE = "deadline"  # the server-side deadline passed
    PRESENTER = "presenter"  # the presenter pressed reveal-now
    ALL_ANSWERED = "all_answered"  # every connected player has answered
    ENDED = "ended"  # the presenter ended the game while the question was open


class FinishReason(StrEnum):
    COMPLETED = "completed"  # next after the last question
    ENDED = "ended"  # the presenter ended the game early


class PlayerStatus(StrEnum):
    ACTIVE = "active"
    KICKED = "kicked"  # removed; the presenter may readmit them
    BANNED = "banned"  # removed for good; cannot rejoin


#: per-player extra time, in percent of each question's time limit (100: twice the time)
MAX_EXTRA_TIME = 200
#: a question without a timer still closes by itself after this long (a forgotten screen must
#: not hold a game open for ever); the host normally reveals it long before
UNTIMED_CLOSE_MS = 3_600_000


def extra_time_problem(value: object) -> str | None:
    """Why ``value`` is not a valid extra time in percent (None if it is)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"extra time must be a whole number of percent (0-{MAX_EXTRA_TIME})"
    if not 0 <= value <= MAX_EXTRA_TIME:
        return f"extra time must be 0-{MAX_EXTRA_TIME} percent, got {value}"
    return None


def with_extra_time(limit_ms: int, extra_pct: int) -> int:
    """``limit_ms`` lengthened by ``extra_pct`` percent (whole ms, rounded down)."""
    return limit_ms * (100 + max(extra_pct, 0)) // 100


class StateError(ValueError):
    """A stored record could not be decoded."""


class OptionsError(ValueError):
    """Game options are invalid; the message says which and why."""


def question_id(index: int) -> str:
    """Public id of question ``index`` (0-based): ``0 -> "q1"``."""
    return f"q{index + 1}"


def question_index_from_id(qid: str) -> int | None:
    """Inverse of :func:`question_id`; None if ``qid`` is not of the form ``q<number>``."""
    if len(qid) < 2 or len(qid) > 5 or qid[0] != "q" or not qid[1:].isascii():
        return None
    digits = qid[1:]
    if not digits.isdigit() or digits[0] == "0":
        return None
    return int(digits) - 1


@dataclass(frozen=True, slots=True, kw_only=True)
class GameOptions:
    """Per-game settings chosen by the presenter.

    ``points``/``time_limit`` (seconds) override every question's value when set.
    ``late_join`` lets players join after the game has started (scoring from then on).
    ``ready_seconds`` overrides the quiz's get-ready time (0-10 s; 0: the choices open at once).
    ``teams`` overrides the quiz's teams (None: the quiz's; empty: no team mode).
    """

    speed_scoring: bool = True
    streak_bonus: bool = True
    points: int | None = None
    time_limit: int | None = None
    late_join: bool = True
    ready_seconds: int | None = None
    teams: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        problems = _option_problems(self)
        if problems:
            raise OptionsError("; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        """Wire/API form (camelCase)."""
        return {
            "speedScoring": self.speed_scoring,
            "streakBonus": self.streak_bonus,
            "points": self.points,
            "timeLimit": self.time_limit,
            "lateJoin": self.late_join,
            "readySeconds": self.ready_seconds,
            "teams": None if self.teams is None else list(self.teams),
        }

    @classmethod
    def from_dict(cls, data: object) -> GameOptions:
        """Strictly parse presenter-supplied options (camelCase keys, all optional).

        Unknown keys and wrong types raise :class:`OptionsError` naming the key.
        """
        if not isinstance(data, Mapping):
            raise OptionsError("options must be an object")
        known = {
            "speedScoring",
            "streakBonus",
            "points",
            "timeLimit",
            "lateJoin",
            "readySeconds",
            "teams",
        }
        problems = [f"unknown option {k!r}" for k in data if k not in known]
        kwargs: dict[str, Any] = {}
        for key, attr in (
            ("speedScoring", "speed_scoring"),
            ("streakBonus", "streak_bonus"),
            ("lateJoin", "late_join"),
        ):
            if key in data:
                if not isinstance(data[key], bool):
                    problems.append(f"{key} must be true or false")
                else:
                    kwargs[attr] = data[key]
        for key, attr in (
            ("points", "points"),
            ("timeLimit", "time_limit"),
            ("readySeconds", "ready_seconds"),
        ):
            if key in data and data[key] is not None:
                value = _as_int(data[key])
                if value is None:
                    problems.append(f"{key} must be a whole number or null")
                else:
                    kwargs[attr] = value
        if data.get("teams") is not None:
            try:
                kwargs["teams"] = clean_team_names(data["teams"])
            except TeamError as exc:
                problems.append(exc.message)
        if problems:
            raise OptionsError("; ".join(problems))
        return cls(**kwargs)


def _option_problems(o: GameOptions) -> list[str]:
    problems = []
    if o.points is not None and (isinstance(o.points, bool) or o.points not in ALLOWED_POINTS):
        problems.append(f"points must be 0, 1000 or 2000, got {o.points!r}")
    if o.time_limit is not None and (
        isinstance(o.time_limit, bool)
        or not isinstance(o.time_limit, int)
        or not MIN_TIME_LIMIT <= o.time_limit <= MAX_TIME_LIMIT
    ):
        problems.append(
            f"timeLimit must be {MIN_TIME_LIMIT}-{MAX_TIME_LIMIT} seconds, got {o.time_limit!r}"
        )
    if o.ready_seconds is not None:
        problem = ready_seconds_problem(o.ready_seconds)
        if problem is not None:
            problems.append(f"readySeconds {problem}")
    if o.teams is not None:
        try:
            if clean_team_names(list(o.teams)) != tuple(o.teams):
                problems.append("teams must be given cleaned (see quizwire.teams)")
        except TeamError as exc:
            problems.append(exc.message)
    return problems


@dataclass(frozen=True, slots=True, kw_only=True)
class GameState:
    """The game row. ``question_index`` is -1 in the lobby, else the current/last question.

    A question is shown at ``opened_at - ready_ms`` (the get-ready phase: text only), its choices
    open at ``opened_at`` (answers are timed from then) and it closes at ``deadline``.
    """

    game_id: str
    quiz: Quiz
    options: GameOptions = field(default_factory=GameOptions)
    phase: Phase = Phase.LOBBY
    question_index: int = -1
    opened_at: int = 0
    deadline: int = 0
    closed_at: int = 0
    close_reason: str = ""
    seq: int = 0
    created_at: int = 0
    started_at: int = 0
    finished_at: int = 0
    finish_reason: str = ""
    #: the host closed the door: no new players (those already in may still rejoin)
    locked: bool = False
    #: the largest extra time (percent) the host gave an active player: a question opened
    #: now stays open that much longer, so that player gets their whole time
    extra_time_max: int = 0

    @property
    def accepting_players(self) -> bool:
        """Whether a new player may join now."""
        if self.locked or self.phase is Phase.FINISHED:
            return False
        return self.phase is Phase.LOBBY or self.options.late_join

    @property
    def teams(self) -> tuple[str, ...]:
        """The game's teams (empty: no team mode): the option if set, else the quiz's."""
        return self.options.teams if self.options.teams is not None else self.quiz.teams

    def timed(self, index: int) -> bool:
        """Whether question ``index`` has a time limit (``timer = false`` in the quiz: not)."""
        return self.quiz.questions[index].timed

    def player_limit_ms(self, index: int, extra_pct: int) -> int:
        """Question ``index``'s time limit for a player with ``extra_pct`` extra time."""
        return with_extra_time(self.time_limit_ms(index), extra_pct)

    @property
    def total_questions(self) -> int:
        return len(self.quiz.questions)

    @property
    def question(self) -> Question | None:
        """The current (open or just closed) question, None in the lobby."""
        if 0 <= self.question_index < len(self.quiz.questions):
            return self.quiz.questions[self.question_index]
        return None

    @property
    def question_id(self) -> str | None:
        return question_id(self.question_index) if self.question is not None else None

    @property
    def is_last_question(self) -> bool:
        return self.question_index >= len(self.quiz.questions) - 1

    def points_for(self, index: int) -> int:
        """Points question ``index`` is worth in this game (option override applied)."""
        if self.options.points is not None:
            return self.options.points
        return self.quiz.questions[index].points

    @property
    def ready_ms(self) -> int:
        """The get-ready time before each question's choices open, in ms (option applied)."""
        seconds = self.options.ready_seconds
        if seconds is None:
            seconds = self.quiz.ready_seconds
        return seconds * 1000

    def time_limit_ms(self, index: int) -> int:
        """Time allowed for question ``index`` in ms (option override applied)."""
        seconds = self.options.time_limit
        if seconds is None:
            seconds = self.quiz.questions[index].time_limit
        return seconds * 1000

    def to_dict(self, *, include_quiz: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "game_id": self.game_id,
            "options": self.options.to_dict(),
            "phase": self.phase.value,
            "question_index": self.question_index,
            "opened_at": self.opened_at,
            "deadline": self.deadline,
            "closed_at": self.closed_at,
            "close_reason": self.close_reason,
            "seq": self.seq,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "finish_reason": self.finish_reason,
            "locked": self.locked,
            "extra_time_max": self.extra_time_max,
        }
        if include_quiz:
            data["quiz"] = quiz_to_dict(self.quiz)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, quiz: Quiz | None = None) -> GameState:
        """Decode :meth:`to_dict` output. Pass ``quiz`` if the row was saved without it."""
        try:
            if quiz is None:
                quiz = parse_quiz(_plain(data["quiz"]), f"game {data.get('game_id')}")
            return cls(
                game_id=_str(data["game_id"]),
                quiz=quiz,
                options=GameOptions.from_dict(_plain(data.get("options", {}))),
                phase=Phase(data["phase"]),
                question_index=_int(data["question_index"]),
                opened_at=_int(data.get("opened_at", 0)),
                deadline=_int(data.get("deadline", 0)),
                closed_at=_int(data.get("closed_at", 0)),
                close_reason=_str(data.get("close_reason", "")),
                seq=_int(data.get("seq", 0)),
                created_at=_int(data.get("created_at", 0)),
                started_at=_int(data.get("started_at", 0)),
                finished_at=_int(data.get("finished_at", 0)),
                finish_reason=_str(data.get("finish_reason", "")),
                locked=_bool(data.get("locked", False)),
                extra_time_max=_int(data.get("extra_time_max", 0)),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise StateError(f"bad game record: {exc}") from exc


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayerState:
    """A player row.

    ``correct_ms`` sums the answer times of correct answers on questions worth points: the
    leaderboard tie-break. ``answered_index`` is the last question answered (-1: none) and
    ``last_*`` remember that answer, so a resent answer can be told apart from a new one, and so
    the row as it stood before that answer can be rebuilt exactly (``last_ms``: what the answer
    added to ``correct_ms``; ``prior_streak``: the streak before it) -- the room must not learn
    who was right before the reveal, not even after a restart.
    """

    player_id: str
    name: str
    join_order: int
    status: PlayerStatus = PlayerStatus.ACTIVE
    score: int = 0
    streak: int = 0
    correct_count: int = 0
    correct_ms: int = 0
    answered_index: int = -1
    last_choice: int = -1
    last_correct: bool = False
    last_points: int = 0
    last_bonus: int = 0
    last_ms: int = 0
    prior_streak: int = 0
    seq: int = 0
    joined_at: int = 0
    #: the literal last answer of a typed question ("" for a choice): tells a resend apart
    last_value: str = ""
    #: the player's team in team mode ("" otherwise)
    team: str = ""
    #: extra time the host gave this player, in percent of every time limit (50: 1.5x)
    extra_time: int = 0

    @property
    def active(self) -> bool:
        return self.status is PlayerStatus.ACTIVE

    def to_dict(self) -> dict[str, Any]:
        return {
            "player_id": self.player_id,
            "name": self.name,
            "join_order": self.join_order,
            "status": self.status.value,
            "score": self.score,
            "streak": self.streak,
            "correct_count": self.correct_count,
            "correct_ms": self.correct_ms,
            "answered_index": self.answered_index,
            "last_choice": self.last_choice,
            "last_correct": self.last_correct,
            "last_points": self.last_points,
            "last_bonus": self.last_bonus,
            "last_ms": self.last_ms,
            "prior_streak": self.prior_streak,
            "seq": self.seq,
            "joined_at": self.joined_at,
            "last_value": self.last_value,
            "team": self.team,
            "extra_time": self.extra_time,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlayerState:
        try:
            return cls(
                player_id=_str(data["player_id"]),
                name=_str(data["name"]),
                join_order=_int(data["join_order"]),
                status=PlayerStatus(data.get("status", "active")),
                score=_int(data.get("score", 0)),
                streak=_int(data.get("streak", 0)),
                correct_count=_int(data.get("correct_count", 0)),
                correct_ms=_int(data.get("correct_ms", 0)),
                answered_index=_int(data.get("answered_index", -1)),
                last_choice=_int(data.get("last_choice", -1)),
                last_correct=_bool(data.get("last_correct", False)),
                last_points=_int(data.get("last_points", 0)),
                last_bonus=_int(data.get("last_bonus", 0)),
                last_ms=_int(data.get("last_ms", 0)),
                prior_streak=_int(data.get("prior_streak", 0)),
                seq=_int(data.get("seq", 0)),
                joined_at=_int(data.get("joined_at", 0)),
                last_value=_str(data.get("last_value", "")),
                team=_str(data.get("team", "")),
                extra_time=_int(data.get("extra_time", 0)),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise StateError(f"bad player record: {exc}") from exc


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerRecord:
    """An accepted answer. ``points`` includes ``bonus``; ``sent_at`` is the client's claim.

    ``choice`` is the answer's bucket (the choice itself for choice/truefalse/poll, see
    :mod:`quizwire.kinds`); ``value`` the literal answer of a typed question ("" otherwise):
    the cleaned text, the order as screen positions ``"2,0,1"``, the number ``"42.5"``.
    """

    game_id: str
    player_id: str
    name: str
    question_index: int
    choice: int
    correct: bool
    points: int
    bonus: int
    elapsed_ms: int
    received_at: int
    sent_at: int | None = None
    value: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "game_id": self.game_id,
            "player_id": self.player_id,
            "name": self.name,
            "question_index": self.question_index,
            "choice": self.choice,
            "correct": self.correct,
            "points": self.points,
            "bonus": self.bonus,
            "elapsed_ms": self.elapsed_ms,
            "received_at": self.received_at,
            "sent_at": self.sent_at,
            "value": self.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnswerRecord:
        try:
            sent = data.get("sent_at")
            return cls(
                game_id=_str(data["game_id"]),
                player_id=_str(data["player_id"]),
                name=_str(data["name"]),
                question_index=_int(data["question_index"]),
                choice=_int(data["choice"]),
                correct=_bool(data["correct"]),
                points=_int(data["points"]),
                bonus=_int(data.get("bonus", 0)),
                elapsed_ms=_int(data["elapsed_ms"]),
                received_at=_int(data["received_at"]),
                sent_at=None if sent is None else _int(sent),
                value=_str(data.get("value", "")),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise StateError(f"bad answer record: {exc}") from exc


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if (
        isinstance(value, decimal.Decimal)
        and value.is_finite()
        and value == value.to_integral_value()
    ):
        return int(value)
    return None


def _int(value: object) -> int:
    result = _as_int(value)
    if result is None:
        raise TypeError(f"expected an integer, got {value!r}")
    return result


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | decimal.Decimal) and value in (0, 1):
        return bool(value)  # SQLite stores booleans as 0/1
    raise TypeError(f"expected a boolean, got {value!r}")


def _plain(value: object) -> object:
    """Turn DynamoDB Decimals into ints (recursively) so the strict parsers accept them."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, decimal.Decimal):
        as_int = _as_int(value)
        return as_int if as_int is not None else value
    return value
