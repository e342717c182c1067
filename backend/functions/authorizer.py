"""The Event API's ``AWS_LAMBDA`` authorizer: a player token (``qw1.…``) checked against
DynamoDB; the ``handlerContext`` (gameId, playerId, name) is what handlers see as identity."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from backend.functions.lambda_env import backend, logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    decision = backend().authorize(event if isinstance(event, dict) else {})
    metrics.add_metric(
        name="PlayerAuthorized" if decision["isAuthorized"] else "PlayerRefused",
        unit=MetricUnit.Count,
        value=1,
    )
    if not decision["isAuthorized"]:
        logger.info("player token refused")
    return decision
