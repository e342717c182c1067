"""Where the player connects: from ``--endpoint``/``--game-api`` or from a profile."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

__all__ = ["Target", "TargetError", "resolve_target"]


class TargetError(Exception):
    """The target could not be resolved; ``str()`` says what to do."""


@dataclass(frozen=True, slots=True)
class Target:
    http_endpoint: str  # the Event API's HTTP endpoint (…/event)
    game_api: str  # the entry API base URL
    realtime_endpoint: str | None = None
    label: str = ""  # what the join screen says ("profile local", or the URL)


def game_api_from_endpoint(endpoint: str) -> str:
    """``http://host:8787/event`` -> ``http://host:8787`` (the stub serves both there)."""
    base = endpoint.rstrip("/")
    return base[: -len("/event")] if base.endswith("/event") else base


def resolve_target(args: argparse.Namespace) -> Target:
    """``--endpoint`` (game API derived unless ``--game-api``), else the ``--profile``."""
    endpoint: str | None = getattr(args, "endpoint", None)
    game_api: str | None = getattr(args, "game_api", None)
    if endpoint:
        if not endpoint.startswith(("http://", "https://")):
            raise TargetError(
                f"--endpoint must be the Event API's http(s) URL, e.g. http://host:8787/event "
                f"(got {endpoint!r})"
            )
        return Target(
            http_endpoint=endpoint,
            game_api=(game_api or game_api_from_endpoint(endpoint)).rstrip("/"),
            label=endpoint,
        )
    from quizwire.profiles import ProfileError, get_profile

    name: str = getattr(args, "profile", None) or "local"
    try:
        profile = get_profile(name)
    except ProfileError as exc:
        if name == "local":
            raise TargetError(
                "no profile 'local' — start `quizwire stub` first or pass --endpoint URL"
            ) from exc
        raise TargetError(f"{exc} — create it with `quizwire profile` or pass --endpoint") from exc
    api = game_api or profile.game_api or game_api_from_endpoint(profile.http_endpoint)
    return Target(
        http_endpoint=profile.http_endpoint,
        game_api=api.rstrip("/"),
        realtime_endpoint=profile.realtime_endpoint,
        label=f"profile {name}",
    )
