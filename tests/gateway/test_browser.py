"""The browser front in a real browser engine: headless Chromium (Debian's ``chromium``,
driven by Playwright) on a phone-sized, touch screen opens ``/play/CODE``, taps the join
screen's buttons, answers, and the server sees the player and the answer. Skipped where no
Chromium is installed (``apt-get install chromium``)."""

from __future__ import annotations

import asyncio
import shutil
from typing import Any

import pytest

from tests.gateway.conftest import GatewayFactory, Room

playwright = pytest.importorskip("playwright.async_api")
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")

#: what a probe of this machine starts Chromium with: no sandbox as root, no network chatter
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 412, "height": 860}
WAIT_S = 30.0


async def until(check: Any, what: str) -> Any:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while True:
        value = await check()
        if value:
            return value
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


async def test_a_phone_browser_joins_by_touch_and_answers(
    room: Room, make_gateway: GatewayFactory
) -> None:
    gateway = await make_gateway()
    assert gateway.web is not None
    code = await room.create()
    async with playwright.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context = await browser.new_context(viewport=PHONE, has_touch=True)
            page = await context.new_page()
            await page.goto(f"http://127.0.0.1:{gateway.web.port}/play/{code}")
            await page.wait_for_selector("body.-first-byte", timeout=WAIT_S * 1000)
            await page.wait_for_timeout(1500)  # the join screen is drawn
            # The join screen's box is centred: "Random" right of the nickname, "Join" below.
            await page.touchscreen.tap(330, 449)  # Random: a nickname is filled in
            await page.wait_for_timeout(500)
            await page.touchscreen.tap(78, 485)  # Join

            async def joined() -> list[Any]:
                view = await room.admin.view(code)
                return list(view.get("players") or [])

            players = await until(joined, "the phone's player to join")
            assert len(players) == 1
            await room.command(code, "start")
            await page.wait_for_timeout(1500)
            await page.keyboard.press("b")

            async def answered() -> bool:
                view = await room.admin.view(code)
                return bool(view.get("answeredCount") or view.get("phase") != "question_open")

            await until(answered, "the phone's answer")
        finally:
            await browser.close()
