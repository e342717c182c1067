"""The SSH front: ``ssh -p 2222 K7QX2M@host`` opens the player app in that terminal.

Any user name is accepted without a password. A client that offers a public key is keyed by
it (reconnecting with the same key rejoins with the score); one that offers none gets a rejoin
code, shown on screen, to type back as the user name. Only a shell on a pty is served: exec,
subsystems (sftp, scp), port and agent forwarding and X11 are refused, each session is capped
per address, the handshake has a deadline and a session with no input for long is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from typing import Any

import asyncssh

from gateway.identity import credentials_root, new_rejoin_code, parse_login
from gateway.limits import SessionCaps
from gateway.options import GatewayOptions
from gateway.pty_bridge import PtyBridge, open_pty
from gateway.request import SessionRequest, client_env
from gateway.spawn import Spawner, SpawnError
from quizwire.join_points import ssh_command

__all__ = ["SshFront", "ssh_command"]

log = logging.getLogger("quizwire.gateway")

NO_PTY = "Quizwire is a terminal app: connect with a terminal, e.g. ssh -t -p {port} {host}\r\n"


class _Connection(asyncssh.SSHServer):
    """One SSH connection: its address slot, its user name and the key it proved."""

    def __init__(self, front: SshFront) -> None:
        self.front = front
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address = "?"
        self.admitted = False
        self.username = ""
        self.key: asyncssh.SSHKey | None = None
        self.sessions = 0

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername")
        self.address = str(peer[0]) if peer else "?"
        refusal = self.front.caps.acquire(self.address)
        if refusal is not None:
            log.info("refused %s: %s", self.address, refusal)
            self.front.refused += 1
            conn.abort()  # no handshake, no crypto: the cheapest refusal there is
            return
        self.admitted = True

    def connection_lost(self, exc: Exception | None) -> None:
        if self.admitted:
            self.admitted = False
            self.front.caps.release(self.address)

    # -- authentication: anyone gets in; a proven key is remembered -----------------------------

    def begin_auth(self, username: str) -> bool:
        self.username = username
        return True  # ask for auth, so that a client with a key offers it

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        # Called for the key's query and again for its signed request; asyncssh checks the
        # signature after this returns. The last key seen here is the one that logged in,
        # unless another method finishes the login: those forget it (see below).
        self.key = key
        return True

    def kbdint_auth_supported(self) -> bool:
        return True

    def get_kbdint_challenge(self, username: str, lang: str, submethods: str) -> bool:
        self.key = None  # logged in without a key: a key only queried proves nothing
        return True  # no prompts

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        self.key = None
        return True

    def session_requested(self) -> asyncssh.SSHServerSession[bytes] | bool:
        if self.sessions >= 1:
            return False  # one player app per connection
        self.sessions += 1
        return _PlayerSession(self)

    # port forwarding (connection_requested / server_requested) keeps asyncssh's refusal


class _PlayerSession(asyncssh.SSHServerSession[bytes]):
    def __init__(self, connection: _Connection) -> None:
        self.connection = connection
        self.front = connection.front
        self.chan: asyncssh.SSHServerChannel[bytes] | None = None
        self.term: str | None = None
        self.size = (80, 24)
        self.has_pty = False
        self.bridge: PtyBridge | None = None
        self.last_input = time.monotonic()
        self.pid: int | None = None
        self._task: asyncio.Task[None] | None = None

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self.chan = chan

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Any
    ) -> bool:
        self.has_pty = True
        self.term = term_type
        cols, rows = term_size[0], term_size[1]
        self.size = (cols or 80, rows or 24)
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        log.info("refused exec from %s", self.connection.address)
        return False

    def subsystem_requested(self, subsystem: str) -> bool:
        return False

    def session_started(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._start())

    async def _start(self) -> None:
        chan = self.chan
        assert chan is not None
        if not self.has_pty:
            host = self.front.options.advertised_host
            chan.write(NO_PTY.format(port=self.front.ssh_port, host=host).encode())
            chan.exit(1)
            return
        master, slave = open_pty(*self.size)
        try:
            request = self.front.request_for(self.connection, self.term)
            self.pid = await self.front.spawner.spawn(request, [slave])
        except (SpawnError, ValueError) as exc:
            log.warning("could not start a session for %s: %s", self.connection.address, exc)
            os.close(master)
            chan.write(b"Quizwire could not start your session; try again in a moment.\r\n")
            chan.exit(1)
            return
        finally:
            os.close(slave)
        if chan.is_closing():
            os.close(master)  # the client left while we started: the app gets SIGHUP
            return
        self.bridge = PtyBridge(master, chan.write, self._app_ended)
        self.bridge.start()
        self.front.sessions.add(self)

    def _app_ended(self) -> None:
        self.front.sessions.discard(self)
        if self.chan is not None and not self.chan.is_closing():
            self.chan.exit(0)
        if self.connection.conn is not None:
            self.connection.conn.close()

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        self.last_input = time.monotonic()
        if self.bridge is not None:
            self.bridge.feed(data)

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self.size = (width or 80, height or 24)
        if self.bridge is not None:
            self.bridge.resize(*self.size)

    def pause_writing(self) -> None:
        if self.bridge is not None:
            self.bridge.pause()

    def resume_writing(self) -> None:
        if self.bridge is not None:
            self.bridge.resume()

    def eof_received(self) -> bool:
        return False  # end the session

    def connection_lost(self, exc: Exception | None) -> None:
        self.front.sessions.discard(self)
        if self.bridge is not None:
            self.bridge.close()  # SIGHUP: the app closes its session and exits
        elif self._task is not None:
            self._task.cancel()

    def close(self) -> None:
        """Close the session from the gateway's side (idle, or shutting down)."""
        if self.chan is not None:
            self.chan.close()


