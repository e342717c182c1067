"""A real SSH client with a terminal emulator: what a player on ``ssh`` sees, as text."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncssh
import pyte

WAIT_S = 20.0


class _NoKeyClient(asyncssh.SSHClient):
    """Offers no key: logs in with keyboard-interactive, answering no prompts (as ``ssh`` does
    on a machine without keys)."""

    def kbdint_auth_requested(self) -> str:
        return ""

    def kbdint_challenge_received(
        self, name: str, instructions: str, lang: str, prompts: Any
    ) -> list[str]:
        return ["" for _ in prompts]


class _Screen(asyncssh.SSHClientSession[bytes]):
    def __init__(self, terminal: SshTerminal) -> None:
        self.terminal = terminal

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        self.terminal.raw += data
        self.terminal.stream.feed(data)

    def exit_status_received(self, status: int) -> None:
        self.terminal.exit_status = status

    def connection_lost(self, exc: Exception | None) -> None:
        self.terminal.closed.set()


class SshTerminal:
    def __init__(self, cols: int, rows: int) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.exit_status: int | None = None
        self.closed = asyncio.Event()
        self.conn: asyncssh.SSHClientConnection | None = None
        self.chan: asyncssh.SSHClientChannel[bytes] | None = None

    @classmethod
    async def open(
        cls,
        port: int,
        username: str,
        *,
        key: asyncssh.SSHKey | None = None,
        cols: int = 80,
        rows: int = 24,
        pty: bool = True,
        **connect: Any,
    ) -> SshTerminal:
        terminal = cls(cols, rows)
        options: dict[str, Any] = {"known_hosts": None, "agent_path": None}
        if key is not None:
            options["client_keys"] = [key]
        else:
            options.update(client_keys=None, client_factory=_NoKeyClient)
        options.update(connect)
        terminal.conn = await asyncssh.connect("127.0.0.1", port, username=username, **options)
        session: dict[str, Any] = {"encoding": None}
        if pty:
            session.update(term_type="xterm-256color", term_size=(cols, rows))
        terminal.chan, _ = await terminal.conn.create_session(lambda: _Screen(terminal), **session)
        return terminal

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    async def wait_text(self, *texts: str, within: float = WAIT_S) -> str:
        """Wait until one of ``texts`` is on screen; returns the one that is."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            shown = self.text()
            for text in texts:
                if text in shown:
                    return text
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {texts!r}; the screen:\n{shown}")
            await asyncio.sleep(0.05)

    def send(self, keys: str) -> None:
        assert self.chan is not None
        self.chan.write(keys.encode())

    def resize(self, cols: int, rows: int) -> None:
        assert self.chan is not None
        self.screen.resize(rows, cols)
        self.chan.change_terminal_size(cols, rows)

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            await self.conn.wait_closed()
