"""Where the console's data comes from: a :class:`Source` (injectable, so tests and snapshots
can drive the app with a fake one and a frozen clock).

:class:`LiveSource` talks to a real backend: the admin API (SigV4) for commands and the 1 Hz
view, and one Event API WebSocket (IAM) subscribed to ``/game``, ``/question``,
``/leaderboard`` and ``/answer``. Events wait in the subscriptions' bounded buffers until the
UI drains them on its timer — never one UI message per event.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from quizwire.clock import wall_ms
from quizwire.join_points import JoinPoints, read_join_points
from quizwire.profiles import Profile

#: ``(channel kind, payload, local receive ms)``; kind is game/question/leaderboard/answer.
Incoming = tuple[str, Any, int]
CHANNEL_KINDS = ("game", "question", "leaderboard", "answer")
ANSWER_BUFFER = 200_000  # answers held between two UI drains (5k/s x 40 s of a stalled UI)



class SourceError(Exception):
    """A refusal or failure, with a message for the presenter (``code`` as in the game API)."""

    def __init__(self, code: str, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(slots=True)
class LinkStats:
    state: str = "closed"
    reconnects: int = 0
    errors: int = 0
    dropped: int = 0
    last_error: str = ""
    notes: list[str] = field(default_factory=list)


class Source(Protocol):
    """Everything the console does to the outside world."""

    @property
    def stats(self) -> LinkStats: ...

    def describe(self) -> str: ...

    def player_command(self, code: str) -> str: ...

    def join_points(self) -> JoinPoints | None:
        """A running ``quizwire gateway`` for this target: its SSH command and URL."""
        ...

    @property
    def has_metrics(self) -> bool: ...

    async def create_game(
        self, *, pack: str | None, quiz: dict[str, Any] | None, options: dict[str, Any]
    ) -> dict[str, Any]: ...

    async def view(self, code: str) -> dict[str, Any]: ...

    async def list_games(self) -> dict[str, Any]:
        """``GET /admin/games``: ``{"games": [...], "packs": [...]}``."""
        ...

    async def command(self, code: str, command: str) -> dict[str, Any]: ...

    async def player_action(self, code: str, player_id: str, action: str) -> dict[str, Any]: ...

    async def extra_time(self, code: str, player_id: str, percent: int) -> dict[str, Any]: ...

    async def results(self, code: str, fmt: str) -> str: ...

    async def metrics(self) -> str: ...

    async def attach(self, code: str) -> None: ...

    def drain(self) -> list[Incoming]: ...

    async def close(self) -> None: ...


def player_command(profile: Profile, code: str) -> str:
    """The exact command a player types. A stub profile's endpoint is already the address the
    stub advertises (its LAN address when it listens on 0.0.0.0); a deployed profile is named."""
    if profile.source in ("quizwire stub", "quizwire demo") or profile.name in ("local", "demo"):
        return f"quizwire play --game {code} --endpoint {profile.http_endpoint}"
    return f"quizwire play --game {code} --profile {profile.name}"


JOIN_POINTS_TTL_S = 3.0  # how often the console looks for a gateway that started or stopped


class LiveSource:
    def __init__(self, profile: Profile) -> None:
        from eventapi.auth import IamAuth
        from quizwire.client.game_api import AdminClient

        if not profile.game_api:
            raise SourceError("no_game_api", f"profile {profile.name!r} has no game_api URL")
        if profile.access_key_id and profile.secret_access_key:
            self.auth = IamAuth.from_keys(
                profile.region, profile.access_key_id, profile.secret_access_key
            )
        else:
            try:
                self.auth = IamAuth.from_environment(profile.region, profile.aws_profile)
            except LookupError as exc:
                raise SourceError("no_credentials", str(exc)) from None
        self.profile = profile
        self.admin = AdminClient(profile.game_api, self.auth)
        self._stats = LinkStats()
        self._client: Any = None
        self._subs: dict[str, Any] = {}
        # Stamped events waiting for the UI tick, per channel kind (bounded like the buffers).
        self._inbox: dict[str, deque[Incoming]] = {}
        self._pumps: list[asyncio.Task[None]] = []
        self._join_points: JoinPoints | None = None
        self._join_checked = -JOIN_POINTS_TTL_S

    @property
    def stats(self) -> LinkStats:
        if self._client is not None:
            self._stats.reconnects = self._client.reconnects
            self._stats.dropped = sum(s.dropped for s in self._subs.values())
        return self._stats

    def describe(self) -> str:
        return f"profile {self.profile.name} · {self.profile.http_endpoint}"

    def player_command(self, code: str) -> str:
        return player_command(self.profile, code)

    def join_points(self) -> JoinPoints | None:
        now = time.monotonic()
        if now >= self._join_checked + JOIN_POINTS_TTL_S:  # a file read, not 10 a second
            self._join_checked = now
            self._join_points = read_join_points(self.profile.http_endpoint)
        return self._join_points

    @property
    def has_metrics(self) -> bool:
        # Only the stub serves Prometheus metrics (next to its game API); a profile with stored
        # IAM keys is a stub's (a deployed stack's presenter signs with the AWS chain), and a
        # hand-made one is asked once (a 403/404 ends that).
        profile = self.profile
        return profile.access_key_id is not None or profile.source in (
            "quizwire stub",
            "quizwire demo",
            "manual",
        )

    async def _call(self, coro: Any) -> dict[str, Any]:
        from quizwire.client.game_api import GameApiError

        try:
            result: dict[str, Any] = await coro
        except GameApiError as exc:
            self._stats.errors += 1
            self._stats.last_error = exc.message
            raise SourceError(exc.code, exc.message, exc.status) from None
        return result

    async def create_game(
        self, *, pack: str | None, quiz: dict[str, Any] | None, options: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._call(self.admin.create_game(pack=pack, quiz=quiz, options=options))

    async def view(self, code: str) -> dict[str, Any]:
        return await self._call(self.admin.view(code))

    async def list_games(self) -> dict[str, Any]:
        return await self._call(self.admin.list_games())

    async def command(self, code: str, command: str) -> dict[str, Any]:
        return await self._call(self.admin.command(code, command))

    async def player_action(self, code: str, player_id: str, action: str) -> dict[str, Any]:
        return await self._call(self.admin.player_action(code, player_id, action))

    async def extra_time(self, code: str, player_id: str, percent: int) -> dict[str, Any]:
        return await self._call(self.admin.extra_time(code, player_id, percent))

    async def results(self, code: str, fmt: str) -> str:
        from quizwire.client.game_api import GameApiError

        try:
            return await self.admin.results(code, fmt)
        except GameApiError as exc:
            raise SourceError(exc.code, exc.message, exc.status) from None

    async def metrics(self) -> str:
        from quizwire.client.game_api import GameApiError

        try:
            return await self.admin.metrics()
        except GameApiError as exc:
            raise SourceError("metrics", f"/metrics: {exc.message}", exc.status) from None

    def _on_state(self, state: Any) -> None:
        self._stats.state = str(getattr(state, "value", state)).lower()

    async def attach(self, code: str) -> None:
        """Connect and subscribe to the game's four channels (IAM)."""
        from eventapi import EventsClient
        from eventapi.errors import EventApiError
        from quizwire import channels

        if self._client is not None:
            return
        client = EventsClient(
            self.profile.http_endpoint,
            self.auth,
            realtime_endpoint=self.profile.realtime_endpoint,
            on_state=self._on_state,
        )
        names = {
            "game": channels.game_channel(code),
            "question": channels.question_channel(code),
            "leaderboard": channels.leaderboard_channel(code),
            "answer": channels.answer_channel(code),
        }
        try:
            await client.connect()
            for kind, channel in names.items():
                self._subs[kind] = await client.subscribe(
                    channel,
                    max_pending=ANSWER_BUFFER if kind == "answer" else 1000,
                    on_error=self._on_broadcast_error,
                )
        except (EventApiError, OSError) as exc:
            self._stats.errors += 1
            self._stats.last_error = str(exc)
            with contextlib.suppress(Exception):
                await client.close()
            raise SourceError(
                "subscribe", f"cannot subscribe to the game's channels: {exc}"
            ) from None
        self._client = client
        for kind, sub in self._subs.items():
            self._inbox[kind] = deque(maxlen=sub.max_pending)
            self._pumps.append(asyncio.create_task(self._pump(kind, sub), name=f"console {kind}"))

    async def _pump(self, kind: str, sub: Any) -> None:
        """Stamp events with their local receive time as they arrive (one wake-up takes every
        event pending by then), so latency figures do not include the wait for the UI tick."""
        inbox = self._inbox[kind]
        while not sub.closed:
            await sub.wait_pending()
            now = wall_ms()
            inbox.extend((kind, payload, now) for payload in sub.drain())

    def _on_broadcast_error(self, error: BaseException) -> None:
        self._stats.errors += 1
        self._stats.last_error = str(error)

    def drain(self) -> list[Incoming]:
        out: list[Incoming] = []
        for inbox in self._inbox.values():
            if inbox:
                out.extend(inbox)
                inbox.clear()
        return out

    async def close(self) -> None:
        for task in self._pumps:
            task.cancel()
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.close()
        await self.admin.close()


def resolve(args: argparse.Namespace) -> Profile:
    """The profile named by ``--profile`` (raises ``ProfileError`` with a one-line reason)."""
    from quizwire.profiles import get_profile

    return get_profile(str(getattr(args, "profile", None) or "local"))


def pack_choices() -> Sequence[tuple[str, str, int]]:
    """``(name, title, questions)`` of every bundled pack."""
    from quizwire.packs import list_packs

    return [(p.name, p.title, p.count) for p in list_packs()]
