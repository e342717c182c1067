"""The gateway's settings (``quizwire gateway``'s flags)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["GatewayOptions"]


@dataclass(frozen=True, slots=True)
class GatewayOptions:
    data_dir: Path  # host key, players' credentials, the zygote's log
    http_endpoint: str  # the Event API the sessions play against
    game_api: str
    realtime_endpoint: str | None = None
    host: str = "127.0.0.1"
    ssh_port: int = 2222  # 0 picks a free one
    web_port: int | None = 8788  # None: no web front
    advertised_host: str = "127.0.0.1"  # what the console's SSH command and URL name
    max_sessions_per_address: int = 20  # 0: no cap
    max_sessions: int = 500
    idle_timeout: float = 1800.0  # no input at all for this long: the session is closed
    after_game_s: float = 120.0  # after the game ends, a session closes once idle this long
    login_timeout: float = 20.0  # the SSH handshake and auth must finish within this
    zygote: bool = True  # False: fork-exec a new interpreter per session (the baseline)

    @property
    def players_dir(self) -> Path:
        return self.data_dir / "players"

    @property
    def host_key_path(self) -> Path:
        return self.data_dir / "ssh_host_ed25519_key"
