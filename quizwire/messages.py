"""Game messages: typed builders and strict parsers for every channel (stdlib only).

Every message the backend publishes is a JSON object with an envelope::

    {"type": "...", "gameId": "K7QX2M", "seq": 42, "ts": 1767225600123, ...body}

``ts`` is the server time in epoch ms. ``seq`` increases strictly on each channel: the
broadcast channels (``/game``, ``/question``, ``/leaderboard``) share the game's counter
(:attr:`quizwire.state.GameState.seq`), a player's ``/scores`` channel uses the player's own
counter (:attr:`quizwire.state.PlayerState.seq`). Clients drop a message whose seq is not above
the last one seen on that channel (:func:`freshness`, :class:`SeqTracker`).

===================  ================  =====================================================
type                 channel           body (camelCase keys)
===================  ================  =====================================================
``lobby``            /game             title, total, players
``started``          /game             title, total, speedScoring, streakBonus
``question``         /question         questionId, index (0-based), total, text, choices,
                                       points, durationMs, readyMs, opensAt, deadline -- no
                                       answer; shown at opensAt - readyMs, answerable from
                                       opensAt (server time) to deadline; timer: false (no
                                       time limit) and closesAt (later than deadline when a
                                       player has extra time) only when they apply
``question_closed``  /game             questionId, index, total, reason, correct (0-based
                                       index), counts (per choice), answered, fastest
                                       [{playerId, name, ms}]
``finished``         /game             reason, podium [{playerId, name, score, rank}],
                                       teams? (team mode: the final team board)
``score``            /scores/{g}/{p}   playerId, questionId, index, accepted, correct, choice,
                                       points, bonus, total, streak, rank,
                                       refusal {code, message} | null
``leaderboard``      /leaderboard      entries [{playerId, name, score, rank, lastPoints?}] (top
                                       10), players; lastPoints: what the last revealed
                                       question earned (absent while a question is open);
                                       teams? [{name, score, rank, members}] in team mode
``player``           /scores/{g}/{p}   playerId, team, extraTime: the player's own settings,
                                       sent when the host changes their extra time
``snapshot``         (HTTP, rejoin)    phase, title, total, index, question | null,
                                       reveal | null, you | null, leaderboard, players,
                                       teams? (team board)
===================  ================  =====================================================

Inbound from players, on ``/answer/{gameId}``: ``{"questionId": "q3", "choice": 1,
"sentAt": 1767225600000}`` (``type`` and ``gameId`` optional; the player's identity comes from
auth, never from the payload); a typed question takes ``text``, ``order`` or ``number`` in
place of ``choice`` (see :mod:`quizwire.kinds`). :func:`parse_answer` caps it at 2 KB, ignores unknown fields and
rejects wrong types.

The public question type :class:`PublicQuestion` has no answer field, and
:meth:`PublicQuestion.from_game` copies only text and choices, so a ``question`` message cannot
carry the correct answer. Parsing untrusted input raises only :class:`MessageError`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, TypeVar, cast

from quizwire.fields import (
    MessageError,
    check_int,
    check_str,
    decode_object,
    opt_bool,
    opt_int,
    opt_str,
    req_bool,
    req_int,
    req_list,
    req_object,
    req_str,
)
from quizwire.kinds import MAX_TEXT_ANSWER, Kind
from quizwire.quiz import (
    MAX_CHOICE_LEN,
    MAX_CHOICES,
    MAX_CODE_LEN,
    MAX_NUMBER_ABS,
    MAX_QUESTION_LEN,
    MAX_TITLE_LEN,
    MIN_CHOICES,
)
from quizwire.state import MAX_EXTRA_TIME, GameState, Phase, question_id
from quizwire.teams import MAX_TEAM_NAME_LEN, MAX_TEAMS

__all__ = [
    "MAX_ANSWER_BYTES",
    "MAX_MESSAGE_BYTES",
    "AnswerMsg",
    "Envelope",
    "FastestEntry",
    "FinishedMsg",
    "Freshness",
    "LeaderboardEntry",
    "LeaderboardMsg",
    "LobbyMsg",
    "MessageError",
    "MessageType",
    "PlayerInfoMsg",
    "PlayerView",
    "PresenterAnswerMsg",
    "PublicQuestion",
    "QuestionClosedMsg",
    "QuestionMsg",
    "Reveal",
    "ScoreMsg",
    "SeqTracker",
    "SnapshotMsg",
    "StartedMsg",
    "TeamEntry",
    "freshness",
    "parse_answer",
    "parse_message",
    "parse_teams",
]

MAX_ANSWER_BYTES = 2048
MAX_MESSAGE_BYTES = 64 * 1024
MAX_ID_LEN = 50
MAX_NAME_LEN = 24
MAX_ENTRIES = 100
MAX_FASTEST = 10
_MAX_REASON = 32
_MAX_CODE = 40
_MAX_MESSAGE = 300
_MAX_QUESTIONS = 10_000
_MAX_READY_MS = 60_000
#: the literal answer a score, snapshot or reveal echoes (typed text, "2,0,1", "42.5")
MAX_VALUE_LEN = 100


def _kind(data: Mapping[str, Any], where: str = "") -> Kind:
    """The question type; absent means ``choice`` (a backend of an older release)."""
    value = data.get("kind")
    if value is None:
        return Kind.CHOICE
    if not isinstance(value, str) or value not in {k.value for k in Kind}:
        raise MessageError(f"{where}kind must be one of {', '.join(k.value for k in Kind)}")
    return Kind(value)


def _opt_number(data: Mapping[str, Any], key: str, where: str = "") -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MessageError(f"{where}{key} must be a number")
    if not math.isfinite(value) or abs(value) > MAX_NUMBER_ABS:
        raise MessageError(f"{where}{key} must be a finite number of sensible size")
    return value


def _opt_value(data: Mapping[str, Any], key: str = "value", where: str = "") -> str | None:
    value = data.get(key)
    if value is None:
        return None
    return check_str(value, f"{where}{key}", max_len=MAX_VALUE_LEN, min_len=0)


class MessageType(StrEnum):
    LOBBY = "lobby"
    STARTED = "started"
    QUESTION = "question"
    QUESTION_CLOSED = "question_closed"
    FINISHED = "finished"
    SCORE = "score"
    LEADERBOARD = "leaderboard"
    SNAPSHOT = "snapshot"
    PLAYER = "player"
    ANSWER = "answer"


# --------------------------------------------------------------------------- helpers


def _id(data: Mapping[str, Any], key: str, where: str = "") -> str:
    value = req_str(data, key, max_len=MAX_ID_LEN, where=where)
    if not all(c.isascii() and (c.isalnum() or c == "-") for c in value):
        raise MessageError(f"{where}{key} may only contain letters, digits and '-'")
    return value


def _name(data: Mapping[str, Any], key: str, where: str = "") -> str:
    return req_str(data, key, max_len=MAX_NAME_LEN, where=where)


def _phase(data: Mapping[str, Any]) -> Phase:
    value = _code(data, "phase")
    try:
        return Phase(value)
    except ValueError:
        raise MessageError(f"phase must be one of {', '.join(Phase)}, got {value!r}") from None


def _code(data: Mapping[str, Any], key: str, where: str = "") -> str:
    value = req_str(data, key, max_len=_MAX_CODE, where=where)
    if not all(c.isascii() and (c.islower() or c == "_") for c in value):
        raise MessageError(f"{where}{key} must be lower_snake_case, got {value!r}")
    return value


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _dumps(data: Mapping[str, Any]) -> str:
    return _ENCODER.encode(data)  # one encoder, made once (json.dumps builds one per call)


# --------------------------------------------------------------------------- parts


@dataclass(frozen=True, slots=True, kw_only=True)
class LeaderboardEntry:
    player_id: str
    name: str
    score: int
    rank: int
    #: what the player's answer to the last revealed question earned (None: not known, e.g.
    #: while a question is open, when nothing public may move)
    last_points: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "playerId": self.player_id,
            "name": self.name,
            "score": self.score,
            "rank": self.rank,
        }
        if self.last_points is not None:
            data["lastPoints"] = self.last_points
        return data

    @classmethod
    def from_dict(cls, data: object, where: str) -> LeaderboardEntry:
        if not isinstance(data, Mapping):
            raise MessageError(f"{where} must be an object")
        w = f"{where}."
        return cls(
            player_id=_id(data, "playerId", w),
            name=_name(data, "name", w),
            score=req_int(data, "score", where=w),
            rank=req_int(data, "rank", lo=1, where=w),
            last_points=opt_int(data, "lastPoints", lo=0, where=w),
        )


def _entries(
    data: Mapping[str, Any], key: str, max_items: int = MAX_ENTRIES
) -> tuple[LeaderboardEntry, ...]:
    items = req_list(data, key, max_items=max_items)
    return tuple(LeaderboardEntry.from_dict(e, f"{key}[{i}]") for i, e in enumerate(items))


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamEntry:
    """One row of the team board: ``score`` is the rounded mean of ``members`` players."""

    name: str
    score: int
    rank: int
    members: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "score": self.score, "rank": self.rank, "members": self.members}

    @classmethod
    def from_dict(cls, data: object, where: str) -> TeamEntry:
        if not isinstance(data, Mapping):
            raise MessageError(f"{where} must be an object")
        w = f"{where}."
        return cls(
            name=req_str(data, "name", max_len=MAX_TEAM_NAME_LEN, where=w),
            score=req_int(data, "score", where=w),
            rank=req_int(data, "rank", lo=1, where=w),
            members=req_int(data, "members", lo=0, where=w),
        )


def parse_teams(data: Mapping[str, Any], key: str = "teams") -> tuple[TeamEntry, ...]:
    """The optional team board (absent: no team mode, or a backend of an older release)."""
    if data.get(key) is None:
        return ()
    items = req_list(data, key, max_items=MAX_TEAMS)
    return tuple(TeamEntry.from_dict(e, f"{key}[{i}]") for i, e in enumerate(items))


def _with_teams(body: dict[str, Any], teams: tuple[TeamEntry, ...]) -> dict[str, Any]:
    if teams:
        body["teams"] = [t.to_dict() for t in teams]
    return body


@dataclass(frozen=True, slots=True, kw_only=True)
class FastestEntry:
    player_id: str
    name: str
    ms: int

    def to_dict(self) -> dict[str, Any]:
        return {"playerId": self.player_id, "name": self.name, "ms": self.ms}

    @classmethod
    def from_dict(cls, data: object, where: str) -> FastestEntry:
        if not isinstance(data, Mapping):
            raise MessageError(f"{where} must be an object")
        w = f"{where}."
        return cls(
            player_id=_id(data, "playerId", w),
            name=_name(data, "name", w),
            ms=req_int(data, "ms", where=w),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicQuestion:
    """What players may see of a question. There is deliberately no answer field."""

    question_id: str
    index: int
    total: int
    text: str
    choices: tuple[str, ...]
    points: int
    duration_ms: int
    opens_at: int
    deadline: int
    #: the get-ready phase before ``opens_at``: text only, no choices, no answers
    ready_ms: int = 0
    #: the question type (quizwire.kinds); order questions' choices are the items, shuffled
    kind: Kind = Kind.CHOICE
    code: str = ""
    language: str = ""
    #: number questions: the range, the step and the unit (None/"" otherwise)
    low: float | None = None
    high: float | None = None
    step: float | None = None
    unit: str = ""
    #: False: no time limit (open until the host reveals; ``deadline`` is only a safety net)
    timed: bool = True
    #: when the question closes for everyone, if later than ``deadline`` (a player has extra
    #: time); 0: at ``deadline``
    closes_at: int = 0

    @classmethod
    def from_game(cls, game: GameState) -> PublicQuestion:
        """The game's current question, stripped to text and choices plus server timing.

        ``duration_ms``/``deadline`` are those of a player without extra time; a player with
        ``extra`` percent has ``duration_ms * (100 + extra) // 100`` (:meth:`deadline_for`)."""
        q = game.question
        if q is None:
            raise ValueError("the game has no current question")
        i = game.question_index
        timed = game.timed(i)
        base = game.time_limit_ms(i) if timed else game.deadline - game.opened_at
        return cls(
            question_id=question_id(i),
            index=i,
            total=game.total_questions,
            text=q.text,
            choices=q.public_choices,
            points=game.points_for(i),
            duration_ms=base,
            opens_at=game.opened_at,
            deadline=min(game.opened_at + base, game.deadline),
            ready_ms=game.ready_ms,
            kind=q.kind,
            code=q.code,
            language=q.language,
            low=q.low if q.kind is Kind.NUMBER else None,
            high=q.high if q.kind is Kind.NUMBER else None,
            step=q.step,
            unit=q.unit,
            timed=timed,
            closes_at=game.deadline if game.deadline > game.opened_at + base else 0,
        )

    def duration_for(self, extra_pct: int) -> int:
        """The answering time of a player with ``extra_pct`` percent extra time, in ms."""
        if not self.timed:
            return self.duration_ms
        return self.duration_ms * (100 + max(extra_pct, 0)) // 100

    def deadline_for(self, extra_pct: int) -> int:
        """That player's deadline: never after the question closes for everyone."""
        if not self.timed or extra_pct <= 0:
            return self.deadline
        return min(self.opens_at + self.duration_for(extra_pct), max(self.closes_at, self.deadline))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "questionId": self.question_id,
            "index": self.index,
            "total": self.total,
            "text": self.text,
            "choices": list(self.choices),
            "points": self.points,
            "durationMs": self.duration_ms,
            "readyMs": self.ready_ms,
            "opensAt": self.opens_at,
            "deadline": self.deadline,
        }
        # only what a type needs: a plain choice question looks as it always did
        if self.kind is not Kind.CHOICE:
            data["kind"] = self.kind.value
        if self.code:
            data |= {"code": self.code, "language": self.language}
        if self.kind is Kind.NUMBER:
            data |= {"min": self.low, "max": self.high, "step": self.step, "unit": self.unit}
            if not self.unit:
                del data["unit"]
        return data | self._extras()

    def _extras(self) -> dict[str, Any]:
        """The optional fields, present only when they say something (older clients ignore
        them)."""
        extras: dict[str, Any] = {}
        if not self.timed:
            extras["timer"] = False
        if self.closes_at > self.deadline:
            extras["closesAt"] = self.closes_at
        return extras

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "") -> PublicQuestion:
        kind = _kind(data, where)
        typed = kind in (Kind.TEXT, Kind.NUMBER)
        choices = req_list(
            data,
            "choices",
            min_items=0 if typed else MIN_CHOICES,
            max_items=0 if typed else MAX_CHOICES,
            where=where,
        )
        low = high = None
        if kind is Kind.NUMBER:
            low, high = _opt_number(data, "min", where), _opt_number(data, "max", where)
            if low is None or high is None or low >= high:
                raise MessageError(f"{where}a number question needs min below max")
        code = data.get("code")
        index = req_int(data, "index", hi=_MAX_QUESTIONS, where=where)
        total = req_int(data, "total", lo=1, hi=_MAX_QUESTIONS, where=where)
        if index >= total:
            raise MessageError(f"{where}index {index} is not below total {total}")
        opens_at = req_int(data, "opensAt", where=where)
        deadline = req_int(data, "deadline", where=where)
        if deadline < opens_at:
            raise MessageError(f"{where}deadline is before opensAt")
        closes_at = opt_int(data, "closesAt", where=where)
        if closes_at is not None and not deadline <= closes_at <= deadline + 3 * 3_600_000:
            raise MessageError(f"{where}closesAt is not within 3 hours after deadline")
        timed = opt_bool(data, "timer", where)
        return cls(
            question_id=_id(data, "questionId", where),
            index=index,
            total=total,
            text=req_str(data, "text", max_len=MAX_QUESTION_LEN, where=where),
            choices=tuple(
                check_str(c, f"{where}choices[{i}]", max_len=MAX_CHOICE_LEN)
                for i, c in enumerate(choices)
            ),
            points=req_int(data, "points", hi=10_000, where=where),
            duration_ms=req_int(data, "durationMs", hi=3_600_000, where=where),
            opens_at=opens_at,
            deadline=deadline,
            # optional: a backend of an older release has no get-ready phase
            ready_ms=opt_int(data, "readyMs", hi=_MAX_READY_MS, where=where) or 0,
            kind=kind,
            # code keeps its line breaks: the apps show it line by line, each line cleaned
            code=""
            if code is None
            else check_str(code, f"{where}code", max_len=MAX_CODE_LEN, min_len=0, shown=False),
            language=opt_str(data, "language", max_len=20, where=where) or "",
            low=low,
            high=high,
            step=_opt_number(data, "step", where),
            unit=req_str(data, "unit", max_len=12, where=where, min_len=0)
            if data.get("unit") is not None
            else "",
            timed=timed is not False,
            closes_at=0 if closes_at is None or closes_at == deadline else closes_at,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Reveal:
    """What is revealed when a question closes.

    ``correct`` is the right choice (choice, truefalse), None for a poll and the typed types;
    ``counts`` counts each bucket (see :mod:`quizwire.kinds`). The solution of a typed type:
    ``accepted`` (text), ``order`` (the right order in screen positions), ``number``.
    """

    question_id: str
    index: int
    total: int
    reason: str
    correct: int | None
    counts: tuple[int, ...]
    answered: int
    fastest: tuple[FastestEntry, ...] = ()
    kind: Kind = Kind.CHOICE
    accepted: tuple[str, ...] = ()
    order: tuple[int, ...] = ()
    number: float | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "questionId": self.question_id,
            "index": self.index,
            "total": self.total,
            "reason": self.reason,
            "correct": self.correct,
            "counts": list(self.counts),
            "answered": self.answered,
            "fastest": [f.to_dict() for f in self.fastest],
        }
        if self.kind is not Kind.CHOICE:
            data["kind"] = self.kind.value
        if self.kind is Kind.TEXT:
            data["accepted"] = list(self.accepted)
        elif self.kind is Kind.ORDER:
            data["order"] = list(self.order)
        elif self.kind is Kind.NUMBER:
            data["number"] = self.number
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "") -> Reveal:
        kind = _kind(data, where)
        counts = req_list(data, "counts", min_items=MIN_CHOICES, max_items=MAX_CHOICES, where=where)
        correct = opt_int(data, "correct", hi=MAX_CHOICES - 1, where=where)
        if correct is None and kind in (Kind.CHOICE, Kind.TRUEFALSE):
            raise MessageError(f"{where}correct must be an integer, got null")
        if correct is not None and correct >= len(counts):
            raise MessageError(f"{where}correct {correct} is not one of the {len(counts)} choices")
        accepted = (
            req_list(data, "accepted", max_items=10, where=where) if kind is Kind.TEXT else []
        )
        order = (
            req_list(data, "order", min_items=1, max_items=MAX_CHOICES, where=where)
            if kind is Kind.ORDER
            else []
        )
        fastest = req_list(data, "fastest", max_items=MAX_FASTEST, where=where)
        index = req_int(data, "index", hi=_MAX_QUESTIONS, where=where)
        total = req_int(data, "total", lo=1, hi=_MAX_QUESTIONS, where=where)
        if index >= total:
            raise MessageError(f"{where}index {index} is not below total {total}")
        return cls(
            question_id=_id(data, "questionId", where),
            index=index,
            total=total,
            reason=_code(data, "reason", where),
            correct=correct,
            counts=tuple(check_int(c, f"{where}counts[{i}]") for i, c in enumerate(counts)),
            answered=req_int(data, "answered", where=where),
            fastest=tuple(
                FastestEntry.from_dict(f, f"{where}fastest[{i}]") for i, f in enumerate(fastest)
            ),
            kind=kind,
            accepted=tuple(
                check_str(a, f"{where}accepted[{i}]", max_len=MAX_TEXT_ANSWER)
                for i, a in enumerate(accepted)
            ),
            order=tuple(
                check_int(o, f"{where}order[{i}]", hi=MAX_CHOICES - 1) for i, o in enumerate(order)
            ),
            number=_opt_number(data, "number", where) if kind is Kind.NUMBER else None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayerView:
    """A player's own state, in a rejoin snapshot."""

    player_id: str
    name: str
    total: int
    streak: int
    rank: int | None
    answered: bool
    choice: int | None = None
    # The result of the current question once it is closed (null while it is open or unanswered):
    # a player back after the reveal may never get its score message.
    correct: bool | None = None
    points: int | None = None  # includes ``bonus``
    bonus: int | None = None
    #: the literal answer of a typed question (text, "2,0,1", "42.5"); None for a choice
    value: str | None = None
    team: str = ""  # "" outside team mode
    extra_time: int = 0  # percent of every time limit the host added for this player

    def to_dict(self) -> dict[str, Any]:
        view: dict[str, Any] = {
            "playerId": self.player_id,
            "name": self.name,
            "total": self.total,
            "streak": self.streak,
            "rank": self.rank,
            "answered": self.answered,
            "choice": self.choice,
        }
        if self.value is not None:
            view["value"] = self.value
        # absent, not null, while unknown: no "correct" key at all while a question is open
        if self.correct is not None:
            view |= {"correct": self.correct, "points": self.points, "bonus": self.bonus}
        if self.team:
            view["team"] = self.team
        if self.extra_time:
            view["extraTime"] = self.extra_time
        return view

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "") -> PlayerView:
        return cls(
            player_id=_id(data, "playerId", where),
            name=_name(data, "name", where),
            total=req_int(data, "total", where=where),
            streak=req_int(data, "streak", where=where),
            rank=opt_int(data, "rank", lo=1, where=where),
            answered=req_bool(data, "answered", where),
            choice=opt_int(data, "choice", hi=MAX_CHOICES - 1, where=where),
            correct=opt_bool(data, "correct", where),
            points=opt_int(data, "points", where=where),
            bonus=opt_int(data, "bonus", where=where),
            value=_opt_value(data, where=where),
            team=_team_name(data, where),
            extra_time=opt_int(data, "extraTime", lo=0, hi=MAX_EXTRA_TIME, where=where) or 0,
        )


