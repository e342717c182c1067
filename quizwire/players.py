"""Joining, rejoining and removing players (pure, stdlib only).

- A new player may join in the lobby, and after the start if the game's ``late_join`` option is
  on (they score from the next answer on); nobody joins a finished game.
- A player who comes back with the same credential (same ``player_id``) *rejoins*: same name,
  same score. The nickname is only checked for new players.
- ``kick`` removes a player (answers refused, off the leaderboard, cannot rejoin) until
  ``readmit``, after which the same credential rejoins with the score kept; ``ban`` is
  permanent.

Team mode: a newcomer goes to the team they named or, without one, to the smallest team
(:func:`assign_team`, rules in :mod:`quizwire.teams`). Extra time: the host gives a player a
percentage more of every time limit (:func:`set_extra_time`); the game row keeps the largest
one among active players (:func:`extra_time_max`) so questions stay open long enough.

The store must make the name unique atomically: keep :func:`quizwire.names.name_key` of every
player's name under a unique constraint and retry/refuse with ``name_taken`` if it loses a race.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, replace

from quizwire.messages import PlayerInfoMsg, ScoreMsg
from quizwire.names import NicknameError, check_nickname
from quizwire.refusals import Refusal, RefusalCode
from quizwire.state import GameState, Phase, PlayerState, PlayerStatus, extra_time_problem
from quizwire.teams import choose_team, team_counts

__all__ = [
    "REMOVED_TEXT",
    "ExtraTimeRefused",
    "JoinResult",
    "StatusRefused",
    "assign_team",
    "ban",
    "check_join",
    "current_streak",
    "extra_time_max",
    "info_notice",
    "join",
    "kick",
    "readmit",
    "removal_notice",
    "removed_code",
    "removed_text",
    "row_before_answer",
    "set_extra_time",
    "set_status",
]

_NAME_CODES = {
    "empty": RefusalCode.NAME_EMPTY,
    "too_long": RefusalCode.NAME_TOO_LONG,
    "bad_char": RefusalCode.NAME_BAD_CHAR,
    "taken": RefusalCode.NAME_TAKEN,
}


@dataclass(frozen=True, slots=True)
class JoinResult:
    """``player`` (new or existing row) when allowed, else ``refusal``."""

    player: PlayerState | None
    refusal: Refusal | None = None
    rejoined: bool = False

    @property
    def ok(self) -> bool:
        return self.refusal is None


def check_join(game: GameState, existing: PlayerState | None) -> Refusal | None:
    """Whether this player (``existing`` row or None for a newcomer) may (re)join ``game``."""
    if game.phase is Phase.FINISHED:
        return Refusal(RefusalCode.GAME_OVER, "This game has finished.")
    if existing is not None:
        if existing.status is PlayerStatus.BANNED:
            return Refusal(RefusalCode.BANNED, "You have been banned from this game.")
        if existing.status is PlayerStatus.KICKED:
            return Refusal(
                RefusalCode.NOT_IN_GAME, "You were removed from this game by the presenter."
            )
        return None
    if game.phase is not Phase.LOBBY and not game.options.late_join:
        return Refusal(
            RefusalCode.LATE_JOIN_CLOSED,
            "This game has already started and is closed to new players.",
        )
    return None


def join(
    game: GameState,
    *,
    player_id: str,
    name: str,
    taken: Container[str],
    join_order: int,
    now_ms: int,
    existing: PlayerState | None = None,
    team: str = "",
) -> JoinResult:
    """Admit a new player or a returning one.

    ``taken`` holds the :func:`~quizwire.names.name_key` of every name already in the game;
    ``join_order`` is any increasing number the store assigns (a counter, or ``now_ms``); it is
    the final leaderboard tie-break; ``team`` the newcomer's team (see :func:`assign_team`).
    """
    refusal = check_join(game, existing)
    if refusal is not None:
        return JoinResult(None, refusal)
    if existing is not None:
        if existing.player_id != player_id:
            raise ValueError(f"player row {existing.player_id!r} is not player {player_id!r}")
        return JoinResult(existing, rejoined=True)
    try:
        clean = check_nickname(name, taken)
    except NicknameError as err:
        return JoinResult(
            None, Refusal(_NAME_CODES.get(err.code, RefusalCode.NAME_BAD_CHAR), err.message)
        )
    return JoinResult(
        PlayerState(
            player_id=player_id, name=clean, join_order=join_order, joined_at=now_ms, team=team
        )
    )


def assign_team(game: GameState, requested: object, players: Iterable[PlayerState]) -> str:
    """The team of a player joining ``game`` now ("" without team mode): the one they asked
    for, else the smallest among ``players`` (active members counted). Raises
    :class:`quizwire.teams.TeamError` for an unknown team or a team in a game without teams."""
    teams = game.teams
    counts = team_counts(teams, players) if teams and not requested else {}
    return choose_team(teams, requested, counts)


class ExtraTimeRefused(ValueError):
    """Extra time the rules do not allow (``code`` is stable, the text is for people)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def set_extra_time(player: PlayerState, percent: object) -> PlayerState:
    """The host gives ``player`` ``percent`` % more of every time limit (0 takes it away)."""
    problem = extra_time_problem(percent)
    if problem is not None:
        raise ExtraTimeRefused("bad_extra_time", problem[:1].upper() + problem[1:] + ".")
    assert isinstance(percent, int)
    if not player.active:
        raise ExtraTimeRefused("not_active", f"{player.name} is not in the game.")
    return replace(player, extra_time=percent, seq=player.seq + 1)


