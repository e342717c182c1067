"""The stub's store: SQLite in WAL mode, one file in the data dir.

Every accepted answer is committed before its score is published, so a stub killed with
``kill -9`` and restarted has every answer a player was told about. ``synchronous=NORMAL`` in
WAL mode survives a process crash (the OS still holds the log); only a power cut could lose the
last transactions, which is the usual trade for a laptop-hosted game. Writes made inside
:meth:`SqliteStore.transaction` share its one commit (the game service's group commit).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from quizwire.names import name_key
from quizwire.state import AnswerRecord, GameState, PlayerState
from quizwire.store import NameTaken

_SCHEMA = """
CREATE TABLE IF NOT EXISTS games (
    game_id    TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    state      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS players (
    game_id     TEXT NOT NULL,
    player_id   TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    state       TEXT NOT NULL,
    PRIMARY KEY (game_id, player_id),
    UNIQUE (game_id, name_key)
);
CREATE TABLE IF NOT EXISTS answers (
    game_id        TEXT NOT NULL,
    question_index INTEGER NOT NULL,
    player_id      TEXT NOT NULL,
    record         TEXT NOT NULL,
    PRIMARY KEY (game_id, question_index, player_id)
);
CREATE TABLE IF NOT EXISTS extras (
    game_id TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (game_id, key)
);
"""


def _make_private(db: Path) -> None:
    """The database holds every quiz with its answers and every player's secret hash: 0600,
    like the credentials. SQLite gives the WAL and shared-memory files the database's mode;
    files left by an older version are tightened too."""
    os.close(os.open(db, os.O_RDWR | os.O_CREAT, 0o600))
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, 0o600)


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)  # made once: see _dump


def _dump(value: Mapping[str, Any]) -> str:
    return _ENCODER.encode(value)  # json.dumps(value, **options) would build an encoder per row


class SqliteStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _make_private(self.path)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        # Checkpoint (copy the log into the database, with two fsyncs that block the event loop)
        # every ~40 MB of log rather than every ~4 MB: a burst of answers rewrites the same
        # player pages again and again, and each checkpoint copies a page once.
        self._db.execute("PRAGMA wal_autocheckpoint=10000")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Every write inside commits together (or not at all) when the block ends."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    # -- games ------------------------------------------------------------------------------------

    def create_game(self, game: GameState) -> None:
        try:
            self._db.execute(
                "INSERT INTO games (game_id, seq, created_at, state) VALUES (?, ?, ?, ?)",
                (game.game_id, game.seq, game.created_at, _dump(game.to_dict())),
            )
        except sqlite3.IntegrityError as exc:
            raise KeyError(game.game_id) from exc

    def load_game(self, game_id: str) -> GameState | None:
        row = self._db.execute("SELECT state FROM games WHERE game_id = ?", (game_id,)).fetchone()
        return GameState.from_dict(json.loads(row[0])) if row else None

    def list_games(self) -> Sequence[GameState]:
        rows = self._db.execute("SELECT state FROM games ORDER BY created_at").fetchall()
        return [GameState.from_dict(json.loads(row[0])) for row in rows]

    def save_game(self, game: GameState, expected_seq: int) -> bool:
        cur = self._db.execute(
            "UPDATE games SET seq = ?, state = ? WHERE game_id = ? AND seq = ?",
            (game.seq, _dump(game.to_dict()), game.game_id, expected_seq),
        )
        return cur.rowcount == 1

    # -- players ----------------------------------------------------------------------------------

    def add_player(self, game_id: str, player: PlayerState, secret_hash: str) -> None:
        try:
            self._db.execute(
                "INSERT INTO players (game_id, player_id, name_key, secret_hash, seq, state)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    game_id,
                    player.player_id,
                    name_key(player.name),
                    secret_hash,
                    player.seq,
                    _dump(player.to_dict()),
                ),
            )
        except sqlite3.IntegrityError as exc:
            if "name_key" in str(exc):
                raise NameTaken(player.name) from exc
            raise KeyError(player.player_id) from exc

    def load_players(self, game_id: str) -> Sequence[PlayerState]:
        rows = self._db.execute(
            "SELECT state FROM players WHERE game_id = ? ORDER BY rowid", (game_id,)
        ).fetchall()
        return [PlayerState.from_dict(json.loads(row[0])) for row in rows]

    def secret_hash(self, game_id: str, player_id: str) -> str | None:
        row = self._db.execute(
            "SELECT secret_hash FROM players WHERE game_id = ? AND player_id = ?",
            (game_id, player_id),
        ).fetchone()
        return str(row[0]) if row else None

    def save_player(self, game_id: str, player: PlayerState, expected_seq: int) -> bool:
        cur = self._db.execute(
            "UPDATE players SET seq = ?, state = ? WHERE game_id = ? AND player_id = ? AND seq = ?",
            (player.seq, _dump(player.to_dict()), game_id, player.player_id, expected_seq),
        )
        return cur.rowcount == 1

    # -- answers ----------------------------------------------------------------------------------

    def record_answer(
        self, game_id: str, player: PlayerState, expected_seq: int, record: AnswerRecord
    ) -> bool:
        if self._db.in_transaction:  # part of a group commit
            return self._record_answer(game_id, player, expected_seq, record)
        with self.transaction():
            return self._record_answer(game_id, player, expected_seq, record)

    def _record_answer(
        self, game_id: str, player: PlayerState, expected_seq: int, record: AnswerRecord
    ) -> bool:
        """Both rows or neither, inside the caller's transaction: a refused update takes its
        answer row back out, so the other writes of a group commit still go in."""
        db = self._db
        key = (game_id, record.question_index, record.player_id)
        cur = db.execute(
            "INSERT OR IGNORE INTO answers (game_id, question_index, player_id, record)"
            " VALUES (?, ?, ?, ?)",
            (*key, _dump(record.to_dict())),
        )
        if cur.rowcount != 1:
            return False
        if not self.save_player(game_id, player, expected_seq):
            db.execute(
                "DELETE FROM answers WHERE game_id = ? AND question_index = ? AND player_id = ?",
                key,
            )
            return False
        return True

    def load_answers(
        self, game_id: str, question_index: int | None = None
    ) -> Sequence[AnswerRecord]:
        if question_index is None:
            rows = self._db.execute(
                "SELECT record FROM answers WHERE game_id = ? ORDER BY question_index, rowid",
                (game_id,),
            ).fetchall()
        else:
            rows = self._db.execute(
                "SELECT record FROM answers WHERE game_id = ? AND question_index = ? ORDER BY rowid",
                (game_id, question_index),
            ).fetchall()
        return [AnswerRecord.from_dict(json.loads(row[0])) for row in rows]

    # -- extras -----------------------------------------------------------------------------------

    def save_extra(self, game_id: str, key: str, value: Mapping[str, Any]) -> None:
        self._db.execute(
            "INSERT INTO extras (game_id, key, value) VALUES (?, ?, ?)"
            " ON CONFLICT (game_id, key) DO UPDATE SET value = excluded.value",
            (game_id, key, _dump(value)),
        )

    def load_extras(self, game_id: str) -> dict[str, dict[str, Any]]:
        rows = self._db.execute(
            "SELECT key, value FROM extras WHERE game_id = ?", (game_id,)
        ).fetchall()
        return {str(key): json.loads(value) for key, value in rows}
