"""The gateway's SSH host key: generated once, kept in the data dir, so players' ``ssh`` does
not warn about a changed host key every time the gateway restarts."""

from __future__ import annotations

from pathlib import Path

import asyncssh

__all__ = ["load_host_key"]


def load_host_key(path: Path) -> asyncssh.SSHKey:
    """The Ed25519 key in ``path``, created (mode 0600) if missing. A key file that does not
    parse is an error, not silently replaced: players would be told the host changed."""
    if path.exists():
        return asyncssh.read_private_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="quizwire gateway")
    tmp = path.with_suffix(".tmp")
    key.write_private_key(tmp)
    tmp.chmod(0o600)
    tmp.replace(path)
    return key
