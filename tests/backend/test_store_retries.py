"""How the DynamoDB store reads a cancelled answer transaction (botocore Stubber: the exact
error DynamoDB returns, no network): only a failed condition is a race; throttling and
conflicts are retried, then raised; a shut gate means the question closed."""

from __future__ import annotations

from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.stub import Stubber  # noqa: E402

from backend.dynamo_store import AnswersClosed, DynamoStore, StoreBusy  # noqa: E402
from backend.retry import Backoff  # noqa: E402
from quizwire.state import AnswerRecord, PlayerState  # noqa: E402

ROW = PlayerState(player_id="pamy", name="Amy", join_order=1, answered_index=0, seq=2)
RECORD = AnswerRecord(
    game_id="K7QX2M",
    player_id="pamy",
    name="Amy",
    question_index=0,
    choice=1,
    correct=True,
    points=900,
    bonus=0,
    elapsed_ms=2000,
    received_at=1_000_000,
)


@pytest.fixture
def stubbed() -> Any:
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        aws_access_key_id="AKIDSTUB",
        aws_secret_access_key="stub",
    )
    with Stubber(client) as stubber:
        yield DynamoStore("t", client, Backoff(attempts=3, base_s=0.001, cap_s=0.002)), stubber
        stubber.assert_no_pending_responses()


def cancel(stubber: Stubber, *codes: str) -> None:
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        service_message="Transaction cancelled",
        http_status_code=400,
        modeled_fields={"CancellationReasons": [{"Code": c} for c in codes]},
    )


def record(store: DynamoStore) -> bool:
    return store.record_answer("K7QX2M", ROW, 1, RECORD)


def test_a_failed_condition_on_the_answer_or_row_is_a_lost_race_not_retried(
    stubbed: Any,
) -> None:
    store, stubber = stubbed
    cancel(stubber, "ConditionalCheckFailed", "None", "None")
    assert record(store) is False
    cancel(stubber, "None", "ConditionalCheckFailed", "None")
    assert record(store) is False


def test_a_shut_gate_means_the_question_closed(stubbed: Any) -> None:
    store, stubber = stubbed
    cancel(stubber, "None", "None", "ConditionalCheckFailed")
    with pytest.raises(AnswersClosed):
        record(store)


@pytest.mark.parametrize(
    "reason", ["ThrottlingError", "TransactionConflict", "ProvisionedThroughputExceeded"]
)
def test_throttling_and_conflicts_are_retried_until_written(stubbed: Any, reason: str) -> None:
    store, stubber = stubbed
    cancel(stubber, "None", reason, "None")
    cancel(stubber, reason, "None", "None")
    stubber.add_response("transact_write_items", {})
    assert record(store) is True


def test_throttling_that_does_not_end_raises_store_busy(stubbed: Any) -> None:
    store, stubber = stubbed
    for _ in range(3):
        cancel(stubber, "None", "ThrottlingError", "None")
    with pytest.raises(StoreBusy):
        record(store)


def test_any_other_cancellation_is_raised_as_it_is(stubbed: Any) -> None:
    store, stubber = stubbed
    cancel(stubber, "ValidationError", "None", "None")
    with pytest.raises(store.client.exceptions.TransactionCanceledException):
        record(store)


def test_a_throttled_player_write_is_retried(stubbed: Any) -> None:
    store, stubber = stubbed
    stubber.add_client_error(
        "update_item", service_error_code="ProvisionedThroughputExceededException"
    )
    stubber.add_response("update_item", {})
    assert store.save_player("K7QX2M", ROW, 1) is True
