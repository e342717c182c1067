"""The entry API (public, rate-limited) and the admin API (SigV4) of the stub: docs/game-api.md."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from aiohttp import web

from backend_stub.config import StubConfig
from backend_stub.game.game_runtime import GameRuntime
from backend_stub.game.ratelimit import FairLimiter, retry_after
from backend_stub.game.service import GameService
from backend_stub.logs import LimitedLog, LogLimiter
from backend_stub.request_body import BodyTimeout, BodyTooLarge, read_body
from eventapi import sigv4
from eventapi.protocol import parse_json
from quizwire.admin_requests import BadCreate, join_response, parse_create, player_settings
from quizwire.game_errors import GameError
from quizwire.packs import pack_names
from quizwire.results import build_results, results_csv
from quizwire.state import PlayerStatus

log = logging.getLogger("quizwire.stub.api")

ADMIN_SIGNING_SERVICE = "execute-api"  # what API Gateway's AWS_IAM auth expects
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        content_type="application/json",
        headers=headers,
    )


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return _json(status, {"error": code, "message": message}, headers)


class GameHttpApi:
    def __init__(
        self, service: GameService, config: StubConfig, *, entry_rate: float = 2000.0
    ) -> None:
        self.service = service
        self.config = config
        self.limiter = FairLimiter(entry_rate)
        self.entry_requests = 0
        self.entry_throttled = 0
        self._throttle_logged_at = 0.0
        self._log = LimitedLog(log, LogLimiter(rate=1.0, burst=3.0))
        #: the names admin signatures must be made for: the Event API's, set once it listens
        self.expected_hosts: frozenset[str] | None = None

    def routes(self) -> list[web.RouteDef]:
        entry, admin = self._entry, self._admin
        return [
            web.get("/games/{code}", entry(self.get_game)),
            web.post("/games/{code}/players", entry(self.join)),
            web.get("/games/{code}/state", entry(self.state)),
            web.get("/admin/games", admin(self.list_games)),
            web.post("/admin/games", admin(self.create_game)),
            web.get("/admin/games/{code}", admin(self.view)),
            web.post(
                "/admin/games/{code}/{command:start|next|reveal|end|lock|unlock}",
                admin(self.command),
            ),
            web.post(
                "/admin/games/{code}/players/{player}/{action:kick|ban|readmit}",
                admin(self.player_status),
            ),
            web.post("/admin/games/{code}/players/{player}/extra-time", admin(self.extra_time)),
            web.get("/admin/games/{code}/results", admin(self.results)),
        ]

    # -- wrappers: errors, rate limit, signatures ----------------------------------------------------

    def _entry(self, handler: Handler) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            self.entry_requests += 1
            wait = self.limiter.take(request.remote)
            if wait > 0:
                self.entry_throttled += 1
                self._log_throttling()
                return _error(
                    429,
                    "rate_limited",
                    "Too many players are joining at once; retrying shortly.",
                    {"Retry-After": retry_after(wait)},
                )
            return await self._guard(handler, request)

        return wrapped

    def _log_throttling(self) -> None:
        """One line per second of throttling, with the count, not one per refused request."""
        now = time.monotonic()
        if now - self._throttle_logged_at >= 1.0:
            log.warning(
                "entry API throttling",
                extra={"event": "entry_throttled", "total_throttled": self.entry_throttled},
            )
            self._throttle_logged_at = now

    def _admin(self, handler: Handler) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            try:
                body = await read_body(request, self.config.http_idle_timeout)
            except BodyTooLarge:
                return _error(413, "too_large", "The request body is too large.")
            except BodyTimeout:
                response = _error(408, "timeout", "The request body was not sent in time.")
                response.force_close()  # and do not wait for the rest of that body
                return response
            try:
                self.verify_presenter(request, body)
            except sigv4.SignatureError as exc:
                self._log.info(
                    ("admin_refused", type(exc).__name__),
                    "admin request refused",
                    {"event": "admin_refused", "reason": str(exc)[:200], "remote": request.remote},
                )
                return _error(
                    401,
                    "unauthorized",
                    f"Admin requests must be signed with the presenter's credentials ({exc}).",
                )
            return await self._guard(handler, request)

        return wrapped

    def verify_presenter(self, request: web.Request, body: bytes) -> None:
        """Raise :class:`sigv4.SignatureError` unless the request is signed with the presenter's
        credentials, as API Gateway's ``AWS_IAM`` auth checks an admin route."""
        verify_presenter(request, body, self.config, self.expected_hosts)

    @staticmethod
    async def _guard(handler: Handler, request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except GameError as exc:
            response = _error(exc.status, exc.code, exc.message)
            if exc.status == 408:  # a body too slow to read: do not wait for the rest of it
                response.force_close()
            return response

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            raw = await read_body(request, self.config.http_idle_timeout)
        except BodyTooLarge:
            raise GameError(413, "too_large", "The request body is too large.") from None
        except BodyTimeout:
            raise GameError(408, "timeout", "The request body was not sent in time.") from None
        if not raw:
            return {}
        try:
            data = parse_json(raw)
        except ValueError:
            raise GameError(400, "bad_request", "The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise GameError(400, "bad_request", "The request body must be a JSON object.")
        return data

    # -- entry ---------------------------------------------------------------------------------------

    async def get_game(self, request: web.Request) -> web.Response:
        return _json(200, self.service.entry_info(request.match_info["code"]))

    async def join(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        credential, player = await self.service.join(
            request.match_info["code"], body.get("name"), body.get("team")
        )
        return _json(201, join_response(credential, player))

    async def state(self, request: web.Request) -> web.Response:
        token = request.headers.get("Authorization")
        return _json(200, self.service.snapshot(request.match_info["code"], token))

    # -- admin ---------------------------------------------------------------------------------------

    async def list_games(self, request: web.Request) -> web.Response:
        return _json(200, {"games": self.service.list_games(), "packs": pack_names()})

    async def create_game(self, request: web.Request) -> web.Response:
        try:
            quiz, options = parse_create(await self._body(request))
        except BadCreate as exc:
            raise GameError(400, exc.code, exc.message) from None
        runtime = await self.service.create_game(quiz, options)
        return _json(201, self.service.presenter_view(runtime.game_id))

    async def view(self, request: web.Request) -> web.Response:
        return _json(200, self.service.presenter_view(request.match_info["code"]))

    async def command(self, request: web.Request) -> web.Response:
        code = request.match_info["code"]
        commands: dict[str, Callable[[str], Awaitable[GameRuntime]]] = {
            "start": self.service.start_game,
            "next": self.service.next_question,
            "reveal": self.service.reveal,
            "end": self.service.end_game,
            "lock": partial(self.service.set_locked, locked=True),
            "unlock": partial(self.service.set_locked, locked=False),
        }
        command = commands[request.match_info["command"]]
        runtime = await command(code)
        return _json(200, self.service.presenter_view(runtime.game_id))

    async def player_status(self, request: web.Request) -> web.Response:
        status = {
            "kick": PlayerStatus.KICKED,
            "ban": PlayerStatus.BANNED,
            "readmit": PlayerStatus.ACTIVE,
        }[request.match_info["action"]]
        player = await self.service.set_player_status(
            request.match_info["code"], request.match_info["player"], status
        )
        return _json(
            200, {"playerId": player.player_id, "name": player.name, "status": player.status.value}
        )

    async def extra_time(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        player = await self.service.set_extra_time(
            request.match_info["code"], request.match_info["player"], body.get("percent")
        )
        return _json(200, player_settings(player))

    async def results(self, request: web.Request) -> web.Response:
        code = request.match_info["code"]
        runtime = self.service.runtime(code)
        results = build_results(runtime.game, runtime.players.values(), self.service.answers(code))
        fmt = request.query.get("format", "json")
        if fmt == "json":
            return _json(200, results)
        if fmt == "csv":
            table = request.query.get("table", "players")
            text = results_csv(results, table)
            return web.Response(status=200, text=text, content_type="text/csv")
        raise GameError(400, "bad_format", "format must be json or csv")


def verify_presenter(
    request: web.Request, body: bytes, config: StubConfig, expected_hosts: frozenset[str] | None
) -> None:
    """API Gateway's ``AWS_IAM`` check of an admin route (this API's and the local Lambda
    backend's): signed for ``execute-api`` with credentials the stub knows, for one of
    ``expected_hosts``. Raises :class:`sigv4.SignatureError`."""
    sigv4.verify(
        method=request.method,
        path=request.path,
        query=request.query_string,
        headers=dict(request.headers),
        body=body,
        region=config.region,
        secret_for=config.secret_for,
        service=ADMIN_SIGNING_SERVICE,
        expected_hosts=expected_hosts,
        session_token_for=config.session_token_for,
    )
