"""Refusals through the handlers: bad credentials, names, routes; kicks; publisher and stream
failures; the deadline timer's idempotence."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import pytest
from botocore.credentials import Credentials

from backend.dynamo_store import StoreBusy
from backend.functions import admin, authorizer, entry, stream
from backend.game_ops import StepFunctionsTimer
from backend.publisher import Publisher, PublishFailed
from quizwire.player_tokens import DENIAL_TTL_S, denied

from .conftest import REGION, Env, FakeContext, body, call, rest_event
from .test_game_flow import admin_cmd, create, join

pytestmark = pytest.mark.timeout(60)


def authorize(token: str) -> dict[str, Any]:
    return dict(authorizer.handler({"authorizationToken": token}, FakeContext()))


async def test_authorizer_refuses_everything_but_a_live_player_token(env: Env) -> None:
    code = await create()
    amy = await join(code, "Amy")
    game_id, player_id, secret = amy["token"].split(".")[1:]
    assert authorize(amy["token"])["handlerContext"] == {
        "gameId": code,
        "playerId": amy["playerId"],
        "name": "Amy",
    }
    for token in (
        "",
        "garbage",
        f"qw1.{game_id}.{player_id}.wrong-secret",
        f"qw1.{game_id}.pnobody.{secret}",
        f"qw1.NOSUCH.{player_id}.{secret}",
        f"qw1.{game_id}.{player_id}.{secret}" + "x" * 300,
    ):
        # refused, and cached only briefly: a readmitted player is not locked out for long
        assert authorize(token) == {"isAuthorized": False, "ttlOverride": DENIAL_TTL_S} == denied()
    scores = await env.watch(f"/scores/{code}/{amy['playerId']}")
    kicked = await call(
        admin.handler,
        rest_event("POST", f"/admin/games/{code}/players/{amy['playerId']}/kick"),
    )
    assert kicked["statusCode"] == 200 and body(kicked)["status"] == "kicked"
    notice = await scores.until("score")  # Amy is told at once, as on the stub
    assert (notice["accepted"], notice["refusal"]["code"]) == (False, "not_in_game")
    assert authorize(amy["token"]) == denied()
    state = await call(
        entry.handler,
        rest_event("GET", f"/games/{code}/state", headers={"Authorization": amy["token"]}),
    )
    assert state["statusCode"] == 403 and body(state)["error"] == "kicked"


async def test_entry_refusals_have_the_documented_codes(env: Env) -> None:
    code = await create()
    await join(code, "Amy")

    async def post(path: str, payload: Any) -> tuple[int, Any]:
        r = await call(entry.handler, rest_event("POST", path, body=payload))
        return r["statusCode"], body(r)

    assert (await post(f"/games/{code}/players", {"name": "amy "}))[1]["error"] == "name_taken"
    assert (await post(f"/games/{code}/players", {"name": "\x1b[31mX"}))[1]["error"] == "bad_name"
    assert (await post(f"/games/{code}/players", {"name": 7}))[0] == 400
    assert (await post("/games/NOSUCH/players", {"name": "Bo"}))[0] == 404
    assert (await post("/games/../players", {"name": "Bo"}))[0] == 404
    raw = rest_event("POST", f"/games/{code}/players")
    raw["body"] = "{not json"
    bad = await call(entry.handler, raw)
    assert bad["statusCode"] == 400 and body(bad)["error"] == "bad_request"
    no_token = await call(entry.handler, rest_event("GET", f"/games/{code}/state"))
    assert no_token["statusCode"] == 401 and body(no_token)["error"] == "bad_credential"


async def test_late_join_closed_and_admin_refusals(env: Env) -> None:
    response = await call(
        admin.handler,
        rest_event(
            "POST",
            "/admin/games",
            body={"pack": "general", "options": {"lateJoin": False, "timeLimit": 10}},
        ),
    )
    assert response["statusCode"] == 201
    code = body(response)["gameId"]
    await admin_cmd(code, "start")
    late = await call(
        entry.handler, rest_event("POST", f"/games/{code}/players", body={"name": "Late"})
    )
    assert late["statusCode"] == 409 and body(late)["error"] == "started"
    for path, payload, error in (
        ("/admin/games", {"pack": "nope"}, "bad_quiz"),
        ("/admin/games", {"quiz": {"title": "x", "questions": []}}, "bad_quiz"),
        ("/admin/games", {"pack": "general", "options": {"points": 7}}, "bad_options"),
        (f"/admin/games/{code}/fly", None, "not_found"),
        (f"/admin/games/{code}/players/pnobody/kick", None, "no_player"),
        ("/admin/games/NOSUCH/start", None, "not_found"),
    ):
        r = await call(admin.handler, rest_event("POST", path, body=payload))
        assert body(r)["error"] == error, (path, r)
    listing = body(await call(admin.handler, rest_event("GET", "/admin/games")))
    assert [g["gameId"] for g in listing["games"]] == [code]


async def test_a_kick_reaches_the_stream_count_and_leaderboard(env: Env) -> None:
    code = await create()
    board = await env.watch(f"/leaderboard/{code}")
    amy, _ = await join(code, "Amy"), await join(code, "Bob")
    await call(stream.handler, env.stream_event())
    assert env.store.player_count(code) == 2
    await call(
        admin.handler, rest_event("POST", f"/admin/games/{code}/players/{amy['playerId']}/ban")
    )
    await call(stream.handler, env.stream_event())
    assert env.store.player_count(code) == 1
    top = await board.until("leaderboard")
    assert [e["name"] for e in top["entries"]] == ["Bob"] and top["players"] == 1
    readmit = await call(
        admin.handler,
        rest_event("POST", f"/admin/games/{code}/players/{amy['playerId']}/readmit"),
    )
    assert readmit["statusCode"] == 409 and body(readmit)["error"] == "banned"


async def test_stream_reports_records_of_a_game_it_cannot_count(env: Env) -> None:
    record = {
        "eventName": "INSERT",
        "dynamodb": {
            "Keys": {"pk": {"S": "GONE00"}, "sk": {"S": "P#p1"}},
            "NewImage": {"pk": {"S": "GONE00"}, "sk": {"S": "P#p1"}, "rank_pk": {"S": "GONE00"}},
            "SequenceNumber": "111",
        },
    }
    result = await call(stream.handler, {"Records": [record]})
    assert result == {"batchItemFailures": [{"itemIdentifier": "111"}]}


async def test_publisher_refusals_raise_and_batches_stay_within_five(env: Env) -> None:
    sent: list[int] = []

    def counting(url: str, headers: Any, data: bytes) -> tuple[int, bytes]:
        sent.append(len(json.loads(data)["events"]))
        return 200, b'{"successful": [], "failed": []}'

    publisher = Publisher(env.server.http_url, REGION, transport=counting)
    publisher.publish("/game/ABCDEF", [{"n": i} for i in range(12)])
    assert sent == [5, 5, 2]
    # Blocking publishes run off the loop that serves the local Event API.
    stranger = Publisher(
        env.server.http_url, REGION, credentials=lambda: Credentials("AKIDSTRANGER", "nope")
    )
    with pytest.raises(PublishFailed, match="HTTP 401"):
        await asyncio.to_thread(stranger.publish, "/game/ABCDEF", [{"n": 1}])
    work: list[tuple[str, list[dict[str, int]]]] = [
        ("/game/ABCDEF", [{"n": 1}]),
        ("/game/GHJKLM", [{}]),
    ]
    assert await asyncio.to_thread(stranger.publish_each, work) == 2
    unreachable = Publisher("http://127.0.0.1:9/event", REGION)
    with pytest.raises(PublishFailed):
        await asyncio.to_thread(unreachable.publish, "/game/ABCDEF", [{"n": 1}])


def test_deadline_timer_starts_one_execution_per_question(aws: Any) -> None:
    import boto3

    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = sfn.create_state_machine(
        name="deadline",
        definition=json.dumps({"StartAt": "W", "States": {"W": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    timer = StepFunctionsTimer(sfn, machine)
    timer.schedule("ABCDEF", 0, 1_795_000_000_500)
    timer.schedule("ABCDEF", 0, 1_795_000_000_500)  # a retried `next`: no second timer
    timer.schedule("ABCDEF", 1, 1_795_000_030_000)
    runs = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert sorted(r["name"] for r in runs) == [
        "ABCDEF-q1-1795000000500",
        "ABCDEF-q2-1795000030000",
    ]
    first = next(r for r in runs if r["name"].endswith("500"))
    started = json.loads(sfn.describe_execution(executionArn=first["executionArn"])["input"])
    # The Wait state's timestamp is whole seconds: rounded up, never before the deadline.
    assert started == {"gameId": "ABCDEF", "index": 0, "deadline": "2026-11-18T11:06:41Z"}


def test_backend_never_imports_textual_or_rich() -> None:
    code = (
        "import sys, importlib, pkgutil, backend, backend.functions\n"
        "for m in pkgutil.walk_packages(backend.__path__, 'backend.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_answers_fail_the_invocation_when_the_receipt_cannot_go_out(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An EVENT invocation that fails is retried by Lambda: the answer must then count once and
    its receipt must still reach the player."""
    from backend.functions.lambda_env import backend

    from .test_game_flow import answer

    code = await create()
    amy = await join(code, "Amy")
    await admin_cmd(code, "start")
    scores = await env.watch(f"/scores/{code}/{amy['playerId']}")
    publisher = backend().publisher
    real_publish = publisher.publish

    def down(channel: str, messages: Any) -> None:
        raise PublishFailed("publish: HTTP 503 (the Event API is down)")

    monkeypatch.setattr(publisher, "publish", down)
    with pytest.raises(PublishFailed):
        await answer(code, amy, 1)  # the invocation fails: Lambda retries it
    monkeypatch.setattr(publisher, "publish", real_publish)
    retried = await answer(code, amy, 1)  # Lambda's retry of the same event
    assert retried["events"][0].get("error") is not None  # a duplicate now...
    receipt = await scores.until("score")
    assert receipt["refusal"]["code"] == "duplicate"  # ...whose receipt repeats the result
    assert receipt["choice"] == 1
    rows = env.store.load_players(code)
    assert [(p.answered_index, p.last_choice) for p in rows] == [(0, 1)]


