"""The local Lambda mode's DynamoDB answers every query exactly as moto itself does (the
server reads a query's partition instead of sorting the table), and serves one request at a
time, so a conditional transaction stays atomic under concurrent callers."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("flask_cors")
boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")
from botocore.config import Config  # noqa: E402

from backend.dynamo_store import KIND_INDEX, RANK_INDEX, create_table  # noqa: E402
from backend_stub.lambda_backend.dynamodb import DynamoServer  # noqa: E402

pytestmark = pytest.mark.timeout(120)
CREDENTIALS = {"aws_access_key_id": "AKIDLOCAL", "aws_secret_access_key": "local"}


def _items() -> list[dict[str, Any]]:
    """Players and answers over a few partitions and rank shards, with equal rank keys."""
    items: list[dict[str, Any]] = []
    for shard in range(4):
        for n in range(40):
            items.append(
                {
                    "pk": {"S": f"G1#{shard:02d}"},
                    "sk": {"S": f"P#p{n:03d}"},
                    "rank_pk": {"S": f"G1#{shard:02d}"},
                    "rank_key": {"S": f"{9999 - (n % 7):04d}#{n % 3}#p{n:03d}"},
                    "state": {"S": "x" * (n % 5)},
                }
            )
            items.append({"pk": {"S": f"G1#{shard:02d}"}, "sk": {"S": f"A#00001#p{n:03d}"}})
    for g in range(5):
        items.append(
            {
                "pk": {"S": f"G{g}"},
                "sk": {"S": "GAME"},
                "kind": {"S": "game"},
                "created_at": {"N": str(1000 + g % 2)},
            }
        )
    return items


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "G1#01"}}},
    {
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :a)",
        "ExpressionAttributeValues": {":p": {"S": "G1#02"}, ":a": {"S": "A#00001#"}},
        "Limit": 7,
    },
    {
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "G1#03"}},
        "ScanIndexForward": False,
        "Limit": 11,
    },
    {
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :a)",
        "ExpressionAttributeValues": {":p": {"S": "G1#00"}, ":a": {"S": "P#"}},
        "Select": "COUNT",
        "Limit": 9,
    },
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "none"}}},
    {
        "IndexName": RANK_INDEX,
        "KeyConditionExpression": "rank_pk = :g",
        "ExpressionAttributeValues": {":g": {"S": "G1#01"}},
        "Limit": 10,
    },
    {
        "IndexName": RANK_INDEX,
        "KeyConditionExpression": "rank_pk = :g AND rank_key < :k",
        "ExpressionAttributeValues": {":g": {"S": "G1#02"}, ":k": {"S": "9996#"}},
        "Select": "COUNT",
        "Limit": 5,
    },
    {
        "IndexName": KIND_INDEX,
        "KeyConditionExpression": "kind = :k",
        "ExpressionAttributeValues": {":k": {"S": "game"}},
        "ScanIndexForward": False,
        "Limit": 2,
    },
]


def _every_page(client: Any, query: dict[str, Any]) -> list[dict[str, Any]]:
    pages, kwargs = [], {"TableName": "t", **query}
    while True:
        page = client.query(**kwargs)
        pages.append({k: page.get(k) for k in ("Items", "Count", "LastEvaluatedKey")})
        if not page.get("LastEvaluatedKey"):
            return pages
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _fill(client: Any) -> None:
    create_table(client, "t")
    for item in _items():
        client.put_item(TableName="t", Item=item)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    server = DynamoServer(
        Path(tmp_path_factory.mktemp("ddbq")), write_units=100_000, read_units=100_000
    )
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=server.start(),
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
        **CREDENTIALS,
    )
    try:
        _fill(client)
        yield client
    finally:
        server.stop()


@pytest.fixture(scope="module")
def reference() -> Iterator[Any]:
    """moto itself, in this process and unpatched."""
    with moto.mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1", **CREDENTIALS)
        _fill(client)
        yield client


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q["KeyConditionExpression"][:24])
def test_every_query_page_is_what_moto_itself_returns(
    served: Any, reference: Any, query: dict[str, Any]
) -> None:
    got = _every_page(served, query)
    assert got == _every_page(reference, query)
    assert sum(p["Count"] for p in got) == sum(p["Count"] for p in _every_page(reference, query))


def test_an_item_written_after_a_query_is_found_by_the_next(served: Any) -> None:
    query = QUERIES[0]
    before = sum(p["Count"] for p in _every_page(served, query))
    served.put_item(TableName="t", Item={"pk": {"S": "G1#01"}, "sk": {"S": "Z#late"}})
    assert sum(p["Count"] for p in _every_page(served, query)) == before + 1


def test_racing_conditional_transactions_write_each_item_exactly_once(served: Any) -> None:
    """16 callers race to create the same 60 items, each with attribute_not_exists: as on
    DynamoDB, exactly one creation of each succeeds."""

    def create(n: int) -> bool:
        try:
            served.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": "t",
                            "Item": {"pk": {"S": "race"}, "sk": {"S": f"i{n}"}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": "t",
                            "Key": {"pk": {"S": "race"}, "sk": {"S": "count"}},
                            "UpdateExpression": "ADD wins :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                ]
            )
        except served.exceptions.TransactionCanceledException:
            return False
        return True

    with ThreadPoolExecutor(max_workers=16) as pool:
        wins = list(pool.map(create, [n for n in range(60) for _ in range(16)]))
    assert sum(wins) == 60
    count = served.get_item(TableName="t", Key={"pk": {"S": "race"}, "sk": {"S": "count"}})
    assert count["Item"]["wins"] == {"N": "60"}
