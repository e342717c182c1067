"""The games still running on the presenter's backend (``GET /admin/games``), to resume one,
and the command that reattaches the console to a game."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from quizwire.channels import is_valid_segment
from quizwire.state import Phase


@dataclass(frozen=True, slots=True)
class RunningGame:
    code: str
    title: str
    phase: str
    players: int
    created_at: int


def running_games(listing: object) -> list[RunningGame]:
    """The not-finished games of a ``GET /admin/games`` answer, newest first. Entries that are
    not a game (a bad code, a missing field: the server's answer is not trusted) are skipped."""
    games = listing.get("games") if isinstance(listing, Mapping) else None
    found = []
    for raw in games if isinstance(games, list) else []:
        if not isinstance(raw, Mapping):
            continue
        code, phase = raw.get("gameId"), raw.get("phase")
        if not isinstance(code, str) or not is_valid_segment(code) or not isinstance(phase, str):
            continue
        if phase == Phase.FINISHED:
            continue
        title, players, created = raw.get("title"), raw.get("playerCount"), raw.get("createdAt")
        found.append(
            RunningGame(
                code,
                title if isinstance(title, str) else "",
                phase,
                players if isinstance(players, int) and not isinstance(players, bool) else 0,
                created if isinstance(created, int) and not isinstance(created, bool) else 0,
            )
        )
    return sorted(found, key=lambda g: -g.created_at)


def reattach_command(code: str, profile: str) -> str:
    """``quizwire host --game CODE`` (with ``--profile P`` unless it is the default one)."""
    command = f"quizwire host --game {code}"
    return command if profile == "local" else f"{command} --profile {profile}"
