"""The game state machine: presenter commands as pure functions (stdlib only).

Phases::

    lobby --start--> question_open --close--> question_closed --next--> question_open ...
                                                             \\--next (after the last)--> finished
    any phase but finished --end--> finished

Each command takes the current :class:`~quizwire.state.GameState` and ``now_ms`` (server time,
epoch ms: rules never read a clock) and returns a :class:`Step`: the new state plus the
:class:`Announcement` s to publish, in order. Each announcement takes the next ``seq`` from the
game, so persist ``step.game`` (conditionally on the old ``seq``, see :mod:`quizwire.state`)
before publishing. Illegal commands raise :class:`IllegalTransition` with a stable ``code`` and a
message for the presenter; the state is untouched.

Every question starts with a **get-ready phase** (``GameState.ready_ms``, default 3 s): the
``question`` message goes out at once with the text, the choices and ``opensAt``, the server time
at which answering opens (``shown + ready``). Clients show the text and a "get ready" countdown
and the choices only from ``opensAt``; the rules refuse an answer received before it
(``too_early``) and time answers from it, so no one gains by reading the choices early.

A question closes

- at its deadline (``opened_at + time limit``: ``opened_at`` is when the choices opened, server
  time): call :func:`due_close` on a timer
  or on any request, and :func:`close_question` with ``CloseReason.DEADLINE``;
- early on the presenter's word (reveal-now): ``CloseReason.PRESENTER``;
- when every connected player has answered (:func:`due_close` tells): ``CloseReason.ALL_ANSWERED``.

A question without a timer (``timer = false``) has no countdown: it closes on the presenter's
word or when everyone has answered; its ``deadline`` is only a safety net
(:data:`~quizwire.state.UNTIMED_CLOSE_MS` after its choices open). A timed question stays open
for the longest extra time the host gave a player (``GameState.extra_time_max``): each player's
own deadline is enforced when they answer (:mod:`quizwire.answers`).

Team mode: the leaderboard and the ``finished`` message carry the team board
(:func:`quizwire.teams.team_board`) when the caller passes it.

**``next`` while a question is open is refused** (code ``question_open``: "close the question
first"): skipping the reveal by accident would hide the answer and the results from the room. The
console offers reveal-now; ``end`` is the one command that closes an open question implicitly (it
still publishes the reveal before ``finished``). ``next`` after the last question finishes the
game and publishes the podium.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from quizwire import channels
from quizwire.kinds import Kind
from quizwire.leaderboard import PODIUM_PLACES, TOP_N, Standing
from quizwire.leaderboard import podium as podium_rows
from quizwire.messages import (
    Envelope,
    FinishedMsg,
    LeaderboardEntry,
    LeaderboardMsg,
    LobbyMsg,
    PublicQuestion,
    QuestionClosedMsg,
    QuestionMsg,
    Reveal,
    StartedMsg,
    TeamEntry,
)
from quizwire.quiz import Quiz
from quizwire.state import (
    MAX_EXTRA_TIME,
    UNTIMED_CLOSE_MS,
    CloseReason,
    FinishReason,
    GameOptions,
    GameState,
    Phase,
    question_id,
    with_extra_time,
)
from quizwire.tally import Tally
from quizwire.teams import TeamStanding

__all__ = [
    "PODIUM_SIZE",
    "Announcement",
    "IllegalTransition",
    "Step",
    "build_reveal",
    "check_can_join",
    "close_question",
    "due_close",
    "end_game",
    "entries",
    "leaderboard_update",
    "lobby_update",
    "new_game",
    "next_question",
    "set_extra_time_max",
    "set_locked",
    "start_game",
    "team_entries",
]

PODIUM_SIZE = PODIUM_PLACES


class IllegalTransition(ValueError):
    """A presenter command is not allowed in the current phase. ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Announcement:
    """A message to publish on a channel."""

    channel: str
    message: Envelope


@dataclass(frozen=True, slots=True)
class Step:
    """The result of a command: the new game state and what to publish, in order."""

    game: GameState
    announcements: tuple[Announcement, ...] = ()


