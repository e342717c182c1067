"""The one store contract suite, run against every GameStore: SQLite (a real file) and
DynamoDB (moto's ``mock_aws``; the only thing mocked is AWS itself)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend_stub.game.sqlite_store import SqliteStore

TABLE = "quizwire-contract"


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    if request.param == "sqlite":
        sqlite = SqliteStore(tmp_path / "contract.db")
        yield sqlite
        sqlite.close()
        return
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    from backend.dynamo_store import DynamoStore, create_table

    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with moto.mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, TABLE)
        yield DynamoStore(TABLE, client)
