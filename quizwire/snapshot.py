"""The rejoin snapshot: everything a (re)connecting client needs, without replaying messages.

Served over HTTP by the entry/rejoin API. Its ``seq`` is the game's current seq: clients seed
their :class:`~quizwire.messages.SeqTracker` for the broadcast channels with it, so any older
message still in flight is ignored. The correct answer appears only once the question is closed
(in ``reveal``), never while it is open.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from quizwire.answers import revealed_answer
from quizwire.fields import MessageError
from quizwire.game import build_reveal, entries
from quizwire.leaderboard import TOP_N, Standing
from quizwire.messages import (
    PlayerView,
    PublicQuestion,
    Reveal,
    SnapshotMsg,
    TeamEntry,
    parse_teams,
)
from quizwire.players import current_streak
from quizwire.state import GameState, Phase, PlayerState
from quizwire.tally import Tally

__all__ = ["build_snapshot", "player_view", "published_teams"]


def published_teams(leaderboard: Mapping[str, Any] | None) -> tuple[TeamEntry, ...]:
    """The team board of the last leaderboard announced (what a snapshot shows: as public as
    the board the room saw, and one read whatever the number of players)."""
    if leaderboard is None:
        return ()
    try:
        return parse_teams(leaderboard)
    except MessageError:
        return ()


def player_view(
    game: GameState,
    player: PlayerState,
    *,
    rank: int | None,
    total: int | None = None,
    streak: int | None = None,
) -> PlayerView:
    """What a player may see of themselves. ``total``/``streak`` override the live values when
    the room sees frozen standings (while a question is open)."""
    answered = player.answered_index == game.question_index and game.question_index >= 0
    # the result only once the answer is public (a closed question): never while it is open
    scored = answered and game.phase in (Phase.QUESTION_CLOSED, Phase.FINISHED)
    choice, value = revealed_answer(game.question, player)
    return PlayerView(
        player_id=player.player_id,
        name=player.name,
        total=player.score if total is None else total,
        streak=current_streak(player, game) if streak is None else streak,
        rank=rank,
        answered=answered,
        choice=choice if answered else None,
        correct=player.last_correct if scored else None,
        points=player.last_points if scored else None,
        bonus=player.last_bonus if scored else None,
        value=value if answered else None,
        team=player.team,
        extra_time=player.extra_time,
    )


def build_snapshot(
    game: GameState,
    now_ms: int,
    *,
    you: PlayerView | None,
    standings: Sequence[Standing],
    players: int,
    reveal: Reveal | None = None,
    tally: Tally | None = None,
    teams: tuple[TeamEntry, ...] = (),
) -> SnapshotMsg:
    """Snapshot of ``game`` for the player ``you`` (None for a spectator).

    ``reveal`` is the last reveal the backend announced; without it, ``tally`` (of the current
    question) rebuilds it while the question is closed. ``standings`` is the leaderboard, best
    first (top 10 are sent); ``players`` the number of players in the game; ``teams`` the team
    board in team mode (as public as ``standings``: frozen while a question is open).
    """
    # the current question while open, and after its close (its answer is public by then): a
    # player who comes back to a closed question sees what it was and what they missed
    showing = game.phase in (Phase.QUESTION_OPEN, Phase.QUESTION_CLOSED)
    question = PublicQuestion.from_game(game) if showing else None
    if game.phase not in (Phase.QUESTION_CLOSED, Phase.FINISHED):
        reveal = None  # only a closed question has a reveal; an open one never shows its answer
    elif reveal is None and game.phase is Phase.QUESTION_CLOSED and tally is not None:
        try:
            reveal = build_reveal(game, tally, game.close_reason or "presenter")
        except ValueError:
            reveal = None  # a tally for another question: leave the reveal out
    return SnapshotMsg(
        game_id=game.game_id,
        seq=game.seq,
        ts=now_ms,
        phase=game.phase,
        title=game.quiz.title,
        total=game.total_questions,
        index=game.question_index,
        question=question,
        reveal=reveal,
        you=you,
        leaderboard=entries(standings, TOP_N, game),
        players=players,
        teams=teams,
    )
