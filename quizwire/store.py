"""The store contract every backend implements: SQLite in the stub, DynamoDB on AWS.

Records are the plain frozen dataclasses of :mod:`quizwire.state`. Writes that race are guarded by
the records' ``seq`` (optimistic locking): a ``save_*`` with a stale ``expected_seq`` returns
False and changes nothing. Calls are synchronous: both SQLite and a Lambda's DynamoDB client are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from quizwire.state import AnswerRecord, GameState, PlayerState


class NameTaken(Exception):
    """Another player of the game already has this nickname."""


class GameStore(Protocol):
    def create_game(self, game: GameState) -> None:
        """Insert a new game; raises ``KeyError`` if its id exists."""

    def load_game(self, game_id: str) -> GameState | None: ...

    def list_games(self) -> Sequence[GameState]: ...

    def save_game(self, game: GameState, expected_seq: int) -> bool:
        """Replace the game row if its stored ``seq`` is still ``expected_seq``."""

    def add_player(self, game_id: str, player: PlayerState, secret_hash: str) -> None:
        """Insert a player; raises :class:`NameTaken` if the nickname's key is in use."""

    def load_players(self, game_id: str) -> Sequence[PlayerState]: ...

    def secret_hash(self, game_id: str, player_id: str) -> str | None: ...

    def save_player(self, game_id: str, player: PlayerState, expected_seq: int) -> bool: ...

    def record_answer(
        self, game_id: str, player: PlayerState, expected_seq: int, record: AnswerRecord
    ) -> bool:
        """Atomically store an accepted answer and the player's new row. False (and nothing
        written) if the player row changed meanwhile or this question was already answered."""

    def load_answers(
        self, game_id: str, question_index: int | None = None
    ) -> Sequence[AnswerRecord]: ...

    def save_extra(self, game_id: str, key: str, value: Mapping[str, Any]) -> None:
        """Small per-game documents (last reveal, last leaderboard) for rejoin snapshots."""

    def load_extras(self, game_id: str) -> dict[str, dict[str, Any]]: ...
