"""The stub's API key and IAM credentials: made once per data dir, kept across restarts."""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass
from pathlib import Path

from backend_stub.config import IamCredential
from quizwire.profiles import write_private

_ALNUM = string.ascii_lowercase + string.digits
_UPPER = string.ascii_uppercase + string.digits


@dataclass(frozen=True, slots=True)
class StubSecrets:
    api_key: str
    iam: IamCredential


def new_api_key() -> str:
    """``da2-`` + 26 characters, the shape of an AppSync API key."""
    return "da2-" + "".join(secrets.choice(_ALNUM) for _ in range(26))


def _new_iam() -> IamCredential:
    return IamCredential(
        "AKIAQW" + "".join(secrets.choice(_UPPER) for _ in range(14)),
        secrets.token_urlsafe(30)[:40],
    )


def load_or_create(data_dir: Path, api_key: str | None = None) -> StubSecrets:
    path = data_dir / "credentials.json"
    stored: dict[str, str] = {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(raw, dict):
            stored = {k: v for k, v in raw.items() if isinstance(v, str)}
    except (FileNotFoundError, json.JSONDecodeError):
        pass
    key = api_key or stored.get("api_key") or new_api_key()
    if stored.get("access_key_id") and stored.get("secret_access_key"):
        iam = IamCredential(stored["access_key_id"], stored["secret_access_key"])
    else:
        iam = _new_iam()
    body = {
        "api_key": key,
        "access_key_id": iam.access_key_id,
        "secret_access_key": iam.secret_access_key,
    }
    if body != stored:
        data_dir.mkdir(parents=True, exist_ok=True)
        write_private(path, json.dumps(body, indent=2) + "\n")
    return StubSecrets(key, iam)
