"""The entry client retries what the server says to retry: a 429, and a 503 that carries
Retry-After (the deployed entry check while DynamoDB throttles); any other 503 is final."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from quizwire.client.game_api import EntryClient, GameApiError


@pytest.fixture
async def busy_then_ok() -> AsyncIterator[tuple[str, list[int]]]:
    answers: list[int] = []

    async def game(request: web.Request) -> web.Response:
        code = request.match_info["code"]
        if code == "BUSY01" and len(answers) < 2:
            answers.append(503)
            return web.json_response(
                {"error": "unavailable", "message": "busy"},
                status=503,
                headers={"Retry-After": "0"},
            )
        if code == "DOWN01":
            answers.append(503)
            return web.json_response({"error": "server_error", "message": "down"}, status=503)
        answers.append(200)
        return web.json_response({"gameId": code})

    app = web.Application()
    app.router.add_get("/games/{code}", game)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", answers
    await runner.cleanup()


async def test_a_503_with_retry_after_is_retried(busy_then_ok: tuple[str, list[int]]) -> None:
    url, answers = busy_then_ok
    client = EntryClient(url, backoff=0.01, backoff_cap=0.05)
    try:
        assert await client.get_game("BUSY01") == {"gameId": "BUSY01"}
    finally:
        await client.close()
    assert answers == [503, 503, 200] and client.retries == 2


async def test_a_503_without_retry_after_is_final(busy_then_ok: tuple[str, list[int]]) -> None:
    url, answers = busy_then_ok
    client = EntryClient(url, backoff=0.01, backoff_cap=0.05)
    try:
        with pytest.raises(GameApiError) as failed:
            await client.get_game("DOWN01")
    finally:
        await client.close()
    assert (failed.value.status, answers) == (503, [503])


async def test_an_admin_call_waits_as_long_as_api_gateway_lets_it_run() -> None:
    """A reveal or an end that tallies a big room may take up to API Gateway's 29 s integration
    limit: the presenter's client must not give up first (it gave up at 15 s, and the command
    went through while the console said the server was unreachable)."""
    from eventapi import IamAuth
    from quizwire.client.game_api import AdminClient

    admin = AdminClient(
        "http://127.0.0.1:9", IamAuth.from_keys("us-east-1", "AKIDEXAMPLE", "secret")
    )
    try:
        assert admin._http.timeout.read is not None and admin._http.timeout.read >= 29.0
    finally:
        await admin.close()
