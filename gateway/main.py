"""Run the gateway: the session zygote, the SSH front, the web front, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path

from gateway.hostkey import load_host_key
from gateway.limits import SessionCaps
from gateway.options import GatewayOptions
from gateway.spawn import ExecSpawner, Spawner, ZygoteSpawner
from gateway.ssh import SshFront
from gateway.web import WebFront
from quizwire.join_points import JoinPoints, remove_join_points, ssh_command, write_join_points

__all__ = ["Gateway", "main", "run_gateway"]

log = logging.getLogger("quizwire.gateway")


class Gateway:
    """The session zygote (or fork-exec spawner), the SSH front and the web front."""

    def __init__(self, options: GatewayOptions) -> None:
        self.options = options
        log_path = options.data_dir / "sessions.log"
        self.spawner: Spawner = ZygoteSpawner(log_path) if options.zygote else ExecSpawner(log_path)
        self.caps = SessionCaps(options.max_sessions_per_address, options.max_sessions)
        self.ssh: SshFront | None = None
        self.web: WebFront | None = None

    async def start(self) -> JoinPoints:
        options = self.options
        await asyncio.to_thread(options.data_dir.mkdir, parents=True, exist_ok=True)
        host_key = await asyncio.to_thread(load_host_key, options.host_key_path)
        await self.spawner.start()
        self.ssh = SshFront(options, self.spawner, self.caps, host_key)
        await self.ssh.start()
        if options.web_port is not None:
            self.web = WebFront(options, self.spawner, self.caps)
            await self.web.start()
        host = options.advertised_host
        return JoinPoints(
            ssh_host=host,
            ssh_port=self.ssh.ssh_port,
            web_base=None if self.web is None else f"http://{_url_host(host)}:{self.web.port}",
            pid=os.getpid(),
        )

    async def close(self) -> None:
        if self.ssh is not None:
            await self.ssh.close()
        if self.web is not None:
            await self.web.close()
        await self.spawner.close()


async def run_gateway(options: GatewayOptions, ready_file: Path | None = None) -> None:
    """Run until SIGINT or SIGTERM; the console finds it through the join-points file."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    gateway = Gateway(options)
    try:
        points = await gateway.start()
        write_join_points(options.http_endpoint, points)
        _banner(options, points)
        if ready_file is not None:
            info = {
                "ssh_port": points.ssh_port,
                "web_port": gateway.web.port if gateway.web is not None else None,
                "zygote_pid": getattr(gateway.spawner, "pid", None),
                "pid": os.getpid(),
            }
            await asyncio.to_thread(ready_file.write_text, json.dumps(info))
        await stop.wait()
    finally:
        remove_join_points(options.http_endpoint)
        await gateway.close()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _banner(options: GatewayOptions, points: JoinPoints) -> None:
    lines = [
        f"Quizwire gateway for {options.http_endpoint}",
        f"  SSH:     {ssh_command(points.ssh_host, points.ssh_port or 22, 'GAMECODE')}",
    ]
    if points.web_base:
        lines.append(f"  Browser: {points.web_base}/play/GAMECODE")
    lines.append(
        f"  sessions: {'forked from a preloaded zygote' if options.zygote else 'fork-exec'}, "
        f"at most {options.max_sessions_per_address or 'any'} per address, "
        f"{options.max_sessions} in all"
    )
    lines.append("Ctrl-C stops it.")
    print("\n".join(lines), flush=True)


def main(options: GatewayOptions, ready_file: Path | None = None, log_level: str = "info") -> int:
    logging.basicConfig(
        level=getattr(logging, log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    try:
        asyncio.run(run_gateway(options, ready_file))
    except OSError as exc:
        print(f"quizwire gateway: {exc}", file=sys.stderr)
        return 1
    return 0
