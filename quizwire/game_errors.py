"""The refusals of the entry and admin APIs, the same from the stub and the Lambdas: an HTTP
``status``, a stable ``code`` clients switch on, and a ``message`` fit to show a person."""

from __future__ import annotations

__all__ = [
    "GameError",
    "bad_credential",
    "bad_transition",
    "game_conflict",
    "no_code",
    "no_player",
    "not_found",
    "player_conflict",
]


class GameError(Exception):
    """A refusal for the entry or admin API: ``status``, stable ``code``, human ``message``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def not_found(code: str) -> GameError:
    return GameError(
        404, "not_found", f"There is no game with code {code}. Check the code and try again."
    )


def bad_credential() -> GameError:
    return GameError(401, "bad_credential", "Your player credential is not valid for this game.")


def no_player(game_id: str, player_id: str) -> GameError:
    return GameError(404, "no_player", f"No player {player_id} in game {game_id}.")


def no_code() -> GameError:
    return GameError(503, "no_code", "Could not allocate a game code; try again.")


def bad_transition(message: str) -> GameError:
    return GameError(409, "bad_transition", message)


def game_conflict() -> GameError:
    """A conditional write lost to another writer: the caller may simply try again."""
    return GameError(409, "conflict", "The game changed meanwhile; try again.")


def player_conflict() -> GameError:
    return GameError(409, "conflict", "The player changed meanwhile; try again.")