async def test_answer_metrics_are_emf_with_refusals_by_reason(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the dashboard graphs: CloudWatch embedded-metric lines on stdout."""
    from backend.functions.lambda_env import metrics

    from .test_game_flow import answer

    code = await create()
    amy = await join(code, "Amy")
    await admin_cmd(code, "start")
    capsys.readouterr()
    await answer(code, amy, 1)
    await answer(code, amy, 2)  # a second, different answer: already_answered
    await answer(code, amy, 1, qid="q9")  # not a question of this game
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    totals: dict[str, float] = {}
    reasons: dict[str, float] = {}
    for line in lines:
        (directive,) = line["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == metrics.namespace
        for metric in directive["Metrics"]:
            name = metric["Name"]
            value = sum(_as_values(line[name]))
            if name == "AnswersRefusedByReason":
                assert sorted(directive["Dimensions"][0]) == ["reason", "service"]
                reasons[line["reason"]] = reasons.get(line["reason"], 0) + value
            else:
                totals[name] = totals.get(name, 0) + value
    assert totals["AnswersAccepted"] == 1 and totals["AnswersRefused"] == 2
    assert reasons == {"already_answered": 1, "wrong_question": 1}


def _as_values(value: Any) -> list[float]:
    return [float(v) for v in value] if isinstance(value, list) else [float(value)]


async def test_stream_records_are_counted_once(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await create()
    for name in ("Amy", "Bob", "Cy"):
        await join(code, name)
    records = env.stream_event()
    capsys.readouterr()
    await call(stream.handler, records)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    counted = sum(
        sum(_as_values(line["StreamRecords"])) for line in lines if "StreamRecords" in line
    )
    assert counted == len(records["Records"]) > 0


async def test_a_command_that_loses_the_game_row_to_an_announcement_is_retried(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stream consumer announces the lobby count (a write of the game row) while the
    presenter presses start: the presenter's start still happens, once."""
    from backend.functions.lambda_env import backend

    code = await create()
    await join(code, "Amy")
    store = backend().store
    real_load = store.load_game
    raced: list[str] = []

    def racing_load(game_id: str) -> Any:
        game = real_load(game_id)
        if not raced:
            raced.append(game_id)
            backend().announce_lobby(game_id, 1)  # lands between the read and the write
        return game

    monkeypatch.setattr(store, "load_game", racing_load)
    started = await admin_cmd(code, "start")
    assert raced == [code]
    assert started["statusCode"] == 200 and body(started)["phase"] == "question_open"
    again = await admin_cmd(code, "start")
    assert again["statusCode"] == 409 and body(again)["error"] == "bad_transition"


async def test_a_join_while_dynamodb_keeps_throttling_is_503_retry_after(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store gave up on a throttled write (StoreBusy): the player gets 503 + Retry-After,
    which the entry client waits out and retries -- not a failed invocation (API Gateway's 502,
    final for the client: 24 of 1,000 joins were lost that way at 10 WCU a partition)."""
    code = await create()

    def throttled(*_: Any, **__: Any) -> None:
        raise StoreBusy("DynamoDB still throttling after retries")

    monkeypatch.setattr(env.store, "add_player", throttled)
    response = await call(
        entry.handler, rest_event("POST", f"/games/{code}/players", body={"name": "Zed"})
    )
    assert response["statusCode"] == 503
    headers = response.get("multiValueHeaders") or {}
    assert (
        headers.get("Retry-After") in (["1"], "1")
        or response.get("headers", {}).get("Retry-After") == "1"
    ), response
    assert body(response)["error"] == "unavailable"
    monkeypatch.undo()
    assert (await join(code, "Zed"))["name"] == "Zed"  # nothing half-written blocks a retry
