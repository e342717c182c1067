"""The browser front: ``http://HOST:PORT/play/K7QX2M`` runs the player app in the page.

The page is textual-serve's terminal client; its WebSocket speaks Textual's web-driver protocol
(browser -> app: ``["stdin", text]``, ``["resize", {width, height}]``, ``["ping", t]``; app ->
browser: the screen's bytes, and meta packets). Each WebSocket gets its own player process,
forked from the same zygote as the SSH sessions, on two pipes. A browser is recognised across
reloads by an HttpOnly cookie, which keys its saved credential (so a reload rejoins with the
score). Sessions count against the same per-address cap as SSH ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import secrets
import signal
import time
from typing import Any

from aiohttp import WSMsgType, web

from gateway.identity import credentials_root, parse_login
from gateway.limits import SessionCaps
from gateway.options import GatewayOptions
from gateway.request import SessionRequest, client_env
from gateway.spawn import Spawner, SpawnError
from gateway.web_page import STATIC_DIR, page_html

__all__ = ["COOKIE", "WebFront", "encode_packet"]

log = logging.getLogger("quizwire.gateway")

COOKIE = "quizwire_player"
MAX_MESSAGE = 64 * 1024  # a browser message (a key press, a paste) larger than this is refused
MAX_PACKET = 4 * 1024 * 1024  # a screen update from the app
STOP_GRACE_S = 5.0
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def encode_packet(kind: bytes, payload: bytes) -> bytes:
    """The web driver's stdin framing: a type byte (D data, M meta), a 4-byte length."""
    return kind + len(payload).to_bytes(4, "big") + payload


def _size(value: Any, default: int) -> int:
    try:
        return max(10, min(int(value), 500))
    except (TypeError, ValueError):
        return default


class _AppPipes:
    """One web session's player process and the two pipes to it."""

    def __init__(self, pid: int, stdin: asyncio.StreamWriter, stdout: asyncio.StreamReader) -> None:
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout

    async def send(self, kind: bytes, payload: bytes) -> None:
        self.stdin.write(encode_packet(kind, payload))
        await self.stdin.drain()

    async def meta(self, data: dict[str, Any]) -> None:
        await self.send(b"M", json.dumps(data).encode())

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.meta({"type": "quit"}), 1.0)
        self.stdin.close()
        await asyncio.sleep(0)
        await asyncio.get_running_loop().run_in_executor(None, _reap_later, self.pid)


def _reap_later(pid: int) -> None:
    """The app ends on the quit packet or the closed stdin; one that lingers gets SIGTERM (it
    leaves as on ``q``), and is not our child: the zygote reaps it."""
    deadline = time.monotonic() + STOP_GRACE_S
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


