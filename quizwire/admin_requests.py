"""Reading the presenter's ``POST /admin/games`` body (docs/game-api.md), for every backend:
the stub's aiohttp API and the deployed admin Lambda answer it with the same codes and words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quizwire.packs import load_pack, pack_names
from quizwire.player_tokens import PlayerCredential
from quizwire.quiz import Quiz, QuizError, parse_quiz
from quizwire.state import GameOptions, OptionsError, PlayerState


class BadCreate(ValueError):
    """A refused create request: ``code`` is ``bad_quiz`` or ``bad_options`` (HTTP 400)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_create(body: Mapping[str, Any]) -> tuple[Quiz, GameOptions]:
    """``{"pack": NAME}`` or ``{"quiz": QUIZ}``, with optional ``"options"``."""
    if "pack" in body:
        name = body["pack"]
        if not isinstance(name, str) or name not in pack_names():
            raise BadCreate("bad_quiz", f"Unknown pack {name!r}; packs: {', '.join(pack_names())}.")
        quiz = load_pack(name)
    elif "quiz" in body:
        try:
            quiz = parse_quiz(body["quiz"], source="quiz")
        except QuizError as exc:
            raise BadCreate("bad_quiz", str(exc)) from None
    else:
        raise BadCreate("bad_quiz", "Send a bundled pack name ('pack') or a quiz ('quiz').")
    try:
        options = GameOptions.from_dict(body.get("options") or {})
    except OptionsError as exc:
        raise BadCreate("bad_options", str(exc)) from None
    return quiz, options


def join_response(credential: PlayerCredential, player: PlayerState) -> dict[str, Any]:
    """The body of a successful join (``201``): the credential, the name as cleaned and, in
    team mode, the team the player is in."""
    body: dict[str, Any] = {
        "gameId": credential.game_id,
        "playerId": credential.player_id,
        "name": player.name,
        "secret": credential.secret,
        "token": credential.token,
    }
    if player.team:
        body["team"] = player.team
    return body


def player_settings(player: PlayerState) -> dict[str, Any]:
    """The answer to the host's extra-time request: who, and their settings now."""
    return {
        "playerId": player.player_id,
        "name": player.name,
        "team": player.team,
        "extraTime": player.extra_time,
        "status": player.status.value,
    }
