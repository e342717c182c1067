"""The lobby with a running ``quizwire gateway``: the SSH command, the URL and a QR code of the
URL; ``j`` opens them large (at 80x24 the lobby has no room for the QR code)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from admin.join_panel import JoinPanel
from quizwire.join_points import JoinPoints
from tui.qr import QRCode

from .fakes import CODE, FakeSource, view
from .test_snapshots import SIZES, make_app, settle

GATEWAY = JoinPoints(ssh_host="10.0.0.5", ssh_port=2222, web_base="http://10.0.0.5:8788")


def with_gateway() -> FakeSource:
    source = FakeSource(view("lobby"))
    source.gateway = GATEWAY
    return source


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lobby_with_gateway(snap_compare: Any, size: tuple[int, int], tmp_path: Path) -> None:
    assert snap_compare(make_app(with_gateway(), tmp_path), terminal_size=size, run_before=settle)


def test_join_panel(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)

    assert snap_compare(
        make_app(with_gateway(), tmp_path), terminal_size=(80, 24), run_before=run_before
    )


async def test_the_qr_code_is_the_url_and_j_toggles_the_panel(tmp_path: Path) -> None:
    app = make_app(with_gateway(), tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#qr", QRCode).data == f"http://10.0.0.5:8788/play/{CODE}"
        text = str(app.screen.query_one("#join-command").render())
        assert f"ssh -p 2222 {CODE}@10.0.0.5" in text
        assert f"quizwire play --game {CODE}" in text  # the installed app still works
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, JoinPanel)
        assert app.screen.query_one(QRCode).data == f"http://10.0.0.5:8788/play/{CODE}"
        await pilot.press("j")
        await settle(pilot)
        assert not isinstance(app.screen, JoinPanel)


async def test_without_a_gateway_the_qr_code_is_the_command(tmp_path: Path) -> None:
    app = make_app(FakeSource(view("lobby")), tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        qr = app.screen.query_one("#qr", QRCode)
        assert qr.data.startswith(f"quizwire play --game {CODE}")
        assert "ssh" not in str(app.screen.query_one("#join-command").render())