class WebFront:
    def __init__(self, options: GatewayOptions, spawner: Spawner, caps: SessionCaps) -> None:
        self.options = options
        self.spawner = spawner
        self.caps = caps
        self.port = options.web_port or 0
        self.sessions = 0
        self.refused = 0
        self._runner: web.AppRunner | None = None

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_MESSAGE)
        app.add_routes(
            [
                web.get("/play", self.page),
                web.get("/play/", self.page),
                web.get("/play/{code}", self.page),
                web.get("/play/{code}/ws", self.websocket),
                web.get("/ws", self.websocket),
                web.static("/static", STATIC_DIR),
            ]
        )
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.make_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.options.host, self.options.web_port or 0)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- the page ---------------------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.Response:
        code = request.match_info.get("code", "")
        game = parse_login(code).game if code else None
        if code and game is None:
            raise web.HTTPNotFound(text=f"{code[:20]!r} is not a game code, e.g. /play/K7QX2M\n")
        host = request.host if _HOST.fullmatch(request.host) else self.options.advertised_host
        path = f"/play/{game}/ws" if game else "/ws"
        font = _size(request.query.get("fontsize"), 14)
        response = web.Response(
            text=page_html(f"ws://{host}{path}", font, f"Quizwire {game or ''}".strip()),
            content_type="text/html",
        )
        if not _cookie(request):
            response.set_cookie(
                COOKIE,
                secrets.token_urlsafe(24),
                max_age=30 * 24 * 3600,
                httponly=True,
                samesite="Strict",
            )
        response.headers["Cache-Control"] = "no-store"
        return response

    # -- the app's WebSocket ----------------------------------------------------------------------

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        address = request.remote or "?"
        refusal = self.caps.acquire(address)
        if refusal is not None:
            self.refused += 1
            raise web.HTTPTooManyRequests(text=refusal + "\n")
        try:
            return await self._session(request)
        finally:
            self.caps.release(address)

    async def _session(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE)
        await ws.prepare(request)
        cookie = _cookie(request)
        if cookie is None:  # a WebSocket without the page's cookie: a fresh identity
            cookie = secrets.token_urlsafe(24)
        width = _size(request.query.get("width"), 80)
        height = _size(request.query.get("height"), 24)
        game = parse_login(request.match_info.get("code", "")).game
        session_request = SessionRequest(
            kind="web",
            http_endpoint=self.options.http_endpoint,
            game_api=self.options.game_api,
            realtime_endpoint=self.options.realtime_endpoint,
            credentials_root=str(credentials_root(self.options.players_dir, cookie=cookie)),
            game=game,
            target_label="browser · this browser keeps your score: reload to rejoin",
            after_game_s=self.options.after_game_s,
            env={**client_env(None), "COLUMNS": str(width), "ROWS": str(height)},
        )
        try:
            app = await self._spawn(session_request)
        except (SpawnError, OSError) as exc:
            log.warning("could not start a web session: %s", exc)
            await ws.close(message=b"could not start a session")
            return ws
        self.sessions += 1
        pump = asyncio.get_running_loop().create_task(_app_to_browser(app, ws))
        try:
            await _browser_to_app(ws, app)
        finally:
            self.sessions -= 1
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
            await app.stop()
            await ws.close()
        return ws

    async def _spawn(self, request: SessionRequest) -> _AppPipes:
        loop = asyncio.get_running_loop()
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        try:
            pid = await self.spawner.spawn(request, [in_r, out_w])
        except BaseException:
            for fd in (in_w, out_r):
                os.close(fd)
            raise
        finally:
            os.close(in_r)
            os.close(out_w)
        reader = asyncio.StreamReader(limit=MAX_PACKET, loop=loop)
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(out_r, "rb", 0)
        )
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(in_w, "wb", 0)
        )
        writer = asyncio.StreamWriter(transport, protocol, None, loop)
        return _AppPipes(pid, writer, reader)


def _cookie(request: web.Request) -> str | None:
    value = request.cookies.get(COOKIE)
    return value if value and re.fullmatch(r"[A-Za-z0-9_-]{16,64}", value) else None


async def _browser_to_app(ws: web.WebSocketResponse, app: _AppPipes) -> None:
    async for message in ws:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            envelope = json.loads(message.data)
        except ValueError:
            continue
        if not isinstance(envelope, list) or not envelope:
            continue  # not the protocol: ignored, never passed on
        kind, arg = envelope[0], envelope[1] if len(envelope) > 1 else None
        if kind == "stdin" and isinstance(arg, str):
            await app.send(b"D", arg.encode("utf-8", "replace"))
        elif kind == "resize" and isinstance(arg, dict):
            size = arg
            await app.meta(
                {
                    "type": "resize",
                    "width": _size(size.get("width"), 80),
                    "height": _size(size.get("height"), 24),
                }
            )
        elif kind == "ping" and arg is not None:
            await ws.send_json(["pong", str(arg)[:32]])
        elif kind in ("focus", "blur"):
            await app.meta({"type": kind})


async def _app_to_browser(app: _AppPipes, ws: web.WebSocketResponse) -> None:
    """The app's output: a ``__GANGLION__`` line, then framed packets (D screen bytes, M meta,
    P binary-encoded). Screen bytes go to the browser; an ``exit`` meta ends the session."""
    stdout = app.stdout
    # the app ended (its pipe closed mid-packet) or sent garbage: either way the session is over
    with contextlib.suppress(asyncio.IncompleteReadError, ConnectionResetError, ValueError):
        for _ in range(10):
            if await stdout.readline() in (b"__GANGLION__\n", b""):
                break
        while True:
            kind = await stdout.readexactly(1)
            size = int.from_bytes(await stdout.readexactly(4), "big")
            if size > MAX_PACKET:
                break
            payload = await stdout.readexactly(size)
            if kind == b"D":
                await ws.send_bytes(payload)
            elif kind == b"M":
                with contextlib.suppress(ValueError):
                    if json.loads(payload).get("type") == "exit":
                        break
    await ws.close()