class _Builder:
    """Allocates seqs from the game as messages are added."""

    def __init__(self, game: GameState, now_ms: int) -> None:
        self.game = game
        self.now = now_ms
        self.out: list[Announcement] = []

    def next_seq(self) -> int:
        self.game = replace(self.game, seq=self.game.seq + 1)
        return self.game.seq

    def add(self, channel: str, message: Envelope) -> None:
        self.out.append(Announcement(channel, message))

    def step(self) -> Step:
        return Step(self.game, tuple(self.out))


def new_game(
    game_id: str, quiz: Quiz, options: GameOptions | None = None, *, now_ms: int
) -> GameState:
    """A game in the lobby. ``game_id`` must be a valid channel segment."""
    if not channels.is_valid_segment(game_id):
        raise ValueError(f"game id {game_id!r} is not a valid channel segment")
    if not quiz.questions:
        raise ValueError("a game needs a quiz with at least one question")
    return GameState(
        game_id=game_id, quiz=quiz, options=options or GameOptions(), created_at=now_ms
    )


class JoinRefused(ValueError):
    """A new player may not join this game now: ``status`` for the entry API, stable ``code``,
    ``message`` for the player."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def check_can_join(game: GameState) -> None:
    """Raise :class:`JoinRefused` unless a new player may join ``game`` now."""
    if game.phase is Phase.FINISHED:
        raise JoinRefused(
            410,
            "finished",
            f"Game {game.game_id} has finished. Ask the host for the next game's code.",
        )
    if game.locked:
        raise JoinRefused(
            403, "locked", "The host has locked this game: it is not taking new players."
        )
    if not game.accepting_players:
        raise JoinRefused(
            409, "started", "This game has already started and is not taking new players."
        )


def set_locked(game: GameState, locked: bool, now_ms: int) -> Step:
    """Lock the game against new players, or open it again (any phase but finished)."""
    _require_not_finished(game)
    b = _Builder(replace(game, locked=locked), now_ms)
    b.next_seq()  # a state change like any other: stores save it against the seq they read
    return b.step()


def set_extra_time_max(game: GameState, extra_pct: int, now_ms: int) -> Step:
    """Record the largest extra time (percent) any active player has now: the next question
    opened stays open long enough for them (an open one keeps its deadline)."""
    _require_not_finished(game)
    if not 0 <= extra_pct <= MAX_EXTRA_TIME:
        raise ValueError(f"extra time must be 0-{MAX_EXTRA_TIME} percent, got {extra_pct}")
    b = _Builder(replace(game, extra_time_max=extra_pct), now_ms)
    b.next_seq()
    return b.step()


def team_entries(board: Sequence[TeamStanding]) -> tuple[TeamEntry, ...]:
    """The team board as wire entries."""
    return tuple(
        TeamEntry(name=t.name, score=t.score, rank=t.rank, members=t.members) for t in board
    )


def _question_label(game: GameState) -> str:
    return f"question {game.question_index + 1} of {game.total_questions}"


def _require_not_finished(game: GameState) -> None:
    if game.phase is Phase.FINISHED:
        raise IllegalTransition("game_over", "the game has already finished")


def _open(b: _Builder, index: int) -> None:
    g = b.game
    if g.timed(index):  # long enough for the player with the most extra time
        limit = with_extra_time(g.time_limit_ms(index), g.extra_time_max)
    else:
        limit = UNTIMED_CLOSE_MS
    opens_at = b.now + g.ready_ms  # shown now, answerable after the get-ready phase
    b.game = replace(
        g,
        phase=Phase.QUESTION_OPEN,
        question_index=index,
        opened_at=opens_at,
        deadline=opens_at + limit,
        closed_at=0,
        close_reason="",
    )
    seq = b.next_seq()
    public = PublicQuestion.from_game(b.game)
    b.add(
        channels.question_channel(g.game_id),
        QuestionMsg(game_id=g.game_id, seq=seq, ts=b.now, question=public),
    )


def build_reveal(game: GameState, tally: Tally, reason: str) -> Reveal:
    """The reveal of the game's current question from its ``tally``."""
    q = game.question
    if q is None:
        raise ValueError("the game has no current question")
    if tally.question_index != game.question_index or len(tally.counts) != q.tally_size:
        raise ValueError(
            f"tally is for question index {tally.question_index} with {len(tally.counts)} choices; "
            f"the current question is index {game.question_index} with {q.tally_size} choices"
        )
    return Reveal(
        kind=q.kind,
        accepted=q.accept,
        order=q.solution,
        number=q.target if q.kind is Kind.NUMBER else None,
        question_id=question_id(game.question_index),
        index=game.question_index,
        total=game.total_questions,
        reason=reason,
        correct=q.answer if q.answer >= 0 else None,
        counts=tally.counts,
        answered=tally.answered,
        fastest=tally.fastest,
    )


