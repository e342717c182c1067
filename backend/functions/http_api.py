"""The game REST API on API Gateway (docs/game-api.md): the same routes, bodies and error
shapes as the stub's ``backend_stub/game/http_api.py``. API Gateway does the rate limiting
(stage throttling), the caching of ``GET /games/{code}`` (a direct DynamoDB integration that
never reaches Lambda) and the SigV4 check of ``/admin/*`` (``AWS_IAM``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from backend.dynamo_store import StoreBusy
from quizwire.game_errors import GameError

JSON = "application/json"


def json_response(status: int, body: Any) -> Response[str]:
    return Response(
        status_code=status,
        content_type=JSON,
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
    )


def error(status: int, code: str, message: str) -> Response[str]:
    return json_response(status, {"error": code, "message": message})


def body_of(app: APIGatewayRestResolver) -> dict[str, Any]:
    raw = app.current_event.body
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # malformed, or an integer past the 4,300-digit limit
        raise GameError(400, "bad_request", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise GameError(400, "bad_request", "The request body must be a JSON object.")
    return data


def install_error_handlers(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(GameError)  # type: ignore[untyped-decorator]
    def game_error(exc: GameError) -> Response[str]:
        return error(exc.status, exc.code, exc.message)

    @app.exception_handler(StoreBusy)  # type: ignore[untyped-decorator]
    def store_busy(_: StoreBusy) -> Response[str]:
        # DynamoDB still throttling after the store's retries: "try again shortly" (clients
        # wait Retry-After and retry), not a failed invocation that API Gateway turns into 502
        return Response(
            status_code=503,
            content_type=JSON,
            body=json.dumps(
                {"error": "unavailable", "message": "The game is very busy; try again shortly."}
            ),
            headers={"Retry-After": "1"},
        )

    @app.not_found
    def not_found(_: Exception) -> Response[str]:
        return error(404, "not_found", "No such route.")


Route = Callable[..., Response[str]]
