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
#: a phone's screen: 3 device pixels per CSS pixel (a page drawn for ratio 1 came out blank)
PHONE_PIXEL_RATIO = 3

DRAWN_PIXELS = """() => {
  const layer = document.querySelector("canvas.xterm-text-layer");
  if (!layer) return 0;
  const data = layer.getContext("2d").getImageData(0, 0, layer.width, layer.height).data;
  let drawn = 0;  // pixels unlike the top-left one (the screen's background)
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) drawn++;
  }
  return drawn;
}"""
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
            context = await browser.new_context(
                viewport=PHONE,
                device_scale_factor=PHONE_PIXEL_RATIO,
                is_mobile=True,
                has_touch=True,
            )
            page = await context.new_page()
            await page.goto(f"http://127.0.0.1:{gateway.web.port}/play/{code}")
            await page.wait_for_selector("body.-first-byte", timeout=WAIT_S * 1000)
            await page.wait_for_timeout(1500)  # the join screen is drawn
            # ...inside the page: text on the terminal's canvas, not off its edge
            drawn = await page.evaluate(DRAWN_PIXELS)
            assert drawn > 1000, f"the join screen is not drawn in the page ({drawn} pixels)"
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
                return bool(view.get("answered") or view.get("phase") != "question_open")

            await until(answered, "the phone's answer")
        finally:
            await browser.close()
