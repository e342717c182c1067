"""What the answer burst reads off the Lambda backend (``quizwire stub --backend lambda``)
after a burst: the answers DynamoDB really stored (to set against the receipts the players
were given), the throttling DynamoDB's per-partition limits caused, and the invocations that
failed every retry (the OnFailure destination, ``failed-events.jsonl``)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from backend_stub.lambda_backend.app import TABLE
from backend_stub.lambda_backend.dynamodb import STATS_PATH


def stored_answers(stub: dict[str, str], game_id: str, question_index: int = 0) -> int:
    """Answers to one question in the game table, counted over every shard."""
    import boto3

    from backend.dynamo_store import DynamoStore

    client = boto3.client(
        "dynamodb",
        region_name=stub["region"],
        endpoint_url=stub["dynamodb"],
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )
    return DynamoStore(TABLE, client).count_answers(game_id, question_index)


def throughput(stub: dict[str, str]) -> dict[str, Any]:
    with urllib.request.urlopen(stub["dynamodb"] + STATS_PATH, timeout=10) as reply:
        return dict(json.loads(reply.read()))


def dead_lettered(data_dir: Path) -> int:
    failed = data_dir / "failed-events.jsonl"
    if not failed.exists():
        return 0
    return sum(1 for line in failed.read_text().splitlines() if line.strip())


__all__ = ["dead_lettered", "stored_answers", "throughput"]
