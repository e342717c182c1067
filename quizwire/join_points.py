"""Where a running gateway (``quizwire gateway``) says how to reach it, for the presenter
console to show; a config file like the profiles, so the console needs nothing of the gateway.

The gateway writes ``gateways/<digest of the Event API endpoint>.json`` under the data dir;
the console, attached to a game on that endpoint, reads it and shows the SSH command, the URL
and a QR code of the URL. A file whose gateway is no longer running is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from quizwire.profiles import data_dir, write_private

__all__ = [
    "JoinPoints",
    "read_join_points",
    "remove_join_points",
    "ssh_command",
    "write_join_points",
]


def ssh_command(host: str, port: int, user: str) -> str:
    """``ssh -p 2222 K7QX2M@10.0.0.5`` (no ``-p`` for port 22; IPv6 in brackets)."""
    at_host = f"{user}@[{host}]" if ":" in host else f"{user}@{host}"
    return f"ssh {at_host}" if port == 22 else f"ssh -p {port} {at_host}"


@dataclass(frozen=True, slots=True)
class JoinPoints:
    """How players reach one gateway; ``for_game`` fills in a game code."""

    ssh_host: str
    ssh_port: int | None  # None: no SSH front
    web_base: str | None  # e.g. "http://10.0.0.5:8788"; None: no web front
    pid: int = 0

    def ssh_for(self, code: str) -> str | None:
        if self.ssh_port is None:
            return None
        return ssh_command(self.ssh_host, self.ssh_port, code)

    def url_for(self, code: str) -> str | None:
        return None if self.web_base is None else f"{self.web_base}/play/{code}"


def _path(http_endpoint: str, root: Path | None) -> Path:
    digest = hashlib.sha256(http_endpoint.encode()).hexdigest()[:16]
    return (root or data_dir()) / "gateways" / f"{digest}.json"


def write_join_points(http_endpoint: str, points: JoinPoints, root: Path | None = None) -> Path:
    path = _path(http_endpoint, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, json.dumps(asdict(points)))
    return path


def remove_join_points(http_endpoint: str, root: Path | None = None) -> None:
    with contextlib.suppress(OSError):
        _path(http_endpoint, root).unlink()


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_join_points(http_endpoint: str, root: Path | None = None) -> JoinPoints | None:
    """The running gateway for ``http_endpoint``, or None (none, gone, or unreadable)."""
    try:
        raw = json.loads(_path(http_endpoint, root).read_text(encoding="utf-8"))
        points = JoinPoints(
            ssh_host=str(raw["ssh_host"]),
            ssh_port=None if raw["ssh_port"] is None else int(raw["ssh_port"]),
            web_base=None if raw["web_base"] is None else str(raw["web_base"]),
            pid=int(raw["pid"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return points if _alive(points.pid) else None
