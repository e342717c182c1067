"""Serve a WSGI application (moto's) from aiohttp, one request at a time.

werkzeug's development server, which moto's own server uses, closes the connection after every
response and then waits 10 ms for stray request bytes: every DynamoDB call paid a new TCP
connection, a new thread and that wait. aiohttp keeps connections alive, as DynamoDB does, and
parses HTTP in C. The application runs on the event loop itself, so requests are served in
turn: each write and each transaction is atomic, as on DynamoDB.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import socket
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from aiohttp import web

StartResponse = Callable[..., Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
MAX_BODY = 16 * 1024 * 1024  # DynamoDB's largest request (a 100-item transaction) is 4 MB


def environ_of(request: web.Request, body: bytes) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of an aiohttp request whose body has been read."""
    host, _, port = (request.host or "127.0.0.1").partition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": request.path,
        "QUERY_STRING": request.query_string,
        "SERVER_NAME": host,
        "SERVER_PORT": port or "80",
        "SERVER_PROTOCOL": f"HTTP/{request.version.major}.{request.version.minor}",
        "REMOTE_ADDR": request.remote or "",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if "Content-Type" in request.headers:
        environ["CONTENT_TYPE"] = request.headers["Content-Type"]
    for name, value in request.headers.items():
        key = "HTTP_" + name.upper().replace("-", "_")
        if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            continue
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def handler(app: Wsgi) -> Callable[[web.Request], Any]:
    async def serve(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        replied: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> None:
            replied["status"], replied["headers"] = status, headers

        chunks = app(environ_of(request, body), start)
        try:
            data = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        code, _, reason = replied["status"].partition(" ")
        response = web.Response(body=data, status=int(code), reason=reason or None)
        for name, value in replied["headers"]:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                response.headers.add(name, value)
        return response

    return serve


def serve_forever(app: Wsgi, host: str, port: int, ready: Path) -> None:
    """Serve until the process is stopped; write ``{"port": N}`` to ``ready`` once listening."""

    listener = socket.create_server((host, port))

    async def main() -> None:
        web_app = web.Application(client_max_size=MAX_BODY)
        web_app.router.add_route("*", "/{tail:.*}", handler(app))
        runner = web.AppRunner(web_app, access_log=None, handle_signals=False)
        await runner.setup()
        await web.SockSite(runner, listener).start()
        bound = listener.getsockname()[1]
        await asyncio.to_thread(ready.write_text, json.dumps({"port": bound}))
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


__all__ = ["environ_of", "serve_forever"]
