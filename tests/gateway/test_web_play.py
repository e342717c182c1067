"""The browser front, at the protocol level: a real WebSocket client speaks Textual's web-driver
protocol to ``/play/CODE/ws`` (what textual-serve's page does), the player process behind it
is real, and the screen bytes it sends are read through a terminal emulator."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pyte

from gateway.web import COOKIE
from tests.gateway.conftest import GatewayFactory, Room

WAIT_S = 20.0


class Browser:
    """One tab: its cookie jar, the page, the WebSocket and what it draws."""

    def __init__(self, base: str, cols: int = 80, rows: int = 24) -> None:
        self.base = base
        self.cols, self.rows = cols, rows
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()

    async def open(self, path: str) -> str:
        async with self.http.get(self.base + path) as response:
            assert response.status == 200, await response.text()
            page = await response.text()
        ws_path = page.split('data-session-websocket-url="', 1)[1].split('"', 1)[0]
        assert ws_path.startswith("ws://")
        ws_url = "http://" + ws_path.removeprefix("ws://")
        self.ws = await self.http.ws_connect(f"{ws_url}?width={self.cols}&height={self.rows}")
        self._reader = asyncio.get_running_loop().create_task(self._read())
        return page

    async def _read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.stream.feed(message.data)
        self.closed.set()

    async def send(self, envelope: list[Any]) -> None:
        assert self.ws is not None
        await self.ws.send_str(json.dumps(envelope))

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    async def wait_text(self, text: str) -> None:
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while text not in self.text():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {text!r}; the page:\n{self.text()}")
            await asyncio.sleep(0.05)

    async def close_tab(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await self._reader

    async def close(self) -> None:
        await self.close_tab()
        await self.http.close()


def base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


async def test_a_browser_joins_plays_and_a_reload_rejoins(
    room: Room, make_gateway: GatewayFactory
) -> None:
    gateway = await make_gateway()
    assert gateway.web is not None
    code = await room.create()
    tab = Browser(base_url(gateway.web.port))
    try:
        page = await tab.open(f"/play/{code}")
        assert 'name="viewport"' in page  # laid out for a phone
        assert any(cookie.key == COOKIE for cookie in tab.http.cookie_jar)
        await tab.wait_text(code)  # the game's join screen, its code filled in
        await tab.wait_text("Nickname")
        await tab.send(["stdin", "Dana\r"])
        await tab.wait_text("Waiting for the host")
        await room.command(code, "start")
        await tab.wait_text("Press A-D")
        await tab.send(["stdin", "b"])
        await tab.wait_text("correct")
        assert "Dana · " in tab.text()
        score = tab.text().split("Dana · ", 1)[1].split(" pts", 1)[0]
        await tab.send(["resize", {"width": 100, "height": 30}])
        tab.screen.resize(30, 100)
        await tab.send(["ping", "123"])
        await tab.close_tab()  # the tab closes: its process ends, the server sees Dana go

        deadline = asyncio.get_running_loop().time() + WAIT_S
        while await room.connected(code) != 0:
            assert asyncio.get_running_loop().time() < deadline, "Dana still connected"
            await asyncio.sleep(0.1)

        again = Browser(base_url(gateway.web.port))
        again.http = tab.http  # the same browser (its cookie), a new tab
        await again.open(f"/play/{code}")
        await again.wait_text(f"Dana · {score} pts")  # rejoined with the score
        await again.close_tab()
    finally:
        await tab.close()


async def test_web_refusals(room: Room, make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway(max_sessions_per_address=1)
    assert gateway.web is not None
    base = base_url(gateway.web.port)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/play/not-a-code") as response:
            assert response.status == 404
        async with http.get(f"{base}/play/K7QX2M", headers={"Host": 'evil"><script>'}) as r:
            assert "evil" not in await r.text()  # a bad Host header is not echoed
    tab = Browser(base)
    try:
        await tab.open("/play")  # no code: the plain join screen
        await tab.wait_text("Game code")
        await tab.send(["stdin"])  # not the protocol: ignored, the session lives on
        await tab.send(["resize", {"width": "huge"}])
        await tab.ws.send_bytes(b"\x00\x01")  # type: ignore[union-attr]
        await tab.wait_text("Nickname")
        async with aiohttp.ClientSession() as http:
            try:
                await http.ws_connect(f"{base}/ws")
                refused = False
            except aiohttp.WSServerHandshakeError as exc:
                refused = exc.status == 429
        assert refused  # one session per address here
    finally:
        await tab.close()
