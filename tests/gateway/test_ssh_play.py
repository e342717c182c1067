"""Playing over SSH: a real SSH connection to a real gateway, whose session is a real player
process (forked from the zygote) playing against an in-process stub; the screen is read
through a terminal emulator, as the player would see it."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable

import asyncssh

from tests.gateway.conftest import GatewayFactory, Room, ssh_port
from tests.gateway.terminal import SshTerminal

WAIT_S = 20.0


async def wait_until(predicate: object, what: str, within: float = WAIT_S) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await predicate():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def join_and_score(term: SshTerminal, room: Room, code: str, name: str) -> None:
    """Type the nickname, then answer question 1 right (B) once the presenter starts."""
    await term.wait_text("Nickname")
    term.send(f"{name}\r")
    await term.wait_text("Waiting for the host")
    await room.command(code, "start")
    await term.wait_text("Press A-D")
    term.send("b")
    await term.wait_text("correct")  # the only player answered: the question closes at once


def score_of(term: SshTerminal, name: str) -> int:
    match = re.search(rf"{name} · ([\d,]+) pts", term.text())
    assert match, term.text()
    return int(match[1].replace(",", ""))


async def test_a_key_keeps_the_score_across_a_reconnect(
    room: Room, make_gateway: GatewayFactory
) -> None:
    gateway = await make_gateway()
    code = await room.create()
    key = asyncssh.generate_private_key("ssh-ed25519")
    term = await SshTerminal.open(ssh_port(gateway), code, key=key)
    await term.wait_text(code)  # the game code as user name: its join screen, code filled in
    await join_and_score(term, room, code, "Alice")
    score = score_of(term, "Alice")
    assert score > 500
    session = next(iter(gateway.ssh.sessions))  # type: ignore[union-attr]
    pid = session.pid
    assert pid is not None and alive(pid)

    await term.close()  # the laptop lid: the app leaves cleanly, the server sees it go
    await wait_until(lambda: _async(not alive(pid)), "the session's process to end")
    await wait_until(lambda: _zero(room.connected(code)), "the server to see Alice leave")
    assert not gateway.ssh.sessions  # type: ignore[union-attr]

    again = await SshTerminal.open(ssh_port(gateway), code, key=key)
    await again.wait_text(f"Alice · {score:,} pts")  # no name asked: rejoined, score back
    await again.close()


async def test_no_key_gets_a_rejoin_code_that_brings_the_score_back(
    room: Room, make_gateway: GatewayFactory
) -> None:
    gateway = await make_gateway()
    code = await room.create()
    term = await SshTerminal.open(ssh_port(gateway), code)  # keyboard-interactive, no key
    await term.wait_text("rejoin code")
    match = re.search(r"rejoin code: ([A-Z0-9]{10})", term.text())
    assert match, term.text()
    rejoin = match[1]
    await join_and_score(term, room, code, "Bob")
    shown = term.text()
    assert f"{code}-{rejoin}@" in shown  # the command that comes back, said on screen
    score = score_of(term, "Bob")
    await term.close()

    stranger = await SshTerminal.open(ssh_port(gateway), code)  # no code: a new player
    await stranger.wait_text("Nickname")
    assert "Bob ·" not in stranger.text()
    await stranger.close()

    back = await SshTerminal.open(ssh_port(gateway), f"{code}-{rejoin}".lower())
    await back.wait_text(f"Bob · {score:,} pts")
    await back.close()


async def test_the_terminal_size_follows_the_client(
    room: Room, make_gateway: GatewayFactory
) -> None:
    gateway = await make_gateway()
    code = await room.create()
    term = await SshTerminal.open(ssh_port(gateway), code, cols=80, rows=24)
    await term.wait_text("Nickname")
    assert term.screen.display[23].rstrip().endswith("palette")  # the footer, at 80x24
    term.resize(120, 40)
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not term.screen.display[39].rstrip().endswith("palette"):
        assert asyncio.get_running_loop().time() < deadline, term.text()
        await asyncio.sleep(0.05)
    assert len(term.screen.display[39].rstrip()) > 110  # drawn at the new width
    await term.close()


async def test_a_session_closes_itself_after_the_game(
    room: Room, make_gateway: GatewayFactory
) -> None:
    gateway = await make_gateway(after_game_s=1.0)
    code = await room.create()
    term = await SshTerminal.open(ssh_port(gateway), code)
    await join_and_score(term, room, code, "Cleo")
    await room.command(code, "end")
    try:
        await asyncio.wait_for(term.closed.wait(), WAIT_S)  # not left holding a process
    except TimeoutError:
        raise AssertionError(term.text()) from None
    assert term.exit_status == 0
    await term.close()


async def test_an_idle_session_is_closed(room: Room, make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway(idle_timeout=1.0)
    code = await room.create()
    term = await SshTerminal.open(ssh_port(gateway), code)
    await term.wait_text("Nickname")
    await asyncio.wait_for(term.closed.wait(), WAIT_S)
    await term.close()


async def _async(value: bool) -> bool:
    return value


async def _zero(count: Awaitable[int]) -> bool:
    return (await count) == 0
