"""Channel names for one game (see docs/architecture.md, "Channels and who may use them").

=========================================  ===================================================
``/game/{gameId}``                          lifecycle: lobby, started, question_closed, finished
``/question/{gameId}``                      the open question (never the answer)
``/answer/{gameId}``                        answers published by players
``/scores/{gameId}/{playerId}``             one player's results
``/leaderboard/{gameId}``                   top-10
=========================================  ===================================================

Game and player ids must be valid AppSync channel segments: 1-50 characters of
``[A-Za-z0-9-]``, not starting or ending with ``-`` (a UUID fits). This is *the* id format:
clients check every id they are given or sent with :func:`valid_id` before it becomes a
channel, a URL path or a file name (so no id can be ``../..``).
"""

from __future__ import annotations

import random
import re
from enum import StrEnum

__all__ = [
    "GAME_ID_ALPHABET",
    "Namespace",
    "answer_channel",
    "game_channel",
    "is_valid_segment",
    "leaderboard_channel",
    "new_game_id",
    "parse_channel",
    "question_channel",
    "scores_channel",
    "valid_id",
]

_SEGMENT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?")
#: Unambiguous upper-case letters and digits (no 0/O, 1/I/L) for short, typeable game codes.
GAME_ID_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class Namespace(StrEnum):
    GAME = "game"
    QUESTION = "question"
    ANSWER = "answer"
    SCORES = "scores"
    LEADERBOARD = "leaderboard"


def is_valid_segment(value: str) -> bool:
    """True if ``value`` can be one channel segment."""
    return isinstance(value, str) and _SEGMENT.fullmatch(value) is not None


def valid_id(value: object, what: str) -> str:
    """``value`` if it is a valid game or player id (one channel segment), else ValueError."""
    if not isinstance(value, str) or not is_valid_segment(value):
        raise ValueError(
            f"{what} {value!r} is not a valid channel segment "
            "(1-50 letters, digits or '-', not starting or ending with '-')"
        )
    return value


def game_channel(game_id: str) -> str:
    return f"/{Namespace.GAME}/{valid_id(game_id, 'game id')}"


def question_channel(game_id: str) -> str:
    return f"/{Namespace.QUESTION}/{valid_id(game_id, 'game id')}"


def answer_channel(game_id: str) -> str:
    return f"/{Namespace.ANSWER}/{valid_id(game_id, 'game id')}"


def leaderboard_channel(game_id: str) -> str:
    return f"/{Namespace.LEADERBOARD}/{valid_id(game_id, 'game id')}"


def scores_channel(game_id: str, player_id: str) -> str:
    return f"/{Namespace.SCORES}/{valid_id(game_id, 'game id')}/{valid_id(player_id, 'player id')}"


def parse_channel(path: str) -> tuple[Namespace, str, str | None]:
    """Split a game channel into ``(namespace, game_id, player_id or None)``.

    Accepts an optional leading/trailing ``/``. Raises ValueError for anything that is not one
    of the five game channels.
    """
    parts = path.strip("/").split("/") if isinstance(path, str) else []
    try:
        ns = Namespace(parts[0]) if parts else None
    except ValueError:
        ns = None
    expected = 3 if ns is Namespace.SCORES else 2
    if ns is None or len(parts) != expected or not all(is_valid_segment(p) for p in parts):
        raise ValueError(f"not a game channel: {path!r}")
    return ns, parts[1], parts[2] if ns is Namespace.SCORES else None


def new_game_id(rng: random.Random | int | None = None, length: int = 6) -> str:
    """A short code players can type, e.g. ``"K7QX2M"``; pass a Random/seed for tests.

    The service must still check it is not in use (about 887 million 6-character codes).
    """
    r = rng if isinstance(rng, random.Random) else random.Random(rng)
    return "".join(r.choice(GAME_ID_ALPHABET) for _ in range(length))
