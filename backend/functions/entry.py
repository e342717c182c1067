"""Player routes of the entry API: join (``POST /games/{code}/players``) and the rejoin
snapshot (``GET /games/{code}/state``). ``GET /games/{code}`` is API Gateway → DynamoDB."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from backend.functions.http_api import body_of, install_error_handlers, json_response
from backend.functions.lambda_env import backend, logger, metrics, tracer
from quizwire.admin_requests import join_response

app = APIGatewayRestResolver()
install_error_handlers(app)


@app.post("/games/<code>/players")
def join(code: str) -> Response[str]:
    body = body_of(app)
    credential, player = backend().join(code, body.get("name"), body.get("team"))
    metrics.add_metric(name="PlayersJoined", unit=MetricUnit.Count, value=1)
    return json_response(201, join_response(credential, player))


@app.get("/games/<code>/state")
def state(code: str) -> Response[str]:
    token = app.current_event.headers.get("Authorization") or app.current_event.headers.get(
        "authorization"
    )
    snapshot = backend().snapshot(code, token)
    metrics.add_metric(name="Rejoins", unit=MetricUnit.Count, value=1)  # snapshots served
    return json_response(200, snapshot)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metrics.add_metric(name="EntryRequests", unit=MetricUnit.Count, value=1)
    return app.resolve(event, context)
