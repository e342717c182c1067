"""The stub's /metrics move as a scripted game runs, and --log-format json lines parse."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from backend_stub.app import Stub
from backend_stub.config import IamCredential, StubConfig
from eventapi import AuthError, EventsClient, LambdaAuth
from eventapi.auth import IamAuth
from quizwire.client.game_api import AdminClient, EntryClient, GameApiError
from quizwire.packs import load_pack
from quizwire.state import GameOptions

API_KEY = "da2-" + "m" * 26
PRESENTER = ("AKIDMETRICS0000", "secret")


def _config() -> StubConfig:
    return StubConfig(
        host="127.0.0.1",
        port=0,
        api_keys=(API_KEY,),
        iam_credentials=(IamCredential(*PRESENTER),),
    )


async def scrape(base: str, *, signed: bool = True) -> dict[str, float]:
    """The stub's metrics, as the presenter's console scrapes them (signed) or as anyone on
    the network can (``signed=False``)."""
    if signed:
        admin = AdminClient(base, IamAuth.from_keys("us-east-1", *PRESENTER))
        try:
            text = await admin.metrics()
        finally:
            await admin.close()
    else:
        async with httpx.AsyncClient() as http:
            response = await http.get(base + "/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        text = response.text
    # the exposition format's spelling of infinity, as Prometheus writes it
    assert 'quizwire_handler_latency_seconds_bucket{le="+Inf"}' in text
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = sample.name + "".join(f"{{{k}={v}}}" for k, v in sorted(sample.labels.items()))
            values[key] = sample.value
    return values


async def test_metrics_follow_a_scripted_game(tmp_path: Path) -> None:
    async with Stub(_config(), tmp_path, entry_rate=3, coalesce_interval=0.05) as stub:
        base = stub.game_api
        before = await scrape(base)
        assert before["quizwire_connections_active"] == 0
        # every refusal reason exists from the start, so rate() has a series to work on
        assert before["quizwire_answers_refused_total{reason=too_late}"] == 0
        assert before["quizwire_answers_refused_total{reason=bad_choice}"] == 0
        # no get-ready phase: the scripted answers go in as soon as the question opens
        runtime = await stub.game.create_game(load_pack("general"), GameOptions(ready_seconds=0))
        code = runtime.game_id
        assert (await scrape(base))[f"quizwire_game_players_connected{{game={code}}}"] == 0

        # A join storm against a 3 requests/s entry limit: 429s are counted.
        entry = EntryClient(base, backoff=0.05, backoff_cap=0.5)
        players = await asyncio.gather(*(entry.join(code, f"Player {i}") for i in range(6)))
        await entry.close()
        after_storm = await scrape(base)
        assert after_storm["quizwire_entry_throttled_total"] >= 1
        assert (
            after_storm["quizwire_entry_requests_total"]
            >= 6 + after_storm["quizwire_entry_throttled_total"]
        )

        # Connections and subscriptions go up as players connect.
        clients = []
        for joined in players[:3]:
            client = EventsClient(stub.events.http_url, LambdaAuth(joined["token"]))
            await client.connect()
            await client.subscribe(f"/scores/{code}/{joined['playerId']}")
            clients.append(client)
        connected = await scrape(base)
        assert connected["quizwire_connections_active"] == 3
        assert connected["quizwire_subscriptions_active"] == 3
        assert connected[f"quizwire_game_players_connected{{game={code}}}"] == 3

        # Answers: one accepted, then refusals by reason.
        await stub.game.start_game(code)
        first = clients[0]
        answer = {"questionId": "q1", "choice": 0}
        await first.publish(f"/answer/{code}", [answer])
        await first.publish(f"/answer/{code}", [{**answer, "choice": 1}])  # already answered
        await first.publish(f"/answer/{code}", [{"questionId": "q9", "choice": 0}])  # not asked yet
        await clients[1].publish(
            f"/answer/{code}", [{"questionId": "q1", "choice": 9}]
        )  # bad choice
        answered = await scrape(base)
        assert answered["quizwire_answers_accepted_total"] == 1
        assert answered["quizwire_answers_refused_total{reason=already_answered}"] == 1
        assert answered["quizwire_answers_refused_total{reason=wrong_question}"] == 1
        assert answered["quizwire_answers_refused_total{reason=malformed}"] == 1
        assert answered["quizwire_handler_latency_seconds_count"] >= 4
        assert answered["quizwire_publish_requests_ws_total"] == 4

        # A refused connection is counted.
        bad = EventsClient(stub.events.http_url, LambdaAuth("qw1.nope.nope.nope"))
        with pytest.raises(AuthError):
            await bad.connect()
        refused = await scrape(base)
        assert refused["quizwire_connections_refused_total"] == 1

        # The leaderboard is held back while the question is open, then published at the reveal.
        assert answered["quizwire_leaderboard_publishes_total"] == 0
        await stub.game.reveal(code)
        for client in clients:
            await client.close()
        await asyncio.sleep(0.1)
        closed = await scrape(base)
        assert closed["quizwire_connections_active"] == 0
        assert closed["quizwire_subscriptions_active"] == 0
        assert closed[f"quizwire_game_players_connected{{game={code}}}"] == 0  # shown, at 0
        assert closed["quizwire_leaderboard_publishes_total"] >= 1


async def test_public_metrics_name_no_game(tmp_path: Path) -> None:
    """Anyone on the LAN may scrape /metrics, but game codes are what it takes to join a game:
    an unsigned scrape carries only aggregates, a badly signed one is refused, and only the
    presenter's signed scrape lists games."""
    async with Stub(_config(), tmp_path) as stub:
        codes = [(await stub.game.create_game(load_pack("general"))).game_id for _ in range(2)]
        async with httpx.AsyncClient() as http:
            public = (await http.get(stub.game_api + "/metrics")).text
        assert not any(code in public for code in codes)
        assert "quizwire_game_players_connected" not in public
        assert (await scrape(stub.game_api, signed=False))["quizwire_players_connected"] == 0

        signed = await scrape(stub.game_api)
        assert all(signed[f"quizwire_game_players_connected{{game={c}}}"] == 0 for c in codes)

        forged = AdminClient(stub.game_api, IamAuth.from_keys("us-east-1", PRESENTER[0], "wrong"))
        with pytest.raises(GameApiError) as refused:
            await forged.metrics()
        await forged.close()
        assert refused.value.status == 401
        assert not any(code in refused.value.message for code in codes)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_json_log_lines_parse_and_cover_the_lifecycle(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "QUIZWIRE_CONFIG_DIR": str(tmp_path / "cfg")}
    quizwire = Path(sys.executable).parent / "quizwire"
    proc = subprocess.Popen(
        [
            str(quizwire),
            "stub",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "data"),
            "--log-format",
            "json",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        info_path = tmp_path / "data" / "stub.json"
        for _ in range(200):
            if info_path.exists():
                break
            asyncio.run(asyncio.sleep(0.05))
        info = json.loads(info_path.read_text())

        async def session() -> None:
            from eventapi import ApiKeyAuth

            async with EventsClient(info["http"], ApiKeyAuth(info["api_key"])) as client:
                await client.subscribe("/default/logs")
                await client.publish("/default/logs", [{"n": i} for i in range(3)])
            bad = EventsClient(info["http"], ApiKeyAuth("da2-wrong"))
            with pytest.raises(AuthError):
                await bad.connect()
            # a flooding publisher: 60 publishes in a burst, most refused (25/s), few log lines
            async with EventsClient(info["http"], ApiKeyAuth(info["api_key"])) as flood:
                outcomes = await asyncio.gather(
                    *(flood.publish("/default/logs", [{"n": i}]) for i in range(60)),
                    return_exceptions=True,
                )
                assert sum(isinstance(o, Exception) for o in outcomes) >= 20
            async with httpx.AsyncClient() as http:  # not this protocol: refused and logged
                await http.get(info["realtime"].replace("ws://", "http://"))

        asyncio.run(session())
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    lines = [line for line in err.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    events = [r.get("event") for r in records]
    for expected in (
        "connection_open",
        "subscription_open",
        "subscription_close",
        "connection_close",
        "connection_refused",
    ):
        assert expected in events, f"no {expected} line in {events}"
    # Never one line per delivered message: 3 deliveries, no per-event lines.
    assert not any("deliver" in (r.get("event") or "") for r in records)
    # open and close lines of one connection share its id
    opened = {r["conn"] for r in records if r.get("event") == "connection_open"}
    closed = {r["conn"] for r in records if r.get("event") == "connection_close"}
    assert opened and opened == closed
    # the flood: at most a line a second for its refusals, not one per refused publish
    limited = [r for r in records if r.get("error_type") == "LimitExceededError"]
    assert 1 <= len(limited) <= 3
    assert any(r.get("reason", "").startswith("no aws-appsync-event-ws") for r in records)
    assert all({"ts", "level", "logger", "msg"} <= r.keys() for r in records)
