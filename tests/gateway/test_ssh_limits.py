"""What the SSH front refuses: anything but the player app on a pty (exec, sftp, port and
agent forwarding), a second session on one connection, connections over the per-address cap;
and the host key it keeps across restarts."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import asyncssh
import pytest

from gateway.hostkey import load_host_key
from gateway.ssh import _Connection
from tests.gateway.conftest import GatewayFactory, Room, ssh_port
from tests.gateway.terminal import SshTerminal, _NoKeyClient

WAIT_S = 20.0


async def connect(port: int, **options: object) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect(
        "127.0.0.1",
        port,
        username="quiz",
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        client_factory=_NoKeyClient,
        **options,
    )


async def test_exec_and_sftp_are_refused(room: Room, make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway()
    async with await connect(ssh_port(gateway)) as conn:
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.run("cat /etc/passwd", check=False)
    async with await connect(ssh_port(gateway)) as conn:
        with pytest.raises((asyncssh.ChannelOpenError, asyncssh.SFTPError)):
            await conn.start_sftp_client()


async def test_a_shell_without_a_terminal_is_told_to_use_one(
    room: Room, make_gateway: GatewayFactory
) -> None:
    gateway = await make_gateway()
    term = await SshTerminal.open(ssh_port(gateway), "quiz", pty=False)
    await asyncio.wait_for(term.closed.wait(), WAIT_S)
    assert term.exit_status == 1
    assert b"Quizwire is a terminal app" in term.raw
    await term.close()


async def test_port_forwarding_is_refused(room: Room, make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway()
    async with await connect(ssh_port(gateway)) as conn:
        # -L: a direct-tcpip channel to the stub's own port is refused
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.open_connection("127.0.0.1", room.stub.events.port)
        # -R: the gateway listens on nothing for the client
        with pytest.raises(asyncssh.ChannelListenError):
            await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 9)


async def test_agent_forwarding_is_refused(
    room: Room, make_gateway: GatewayFactory, tmp_path: Path
) -> None:
    gateway = await make_gateway()
    code = await room.create()
    asked: list[bool] = []

    async def fake_agent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        asked.append(True)  # the gateway never opens the forwarded agent
        writer.close()

    agent_path = str(tmp_path / "agent.sock")
    agent = await asyncio.start_unix_server(fake_agent, agent_path)
    try:
        term = await SshTerminal.open(
            ssh_port(gateway), code, agent_path=agent_path, agent_forwarding=True
        )
        await term.wait_text("Nickname")
        assert gateway.ssh is not None
        (session,) = gateway.ssh.sessions
        assert session.chan is not None
        assert session.chan.get_agent_path() is None
        assert not asked
        await term.close()
    finally:
        agent.close()


async def test_one_session_per_connection(room: Room, make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway()
    term = await SshTerminal.open(ssh_port(gateway), "quiz")
    await term.wait_text("Nickname")
    assert term.conn is not None
    with pytest.raises(asyncssh.ChannelOpenError):
        await term.conn.create_session(asyncssh.SSHClientSession, term_type="xterm")
    await term.close()


async def test_the_per_address_cap(room: Room, make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway(max_sessions_per_address=2)
    port = ssh_port(gateway)
    first = await SshTerminal.open(port, "quiz")
    second = await SshTerminal.open(port, "quiz")
    await second.wait_text("Nickname")
    with pytest.raises((asyncssh.Error, OSError)):
        await SshTerminal.open(port, "quiz")  # dropped before the handshake
    assert gateway.ssh is not None and gateway.ssh.refused == 1
    await first.close()
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while gateway.caps.open > 1:  # the slot comes back once the first connection is gone
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
    third = await SshTerminal.open(port, "quiz")
    await third.wait_text("Nickname")
    await third.close()
    await second.close()


async def test_a_silent_client_is_dropped_at_the_login_deadline(
    room: Room, make_gateway: GatewayFactory
) -> None:
    gateway = await make_gateway(login_timeout=1.0)
    reader, writer = await asyncio.open_connection("127.0.0.1", ssh_port(gateway))
    try:
        # the server's version line, then nothing from us: the gateway hangs up
        data = await asyncio.wait_for(reader.read(), WAIT_S)
        assert data.startswith(b"SSH-2.0-")
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    assert gateway.caps.open == 0


def test_a_key_only_queried_proves_nothing() -> None:
    """A public key is public: a client that offers someone's key, then logs in another way,
    must not be taken for them."""
    connection = _Connection.__new__(_Connection)
    connection.key = None
    someone = asyncssh.generate_private_key("ssh-ed25519").convert_to_public()
    assert connection.validate_public_key("quiz", someone)  # the query: "would you take it?"
    assert connection.get_kbdint_challenge("quiz", "", "") is True
    assert connection.key is None
    connection.validate_public_key("quiz", someone)
    assert connection.validate_password("quiz", "")
    assert connection.key is None


async def test_the_host_key_is_kept_across_restarts(
    room: Room, make_gateway: GatewayFactory, tmp_path: Path
) -> None:
    first = await make_gateway()
    async with await connect(ssh_port(first)) as conn:
        key_one = conn.get_server_host_key()
    await first.close()
    second = await make_gateway()
    async with await connect(ssh_port(second)) as conn:
        key_two = conn.get_server_host_key()
    assert key_one is not None and key_two is not None
    assert key_one.public_data == key_two.public_data
    key_file = tmp_path / "gateway" / "ssh_host_ed25519_key"
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_a_damaged_host_key_is_an_error_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text("not a key")
    with pytest.raises(asyncssh.KeyImportError):
        load_host_key(path)
    assert path.read_text() == "not a key"