def extra_time_max(players: Iterable[PlayerState]) -> int:
    """The largest extra time among active players (0 if none has any)."""
    return max((p.extra_time for p in players if p.active), default=0)


def info_notice(game_id: str, player: PlayerState, now_ms: int) -> PlayerInfoMsg:
    """The player's own settings for their scores channel (its numbering: twice the row
    version, like every receipt), sent when the host changes them."""
    return PlayerInfoMsg(
        game_id=game_id,
        seq=2 * player.seq,
        ts=now_ms,
        player_id=player.player_id,
        team=player.team,
        extra_time=player.extra_time,
    )


class StatusRefused(ValueError):
    """A status change the rules do not allow (``code`` is stable, the text is for people)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def set_status(player: PlayerState, status: PlayerStatus) -> PlayerState:
    """The presenter's kick / ban / readmit; a ban is for good."""
    if player.status is PlayerStatus.BANNED and status is not PlayerStatus.BANNED:
        raise StatusRefused("banned", f"{player.name} is banned from this game for good.")
    return replace(player, status=status, seq=player.seq + 1)


REMOVED_TEXT = {
    PlayerStatus.KICKED: "The host removed you from this game.",
    PlayerStatus.BANNED: "The host removed you from this game for good.",
}


def removed_text(player: PlayerState) -> str:
    return REMOVED_TEXT.get(player.status, REMOVED_TEXT[PlayerStatus.KICKED])


def removed_code(player: PlayerState) -> str:
    """The refusal code of a removed player's request: ``banned`` is final (the player's app
    may forget its credential), ``kicked`` is not (a readmit lets the same credential back)."""
    return "banned" if player.status is PlayerStatus.BANNED else "kicked"


def removal_notice(game_id: str, player: PlayerState, now_ms: int) -> ScoreMsg | None:
    """What a removed player reads on their own scores channel at once (None if still in):
    without it they would only find out on their next answer or reconnect."""
    text = REMOVED_TEXT.get(player.status)
    if text is None:
        return None
    code = RefusalCode.BANNED if player.status is PlayerStatus.BANNED else RefusalCode.NOT_IN_GAME
    return ScoreMsg(
        game_id=game_id,
        # the scores channel counts twice the row version (+1 for a result at the reveal):
        # the row's own seq would sort below a result already sent, and be dropped as old
        seq=2 * player.seq,
        ts=now_ms,
        player_id=player.player_id,
        question_id=None,
        index=None,
        accepted=False,
        correct=None,
        choice=None,
        points=0,
        bonus=0,
        total=player.score,
        streak=0,
        rank=None,
        refusal_code=code.value,
        refusal_message=text,
    )


def kick(player: PlayerState) -> PlayerState:
    """Remove a player from the game (reversible with :func:`readmit`); a banned one stays."""
    try:
        return set_status(player, PlayerStatus.KICKED)
    except StatusRefused:
        return player


def ban(player: PlayerState) -> PlayerState:
    """Remove a player for good."""
    return set_status(player, PlayerStatus.BANNED)


def readmit(player: PlayerState) -> PlayerState:
    """Undo a kick (not a ban); the player keeps their score."""
    if player.status is not PlayerStatus.KICKED:
        return player
    return set_status(player, PlayerStatus.ACTIVE)


def current_streak(player: PlayerState, game: GameState) -> int:
    """The player's live streak: 0 if they missed a question since their last answer.

    (The stored ``streak`` only changes when the player answers; a skipped question resets it.)
    """
    if player.answered_index == game.question_index:
        return player.streak
    if game.phase is Phase.QUESTION_OPEN and player.answered_index == game.question_index - 1:
        return player.streak
    return 0


def row_before_answer(player: PlayerState, index: int) -> PlayerState:
    """The player's row as it was before they answered question ``index`` (if they did).

    While a question is open the room sees these rows (score, streak, rank as at the question's
    opening): a score that moved would tell everyone who was right.
    """
    if player.answered_index != index or index < 0:
        return player
    return replace(
        player,
        score=player.score - player.last_points,
        correct_count=player.correct_count - (1 if player.last_correct else 0),
        correct_ms=player.correct_ms - player.last_ms,
        streak=player.prior_streak,
    )
