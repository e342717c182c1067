"""Reading an HTTP request body with a deadline: a client that sends its headers and then
trickles the body must not hold a connection (and a handler) for as long as it likes."""

from __future__ import annotations

import asyncio

from aiohttp import web


class BodyTooLarge(Exception):
    """The body is longer than the server's limit (answered 413)."""


class BodyTimeout(Exception):
    """The body did not arrive within the deadline (answered 408, connection closed)."""


async def read_body(request: web.Request, deadline_s: float) -> bytes:
    """The whole body within ``deadline_s`` seconds; over the app's ``client_max_size`` raises
    :class:`BodyTooLarge`, too slow raises :class:`BodyTimeout`."""
    try:
        async with asyncio.timeout(deadline_s):
            return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise BodyTooLarge from None
    except TimeoutError:
        raise BodyTimeout from None
