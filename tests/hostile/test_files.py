"""The stub's database holds every quiz with its answers and every player's secret hash: it and
its WAL are readable by the host's user only, like the credentials file beside them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from backend_stub.app import DB_FILE, Stub
from backend_stub.config import StubConfig
from quizwire.packs import load_pack


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_database_and_wal_are_private(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # the usual umask: new files 0644 unless made private
    try:
        async with Stub(StubConfig(port=0, api_keys=("da2-x",)), tmp_path) as stub:
            await stub.game.create_game(load_pack("general"))
            db = tmp_path / DB_FILE
            files = [db, db.with_name(DB_FILE + "-wal"), db.with_name(DB_FILE + "-shm")]
            assert all(f.exists() for f in files)
            assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        os.umask(old_umask)


async def test_files_left_readable_by_an_older_version_are_tightened(tmp_path: Path) -> None:
    db = tmp_path / DB_FILE
    db.touch()
    db.chmod(0o644)
    async with Stub(StubConfig(port=0, api_keys=("da2-x",)), tmp_path):
        assert _mode(db) == 0o600
