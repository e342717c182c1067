"""The results fan-out: every player's result of a closed question, published from its own
asynchronous invocation (``{"gameId", "index"}``) so the request that closed the question (API
Gateway's 29 s) never waits for thousands of publishes. Each publish is retried with jittered
backoff on 429/5xx; if some still fail the invocation fails, Lambda runs it again (a repeat is
harmless: every result keeps its ``seq``) and then hands it to the OnFailure queue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from backend.functions.lambda_env import backend, logger, metrics, tracer


class ResultsNotDelivered(Exception):
    """Some results could not be published: fail the invocation so Lambda retries it."""


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    game_id, index = event.get("gameId"), event.get("index")
    if not isinstance(game_id, str) or not isinstance(index, int) or isinstance(index, bool):
        logger.error("bad results request", extra={"request": str(event)[:200]})
        return {"failed": 0}
    failed = backend().publish_results(game_id, index)
    metrics.add_metric(name="ResultsFanouts", unit=MetricUnit.Count, value=1)
    if failed:
        metrics.add_metric(name="ResultsNotDelivered", unit=MetricUnit.Count, value=failed)
        raise ResultsNotDelivered(f"{failed} result(s) of {game_id} q{index + 1} not delivered")
    return {"failed": 0}
