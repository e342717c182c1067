"""The rejoin snapshot: everything a (re)connecting client needs, without replaying messages.

Served over HTTP by the entry/rejoin API. Its ``seq`` is the game's current seq: clients seed
their :class:`~quizwire.messages.SeqTracker` for the broadcast channels with it, so any older
message still in flight is ignored. The correct answer appears only once the question is closed
(in ``reveal``), never while it is open.
"""

from __future__ import annotations

from collections.abc import Sequence

from quizwire.game import build_reveal, entries
from quizwire.leaderboard import TOP_N, Standing
from quizwire.messages import PlayerView, PublicQuestion, SnapshotMsg
from quizwire.players import current_streak
from quizwire.state import GameState, Phase, PlayerState
from quizwire.tally import Tally

__all__ = ["build_snapshot"]


def build_snapshot(
    game: GameState,
    now_ms: int,
    *,
    player: PlayerState | None,
    rank: int | None,
    standings: Sequence[Standing],
    tally: Tally | None = None,
) -> SnapshotMsg:
    """Snapshot of ``game`` for ``player`` (None for a spectator).

    ``tally`` (of the current question) is used only when the question is closed, to include the
    reveal; ``standings`` is the leaderboard, best first (top 10 are sent).
    """
    question = PublicQuestion.from_game(game) if game.phase is Phase.QUESTION_OPEN else None
    reveal = None
    if game.phase is Phase.QUESTION_CLOSED and tally is not None:
        try:
            reveal = build_reveal(game, tally, game.close_reason or "presenter")
        except ValueError:
            reveal = None  # a tally for another question: leave the reveal out
    you = None
    if player is not None:
        answered = player.answered_index == game.question_index and game.question_index >= 0
        you = PlayerView(
            player_id=player.player_id,
            name=player.name,
            total=player.score,
            streak=current_streak(player, game),
            rank=rank,
            answered=answered,
            choice=player.last_choice if answered else None,
        )
    return SnapshotMsg(
        game_id=game.game_id,
        seq=game.seq,
        ts=now_ms,
        phase=game.phase.value,
        title=game.quiz.title,
        total=game.total_questions,
        index=game.question_index,
        question=question,
        reveal=reveal,
        you=you,
        leaderboard=entries(standings, TOP_N),
    )
