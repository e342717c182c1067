"""Presenter routes (``/admin/...``), behind API Gateway's ``AWS_IAM`` auth: the caller has
already been SigV4-checked by API Gateway before this function runs."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from backend.functions.http_api import body_of, install_error_handlers, json_response
from backend.functions.lambda_env import backend, logger, metrics, tracer
from quizwire.admin_requests import BadCreate, parse_create, player_settings
from quizwire.game_errors import GameError
from quizwire.packs import pack_names
from quizwire.results import results_csv
from quizwire.state import PlayerStatus

app = APIGatewayRestResolver()
install_error_handlers(app)

COMMANDS = ("start", "next", "reveal", "end", "lock", "unlock")
STATUSES = {"kick": PlayerStatus.KICKED, "ban": PlayerStatus.BANNED, "readmit": PlayerStatus.ACTIVE}


@app.get("/admin/games")
def list_games() -> Response[str]:
    return json_response(200, {"games": backend().list_games(), "packs": pack_names()})


@app.post("/admin/games")
def create_game() -> Response[str]:
    try:
        quiz, options = parse_create(body_of(app))
    except BadCreate as exc:
        raise GameError(400, exc.code, exc.message) from None
    game = backend().create_game(quiz, options)
    return json_response(201, backend().presenter_view(game))


@app.get("/admin/games/<code>")
def view(code: str) -> Response[str]:
    b = backend()
    return json_response(200, b.presenter_view(b.close_if_due(b.game(code))))


@app.post("/admin/games/<code>/<command>")
def command(code: str, command: str) -> Response[str]:
    b = backend()
    if command not in COMMANDS:
        raise GameError(404, "not_found", f"Unknown command {command!r}.")
    if command in ("lock", "unlock"):
        game = b.set_locked(code, command == "lock")
    else:
        game = {"start": b.start, "next": b.next, "reveal": b.reveal, "end": b.end}[command](code)
    return json_response(200, b.presenter_view(game))


@app.post("/admin/games/<code>/players/<player_id>/<action>")
def player_status(code: str, player_id: str, action: str) -> Response[str]:
    if action == "extra-time":
        player = backend().set_extra_time(code, player_id, body_of(app).get("percent"))
        return json_response(200, player_settings(player))
    if action not in STATUSES:
        raise GameError(404, "not_found", f"Unknown action {action!r}.")
    player = backend().set_player_status(code, player_id, STATUSES[action])
    return json_response(
        200, {"playerId": player.player_id, "name": player.name, "status": player.status.value}
    )


@app.get("/admin/games/<code>/results")
def results(code: str) -> Response[str]:
    data = backend().results(code)
    fmt = app.current_event.get_query_string_value("format", "json")
    if fmt == "json":
        return json_response(200, data)
    if fmt == "csv":
        table = app.current_event.get_query_string_value("table", "players")
        text = results_csv(data, table)
        return Response(status_code=200, content_type="text/csv", body=text)
    raise GameError(400, "bad_format", "format must be json or csv")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metrics.add_metric(name="AdminRequests", unit=MetricUnit.Count, value=1)
    return app.resolve(event, context)
