"""One hostile process against a stub, every attack at once (the ``hostile`` scenario's load).

Each attack comes from a loopback source address of its own, as several laptops in a room would
(127.0.0.0/8 is all on ``lo``):

- **slowloris**: more sockets than the per-address cap, each dribbling a byte of headers a
  second and never finishing them; reopened as fast as the stub closes or refuses them;
- **garbage**: WebSockets sending malformed JSON, huge integers and binary frames flat out;
- **refused subscribes**: WebSockets asking for other players' score channels with the API key;
- **entry flood**: concurrent ``GET /games/{code}`` and junk joins against the entry API;
- **amplification**: WebSockets subscribed 200 times to ``/default/*`` publishing 5 x 200 KB
  events at the per-connection quota.

It runs until its ``stop`` event is set (or ``max_s`` passes) and reports what it did and what
the stub answered. Bounded: a fixed number of sockets and tasks, loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing as mp
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from typing import Any

SOURCES = {
    "slowloris": "127.0.0.66",
    "garbage": "127.0.0.67",
    "subscribes": "127.0.0.68",
    "entry": "127.0.0.69",
    "amplify": "127.0.0.70",
}
HUGE_INT = "9" * 5000


@dataclass(frozen=True)
class FloodConfig:
    host: str  # host:port of the stub
    realtime: str
    game_api: str
    api_key: str
    game: str
    slowloris_sockets: int = 600
    garbage_sockets: int = 4
    subscribe_sockets: int = 4
    entry_concurrency: int = 32
    amplify_sockets: int = 4
    max_s: float = 300.0


async def _slowloris(cfg: FloodConfig, stop: asyncio.Event, counts: Counter[str]) -> None:
    host, _, port = cfg.host.rpartition(":")

    async def one() -> None:
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(
                    host, int(port), local_addr=(SOURCES["slowloris"], 0)
                )
            except OSError:
                counts["slowloris_connect_errors"] += 1
                await asyncio.sleep(0.5)
                continue
            counts["slowloris_opened"] += 1
            writer.write(b"GET /event/realtime HTTP/1.1\r\nHost: " + cfg.host.encode() + b"\r\n")
            try:
                while not stop.is_set():
                    try:
                        data = await asyncio.wait_for(reader.read(1024), 1.0)
                    except TimeoutError:
                        writer.write(b"X")  # never the blank line that ends the headers
                        await writer.drain()
                        continue
                    if data.startswith(b"HTTP/1.1 503"):
                        counts["slowloris_refused_503"] += 1
                    elif not data:
                        counts["slowloris_closed_by_server"] += 1
                    if not data or data.startswith(b"HTTP/"):
                        break
            except (OSError, ConnectionError):
                counts["slowloris_closed_by_server"] += 1
            finally:
                writer.close()
            await asyncio.sleep(0.05)

    await asyncio.gather(*(one() for _ in range(cfg.slowloris_sockets)))


async def _websocket(cfg: FloodConfig, source: str) -> Any:
    import base64

    from websockets.asyncio.client import connect

    auth = json.dumps({"host": cfg.host, "x-api-key": cfg.api_key}).encode()
    header = "header-" + base64.urlsafe_b64encode(auth).decode().rstrip("=")
    return await connect(
        cfg.realtime,
        subprotocols=["aws-appsync-event-ws", header],  # type: ignore[list-item]
        local_addr=(source, 0),
        open_timeout=10,
        max_queue=None,
        compression=None,
    )


async def _drain(ws: Any, counts: Counter[str], key: str) -> None:
    with contextlib.suppress(Exception):
        async for _ in ws:
            counts[key] += 1


async def _ws_loop(
    cfg: FloodConfig,
    stop: asyncio.Event,
    counts: Counter[str],
    kind: str,
    frames: Sequence[str | bytes],
    sockets: int,
) -> None:
    async def one(n: int) -> None:
        while not stop.is_set():
            try:
                ws = await _websocket(cfg, SOURCES[kind])
            except Exception:
                counts[f"{kind}_connect_errors"] += 1
                await asyncio.sleep(0.5)
                continue
            reader = asyncio.create_task(_drain(ws, counts, f"{kind}_replies"))
            try:
                i = 0
                while not stop.is_set():
                    frame = frames[i % len(frames)]
                    if isinstance(frame, str):
                        frame = frame.replace("{n}", f"{n}x{i}")
                    await ws.send(frame)
                    counts[f"{kind}_sent"] += 1
                    i += 1
                    if i % 64 == 0:
                        await asyncio.sleep(0)
            except Exception:
                counts[f"{kind}_closed_by_server"] += 1
            finally:
                reader.cancel()
                with contextlib.suppress(Exception):
                    await ws.close()

    await asyncio.gather(*(one(n) for n in range(sockets)))


async def _entry_flood(cfg: FloodConfig, stop: asyncio.Event, counts: Counter[str]) -> None:
    import httpx

    transport = httpx.AsyncHTTPTransport(local_address=SOURCES["entry"], retries=0)
    limits = httpx.Limits(max_connections=cfg.entry_concurrency)
    async with httpx.AsyncClient(transport=transport, limits=limits, timeout=10) as http:

        async def one(n: int) -> None:
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    if i % 4:
                        response = await http.get(f"{cfg.game_api}/games/{cfg.game}")
                    else:
                        response = await http.post(
                            f"{cfg.game_api}/games/{cfg.game}/players",
                            content='{"name":' + HUGE_INT + "}",
                        )
                    counts[f"entry_{response.status_code}"] += 1
                except httpx.HTTPError:
                    counts["entry_errors"] += 1
                    await asyncio.sleep(0.1)

        await asyncio.gather(*(one(n) for n in range(cfg.entry_concurrency)))


async def _amplify(cfg: FloodConfig, stop: asyncio.Event, counts: Counter[str]) -> None:
    event = json.dumps("x" * (200 * 1024 - 2))
    auth = {"x-api-key": cfg.api_key, "host": cfg.host}

    async def one(n: int) -> None:
        while not stop.is_set():
            try:
                ws = await _websocket(cfg, SOURCES["amplify"])
            except Exception:
                counts["amplify_connect_errors"] += 1
                await asyncio.sleep(0.5)
                continue
            reader = asyncio.create_task(_drain(ws, counts, "amplify_received"))
            try:
                for s in range(200):
                    await ws.send(
                        json.dumps(
                            {
                                "type": "subscribe",
                                "id": f"a{s}",
                                "channel": "/default/*",
                                "authorization": auth,
                            }
                        )
                    )
                i = 0
                while not stop.is_set():
                    await ws.send(
                        json.dumps(
                            {
                                "type": "publish",
                                "id": f"p{n}x{i}",
                                "channel": f"/default/amp{n}",
                                "events": [event] * 5,
                                "authorization": auth,
                            }
                        )
                    )
                    counts["amplify_publishes"] += 1
                    i += 1
                    await asyncio.sleep(1 / 25)  # AppSync's per-connection publish quota
            except Exception:
                counts["amplify_closed_by_server"] += 1
            finally:
                reader.cancel()
                with contextlib.suppress(Exception):
                    await ws.close()

    await asyncio.gather(*(one(n) for n in range(cfg.amplify_sockets)))


async def flood(cfg: FloodConfig, stop_flag: Event) -> dict[str, int]:
    counts: Counter[str] = Counter()
    stop = asyncio.Event()
    garbage: list[str | bytes] = [
        "{not json",
        '{"type":"subscribe","id":"g{n}","n":' + HUGE_INT + "}",
        b"\x00\x01binary",
        '{"type":"nonsense","id":"g{n}"}',
        '{"type":"publish","id":"bad id!"}',
        "[" * 5000,
    ]
    auth = json.dumps({"x-api-key": cfg.api_key, "host": cfg.host})
    refused = [
        '{"type":"subscribe","id":"s{n}","channel":"/scores/'
        + cfg.game
        + '/pvictim","authorization":'
        + auth
        + "}",
        '{"type":"subscribe","id":"s{n}","channel":"/answer/'
        + cfg.game
        + '","authorization":'
        + auth
        + "}",
    ]
    tasks = [
        asyncio.create_task(_slowloris(cfg, stop, counts)),
        asyncio.create_task(_ws_loop(cfg, stop, counts, "garbage", garbage, cfg.garbage_sockets)),
        asyncio.create_task(
            _ws_loop(cfg, stop, counts, "subscribes", refused, cfg.subscribe_sockets)
        ),
        asyncio.create_task(_entry_flood(cfg, stop, counts)),
        asyncio.create_task(_amplify(cfg, stop, counts)),
    ]
    await asyncio.to_thread(stop_flag.wait, cfg.max_s)  # set by the scenario, across processes
    stop.set()
    await asyncio.wait(tasks, timeout=5.0)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return dict(counts)


def run(cfg: FloodConfig, stop_flag: Event, results: Any) -> None:
    """The flooder process's entry point: counts go back through ``results`` (a queue)."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # In a room the flooder is another laptop: its own CPU is not the stub's. On this one
    # machine it runs at the lowest priority, so that the figure is what the stub does with
    # the flood, not how the kernel splits two cores between the attacker and everyone else.
    with contextlib.suppress(OSError):
        os.nice(19)
    with contextlib.suppress(KeyboardInterrupt):
        counts = asyncio.run(flood(cfg, stop_flag))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        counts["flooder_cpu_ms"] = round(1000 * (usage.ru_utime + usage.ru_stime))
        results.put(counts)


def start(cfg: FloodConfig) -> tuple[mp.process.BaseProcess, Event, Any]:
    ctx = mp.get_context("spawn")
    stop_flag = ctx.Event()
    results = ctx.Queue()
    proc = ctx.Process(target=run, args=(cfg, stop_flag, results), name="flooder", daemon=True)
    proc.start()
    return proc, stop_flag, results
