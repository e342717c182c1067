"""What every player holds -- the API key, the entry API -- cannot be turned against the room:
the ``default`` namespace is no open relay, and one client flooding the entry API gets the 429s
while everyone else still joins."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from eventapi import IamAuth
from quizwire.client.game_api import AdminClient
from tests.conformance.conftest import launch
from tests.conformance.wire import Endpoint, big_event, open_conn, unique_channel

# -- the default namespace -------------------------------------------------------------------


async def test_default_namespace_is_on_a_delivery_budget(stub: Endpoint) -> None:
    """Ten subscriptions to one wildcard and 5 x 200 KB events per publish: each publish would
    deliver 10 MB. The first one fits the budget; a few later the namespace refuses, before
    delivering anything, and says why. Small messages keep working once the budget refills."""
    channel = unique_channel()
    async with open_conn(stub) as listener, open_conn(stub) as flooder:
        for i in range(10):
            sub = await listener.subscribe(channel.rsplit("/", 1)[0] + "/*", sub_id=f"s{i}")
            assert sub["type"] == "subscribe_success"
        events = [big_event(200 * 1024)] * 5
        outcomes = []
        for _ in range(4):
            outcomes.append(await flooder.publish(channel, events))
        types = [o["type"] for o in outcomes]
        assert types[0] == "publish_success"
        assert "publish_error" in types
        refusal = next(o for o in outcomes if o["type"] == "publish_error")
        assert refusal["errors"][0]["errorType"] == "LimitExceededError"
        accepted = types.count("publish_success")
        # exactly what was accepted was delivered: 5 events x 10 subscriptions per publish
        frames = await listener.drain(wait=2.0)
        assert sum(f.get("type") == "data" for f in frames) == accepted * 5 * 10

        await asyncio.sleep(1.0)
        small = await flooder.publish(channel, ['{"hi":1}'])
        assert small["type"] == "publish_success"


async def test_the_game_is_not_metered(tmp_path: Path) -> None:
    """The budget meters client publishes to ``default`` only: the backend's own fan-out (a
    question to every player) is never refused."""
    from backend_stub.app import Stub
    from backend_stub.config import StubConfig

    async with Stub(StubConfig(port=0, api_keys=("da2-x",)), tmp_path) as stub:
        budget = stub.events.namespaces["default"].budget
        assert budget is not None
        outcome = await stub.events.publish_internal("/default/x", [{"n": 1}] * 5)
        assert len(outcome.successful) == 5
        assert budget.refused == 0


@pytest.fixture(params=["open", "off"])
def configured(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Endpoint]]:
    for ep in launch(tmp_path, "--default-namespace", request.param):
        yield request.param, ep


async def test_default_namespace_can_be_opened_or_switched_off(
    configured: tuple[str, Endpoint],
) -> None:
    mode, ep = configured
    channel = unique_channel()
    async with open_conn(ep) as conn:
        sub = await conn.subscribe(channel)
        if mode == "off":  # as an undefined namespace
            assert sub["type"] == "subscribe_error"
            assert sub["errors"][0]["errorType"] == "UnauthorizedException"
            return
        assert sub["type"] == "subscribe_success"
        for _ in range(3):
            outcome = await conn.publish(channel, [big_event(200 * 1024)] * 5)
            assert outcome["type"] == "publish_success"


# -- the entry API ---------------------------------------------------------------------------


@pytest.fixture
def slow_entry_stub(tmp_path: Path) -> Iterator[Endpoint]:
    yield from launch(tmp_path, "--entry-rate", "40")


async def test_a_flooder_gets_the_429s_not_the_room(slow_entry_stub: Endpoint) -> None:
    """One address hammers the entry API far past its 40 requests/s; meanwhile 30 players, each
    from an address of its own, join at a steady 10/s. The flooder is throttled; no player is."""
    ep = slow_entry_stub
    game_api = ep.http.rsplit("/event", 1)[0]
    admin = AdminClient(
        game_api, IamAuth.from_keys(ep.region, ep.access_key_id, ep.secret_access_key)
    )
    code = (await admin.create_game(pack="general", options={}))["gameId"]
    await admin.close()

    flood_status: list[int] = []
    stop = asyncio.Event()

    async def flooder() -> None:
        transport = httpx.AsyncHTTPTransport(local_address="127.0.0.66")
        async with httpx.AsyncClient(transport=transport, timeout=5) as http:
            while not stop.is_set():
                answers = await asyncio.gather(
                    *(http.get(f"{game_api}/games/{code}") for _ in range(20)),
                    return_exceptions=True,
                )
                flood_status.extend(a.status_code for a in answers if isinstance(a, httpx.Response))

    async def player(i: int) -> int:
        transport = httpx.AsyncHTTPTransport(local_address=f"127.0.1.{i + 1}")
        async with httpx.AsyncClient(transport=transport, timeout=5) as http:
            response = await http.post(f"{game_api}/games/{code}/players", json={"name": f"P{i}"})
            return response.status_code

    flooding = asyncio.create_task(flooder())
    await asyncio.sleep(1.0)  # the flood is in full swing before the room arrives
    statuses = []
    for i in range(30):
        statuses.append(await player(i))
        await asyncio.sleep(0.1)
    stop.set()
    with contextlib.suppress(Exception):
        await flooding
    assert statuses == [201] * 30
    assert flood_status.count(429) > len(flood_status) / 2
