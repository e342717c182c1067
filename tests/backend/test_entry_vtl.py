"""The entry check's mapping templates (API Gateway → DynamoDB GetItem, no Lambda), rendered
with airspeed (a Velocity port) and a small shim of API Gateway's ``$input``/``$util``/
``$context``: 200 with the docs/game-api.md body, 404 for an unknown code, 410 once finished."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

airspeed = pytest.importorskip("airspeed")
from cfnlint.decode import cfn_yaml  # noqa: E402

from backend_stub.lambda_backend.vtl import JBool, render  # noqa: E402

TEMPLATE = Path(__file__).resolve().parents[2] / "backend" / "template.yaml"


@pytest.fixture(scope="module")
def integration() -> Any:
    template = cfn_yaml.load(str(TEMPLATE))
    body = template["Resources"]["GameApi"]["Properties"]["DefinitionBody"]
    return body["paths"]["/games/{code}"]["get"]["x-amazon-apigateway-integration"]


def item(phase: str, title: str = 'Pub quiz: what\'s "up"') -> dict[str, Any]:
    return {
        "Item": {
            "pk": {"S": "K7QX2M"},
            "sk": {"S": "GAME"},
            "title": {"S": title},
            "phase": {"S": phase},
            "playerCount": {"N": "42"},
            "questionCount": {"N": "10"},
            "acceptingPlayers": {"BOOL": JBool(phase == "lobby")},
            "state": {"S": "{...}"},
        }
    }


def test_request_is_a_getitem_on_the_upper_cased_code(integration: Any) -> None:
    source = integration["requestTemplates"]["application/json"]["Fn::Sub"]
    out, _ = render(source.replace("${GameTable}", "quizwire-GameTable"), {"code": "k7qx2m"}, {})
    assert json.loads(out) == {
        "TableName": "quizwire-GameTable",
        "Key": {"pk": {"S": "K7QX2M"}, "sk": {"S": "GAME"}},
    }


def response(integration: Any, code: str, body: dict[str, Any]) -> tuple[int, Any]:
    source = integration["responses"]["default"]["responseTemplates"]["application/json"]
    out, context = render(source, {"code": code}, body)
    return int(context["responseOverride"].get("status", 200)), json.loads(out)


def test_a_game_in_the_lobby(integration: Any) -> None:
    status, body = response(integration, "K7QX2M", item("lobby"))
    assert status == 200
    assert body == {
        "gameId": "K7QX2M",
        "title": 'Pub quiz: what\'s "up"',
        "phase": "lobby",
        "playerCount": 42,
        "questionCount": 10,
        "acceptingPlayers": True,
        "teams": [],
    }


def test_team_names_come_back_literally_quotes_and_all(integration: Any) -> None:
    """Team mode: the join screen offers the game's teams; names with quotes and backslashes
    survive the template as JSON strings."""
    game = item("lobby")
    names = ["Red", 'The "A" Team', "O'Brien\\s", "[b]Blue[/b]"]
    game["Item"]["teams"] = {"L": [{"S": n} for n in names]}
    status, body = response(integration, "K7QX2M", game)
    assert status == 200
    assert body["teams"] == names


def test_an_unknown_code_is_404_even_with_quotes_in_it(integration: Any) -> None:
    status, body = response(integration, "AB'C\"D", {})
    assert status == 404 and body["error"] == "not_found"
    assert "AB'C\"D" in body["message"]


def test_a_finished_game_is_410(integration: Any) -> None:
    status, body = response(integration, "K7QX2M", item("finished"))
    assert status == 410 and body["error"] == "finished"


def test_dynamodb_errors_are_503_with_retry_after_not_404(integration: Any) -> None:
    """Throttling reaches API Gateway as DynamoDB's HTTP 400, an outage as a 500: the
    integration response is chosen by that status, and neither may read as "no such game"."""
    (pattern,) = [key for key in integration["responses"] if key != "default"]
    for status in ("400", "500", "503"):
        assert re.fullmatch(pattern, status), status
    assert not re.fullmatch(pattern, "200")
    busy = integration["responses"][pattern]
    assert busy["statusCode"] == "503"
    assert busy["responseParameters"] == {"method.response.header.Retry-After": "'1'"}
    assert json.loads(busy["responseTemplates"]["application/json"])["error"] == "unavailable"
