"""What the gateway asks of one player process: the target, the identity's credential folder,
the game to preset, and the terminal it runs on (a pty, or the web driver's pipes)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["SessionRequest"]

Kind = Literal["pty", "web"]

#: the only environment variables a client may influence (their values are checked too)
CLIENT_ENV = ("TERM", "COLORTERM", "LANG")


@dataclass(frozen=True, slots=True)
class SessionRequest:
    kind: Kind
    http_endpoint: str
    game_api: str
    credentials_root: str
    realtime_endpoint: str | None = None
    game: str | None = None
    target_label: str = ""
    #: "ssh -p 2222 {game}-CODE@host": how to come back, said once the game is joined
    come_back: str = ""
    after_game_s: float = 120.0
    env: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> SessionRequest:
        data: dict[str, Any] = json.loads(raw)
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def client_env(term: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The child's terminal environment from what the client said, values checked: a client
    cannot set PYTHONPATH or LD_PRELOAD, nor a TERM that is not a plain name."""
    env = {"TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8"}
    if term and term.replace("-", "").replace(".", "").isalnum() and len(term) <= 40:
        env["TERM"] = term
    for key, value in (extra or {}).items():
        if (
            key in CLIENT_ENV
            and len(value) <= 40
            and value.replace("-", "").replace(".", "").replace("_", "").isalnum()
        ):
            env[key] = value
    return env
