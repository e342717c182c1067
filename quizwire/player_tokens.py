"""Player credentials: an id and a secret a player keeps to rejoin with the same score.

The token ``qw1.<gameId>.<playerId>.<secret>`` is the ``Authorization`` value of the
``AWS_LAMBDA`` auth mode; the authorizer (stub or Lambda) parses it and compares the secret's
SHA-256 with the stored hash in constant time. Only hashes are stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass

TOKEN_PREFIX = "qw1"
#: How long an Event API may cache an authorizer's "no". Short: a kicked-then-readmitted player
#: must get back in within seconds (the stub also purges its cache at once on kick/readmit).
DENIAL_TTL_S = 5
_ID_ALPHABET = string.ascii_lowercase + string.digits
_ID_LENGTH = 11
_ID_SPACE = len(_ID_ALPHABET) ** _ID_LENGTH


@dataclass(frozen=True, slots=True)
class PlayerCredential:
    game_id: str
    player_id: str
    secret: str

    @property
    def token(self) -> str:
        return f"{TOKEN_PREFIX}.{self.game_id}.{self.player_id}.{self.secret}"

    def __repr__(self) -> str:
        return f"PlayerCredential(game_id={self.game_id!r}, player_id={self.player_id!r})"


def new_credential(game_id: str) -> PlayerCredential:
    return PlayerCredential(game_id, _new_player_id(), secrets.token_urlsafe(24))


def _new_player_id() -> str:
    """``p`` + 11 characters of ``[a-z0-9]``: one random draw written in base 36 (eleven
    ``secrets.choice`` calls cost 19 us a join storm pays for every player)."""
    n = secrets.randbelow(_ID_SPACE)
    chars = []
    for _ in range(_ID_LENGTH):
        n, digit = divmod(n, len(_ID_ALPHABET))
        chars.append(_ID_ALPHABET[digit])
    return "p" + "".join(chars)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_token(token: str) -> PlayerCredential | None:
    """The credential a token names, or None if it is not a well-formed player token."""
    if len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != TOKEN_PREFIX or not all(parts[1:]):
        return None
    return PlayerCredential(parts[1], parts[2], parts[3])


def secret_matches(secret: str, stored_hash: str | None) -> bool:
    if stored_hash is None:
        hmac.compare_digest(hash_secret(secret), hash_secret(""))  # same work either way
        return False
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def denied() -> dict[str, object]:
    """The authorizer's refusal (the stub's and the Lambda's): cached only briefly."""
    return {"isAuthorized": False, "ttlOverride": DENIAL_TTL_S}


def names_player(token: str, game_id: str, player_id: str) -> bool:
    """Whether ``token`` is (or claims to be) this player's: for purging cached decisions."""
    credential = parse_token(token)
    return (
        credential is not None
        and credential.game_id == game_id
        and credential.player_id == player_id
    )
