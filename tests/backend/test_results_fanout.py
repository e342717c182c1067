"""The per-player results of a reveal leave the request path: the closing request invokes the
results function asynchronously (botocore Stubber stands in for Lambda's Invoke API), which
publishes them with jittered retries on the Event API's 429/5xx and fails (so Lambda retries
it) if some still cannot be delivered."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber

from backend.functions import results
from backend.functions.lambda_env import backend
from backend.game_ops import AsyncInvokeFanout
from backend.publisher import Publisher, PublishFailed
from backend.retry import Backoff

from .conftest import REGION, Env, call
from .test_game_flow import admin_cmd, answer, create, join

pytestmark = pytest.mark.timeout(60)


async def test_a_reveal_schedules_the_results_instead_of_sending_them(env: Env) -> None:
    import boto3

    code = await create()
    amy = await join(code, "Amy")
    await admin_cmd(code, "start")
    scores = await env.watch(f"/scores/{code}/{amy['playerId']}")
    await answer(code, amy, 1)
    assert (await scores.next())["correct"] is None  # the receipt: locked in
    lambda_client = boto3.client("lambda", region_name=REGION)
    with Stubber(lambda_client) as invoke:
        invoke.add_response(
            "invoke",
            {"StatusCode": 202},
            {
                "FunctionName": "quizwire-results",
                "InvocationType": "Event",
                "Payload": json.dumps({"gameId": code, "index": 0}).encode(),
            },
        )
        backend().fanout = AsyncInvokeFanout(lambda_client, "quizwire-results")
        revealed = await admin_cmd(code, "reveal")
        invoke.assert_no_pending_responses()
    assert revealed["statusCode"] == 200
    await scores.nothing(0.5)  # nothing sent from the request that closed the question
    assert await call(results.handler, {"gameId": code, "index": 0}) == {"failed": 0}
    result = await scores.next()
    assert (result["correct"], result["index"]) == (True, 0) and result["points"] > 0


async def test_a_lost_invoke_leaves_the_reveal_saved(env: Env) -> None:
    import boto3

    code = await create()
    await join(code, "Amy")
    await admin_cmd(code, "start")
    lambda_client = boto3.client("lambda", region_name=REGION)
    with Stubber(lambda_client) as invoke:
        invoke.add_client_error("invoke", "TooManyRequestsException", http_status_code=429)
        backend().fanout = AsyncInvokeFanout(lambda_client, "quizwire-results")
        revealed = await admin_cmd(code, "reveal")
    assert revealed["statusCode"] == 200  # the snapshot gives each player the result
    assert env.store.load_game(code).phase.value == "question_closed"  # type: ignore[union-attr]


class Scheduled:
    """A fan-out that only records what it was asked to send (the invocation is run by hand)."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []

    def schedule(self, game_id: str, index: int) -> None:
        self.asked.append((game_id, index))


async def test_results_that_cannot_be_delivered_fail_the_invocation(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = await create()
    amy = await join(code, "Amy")
    await admin_cmd(code, "start")
    await answer(code, amy, 1)
    scheduled = Scheduled()
    monkeypatch.setattr(backend(), "fanout", scheduled)
    await admin_cmd(code, "reveal")
    assert scheduled.asked == [(code, 0)]
    publisher = backend().publisher
    real = publisher.publish

    def scores_down(channel: str, messages: Any) -> None:
        if channel.startswith("/scores/"):
            raise PublishFailed("HTTP 503 after retries", retryable=True)
        real(channel, messages)

    monkeypatch.setattr(publisher, "publish", scores_down)
    with pytest.raises(results.ResultsNotDelivered, match="1 result"):
        await call(results.handler, {"gameId": code, "index": 0})


def test_a_publish_is_retried_on_429_and_5xx_but_not_on_a_refusal(env: Any) -> None:
    answers = [(429, b"slow down"), (503, b"unavailable"), (200, b'{"failed": []}')]
    calls: list[int] = []

    def flaky(url: str, headers: Any, data: bytes) -> tuple[int, bytes]:
        status, body = answers[len(calls)] if len(calls) < len(answers) else (200, b"{}")
        calls.append(status)
        return status, body

    fast = Backoff(attempts=4, base_s=0.001, cap_s=0.002)
    Publisher("http://127.0.0.1:9/event", REGION, transport=flaky, backoff=fast).publish(
        "/scores/K7QX2M/pamy", [{"n": 1}]
    )
    assert calls == [429, 503, 200]
    refused: list[int] = []

    def forbidden(url: str, headers: Any, data: bytes) -> tuple[int, bytes]:
        refused.append(403)
        return 403, b"no"

    with pytest.raises(PublishFailed, match="HTTP 403"):
        Publisher("http://127.0.0.1:9/event", REGION, transport=forbidden, backoff=fast).publish(
            "/scores/K7QX2M/pamy", [{"n": 1}]
        )
    assert refused == [403]
