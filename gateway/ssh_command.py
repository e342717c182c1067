"""The SSH command a player types (shared by the gateway and the console, without asyncssh)."""

from __future__ import annotations

__all__ = ["ssh_command"]


def ssh_command(host: str, port: int, user: str) -> str:
    """``ssh -p 2222 K7QX2M@10.0.0.5`` (no ``-p`` for port 22; IPv6 in brackets)."""
    at_host = f"{user}@[{host}]" if ":" in host else f"{user}@{host}"
    return f"ssh {at_host}" if port == 22 else f"ssh -p {port} {at_host}"
