"""Who an SSH or browser player is, across reconnects, and where their credential lives.

A player's saved credential (what rejoins them with their score) lives in a folder of its own
per identity: the fingerprint of the SSH key they offered, a rejoin code the gateway showed
them (typed back as the SSH user name, ``K7QX2M-7QW3ZP9KXD``), or a browser's cookie.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from quizwire.channels import GAME_ID_ALPHABET

__all__ = [
    "REJOIN_CODE_LEN",
    "Login",
    "credentials_root",
    "new_rejoin_code",
    "parse_login",
]

REJOIN_CODE_LEN = 10  # ~49 bits from the game-code alphabet: not guessable, still typeable
_GAME = f"[{GAME_ID_ALPHABET}]{{6}}"
_REJOIN = f"[{GAME_ID_ALPHABET}]{{{REJOIN_CODE_LEN}}}"
_LOGIN = re.compile(rf"(?P<game>{_GAME})(?:-(?P<rejoin>{_REJOIN}))?")
_COOKIE = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True, slots=True)
class Login:
    """What an SSH user name asks for: a game (its join screen), and a rejoin code."""

    game: str | None = None
    rejoin_code: str | None = None


def parse_login(username: str) -> Login:
    """``K7QX2M`` -> that game; ``K7QX2M-7QW3ZP9KXD`` -> that game, rejoining with that code;
    anything else (``quiz``, ``root``, a typo) -> the plain join screen."""
    match = _LOGIN.fullmatch(username.strip().upper())
    if match is None:
        return Login()
    return Login(match["game"], match["rejoin"])


def new_rejoin_code() -> str:
    return "".join(secrets.choice(GAME_ID_ALPHABET) for _ in range(REJOIN_CODE_LEN))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def credentials_root(
    players_dir: Path,
    *,
    key_fingerprint: str | None = None,
    rejoin_code: str | None = None,
    cookie: str | None = None,
) -> Path:
    """The credential folder of one identity (exactly one of the three must be given).

    Folder names are digests: nothing a client sends names a file directly."""
    given = [v for v in (key_fingerprint, rejoin_code, cookie) if v]
    if len(given) != 1:
        raise ValueError("one identity: a key fingerprint, a rejoin code or a cookie")
    if key_fingerprint:
        return players_dir / f"key-{_digest(key_fingerprint)}"
    if rejoin_code:
        if re.fullmatch(_REJOIN, rejoin_code) is None:
            raise ValueError(f"{rejoin_code!r} is not a rejoin code")
        return players_dir / f"code-{_digest(rejoin_code)}"
    assert cookie is not None
    if _COOKIE.fullmatch(cookie) is None:
        raise ValueError("not a player cookie")
    return players_dir / f"web-{_digest(cookie)}"