def _team_name(data: Mapping[str, Any], where: str = "") -> str:
    """An optional team name ("" when absent or null)."""
    if data.get("team") is None:
        return ""
    return req_str(data, "team", max_len=MAX_TEAM_NAME_LEN, where=where, min_len=0)


# --------------------------------------------------------------------------- messages


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """Fields every server message carries."""

    TYPE: ClassVar[MessageType]

    game_id: str
    seq: int
    ts: int

    def body(self) -> dict[str, Any]:  # pragma: no cover - overridden
        return {}

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.TYPE.value,
            "gameId": self.game_id,
            "seq": self.seq,
            "ts": self.ts,
            **self.body(),
        }

    def to_json(self) -> str:
        return _dumps(self.to_dict())

    @classmethod
    def _parse_body(cls, data: Mapping[str, Any]) -> dict[str, Any]:  # pragma: no cover
        return {}

    @classmethod
    def from_dict(cls: type[_M], data: Mapping[str, Any]) -> _M:
        kind = data.get("type")
        if kind != cls.TYPE.value:
            raise MessageError(f"expected a {cls.TYPE.value!r} message, got type {kind!r}")
        return cls(
            game_id=_id(data, "gameId"),
            seq=req_int(data, "seq"),
            ts=req_int(data, "ts"),
            **cls._parse_body(data),
        )