def _close(b: _Builder, reason: CloseReason, tally: Tally) -> None:
    g = b.game
    reveal = build_reveal(g, tally, reason.value)
    b.game = replace(g, phase=Phase.QUESTION_CLOSED, closed_at=b.now, close_reason=reason.value)
    seq = b.next_seq()
    b.add(
        channels.game_channel(g.game_id),
        QuestionClosedMsg(game_id=g.game_id, seq=seq, ts=b.now, reveal=reveal),
    )


def entries(
    standings: Sequence[Standing], n: int, game: GameState | None = None
) -> tuple[LeaderboardEntry, ...]:
    """The first ``n`` standings as wire entries.

    With ``game`` after a reveal, each entry says what the revealed question earned the player
    (``lastPoints``, 0 if they did not answer it): the "+850" of the leaderboard between
    questions. Never while a question is open: the points of an answer to the open question
    would tell the room who was right before the reveal.
    """
    index = _revealed_index(game)
    return tuple(
        LeaderboardEntry(
            player_id=s.player_id,
            name=s.name,
            score=s.score,
            rank=s.rank,
            last_points=None
            if index is None
            else (s.last_points if s.answered_index == index else 0),
        )
        for s in standings[:n]
    )


def _revealed_index(game: GameState | None) -> int | None:
    """The question whose points may be shown as the last gain, if any."""
    if game is None or game.question_index < 0:
        return None
    if game.phase in (Phase.QUESTION_CLOSED, Phase.FINISHED):
        return game.question_index
    return None


def _finish(
    b: _Builder,
    reason: FinishReason,
    podium: Sequence[Standing],
    teams: Sequence[TeamStanding] = (),
) -> None:
    g = b.game
    b.game = replace(g, phase=Phase.FINISHED, finished_at=b.now, finish_reason=reason.value)
    seq = b.next_seq()
    b.add(
        channels.game_channel(g.game_id),
        FinishedMsg(
            game_id=g.game_id,
            seq=seq,
            ts=b.now,
            reason=reason.value,
            podium=entries(podium_rows(podium), TOP_N, b.game),
            teams=team_entries(teams),
        ),
    )


def start_game(game: GameState, now_ms: int) -> Step:
    """Lobby -> first question open. Announces ``started`` then the first ``question``."""
    _require_not_finished(game)
    if game.phase is not Phase.LOBBY:
        raise IllegalTransition("already_started", "the game has already started: use next")
    b = _Builder(replace(game, started_at=now_ms), now_ms)
    seq = b.next_seq()
    b.add(
        channels.game_channel(game.game_id),
        StartedMsg(
            game_id=game.game_id,
            seq=seq,
            ts=now_ms,
            title=game.quiz.title,
            total=game.total_questions,
            speed_scoring=game.options.speed_scoring,
            streak_bonus=game.options.streak_bonus,
        ),
    )
    _open(b, 0)
    return b.step()


def next_question(
    game: GameState,
    now_ms: int,
    *,
    podium: Sequence[Standing] | None = None,
    teams: Sequence[TeamStanding] = (),
) -> Step:
    """Question closed -> next question open, or -> finished after the last question.

    ``podium`` (the leaderboard's top :data:`TOP_N`, best first; the podium rule of
    :func:`quizwire.leaderboard.podium` picks from it) is required when this
    finishes the game, i.e. when ``game.is_last_question``; so is ``teams`` (the team board) in
    team mode. Refused while a question is open.
    """
    _require_not_finished(game)
    if game.phase is Phase.LOBBY:
        raise IllegalTransition("not_started", "the game has not started yet: use start")
    if game.phase is Phase.QUESTION_OPEN:
        raise IllegalTransition(
            "question_open",
            f"{_question_label(game)} is still open: close it first (reveal now) "
            "or wait for its deadline",
        )
    b = _Builder(game, now_ms)
    if game.is_last_question:
        if podium is None:
            raise ValueError("next after the last question finishes the game: pass the podium")
        _finish(b, FinishReason.COMPLETED, podium, teams)
    else:
        _open(b, game.question_index + 1)
    return b.step()


