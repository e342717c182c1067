"""Client of the game REST API (docs/game-api.md): entry calls retry 429s with jittered
exponential backoff (tenacity); admin calls are SigV4-signed like API Gateway IAM routes.
Every game and player id is checked (:func:`quizwire.channels.valid_id`) before it goes into a
URL path: ``../admin`` is not a game code."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)
from tenacity.stop import stop_base

from eventapi import sigv4
from eventapi.auth import IamAuth
from quizwire.channels import valid_id

ADMIN_SIGNING_SERVICE = "execute-api"


# API Gateway's integration limit (29 s) and a second for the network.
ADMIN_TIMEOUT_S = 30.0


class GameApiError(Exception):
    """A refusal from the game API: ``status``, stable ``code``, and a ``message`` for people."""

    def __init__(
        self, status: int, code: str, message: str, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


class RateLimited(GameApiError):
    pass


class Unreachable(GameApiError):
    pass


def decode_body(response: httpx.Response) -> Any:
    """The response's JSON. A body that is not JSON raises ``ValueError`` whatever is wrong with
    it (malformed, bad UTF-8, nested too deep, an integer past Python's 4,300-digit limit)."""
    try:
        return json.loads(response.content)
    except RecursionError as exc:
        raise ValueError("the response is nested too deeply") from exc


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        body = decode_body(response)
    except ValueError:
        body = {}
    code = str(body.get("error", "error")) if isinstance(body, dict) else "error"
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    if not message:
        message = f"The server answered {response.status_code} {response.reason_phrase}."
    # 429, or a 503 that says when to come back (the entry check when DynamoDB is throttling)
    if response.status_code == 429 or (
        response.status_code == 503 and "Retry-After" in response.headers
    ):
        retry_after = None
        with contextlib.suppress(ValueError):
            retry_after = float(response.headers.get("Retry-After", ""))
        raise RateLimited(response.status_code, code, message, retry_after)
    raise GameApiError(response.status_code, code, message)


class _RetryAfterWait:
    """Jittered exponential backoff that never waits less than the server's Retry-After."""

    def __init__(self, multiplier: float, cap: float) -> None:
        self._jitter = wait_random_exponential(multiplier=multiplier, max=cap)

    def __call__(self, state: RetryCallState) -> float:
        wait = float(self._jitter(state))
        outcome = state.outcome
        if outcome is not None and outcome.failed:
            exc = outcome.exception()
            if isinstance(exc, RateLimited) and exc.retry_after:
                wait = max(wait, min(exc.retry_after, 30.0))
        return wait


class _StopUnreachableAfter(stop_base):
    """Stop once the server has been unreachable for ``seconds``: a busy server (429) is worth
    waiting for, a wrong address or a stopped stub is not."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, retry_state: RetryCallState) -> bool:
        outcome = retry_state.outcome
        failed = outcome is not None and isinstance(outcome.exception(), Unreachable)
        return failed and (retry_state.seconds_since_start or 0.0) >= self.seconds


#: ``on_retry(attempt, error, wait_s)``: attempt ``attempt`` failed with ``error``; the next
#: one starts in ``wait_s`` seconds.
OnRetry = Callable[[int, "GameApiError", float], None]


class EntryClient:
    """Public entry calls of a player: look up a game, join, fetch the rejoin snapshot."""

    def __init__(
        self,
        base_url: str,
        *,
        http: httpx.AsyncClient | None = None,
        max_attempts: int = 12,
        max_wait: float = 120.0,
        max_unreachable_wait: float = 30.0,
        backoff: float = 0.25,
        backoff_cap: float = 10.0,
        on_retry: OnRetry | None = None,
        verify: bool | str = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = http or httpx.AsyncClient(timeout=15.0, verify=verify)
        self._owns_http = http is None
        self._max_attempts = max_attempts
        self._max_wait = max_wait
        self._max_unreachable_wait = max_unreachable_wait
        self._backoff = backoff
        self._backoff_cap = backoff_cap
        self._on_retry = on_retry
        self.retries = 0

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        def before_sleep(state: RetryCallState) -> None:
            self.retries += 1
            exc = state.outcome.exception() if state.outcome else None
            if self._on_retry is not None and isinstance(exc, GameApiError):
                wait = state.next_action.sleep if state.next_action is not None else 0.0
                self._on_retry(state.attempt_number, exc, wait)

        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type((RateLimited, Unreachable)),
            wait=_RetryAfterWait(self._backoff, self._backoff_cap),
            stop=stop_after_attempt(self._max_attempts)
            | stop_after_delay(self._max_wait)
            | _StopUnreachableAfter(self._max_unreachable_wait),
            before_sleep=before_sleep,
            reraise=True,
        ):
            with attempt:
                try:
                    response = await self._http.request(method, self.base_url + path, **kwargs)
                except httpx.TransportError as exc:
                    raise Unreachable(
                        0,
                        "unreachable",
                        f"Cannot reach the game server at {self.base_url} ({exc.__class__.__name__}).",
                    ) from exc
                _raise_for(response)
                return decode_body(response)
        raise AssertionError("unreachable")  # pragma: no cover

    async def get_game(self, code: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._request("GET", f"/games/{_game(code)}")
        return result

    async def join(self, code: str, name: str, team: str | None = None) -> dict[str, Any]:
        """Join as ``name``; in team mode into ``team`` (None: the server picks the smallest)."""
        body = {"name": name} if not team else {"name": name, "team": team}
        result: dict[str, Any] = await self._request(
            "POST", f"/games/{_game(code)}/players", json=body
        )
        return result

    async def state(self, code: str, token: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._request(
            "GET", f"/games/{_game(code)}/state", headers={"Authorization": token}
        )
        return result


class AdminClient:
    """The presenter's calls, each signed with SigV4 (service ``execute-api``)."""

    def __init__(
        self,
        base_url: str,
        auth: IamAuth,
        *,
        http: httpx.AsyncClient | None = None,
        verify: bool | str = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        # API Gateway lets an integration run 29 s: an admin command (a reveal that tallies a
        # big room) may legitimately take longer than a player's call, so wait that long.
        self._http = http or httpx.AsyncClient(timeout=ADMIN_TIMEOUT_S, verify=verify)
        self._owns_http = http is None

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def _call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        url = self.base_url + path
        content = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        host = httpx.URL(url).netloc.decode()
        headers = {"content-type": "application/json", "host": host}
        signed = sigv4.sign(
            self.auth.frozen(),
            self.auth.region,
            method=method,
            url=url,
            headers=headers,
            body=content,
            service=ADMIN_SIGNING_SERVICE,
        )
        try:
            response = await self._http.request(
                method, url, content=content or None, headers=signed
            )
        except httpx.TransportError as exc:
            raise Unreachable(
                0,
                "unreachable",
                f"Cannot reach the game server at {self.base_url} ({exc.__class__.__name__}).",
            ) from exc
        _raise_for(response)
        return response

    async def _json(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        result: dict[str, Any] = decode_body(await self._call(method, path, body))
        return result

    async def list_games(self) -> dict[str, Any]:
        return await self._json("GET", "/admin/games")

    async def create_game(
        self,
        *,
        pack: str | None = None,
        quiz: dict[str, Any] | None = None,
        options: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"pack": pack} if pack is not None else {"quiz": quiz}
        if options:
            body["options"] = options
        return await self._json("POST", "/admin/games", body)

    async def view(self, code: str) -> dict[str, Any]:
        return await self._json("GET", f"/admin/games/{_game(code)}")

    async def command(self, code: str, command: str) -> dict[str, Any]:
        if command not in ("start", "next", "reveal", "end", "lock", "unlock"):
            raise ValueError(f"unknown command {command!r}")
        return await self._json("POST", f"/admin/games/{_game(code)}/{command}")

    async def player_action(self, code: str, player_id: str, action: str) -> dict[str, Any]:
        if action not in ("kick", "ban", "readmit"):
            raise ValueError(f"unknown player action {action!r}")
        player = valid_id(player_id, "player id")
        return await self._json("POST", f"/admin/games/{_game(code)}/players/{player}/{action}")

    async def extra_time(self, code: str, player_id: str, percent: int) -> dict[str, Any]:
        """Give a player ``percent`` % more of every time limit (0 takes it away)."""
        player = valid_id(player_id, "player id")
        return await self._json(
            "POST", f"/admin/games/{_game(code)}/players/{player}/extra-time", {"percent": percent}
        )

    async def metrics(self) -> str:
        """The stub's Prometheus text, signed: only then does it carry the per-game series."""
        return (await self._call("GET", "/metrics")).text

    async def results(self, code: str, fmt: str = "json", table: str = "players") -> str:
        response = await self._call(
            "GET", f"/admin/games/{_game(code)}/results?format={fmt}&table={table}"
        )
        return response.text


def _game(code: str) -> str:
    return valid_id(code, "game id")
