"""Player credentials seen through one nickname, so two players sharing a computer account
(two terminal panes, one data dir) stay two players.

``CredentialStore`` keeps one credential per game: the last one saved, which is what the join
screen offers to rejoin. :class:`NameScoped` adds one file per game *and nickname* next to it:
joining game X as Bob never picks up Alice's credential for X, and Alice can still come back
as herself after Bob joined.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from quizwire.channels import valid_id
from quizwire.client.player import CredentialStore, SavedPlayer, read_saved
from quizwire.names import name_key
from quizwire.profiles import write_private

__all__ = ["NameScoped"]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class NameScoped(CredentialStore):
    """``store`` as seen by the player called ``name``."""

    def __init__(self, store: CredentialStore, name: str) -> None:
        super().__init__(store.root)
        self.store = store
        self.key = name_key(name)

    def _named(self, http_endpoint: str, game_id: str) -> Path:
        folder = self.root / "by-name" / _digest(http_endpoint)
        return folder / f"{valid_id(game_id.upper(), 'game id')}-{_digest(self.key)}.json"

    def _mine(self, saved: SavedPlayer | None) -> SavedPlayer | None:
        return saved if saved is not None and name_key(saved.name) == self.key else None

    def load(self, http_endpoint: str, game_id: str) -> SavedPlayer | None:
        try:
            saved = read_saved(self._named(http_endpoint, game_id))
        except ValueError:
            saved = None
        return self._mine(saved) or self._mine(self.store.load(http_endpoint, game_id))

    def save(self, saved: SavedPlayer) -> None:
        self.store.save(saved)  # the game's latest credential: what a restart offers
        path = self._named(saved.http_endpoint, saved.game_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, json.dumps(asdict(saved), indent=2))

    def forget(self, http_endpoint: str, game_id: str) -> None:
        self._named(http_endpoint, game_id).unlink(missing_ok=True)
        if self._mine(self.store.load(http_endpoint, game_id)) is not None:
            self.store.forget(http_endpoint, game_id)

    def last_name(self) -> str | None:
        return self.store.last_name()

    def remember_name(self, name: str) -> None:
        self.store.remember_name(name)
