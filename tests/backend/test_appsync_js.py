"""The APPSYNC_JS onSubscribe handlers, run under Node with a ``util`` shim (run_handlers.mjs),
against contexts shaped like AppSync's (identity: null for API key, {handlerContext} for the
Lambda authorizer, IAM fields for SigV4)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = ROOT / "backend" / "appsync"
RUNNER = Path(__file__).parent / "appsync_js" / "run_handlers.mjs"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

API_KEY: Any = None
IAM = {"accountId": "123456789012", "userArn": "arn:aws:iam::123456789012:user/presenter"}


def player(game: str = "K7QX2M", pid: str = "pamy") -> dict[str, Any]:
    return {"handlerContext": {"gameId": game, "playerId": pid, "name": "Amy"}}


def ctx(path: str, identity: Any) -> dict[str, Any]:
    segments = [s for s in path.split("/") if s]
    return {
        "identity": identity,
        "request": {"headers": {}, "domainName": None},
        "info": {
            "channel": {"path": path, "segments": segments},
            "channelNamespace": {"name": segments[0]},
            "operation": "SUBSCRIBE",
        },
        "stash": {},
    }


def run(handler: str, cases: list[dict[str, Any]], tmp_path: Path) -> list[Any]:
    file = tmp_path / "cases.json"
    file.write_text(json.dumps(cases), encoding="utf-8")
    result = subprocess.run(
        [NODE or "node", str(RUNNER), str(HANDLERS / handler), str(file)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout))


def subscribe(handler: str, tmp_path: Path, *attempts: tuple[str, Any]) -> list[Any]:
    return run(handler, [{"fn": "onSubscribe", "ctx": ctx(p, i)} for p, i in attempts], tmp_path)


def test_scores_only_for_the_player_themselves(tmp_path: Path) -> None:
    assert (
        subscribe(
            "scores.js",
            tmp_path,
            ("/scores/K7QX2M/pamy", player()),
            ("/scores/K7QX2M/pbob", player()),  # someone else's scores
            ("/scores/OTHER1/pamy", player()),  # same id, another game
            ("/scores/K7QX2M/*", player()),  # wildcard
            ("/scores/K7QX2M", player()),
            ("/scores/K7QX2M/pamy/x", player()),
            ("/scores/K7QX2M/pamy", API_KEY),  # API key: no identity at all
            ("/scores/K7QX2M/pamy", IAM),
        )
        == ["allowed"] + ["unauthorized"] * 7
    )


def test_public_channels_open_to_key_and_iam_but_a_player_only_in_their_game(
    tmp_path: Path,
) -> None:
    assert (
        subscribe(
            "public.js",
            tmp_path,
            ("/game/K7QX2M", API_KEY),
            ("/leaderboard/K7QX2M", IAM),
            ("/question/K7QX2M", player()),
            ("/question/OTHER1", player()),
            ("/game/*", player()),
            ("/game/K7QX2M/extra", player()),
        )
        == ["allowed"] * 3 + ["unauthorized"] * 3
    )


def test_no_identity_subscribes_to_every_game_at_once(tmp_path: Path) -> None:
    """A wildcard would hand any API-key holder every game's questions and results."""
    assert (
        subscribe(
            "public.js",
            tmp_path,
            ("/game/*", API_KEY),
            ("/question/*", API_KEY),
            ("/leaderboard/*", IAM),
            ("/game/K7QX2M/*", API_KEY),
        )
        == ["unauthorized"] * 4
    )


def publish_ctx(path: str, identity: Any, *payloads: Any) -> dict[str, Any]:
    context = ctx(path, identity)
    context["info"]["operation"] = "PUBLISH"
    context["events"] = [{"id": f"e{i}", "payload": p} for i, p in enumerate(payloads)]
    return context


def test_an_answer_is_stamped_at_the_edge_and_handed_to_the_function_asynchronously(
    tmp_path: Path,
) -> None:
    answer = {"questionId": "q1", "choice": 2, "sentAt": 1, "receivedAt": 5}  # a forged stamp
    (request,) = run(
        "answer.js",
        [{"fn": "onPublish", "ctx": publish_ctx("/answer/K7QX2M", player(), answer), "now": 777}],
        tmp_path,
    )
    invoke = request["request"]
    assert (invoke["operation"], invoke["invocationType"]) == ("Invoke", "Event")
    payload = invoke["payload"]
    assert payload["receivedAt"] == 777  # the service's clock, not the player's
    assert payload["identity"] == {"handlerContext": player()["handlerContext"]}
    assert payload["info"]["channel"]["path"] == "/answer/K7QX2M"
    assert payload["events"] == [{"id": "e0", "payload": answer}]
    # ... and the player's raw answer is not broadcast (the judged one is, from the function)
    (after,) = run(
        "answer.js",
        [{"fn": "onPublish", "ctx": publish_ctx("/answer/K7QX2M", player()), "phase": "response"}],
        tmp_path,
    )
    assert after == {"returned": []}


def test_an_answer_to_another_game_is_unauthorized(tmp_path: Path) -> None:
    refused = run(
        "answer.js",
        [
            {"fn": "onPublish", "ctx": publish_ctx(path, player(), {"choice": 1})}
            for path in ("/answer/OTHER1", "/answer/K7QX2M/x", "/answer/*")
        ],
        tmp_path,
    )
    assert refused == ["unauthorized"] * 3


def test_the_functions_own_judged_feed_is_broadcast_without_invoking_it(tmp_path: Path) -> None:
    judged = {"type": "answer", "playerId": "pamy", "choice": 2}
    (echo,) = run(
        "answer.js",
        [{"fn": "onPublish", "ctx": publish_ctx("/answer/K7QX2M", IAM, judged)}],
        tmp_path,
    )
    assert echo == {"earlyReturn": [{"id": "e0", "payload": judged}]}


def test_the_runner_reports_crashes_so_a_broken_handler_fails(tmp_path: Path) -> None:
    broken = [{"fn": "onSubscribe", "ctx": {"identity": None}}]  # no info: the handler throws
    assert run("scores.js", broken, tmp_path)[0].startswith("crash:")


@pytest.mark.parametrize("handler", ["public.js", "scores.js", "answer.js"])
def test_handlers_avoid_what_the_appsync_js_runtime_rejects(handler: str) -> None:
    # The APPSYNC_JS runtime has no try/catch, classes, loops of the for(;;)/while kind,
    # ++/--, async/await, regex literals or `new` (see @aws-appsync/eslint-plugin's rules).
    code = (HANDLERS / handler).read_text()
    body = "\n".join(line.split("//")[0] for line in code.splitlines())
    for pattern in (
        r"\btry\b",
        r"\bclass\b",
        r"\bwhile\b",
        r"\bfor\s*\(",
        r"\+\+|--",
        r"\basync\b|\bawait\b",
        r"\bnew\b",
        r"(?<![\w)\]])/[^/*\s][^/\n]*/[gimsuy]*",
    ):
        assert not re.search(pattern, body), (handler, pattern)
    assert "export function onSubscribe(ctx)" in code or "export const onPublish = {" in code
