"""A client that hoards sockets does not make the stub unreachable for the room.

Each test starts a real ``quizwire stub`` subprocess and attacks it over real sockets from its
own loopback source address (all of 127.0.0.0/8 is on ``lo``), while a player from another
address checks that the room still gets through.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect

from bench.procs import stub_argv
from tests.conformance.conftest import launch
from tests.conformance.wire import (
    SUBPROTOCOL,
    Endpoint,
    api_key_auth,
    header_subprotocol,
    open_conn,
    unique_channel,
)

ATTACKER = "127.0.0.66"
PLAYER = "127.0.0.1"


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples in Prometheus ``text`` that carry ``labels``."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def host_port(ep: Endpoint) -> tuple[str, int]:
    host, _, port = ep.host.rpartition(":")
    return host, int(port)


async def raw_socket(
    ep: Endpoint, source: str = ATTACKER
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = host_port(ep)
    return await asyncio.open_connection(host, port, local_addr=(source, 0))


async def closed_by_server(reader: asyncio.StreamReader, within: float) -> bytes:
    """Read until the server closes the socket; fail if it is still open after ``within`` s."""
    data = b""
    async with asyncio.timeout(within):
        try:
            while chunk := await reader.read(4096):
                data += chunk
        except ConnectionResetError:  # closed with our bytes unread: a reset, still a close
            pass
    return data


# -- idle and half-open connections -------------------------------------------------------------


async def test_a_silent_tcp_socket_is_closed(quick_stub: Endpoint) -> None:
    reader, writer = await raw_socket(quick_stub)
    started = time.monotonic()
    assert await closed_by_server(reader, within=5.0) == b""
    assert time.monotonic() - started < 5.0
    writer.close()


async def test_headers_that_never_finish_are_cut_off(quick_stub: Endpoint) -> None:
    """Slowloris: a request line and a header, then a byte now and then, never the blank line."""
    reader, writer = await raw_socket(quick_stub)
    writer.write(b"GET /event/realtime HTTP/1.1\r\nHost: x\r\n")

    async def trickle() -> None:
        with contextlib.suppress(ConnectionError):
            for _ in range(50):
                await asyncio.sleep(0.1)
                writer.write(b"X")
                await writer.drain()

    dripping = asyncio.create_task(trickle())
    await closed_by_server(reader, within=5.0)
    dripping.cancel()
    writer.close()


async def test_a_body_that_trickles_in_gets_408(quick_stub: Endpoint) -> None:
    reader, writer = await raw_socket(quick_stub)
    writer.write(
        b"POST /event HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"x-api-key: " + quick_stub.api_key.encode() + b"\r\nContent-Length: 1000\r\n\r\n{"
    )
    await writer.drain()
    answer = await closed_by_server(reader, within=5.0)
    assert answer.startswith(b"HTTP/1.1 408")
    writer.close()


async def test_a_websocket_that_never_initialises_is_closed(quick_stub: Endpoint) -> None:
    """An API-key socket that sends neither connection_init nor an operation is closed (1008),
    as AWS closes an un-initialised socket; one that subscribes straight away (no init, as AWS
    tutorials do) is not."""
    async with open_conn(quick_stub, init=False) as idle:
        assert await idle.closed(within=5.0) == 1008
    async with open_conn(quick_stub, init=False) as busy:
        assert (await busy.subscribe(unique_channel()))["type"] == "subscribe_success"
        await asyncio.sleep(1.2)  # more than twice the idle timeout
        assert await busy.is_open()


# -- caps ---------------------------------------------------------------------------------------


@pytest.fixture
def capped_stub(tmp_path: Path) -> Iterator[Endpoint]:
    yield from launch(tmp_path, "--max-connections-per-address", "20")


async def test_one_address_cannot_take_the_room(capped_stub: Endpoint) -> None:
    """An attacker holding sockets hits its own cap (503, Retry-After); a player from another
    address still connects, subscribes and gets its events."""
    held = []
    try:
        for _ in range(20):
            held.append(
                await connect(
                    capped_stub.realtime,
                    subprotocols=[SUBPROTOCOL, header_subprotocol(api_key_auth(capped_stub))],  # type: ignore[list-item]
                    local_addr=(ATTACKER, 0),
                )
            )
        for ws in held:  # initialised: they would stay open for good
            await ws.send('{"type":"connection_init"}')
        reader, writer = await raw_socket(capped_stub)
        refused = await closed_by_server(reader, within=5.0)
        writer.close()
        assert refused.startswith(b"HTTP/1.1 503")
        assert b"Retry-After: 5" in refused
        assert b"LimitExceededError" in refused

        async with open_conn(capped_stub, local_addr=(PLAYER, 0)) as player:
            channel = unique_channel()
            sub = await player.subscribe(channel, sub_id="s1")
            assert sub["type"] == "subscribe_success"
            await player.publish(channel, ['{"hello":1}'])
            assert await player.data("s1", 1) == [{"hello": 1}]
    finally:
        for ws in held:
            await ws.close()
    # freed sockets are counted back: the attacker's address may connect again
    async with open_conn(capped_stub, local_addr=(ATTACKER, 0)) as again:
        assert await again.is_open()


async def test_metrics_count_the_refusals(capped_stub: Endpoint, http: httpx.AsyncClient) -> None:
    socks = [await raw_socket(capped_stub) for _ in range(25)]
    await asyncio.sleep(0.2)
    text = (await http.get(capped_stub.http.rsplit("/event", 1)[0] + "/metrics")).text
    for _, writer in socks:
        writer.close()
    assert metric(text, "quizwire_connections_capped_total", cap="per_address") == 5


# -- out of descriptors --------------------------------------------------------------------------


def _low_fd_stub(
    tmp_path: Path, *extra: str, limit: int = 160
) -> tuple[subprocess.Popen[bytes], Path]:
    port = _free_port()
    data = tmp_path / "data"
    data.mkdir()
    log = tmp_path / "stub.log"

    def limit_fds() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*stub_argv(data, port, load_test=False), "--max-connections-per-address", "0", *extra],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "QUIZWIRE_CONFIG_DIR": str(tmp_path / "config")},
            preexec_fn=limit_fds,
        )
    deadline = time.monotonic() + 20
    while not (data / "stub.json").exists():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.2)
    return proc, log


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def flood(port: int, count: int, seconds: float) -> AsyncIterator[int]:
    """Open ``count`` sockets to the stub (as fast as it accepts) and hold them ``seconds``."""
    writers: list[asyncio.StreamWriter] = []
    opened = 0

    async def one() -> None:
        nonlocal opened
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(seconds):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writers.append(writer)
                opened += 1

    await asyncio.gather(*(one() for _ in range(count)))
    try:
        await asyncio.sleep(seconds)
        yield opened
    finally:
        for writer in writers:
            writer.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


async def test_running_out_of_descriptors_is_logged_once_a_second(tmp_path: Path) -> None:
    """With the total cap lifted past the open-files limit, accept() fails with EMFILE; asyncio
    reports each failure with a traceback, which the stub now logs at most once a second."""
    proc, log = _low_fd_stub(tmp_path, "--max-connections", "100000")
    try:
        started = time.monotonic()
        async with flood(_port_of(tmp_path), 400, seconds=3.0):
            pass
        elapsed = time.monotonic() - started
    finally:
        _stop(proc)
    text = log.read_text(errors="replace")
    reports = text.count("out of system resource")
    assert 1 <= reports <= elapsed + 2, text[-3000:]


async def test_the_total_cap_keeps_descriptors_for_the_store(tmp_path: Path) -> None:
    """By default the stub stops admitting connections a reserve short of its open-files limit:
    a flood past the limit gets 503s instead of making accept() fail (which left the process
    without descriptors for its own files), and the stub serves a request meanwhile."""
    proc, log = _low_fd_stub(tmp_path, limit=1024)
    port = _port_of(tmp_path)
    writers: list[asyncio.StreamWriter] = []
    try:
        for _ in range(24):  # 1,200 sockets, 50 at a time: more than the stub's 1,024 files
            batch = await asyncio.gather(
                *(asyncio.open_connection("127.0.0.1", port) for _ in range(50))
            )
            writers.extend(writer for _, writer in batch)
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient() as http:
            full = await http.get(f"http://127.0.0.1:{port}/metrics")
            assert full.status_code == 503
            assert full.json()["errors"][0]["message"] == "The server is at its connection limit"
            for writer in writers[:100]:  # some of the flood lets go: room for one request
                writer.close()
            for _ in range(50):
                response = await http.get(f"http://127.0.0.1:{port}/metrics")
                if response.status_code == 200:
                    break
                await asyncio.sleep(0.1)
        assert response.status_code == 200
        assert metric(response.text, "quizwire_connections_capped_total", cap="total") >= 200
    finally:
        for writer in writers:
            writer.close()
        _stop(proc)
    assert "out of system resource" not in log.read_text(errors="replace")


def _port_of(tmp_path: Path) -> int:
    import json

    info = json.loads((tmp_path / "data" / "stub.json").read_text())
    return int(info["host"].rpartition(":")[2])


if sys.platform != "linux":  # pragma: no cover - the limits above are Linux's
    pytestmark = pytest.mark.skip("Linux only")


# -- frames ------------------------------------------------------------------------------------


async def test_a_frame_flood_is_paced_not_dropped(stub: Endpoint) -> None:
    """Past a burst of 400, one connection's frames are read at 100 a second: the flood waits
    in its own socket buffers (nothing is lost: every frame still gets its answer), and another
    client is served at once meanwhile."""
    async with open_conn(stub, local_addr=(ATTACKER, 0)) as flood, open_conn(stub) as player:
        for _ in range(600):
            await flood.send("{garbage")
        async with asyncio.timeout(5):
            first = [await flood.expect("error") for _ in range(400)]
        assert len(first) == 400
        # the other client does not wait behind the flood
        channel = unique_channel()
        assert (await player.subscribe(channel))["type"] == "subscribe_success"
        # the rest arrive, paced: all 200 within a few seconds, not all at once
        rest = [await flood.expect("error", within=10.0) for _ in range(200)]
        assert len(rest) == 200
        assert await flood.is_open()
    async with httpx.AsyncClient() as http:
        text = (await http.get(stub.http.rsplit("/event", 1)[0] + "/metrics")).text
    assert metric(text, "quizwire_frames_paced_total") > 0
    assert metric(text, "quizwire_bad_frames_total") == 600


async def test_big_frames_are_paced_by_their_size(stub: Endpoint) -> None:
    """A 1 MB frame holds the event loop as long as ~75 small ones: it costs that much of the
    connection's frame allowance. Twenty 400 KB frames (more than the burst) are all answered,
    but the last ones only after a wait -- before, all twenty were read as fast as they came."""
    big = '{"type":"nonsense","id":"x","pad":"' + "x" * 400_000 + '"}'
    async with open_conn(stub, local_addr=(ATTACKER, 0)) as flood:
        started = time.monotonic()
        for _ in range(20):
            await flood.send(big)
        replies = [await flood.expect("error", within=30.0) for _ in range(20)]
        elapsed = time.monotonic() - started
    assert len(replies) == 20  # nothing dropped
    # 20 x (1 + 400,000 / 16,384) ~ 508 frames' worth: ~108 past the burst of 400, ~1 s at 100/s
    assert elapsed >= 0.8, elapsed