class SshFront:
    def __init__(
        self,
        options: GatewayOptions,
        spawner: Spawner,
        caps: SessionCaps,
        host_key: asyncssh.SSHKey,
    ) -> None:
        self.options = options
        self.spawner = spawner
        self.caps = caps
        self.host_key = host_key
        self.sessions: set[_PlayerSession] = set()
        self.refused = 0
        self.ssh_port = options.ssh_port
        self._server: asyncssh.SSHAcceptor | None = None
        self._idle_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        factory: Callable[[], asyncssh.SSHServer] = lambda: _Connection(self)  # noqa: E731
        self._server = await asyncssh.create_server(
            factory,
            self.options.host,
            self.options.ssh_port,
            server_host_keys=[self.host_key],
            server_version="Quizwire",
            encoding=None,
            line_editor=False,
            allow_pty=True,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            login_timeout=self.options.login_timeout,
            keepalive_interval=30,
            keepalive_count_max=4,
        )
        sockets = self._server.sockets
        self.ssh_port = int(sockets[0].getsockname()[1]) if sockets else self.options.ssh_port
        self._idle_task = asyncio.get_running_loop().create_task(self._close_idle())

    async def _close_idle(self) -> None:
        limit = self.options.idle_timeout
        while True:
            await asyncio.sleep(min(5.0, limit / 2))
            now = time.monotonic()
            for session in [s for s in self.sessions if now - s.last_input > limit]:
                log.info("closing an idle session from %s", session.connection.address)
                session.close()

    def request_for(self, connection: _Connection, term: str | None) -> SessionRequest:
        """The session's identity, preset game and how to come back, from its login."""
        options = self.options
        login = parse_login(connection.username)
        come_back = ""
        if login.rejoin_code is None and connection.key is not None:
            fingerprint = connection.key.get_fingerprint("sha256")
            root = credentials_root(options.players_dir, key_fingerprint=fingerprint)
            label = "SSH · your key keeps your score: reconnect any time"
        else:
            code = login.rejoin_code or new_rejoin_code()
            root = credentials_root(options.players_dir, rejoin_code=code)
            host, port = options.advertised_host, self.ssh_port
            come_back = ssh_command(host, port, f"{{game}}-{code}")
            label = f"SSH · your rejoin code: {code}"
        return SessionRequest(
            kind="pty",
            http_endpoint=options.http_endpoint,
            game_api=options.game_api,
            realtime_endpoint=options.realtime_endpoint,
            credentials_root=str(root),
            game=login.game,
            target_label=label,
            come_back=come_back,
            after_game_s=options.after_game_s,
            env=client_env(term),
        )

    async def close(self) -> None:
        if self._idle_task is not None:
            self._idle_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._idle_task
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for session in list(self.sessions):
            session.close()
