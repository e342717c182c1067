"""The local Lambda mode's DynamoDB (moto's server behind DynamoDB's per-partition limits)
fails a hot key exactly as DynamoDB does, and only the hot key; transactions stay atomic."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("flask_cors")
boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402

from backend.dynamo_store import create_table  # noqa: E402
from backend_stub.lambda_backend.dynamodb import DynamoServer  # noqa: E402

pytestmark = pytest.mark.timeout(60)
WRITE_UNITS = 10


@pytest.fixture(scope="module")
def dynamodb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, DynamoServer]]:
    server = DynamoServer(
        Path(tmp_path_factory.mktemp("ddb")), write_units=WRITE_UNITS, read_units=6
    )
    url = server.start()
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="AKIDLOCAL",
        aws_secret_access_key="local",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),  # see every refusal
    )
    create_table(client, "t")
    try:
        yield client, server
    finally:
        server.stop()


def put(client: Any, pk: str, sk: str) -> dict[str, Any]:
    return {"Put": {"TableName": "t", "Item": {"pk": {"S": pk}, "sk": {"S": sk}}}}


def test_a_hot_key_is_throttled_like_dynamodb_and_a_cold_one_is_not(dynamodb: Any) -> None:
    client, server = dynamodb
    errors: list[str] = []
    for i in range(10 * WRITE_UNITS):
        try:
            client.put_item(TableName="t", Item={"pk": {"S": "hot"}, "sk": {"S": f"w{i}"}})
        except client.exceptions.ProvisionedThroughputExceededException as exc:
            errors.append(exc.response["Error"]["Code"])
    assert errors and set(errors) == {"ProvisionedThroughputExceededException"}
    client.put_item(TableName="t", Item={"pk": {"S": "cold"}, "sk": {"S": "w"}})  # no error
    stats = server.stats()
    assert stats["writes_throttled"] >= len(errors)
    assert 0 < stats["peak_write_units"]["hot"] <= WRITE_UNITS


def test_a_throttled_transaction_is_cancelled_with_throttling_reasons_and_writes_nothing(
    dynamodb: Any,
) -> None:
    client, _ = dynamodb
    cancelled = None
    for attempt in range(20):  # use up the hot key's second, then write it with a cold one
        # filling stops at the first throttled write: the hot key's second is then used up
        with contextlib.suppress(client.exceptions.ProvisionedThroughputExceededException):
            for n in range(2 * WRITE_UNITS):
                client.put_item(
                    TableName="t", Item={"pk": {"S": "tx-hot"}, "sk": {"S": f"fill{attempt}-{n}"}}
                )
        try:
            client.transact_write_items(
                TransactItems=[
                    put(client, "tx-hot", f"a{attempt}"),
                    put(client, "tx-cold", f"b{attempt}"),
                ]
            )
        except client.exceptions.TransactionCanceledException as exc:
            codes = [r["Code"] for r in exc.response["CancellationReasons"]]
            if codes == ["ThrottlingError", "None"]:
                cancelled = attempt
                break
    assert cancelled is not None
    cold = client.get_item(
        TableName="t", Key={"pk": {"S": "tx-cold"}, "sk": {"S": f"b{cancelled}"}}
    )
    assert "Item" not in cold  # the cold half of the cancelled transaction was not written


def test_a_throttled_batch_write_comes_back_unprocessed(dynamodb: Any) -> None:
    client, _ = dynamodb
    batch = [
        {"PutRequest": {"Item": {"pk": {"S": "batch"}, "sk": {"S": f"i{n}"}}}} for n in range(25)
    ]
    client.batch_write_item(RequestItems={"t": batch[:WRITE_UNITS]})
    answer = client.batch_write_item(RequestItems={"t": batch[WRITE_UNITS:]})
    assert len(answer["UnprocessedItems"]["t"]) == 25 - WRITE_UNITS


def test_a_transaction_whose_condition_fails_writes_nothing(dynamodb: Any) -> None:
    client, _ = dynamodb
    client.put_item(TableName="t", Item={"pk": {"S": "cond"}, "sk": {"S": "taken"}})
    with pytest.raises(client.exceptions.TransactionCanceledException) as caught:
        client.transact_write_items(
            TransactItems=[
                put(client, "cond", "new"),
                {
                    "Put": {
                        "TableName": "t",
                        "Item": {"pk": {"S": "cond"}, "sk": {"S": "taken"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    assert [r["Code"] for r in caught.value.response["CancellationReasons"]] == [
        "None",
        "ConditionalCheckFailed",
    ]
    assert "Item" not in client.get_item(
        TableName="t", Key={"pk": {"S": "cond"}, "sk": {"S": "new"}}
    )
