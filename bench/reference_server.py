"""Reference fan-out server for bench.fanout: bare ``websockets`` + ``broadcast()``.

Speaks just enough of the AppSync Events WebSocket protocol for the load generator:
``connection_init`` -> ``connection_ack``, ``subscribe`` -> ``subscribe_success`` (any channel,
auth ignored), ``publish`` -> ``publish_success`` + one ``data`` frame per event, broadcast once
per subscription id to every socket that subscribed with that id.

Run: ``python -m bench.reference_server --port 0 --ready-file FILE`` (writes the same keys as
the stub's ``stub.json`` once listening, then serves until SIGTERM/SIGINT).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from collections import defaultdict
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.typing import Subprotocol

SUBPROTOCOL = Subprotocol("aws-appsync-event-ws")
ACK = json.dumps({"type": "connection_ack", "connectionTimeoutMs": 300000})
subscribers: defaultdict[str, set[ServerConnection]] = defaultdict(set)


def publish(msg: dict[str, Any]) -> str:
    for event in msg["events"]:
        for sub_id, conns in subscribers.items():
            broadcast(conns, json.dumps({"type": "data", "id": sub_id, "event": event}))
    successful = [{"identifier": f"{msg['id']}-{i}", "index": i} for i in range(len(msg["events"]))]
    return json.dumps(
        {"type": "publish_success", "id": msg["id"], "successful": successful, "failed": []}
    )


async def handler(ws: ServerConnection) -> None:
    my_ids: set[str] = set()
    try:
        async for raw in ws:
            msg = json.loads(raw)
            kind = msg.get("type")
            if kind == "connection_init":
                await ws.send(ACK)
            elif kind == "subscribe":
                subscribers[msg["id"]].add(ws)
                my_ids.add(msg["id"])
                await ws.send(json.dumps({"type": "subscribe_success", "id": msg["id"]}))
            elif kind == "publish":
                await ws.send(publish(msg))
    finally:
        for sub_id in my_ids:
            subscribers[sub_id].discard(ws)


async def main(host: str, port: int, ready_file: Path) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(
        handler,
        host,
        port,
        subprotocols=[SUBPROTOCOL],
        compression=None,
        ping_interval=None,
        max_size=None,
        max_queue=64,
        backlog=4096,
    ) as server:
        bound = server.sockets[0].getsockname()[1]
        write_ready(ready_file, host, bound)
        await stop


def write_ready(ready_file: Path, host: str, port: int) -> None:
    info = {
        "realtime": f"ws://{host}:{port}/event/realtime",
        "http": f"http://{host}:{port}/event",
        "host": f"{host}:{port}",
        "api_key": "da2-reference",
    }
    ready_file.write_text(json.dumps(info))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ready-file", type=Path, required=True)
    args = parser.parse_args()
    asyncio.run(main(args.host, args.port, args.ready_file))
