"""The presenter's view of a game (``GET /admin/games/{code}``), built once for the stub and the
Lambdas: each backend gathers what only it knows (public scores and ranks, who is connected,
the last reveal it announced) and this shapes it.

The view carries no histogram: while a question is open the console counts its answer stream,
reconciled with each row's ``lastAnswer`` (so one count exists, and the Lambda reads no answers
per poll); after the reveal the reveal's counts are the server's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quizwire.answers import presenter_fields
from quizwire.messages import LeaderboardEntry, PublicQuestion, TeamEntry
from quizwire.state import GameState, Phase, PlayerState, PlayerStatus

__all__ = ["PresenterRow", "last_answer_shown", "presenter_row", "presenter_view"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PresenterRow:
    """One player as the console's table shows them. ``connected`` is None where the backend
    cannot tell (AppSync on AWS)."""

    player_id: str
    name: str
    score: int
    correct_count: int
    rank: int | None
    last_answer: int | None
    last_value: str | None
    connected: bool | None
    status: PlayerStatus
    team: str | None = None
    extra_time: int = 0  # percent of the question's time limit, added for this player

    @property
    def answered(self) -> bool:
        return self.last_answer is not None or self.last_value is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "playerId": self.player_id,
            "name": self.name,
            "score": self.score,
            "correctCount": self.correct_count,
            "rank": self.rank,
            "lastAnswer": self.last_answer,
            "lastValue": self.last_value,
            "connected": self.connected,
            "status": self.status.value,
            "team": self.team,
            "extraTime": self.extra_time,
        }


def last_answer_shown(game: GameState, player: PlayerState) -> tuple[int | None, str | None]:
    """The player's answer to the current question as the presenter may see it: its bucket
    (None where it would give the answer away) and its literal value (typed questions)."""
    if player.answered_index != game.question_index or game.question is None:
        return None, None
    return presenter_fields(game.question, player.last_choice, player.last_value)


def presenter_row(
    game: GameState,
    player: PlayerState,
    *,
    score: int,
    correct_count: int,
    rank: int | None,
    connected: bool | None,
) -> PresenterRow:
    """``score``/``correct_count``/``rank`` are what the room may see (frozen while a question
    is open), not necessarily the row's own figures."""
    last_answer, last_value = last_answer_shown(game, player)
    return PresenterRow(
        player_id=player.player_id,
        name=player.name,
        score=score,
        correct_count=correct_count,
        rank=rank,
        last_answer=last_answer,
        last_value=last_value,
        connected=connected,
        status=player.status,
        team=player.team,
        extra_time=player.extra_time,
    )


def presenter_view(
    game: GameState,
    rows: Sequence[PresenterRow],
    *,
    reveal: Mapping[str, Any] | None,
    player_count: int,
    connected_count: int | None,
    leaderboard: Sequence[LeaderboardEntry],
    teams: Sequence[TeamEntry],
    server_time: int,
) -> dict[str, Any]:
    """The view's JSON. ``reveal`` is the last one announced (shown only once closed)."""
    is_open = game.phase is Phase.QUESTION_OPEN
    return {
        "gameId": game.game_id,
        "title": game.quiz.title,
        "phase": game.phase.value,
        "seq": game.seq,
        "index": game.question_index,
        "total": game.total_questions,
        "options": game.options.to_dict(),
        "locked": game.locked,
        "question": PublicQuestion.from_game(game).to_dict()
        if game.question is not None and game.phase is not Phase.LOBBY
        else None,
        "reveal": reveal if game.phase in (Phase.QUESTION_CLOSED, Phase.FINISHED) else None,
        "answered": sum(1 for row in rows if row.answered) if is_open else 0,
        "playerCount": player_count,
        "connectedCount": connected_count,
        "players": [row.to_dict() for row in rows],
        # the public board, with each player's last gain once a question is revealed
        "leaderboard": [entry.to_dict() for entry in leaderboard],
        # team mode: the team board (mean score of the members) and the declared names
        "teams": [team.to_dict() for team in teams],
        "teamNames": list(game.teams),
        "extraTimeMax": game.extra_time_max,
        "serverTime": server_time,
    }
