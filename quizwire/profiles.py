"""Profiles: where a client finds its Event API and credentials (``quizwire profile ...``).

Stored as JSON in the user's config dir (``QUIZWIRE_CONFIG_DIR`` overrides it), readable by the
user only because profiles hold API keys and stub credentials.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

PROFILES_FILE = "profiles.json"


def config_dir() -> Path:
    override = os.environ.get("QUIZWIRE_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("quizwire"))


def data_dir() -> Path:
    override = os.environ.get("QUIZWIRE_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("quizwire"))


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    http_endpoint: str  # https://<id>.appsync-api.<region>.amazonaws.com/event, or the stub's
    region: str = "us-east-1"
    realtime_endpoint: str | None = None
    api_key: str | None = None
    # IAM for the presenter: explicit keys (the stub's) or the standard AWS chain (deployed).
    access_key_id: str | None = None
    secret_access_key: str | None = None
    aws_profile: str | None = None
    game_api: str | None = None  # base URL of the entry/admin REST API
    source: str = "manual"

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Profile:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})

    def redacted(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("api_key", "secret_access_key"):
            if out.get(key):
                out[key] = out[key][:6] + "…"
        return out


class ProfileError(LookupError):
    pass


def _path() -> Path:
    return config_dir() / PROFILES_FILE


def load_profiles() -> dict[str, Profile]:
    path = _path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, json.JSONDecodeError) as exc:
        raise ProfileError(f"{path}: unreadable profiles file ({exc})") from exc
    if not isinstance(raw, dict):
        raise ProfileError(f"{path}: expected a JSON object of profiles")
    return {
        name: Profile.from_json({**value, "name": name})
        for name, value in raw.items()
        if isinstance(value, dict)
    }


def get_profile(name: str) -> Profile:
    profiles = load_profiles()
    if name not in profiles:
        hint = ", ".join(sorted(profiles)) or "none yet; `quizwire stub` creates `local`"
        raise ProfileError(f"no profile named {name!r} (profiles: {hint})")
    return profiles[name]


def save_profile(profile: Profile) -> Path:
    profiles = load_profiles()
    profiles[profile.name] = profile
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        name: {k: v for k, v in asdict(p).items() if k != "name"} for name, p in profiles.items()
    }
    write_private(path, json.dumps(body, indent=2, sort_keys=True) + "\n")
    return path


def delete_profile(name: str) -> bool:
    profiles = load_profiles()
    if profiles.pop(name, None) is None:
        return False
    body = {n: {k: v for k, v in asdict(p).items() if k != "name"} for n, p in profiles.items()}
    write_private(_path(), json.dumps(body, indent=2, sort_keys=True) + "\n")
    return True


def write_private(path: Path, text: str) -> None:
    """Write atomically with mode 0600 (the file holds secrets)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
