"""What the app needs of a player session, and the factory that builds the real one.

The app only talks to :class:`Session` (:class:`AppPlayerSession`, built on
``quizwire.client.player.PlayerSession``, satisfies it), so tests can hand it a scripted fake
for snapshots while Pilot tests use a real stub.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from eventapi import ConnectionState
from player.name_scoped import NameScoped
from player.target import Target
from quizwire.client.game_api import EntryClient, GameApiError
from quizwire.client.game_api import OnRetry as EntryOnRetry
from quizwire.client.player import CredentialStore, PlayerSession, SavedPlayer
from quizwire.play_model import PlayerModel
from quizwire.state import Phase
from quizwire.teams import MAX_TEAM_NAME_LEN, MAX_TEAMS
from quizwire.text import clean

__all__ = [
    "AppPlayerSession",
    "OnRetry",
    "OnState",
    "Session",
    "SessionFactory",
    "real_sessions",
    "team_names",
]

log = logging.getLogger("quizwire.player")

OnState = Callable[[ConnectionState], None]
OnRetry = EntryOnRetry  # (attempt, error, seconds until the next attempt)


class Session(Protocol):
    rejoined: bool
    model: PlayerModel | None
    #: set when the server says this player is no longer in the game (kicked or banned)
    removed: str | None

    @property
    def state(self) -> ConnectionState: ...

    async def join(self, code: str, name: str, team: str | None = None) -> SavedPlayer: ...
    async def connect(self) -> PlayerModel: ...
    def pump(self) -> bool: ...
    async def answer(self, choice: int) -> str | None: ...
    async def send_answer(self, fields: Mapping[str, Any]) -> str | None:
        """Send a typed answer (``{"text": ...}``, ``{"order": [...]}``, ``{"number": ...}``)."""
        ...

    async def check_standing(self) -> str | None:
        """Ask the server whether we are still in the game; the reason if not (sets removed)."""
        ...

    async def close(self) -> None: ...


class SessionFactory(Protocol):
    """Builds a session; ``on_state`` sees connection changes, ``on_retry`` entry 429 retries."""

    credentials: CredentialStore

    def __call__(self, on_state: OnState, on_retry: OnRetry) -> Session: ...

    async def running_game(self) -> SavedPlayer | None:
        """The game this player was last in on this target, if it is still running."""
        ...

    async def game_teams(self, code: str) -> list[str]:
        """The teams of game ``code`` (empty: no team mode). Raises GameApiError."""
        ...


class AppPlayerSession(PlayerSession):
    """A :class:`PlayerSession` that notices removal (kick/ban) instead of failing a resync.

    A resync after a reconnect runs as a background task: a 401/403 there means the host removed
    this player, which the app must show rather than lose in an unretrieved task exception.
    """

    removed: str | None = None
    _synced = False

    async def join(self, code: str, name: str, team: str | None = None) -> SavedPlayer:
        """Join, or rejoin with the credential saved for this game *and this nickname*."""
        store = self.credentials
        self.credentials = NameScoped(store, name)
        try:
            return await super().join(code, name, team)
        finally:
            self.credentials = store

    async def resync(self) -> None:
        try:
            await super().resync()
        except GameApiError as exc:
            if exc.status in (401, 403):
                self.removed = exc.message
                return
            if not self._synced:
                raise  # the first sync is part of connecting: let the caller explain it
            log.warning("resync failed: %s", exc.message)
            return
        except ValueError as exc:  # a body that is not JSON: keep the live state
            if not self._synced:
                raise
            log.warning("resync failed: %s", exc)
            return
        self._synced = True

    async def check_standing(self) -> str | None:
        saved = self.saved
        if saved is None or self.removed is not None:
            return self.removed
        try:
            await self.entry.state(saved.game_id, saved.token)
        except GameApiError as exc:
            if exc.status in (401, 403):
                self.removed = exc.message
        except ValueError:
            pass  # an unreadable answer says nothing about our standing
        return self.removed


class RealSessions:
    """Sessions against a real target (the stub or AWS)."""

    def __init__(
        self,
        target: Target,
        *,
        credentials_root: Path | None = None,
        backoff: float = 0.25,
        reconnect: Any = None,
        give_up_after_s: float = 30.0,
    ) -> None:
        self.target = target
        self.credentials = CredentialStore(credentials_root)
        self.backoff = backoff
        self.reconnect = reconnect
        self.give_up_after_s = give_up_after_s  # of an unreachable server (not of a busy one)

    def _entry(self, on_retry: OnRetry | None = None) -> EntryClient:
        return EntryClient(
            self.target.game_api,
            backoff=self.backoff,
            on_retry=on_retry,
            max_unreachable_wait=self.give_up_after_s,
        )

    def __call__(self, on_state: OnState, on_retry: OnRetry) -> Session:
        return AppPlayerSession(
            http_endpoint=self.target.http_endpoint,
            game_api=self.target.game_api,
            realtime_endpoint=self.target.realtime_endpoint,
            credentials=self.credentials,
            entry=self._entry(on_retry),
            on_state=on_state,
            reconnect=self.reconnect,
        )

    async def game_teams(self, code: str) -> list[str]:
        entry = self._entry()
        try:
            info = await entry.get_game(code)
        finally:
            await entry.close()
        return team_names(info)

    async def running_game(self) -> SavedPlayer | None:
        saved = self.credentials.latest(self.target.http_endpoint)
        if saved is None:
            return None
        entry = EntryClient(self.target.game_api, backoff=self.backoff, max_attempts=3)
        try:
            info = await entry.get_game(saved.game_id)
            await entry.state(saved.game_id, saved.token)
        except GameApiError:
            return None
        finally:
            await entry.close()
        return None if info.get("phase") == Phase.FINISHED else saved


def team_names(info: object) -> list[str]:
    """The team names of a ``GET /games/{code}`` answer, cleaned (a server may send anything:
    only strings, shown literally, at most 8)."""
    raw = info.get("teams") if isinstance(info, dict) else None
    if not isinstance(raw, list):
        return []
    return [clean(t, MAX_TEAM_NAME_LEN) for t in raw[:MAX_TEAMS] if isinstance(t, str) and t]


def real_sessions(target: Target, **kwargs: Any) -> SessionFactory:
    return RealSessions(target, **kwargs)