def close_question(game: GameState, now_ms: int, *, reason: CloseReason, tally: Tally) -> Step:
    """Question open -> closed. Announces ``question_closed`` with the reveal built from ``tally``.

    ``reason`` DEADLINE is refused before the deadline (code ``before_deadline``).
    """
    _require_not_finished(game)
    if game.phase is not Phase.QUESTION_OPEN:
        raise IllegalTransition("no_open_question", "no question is open")
    if reason is CloseReason.DEADLINE and now_ms < game.deadline:
        raise IllegalTransition(
            "before_deadline",
            f"{_question_label(game)} is open for another {game.deadline - now_ms} ms",
        )
    b = _Builder(game, now_ms)
    _close(b, reason, tally)
    return b.step()


def end_game(
    game: GameState,
    now_ms: int,
    *,
    podium: Sequence[Standing],
    tally: Tally | None = None,
    teams: Sequence[TeamStanding] = (),
) -> Step:
    """Any phase but finished -> finished (reason ``ended``).

    If a question is open it is closed first (reason ``ended``; its answers count) and its
    reveal is announced before ``finished``: pass that question's ``tally``. ``podium`` as for
    :func:`next_question`.
    """
    _require_not_finished(game)
    b = _Builder(game, now_ms)
    if game.phase is Phase.QUESTION_OPEN:
        if tally is None:
            raise ValueError("a question is open: pass its tally so it can be revealed")
        _close(b, CloseReason.ENDED, tally)
    _finish(b, FinishReason.ENDED, podium, teams)
    return b.step()


def due_close(game: GameState, now_ms: int, *, answered: int, connected: int) -> CloseReason | None:
    """Should the open question close now, and why?

    ``answered``: accepted answers to the open question; ``connected``: active players currently
    connected. DEADLINE once ``now_ms >= deadline``; ALL_ANSWERED once every connected player has
    answered (and at least one is connected); otherwise None (also when no question is open).
    """
    if game.phase is not Phase.QUESTION_OPEN:
        return None
    if now_ms >= game.deadline:
        return CloseReason.DEADLINE
    if connected > 0 and answered >= connected:
        return CloseReason.ALL_ANSWERED
    return None


def lobby_update(game: GameState, now_ms: int, *, players: int) -> Step:
    """Announce the lobby's player count (coalesce: at most a few per second). Lobby only."""
    if game.phase is not Phase.LOBBY:
        raise IllegalTransition("not_in_lobby", "the game is no longer in the lobby")
    b = _Builder(game, now_ms)
    seq = b.next_seq()
    b.add(
        channels.game_channel(game.game_id),
        LobbyMsg(
            game_id=game.game_id,
            seq=seq,
            ts=now_ms,
            title=game.quiz.title,
            total=game.total_questions,
            players=players,
        ),
    )
    return b.step()


def leaderboard_update(
    game: GameState,
    now_ms: int,
    *,
    standings: Sequence[Standing],
    players: int,
    teams: Sequence[TeamStanding] = (),
) -> Step:
    """Announce the top-10 (``standings`` best first), the number of ranked players and, in
    team mode, the team board (``teams``).

    Allowed in every phase (the final leaderboard follows ``finished``). Coalesce calls: the
    architecture allows at most a few leaderboard messages per second.
    """
    b = _Builder(game, now_ms)
    seq = b.next_seq()
    b.add(
        channels.leaderboard_channel(game.game_id),
        LeaderboardMsg(
            game_id=game.game_id,
            seq=seq,
            ts=now_ms,
            entries=entries(standings, TOP_N, game),
            players=players,
            teams=team_entries(teams),
        ),
    )
    return b.step()
