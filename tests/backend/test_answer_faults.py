"""Acknowledged means stored: an answer transaction that DynamoDB throttles or cancels for a
conflict is retried or fails the invocation; only a failed condition is a lost race."""

from __future__ import annotations

import pytest

from backend.functions.lambda_env import backend

from .conftest import Env
from .faults import FaultyClient, cancelled, throttled
from .test_game_flow import answer, started

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("reason", ["ThrottlingError", "TransactionConflict"])
async def test_a_cancelled_answer_transaction_is_retried_until_stored(
    env: Env, reason: str
) -> None:
    code, amy, scores, _ = await started(env)
    store = backend().store
    faulty = FaultyClient(
        store.client, "transact_write_items", lambda c: cancelled(c, "None", reason, "None")
    )
    store.client = faulty
    await answer(code, amy, 1)
    receipt = await scores.until("score")
    assert receipt["accepted"] is True
    assert faulty.calls == 2  # cancelled once, then stored
    assert [(r.player_id, r.choice) for r in env.store.load_answers(code)] == [(amy["playerId"], 1)]


async def test_an_answer_that_stays_throttled_fails_the_invocation_unacknowledged(
    env: Env,
) -> None:
    code, amy, scores, _ = await started(env)
    store = backend().store
    store.client = FaultyClient(
        store.client,
        "transact_write_items",
        lambda c: cancelled(c, "None", "ThrottlingError", "None"),
        times=None,
    )
    with pytest.raises(Exception, match=r"[Tt]hrottl"):
        await answer(code, amy, 1)  # Lambda's async retry (then the OnFailure queue) takes it
    await scores.nothing(0.5)  # no receipt: nothing was stored
    assert env.store.load_answers(code) == []


async def test_a_throttled_player_read_fails_the_invocation_unacknowledged(env: Env) -> None:
    code, amy, scores, _ = await started(env)
    store = backend().store
    store.client = FaultyClient(
        store.client, "get_item", lambda c: throttled(c, "GetItem"), times=None
    )
    with pytest.raises(Exception, match="throughput"):
        await answer(code, amy, 1)
    await scores.nothing(0.5)
    store.client = store.client._client
    assert env.store.load_answers(code) == []