_M = TypeVar("_M", bound=Envelope)


@dataclass(frozen=True, slots=True, kw_only=True)
class LobbyMsg(Envelope):
    TYPE: ClassVar[MessageType] = MessageType.LOBBY
    title: str
    total: int
    players: int

    def body(self) -> dict[str, Any]:
        return {"title": self.title, "total": self.total, "players": self.players}

    @classmethod
    def _parse_body(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "title": req_str(data, "title", max_len=MAX_TITLE_LEN),
            "total": req_int(data, "total", hi=_MAX_QUESTIONS),
            "players": req_int(data, "players"),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class StartedMsg(Envelope):
    TYPE: ClassVar[MessageType] = MessageType.STARTED
    title: str
    total: int
    speed_scoring: bool
    streak_bonus: bool

    def body(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "total": self.total,
            "speedScoring": self.speed_scoring,
            "streakBonus": self.streak_bonus,
        }

    @classmethod
    def _parse_body(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "title": req_str(data, "title", max_len=MAX_TITLE_LEN),
            "total": req_int(data, "total", hi=_MAX_QUESTIONS),
            "speed_scoring": req_bool(data, "speedScoring"),
            "streak_bonus": req_bool(data, "streakBonus"),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class QuestionMsg(Envelope):
    """The open question, on ``/question/{gameId}``. Built only from a :class:`PublicQuestion`."""

    TYPE: ClassVar[MessageType] = MessageType.QUESTION
    question: PublicQuestion

    def body(self) -> dict[str, Any]:
        return self.question.to_dict()

    @classmethod
    def _parse_body(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"question": PublicQuestion.from_dict(data)}


@dataclass(frozen=True, slots=True, kw_only=True)
class QuestionClosedMsg(Envelope):
    TYPE: ClassVar[MessageType] = MessageType.QUESTION_CLOSED
    reveal: Reveal

    def body(self) -> dict[str, Any]:
        return self.reveal.to_dict()

    @classmethod
    def _parse_body(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"reveal": Reveal.from_dict(data)}


@dataclass(frozen=True, slots=True, kw_only=True)
class FinishedMsg(Envelope):
    TYPE: ClassVar[MessageType] = MessageType.FINISHED
    reason: str
    podium: tuple[LeaderboardEntry, ...]
    teams: tuple[TeamEntry, ...] = ()  # team mode: the final team board, best first

    def body(self) -> dict[str, Any]:
        body = {"reason": self.reason, "podium": [e.to_dict() for e in self.podium]}
        return _with_teams(body, self.teams)

    @classmethod
    def _parse_body(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "reason": _code(data, "reason"),
            "podium": _entries(data, "podium", max_items=10),
            "teams": parse_teams(data),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreMsg(Envelope):
    """One player's result for one answer (or the reason it was refused).

    ``points`` includes ``bonus``. For a refusal ``accepted`` is false, ``refusal_code`` and
    ``refusal_message`` say why, and ``total``/``streak`` are the player's unchanged values. A
    ``duplicate`` refusal repeats the original result (``correct``, ``points``, ``choice``).
    """

    TYPE: ClassVar[MessageType] = MessageType.SCORE
    player_id: str
    question_id: str | None
    index: int | None
    accepted: bool
    correct: bool | None
    choice: int | None
    points: int
    bonus: int
    total: int
    streak: int
    rank: int | None
    refusal_code: str | None = None
    refusal_message: str | None = None
    #: the literal answer of a typed question, echoed (None for a choice)
    value: str | None = None

    def body(self) -> dict[str, Any]:
        refusal = None
        if self.refusal_code is not None:
            refusal = {"code": self.refusal_code, "message": self.refusal_message or ""}
        body = {
            "playerId": self.player_id,
            "questionId": self.question_id,
            "index": self.index,
            "accepted": self.accepted,
            "correct": self.correct,
            "choice": self.choice,
            "points": self.points,
            "bonus": self.bonus,
            "total": self.total,
            "streak": self.streak,
            "rank": self.rank,
            "refusal": refusal,
        }
        if self.value is not None:
            body["value"] = self.value
        return body

    @classmethod
    def _parse_body(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        accepted = req_bool(data, "accepted")
        code = message = None
        if data.get("refusal") is not None:
            refusal = req_object(data, "refusal")
            code = _code(refusal, "code", "refusal.")
            message = req_str(refusal, "message", max_len=_MAX_MESSAGE, where="refusal.", min_len=0)
        if accepted and code is not None:
            raise MessageError("an accepted score cannot carry a refusal")
        if not accepted and code is None:
            raise MessageError("a refused score needs a refusal {code, message}")
        correct = data.get("correct")
        if correct is not None and not isinstance(correct, bool):
            raise MessageError("correct must be true, false or null")
        qid = data.get("questionId")
        return {
            "player_id": _id(data, "playerId"),
            "question_id": None if qid is None else _id(data, "questionId"),
            "index": opt_int(data, "index", hi=_MAX_QUESTIONS),
            "accepted": accepted,
            "correct": correct,
            "choice": opt_int(data, "choice", hi=MAX_CHOICES - 1),
            "points": req_int(data, "points"),
            "bonus": req_int(data, "bonus"),
            "total": req_int(data, "total"),
            "streak": req_int(data, "streak"),
            "rank": opt_int(data, "rank", lo=1),
            "refusal_code": code,
            "refusal_message": message,
            "value": _opt_value(data),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class LeaderboardMsg(Envelope):
    TYPE: ClassVar[MessageType] = MessageType.LEADERBOARD
    entries: tuple[LeaderboardEntry, ...]
    players: int
    teams: tuple[TeamEntry, ...] = ()  # team mode: every team, best first

    def body(self) -> dict[str, Any]:
        body = {"entries": [e.to_dict() for e in self.entries], "players": self.players}
        return _with_teams(body, self.teams)

    @classmethod
    def _parse_body(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "entries": _entries(data, "entries"),
            "players": req_int(data, "players"),
            "teams": parse_teams(data),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayerInfoMsg(Envelope):
    """A player's own settings, on their scores channel, when the host changes them."""

    TYPE: ClassVar[MessageType] = MessageType.PLAYER
    player_id: str
    team: str
    extra_time: int

    def body(self) -> dict[str, Any]:
        return {"playerId": self.player_id, "team": self.team, "extraTime": self.extra_time}

    @classmethod
    def _parse_body(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "player_id": _id(data, "playerId"),
            "team": _team_name(data),
            "extra_time": req_int(data, "extraTime", lo=0, hi=MAX_EXTRA_TIME),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotMsg(Envelope):
    """Everything a (re)joining client needs, served over HTTP; ``seq`` is the game's seq."""

    TYPE: ClassVar[MessageType] = MessageType.SNAPSHOT
    phase: Phase
    title: str
    total: int
    index: int
    question: PublicQuestion | None
    reveal: Reveal | None
    you: PlayerView | None
    leaderboard: tuple[LeaderboardEntry, ...]
    #: players in the game (not kicked or banned): a lobby count that no broadcast can race
    players: int = 0
    teams: tuple[TeamEntry, ...] = ()  # team mode: the team board

    def body(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "title": self.title,
            "total": self.total,
            "index": self.index,
            "question": None if self.question is None else self.question.to_dict(),
            "reveal": None if self.reveal is None else self.reveal.to_dict(),
            "you": None if self.you is None else self.you.to_dict(),
            "leaderboard": [e.to_dict() for e in self.leaderboard],
            "players": self.players,
        } | _with_teams({}, self.teams)

    @classmethod
    def _parse_body(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "phase": _phase(data),
            "title": req_str(data, "title", max_len=MAX_TITLE_LEN),
            "total": req_int(data, "total", hi=_MAX_QUESTIONS),
            "index": req_int(data, "index", lo=-1, hi=_MAX_QUESTIONS),
            "question": None
            if data.get("question") is None
            else PublicQuestion.from_dict(req_object(data, "question"), "question."),
            "reveal": None
            if data.get("reveal") is None
            else Reveal.from_dict(req_object(data, "reveal"), "reveal."),
            "you": None
            if data.get("you") is None
            else PlayerView.from_dict(req_object(data, "you"), "you."),
            "leaderboard": _entries(data, "leaderboard"),
            # optional: a backend of an older release does not send it
            "players": opt_int(data, "players") or 0,
            "teams": parse_teams(data),
        }


ServerMessage = (
    LobbyMsg
    | StartedMsg
    | QuestionMsg
    | QuestionClosedMsg
    | FinishedMsg
    | ScoreMsg
    | LeaderboardMsg
    | SnapshotMsg
    | PlayerInfoMsg
)

_BY_TYPE: dict[str, type[Envelope]] = {
    cls.TYPE.value: cls
    for cls in (
        LobbyMsg,
        StartedMsg,
        QuestionMsg,
        QuestionClosedMsg,
        FinishedMsg,
        ScoreMsg,
        LeaderboardMsg,
        SnapshotMsg,
        PlayerInfoMsg,
    )
}


def parse_message(raw: object, *, max_bytes: int = MAX_MESSAGE_BYTES) -> ServerMessage:
    """Parse any server message (JSON text, bytes or a decoded dict) into its typed form.

    Raises :class:`MessageError` (and nothing else) for anything malformed or unknown.
    """
    try:
        data = decode_object(raw, max_bytes=max_bytes)
        kind = data.get("type")
        cls = _BY_TYPE.get(kind) if isinstance(kind, str) else None
        if cls is None:
            known = ", ".join(sorted(_BY_TYPE))
            raise MessageError(f"unknown message type {kind!r} (known: {known})")
        msg = cls.from_dict(data)
    except MessageError:
        raise
    except Exception as exc:  # defensive: untrusted input must never crash a handler
        raise MessageError(f"malformed message ({type(exc).__name__})") from exc
    return cast(ServerMessage, msg)


# --------------------------------------------------------------------------- inbound answer


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerMsg:
    """A player's answer: exactly one of ``choice`` (0-based index: choice, truefalse, poll),
    ``text`` (text), ``order`` (screen positions, first to last: order) or ``number``.
    ``sent_at`` is the client's clock. The text is kept as sent: the rules clean it."""

    question_id: str
    choice: int | None = None
    sent_at: int | None = None
    game_id: str | None = None
    text: str | None = None
    order: tuple[int, ...] | None = None
    number: float | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": MessageType.ANSWER.value}
        if self.game_id is not None:
            data["gameId"] = self.game_id
        data["questionId"] = self.question_id
        if self.choice is not None:
            data["choice"] = self.choice
        if self.text is not None:
            data["text"] = self.text
        if self.order is not None:
            data["order"] = list(self.order)
        if self.number is not None:
            data["number"] = self.number
        if self.sent_at is not None:
            data["sentAt"] = self.sent_at
        return data

    def to_json(self) -> str:
        return _dumps(self.to_dict())


#: what a typed answer may carry before cleaning (the rules cut it to MAX_TEXT_ANSWER after)
MAX_RAW_TEXT = 4 * MAX_TEXT_ANSWER


def _answer_body(data: Mapping[str, Any]) -> dict[str, Any]:
    """The one answer field of the payload, checked for type and size (the rules judge it)."""
    given = [key for key in ("choice", "text", "order", "number") if data.get(key) is not None]
    if len(given) > 1:
        raise MessageError(
            f"an answer carries one of choice, text, order or number, got {', '.join(given)}"
        )
    key = given[0] if given else "choice"  # none: the classic answer's "choice is missing"
    if key == "choice":
        return {"choice": req_int(data, "choice", hi=MAX_CHOICES - 1)}
    if key == "text":
        # control characters are allowed in: the rules strip them (and refuse what is left empty)
        return {"text": req_str(data, "text", max_len=MAX_RAW_TEXT, min_len=0, shown=False)}
    if key == "order":
        items = req_list(data, "order", min_items=1, max_items=MAX_CHOICES)
        return {
            "order": tuple(
                check_int(v, f"order[{i}]", hi=MAX_CHOICES - 1) for i, v in enumerate(items)
            )
        }
    number = _opt_number(data, "number")
    return {"number": number}


def parse_answer(
    raw: object, *, game_id: str | None = None, max_bytes: int = MAX_ANSWER_BYTES
) -> AnswerMsg:
    """Strictly parse an answer published by a player.

    Payload at most ``max_bytes`` (2 KB); ``questionId`` a string id; exactly one of ``choice``
    (an integer 0-5), ``text`` (a string, at most :data:`MAX_RAW_TEXT` characters), ``order``
    (1-6 integers 0-5) or ``number`` (a finite number); ``sentAt`` an optional integer epoch ms;
    ``type`` if present must be ``"answer"``; ``gameId`` if present must match ``game_id`` (the
    channel's game). Unknown fields (including any ``playerId``: identity comes from auth) are
    ignored. Whether the answer fits the question is the rules' call
    (:func:`quizwire.answers.submit_answer`). Raises only :class:`MessageError`.
    """
    try:
        data = decode_object(raw, max_bytes=max_bytes, what="answer")
        kind = data.get("type")
        if kind is not None and kind != MessageType.ANSWER.value:
            raise MessageError(f"expected an 'answer' message, got type {kind!r}")
        payload_game = None if data.get("gameId") is None else _id(data, "gameId")
        if game_id is not None and payload_game is not None and payload_game != game_id:
            raise MessageError(f"answer is for game {payload_game!r}, not {game_id!r}")
        return AnswerMsg(
            question_id=_id(data, "questionId"),
            sent_at=opt_int(data, "sentAt"),
            game_id=payload_game or game_id,
            **_answer_body(data),
        )
    except MessageError:
        raise
    except Exception as exc:  # defensive: untrusted input must never crash a handler
        raise MessageError(f"malformed answer ({type(exc).__name__})") from exc


#: a presenter-stream name is shown literally (cleaned at render); this only bounds its size
_MAX_SHOWN_NAME = 200
_MAX_SHOWN_VALUE = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class PresenterAnswerMsg:
    """An accepted answer as the presenter's ``/answer/{gameId}`` stream carries it: what the
    ``onPublish`` handler (stub or Lambda) returns in place of the player's own payload.

    ``choice`` is the answer's bucket, None where it would give the right answer away (typed
    text, order); ``value`` is the literal typed answer (None for a choice type). Built by
    :func:`quizwire.answers.presenter_answer`, read by the console through :meth:`from_dict`.
    """

    TYPE: ClassVar[MessageType] = MessageType.ANSWER
    game_id: str
    player_id: str
    name: str
    question_id: str
    index: int
    choice: int | None
    value: str | None
    elapsed_ms: int
    received_at: int
    sent_at: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.TYPE.value,
            "gameId": self.game_id,
            "playerId": self.player_id,
            "name": self.name,
            "questionId": self.question_id,
            "index": self.index,
            "choice": self.choice,
            "value": self.value,
            "elapsedMs": self.elapsed_ms,
            "receivedAt": self.received_at,
            "sentAt": self.sent_at,
        }

    @classmethod
    def from_dict(cls, raw: object) -> PresenterAnswerMsg:
        """Parse one stream event. The name and value are untrusted text of any characters
        (shown literally by the console); only their size is bounded. Raises only
        :class:`MessageError`."""
        try:
            # an event the client already decoded was size-checked as a frame: not encoded again
            data = (
                raw
                if isinstance(raw, Mapping)
                else decode_object(raw, max_bytes=MAX_ANSWER_BYTES, what="answer event")
            )
            kind = data.get("type")
            if kind != cls.TYPE.value:
                raise MessageError(f"expected an 'answer' event, got type {kind!r}")
            return cls(
                game_id=_id(data, "gameId"),
                player_id=_id(data, "playerId"),
                name=req_str(data, "name", max_len=_MAX_SHOWN_NAME, shown=False),
                question_id=_id(data, "questionId"),
                index=req_int(data, "index", hi=_MAX_QUESTIONS),
                choice=opt_int(data, "choice", hi=MAX_CHOICES - 1),
                value=opt_str(data, "value", max_len=_MAX_SHOWN_VALUE, shown=False),
                elapsed_ms=req_int(data, "elapsedMs"),
                received_at=req_int(data, "receivedAt"),
                sent_at=opt_int(data, "sentAt"),
            )
        except MessageError:
            raise
        except Exception as exc:  # defensive: a hostile event must never crash the console
            raise MessageError(f"malformed answer event ({type(exc).__name__})") from exc


# --------------------------------------------------------------------------- ordering


class Freshness(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"  # same seq as the last one seen
    STALE = "stale"  # older than the last one seen


def freshness(seq: int, last_seen: int | None) -> Freshness:
    """Classify a message's ``seq`` against the last seq seen on its channel (None: none yet)."""
    if last_seen is None or seq > last_seen:
        return Freshness.NEW
    return Freshness.DUPLICATE if seq == last_seen else Freshness.STALE


class SeqTracker:
    """Client-side filter: remembers the last seq per (game, channel) and drops the rest.

    Keep one key per channel. After a rejoin snapshot, :meth:`seed` the broadcast channels with
    the snapshot's ``seq`` so nothing older than the snapshot is applied.
    """

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], int] = {}

    def check(self, game_id: str, channel: str, seq: int) -> Freshness:
        return freshness(seq, self._last.get((game_id, channel)))

    def accept(self, game_id: str, channel: str, seq: int) -> bool:
        """True (and remember ``seq``) if the message is new; False if stale or duplicate."""
        if self.check(game_id, channel, seq) is not Freshness.NEW:
            return False
        self._last[(game_id, channel)] = seq
        return True

    def seed(self, game_id: str, channel: str, seq: int) -> None:
        """Treat everything up to ``seq`` as seen (never moves backwards)."""
        key = (game_id, channel)
        self._last[key] = max(seq, self._last.get(key, seq))

    def last(self, game_id: str, channel: str) -> int | None:
        return self._last.get((game_id, channel))
