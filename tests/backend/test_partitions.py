"""No hot key: a burst of answers spreads its writes over the game's shards (DynamoDB allows
1,000 write units a second per partition key), never reads the big game row once per answer,
and the sharded Rank index still gives the exact top-10."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from backend.dynamo_store import SHARDS
from backend.functions.lambda_env import backend
from backend_stub.lambda_backend.capacity import merge, write_units

from .conftest import Env
from .test_game_flow import admin_cmd, answer, create, join

pytestmark = pytest.mark.timeout(120)

PLAYERS = 64
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


class Meter:
    """The real client, with the write units of every call per partition key and every read
    of the game row counted."""

    def __init__(self, client: Any, game_id: str) -> None:
        self._client = client
        self._game = game_id
        self.units: Counter[str] = Counter()
        self.game_row_reads = 0

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        operation = "".join(part.title() for part in name.split("_"))
        if operation not in (*WRITES, "GetItem"):
            return real

        def metered(**kwargs: Any) -> Any:
            if operation == "GetItem":
                if kwargs["Key"] == {"pk": {"S": self._game}, "sk": {"S": "GAME"}}:
                    self.game_row_reads += 1
            else:
                self.units.update(merge(write_units(operation, kwargs)))
            return real(**kwargs)

        return metered


async def test_an_answer_burst_spreads_over_the_shards_and_reads_no_game_row(env: Env) -> None:
    code = await create()
    players = [await join(code, f"P{i:02d}") for i in range(PLAYERS)]
    await admin_cmd(code, "start")
    store = backend().store
    meter = Meter(store.client, code)
    store.client = meter
    for i, p in enumerate(players):  # one at a time: moto in-process is not thread-safe
        await answer(code, p, i % 3)
    assert len(env.store.load_answers(code, 0)) == PLAYERS
    total = sum(meter.units.values())
    most = meter.units.most_common(1)[0][1]
    # every answer is a 3-item transaction in its player's shard: 6 units, none on the game
    assert total == 6 * PLAYERS
    assert meter.units[code] == 0
    assert len(meter.units) > SHARDS // 2 and most <= total / 4, meter.units
    # the open question is read once for the whole burst, not once per answer
    assert meter.game_row_reads <= 1


async def test_the_sharded_rank_index_merges_to_the_exact_top_ten(env: Env) -> None:
    code = await create()
    players = [await join(code, f"R{i:02d}") for i in range(40)]
    await admin_cmd(code, "start")
    for i, p in enumerate(players):  # a third right (choice 1), at different times
        await answer(code, p, 1 if i % 3 == 0 else 0)
    await admin_cmd(code, "reveal")
    everyone = sorted(
        env.store.load_players(code), key=lambda p: (-p.score, p.correct_ms, p.join_order)
    )
    top = env.store.top_players(code, 10)
    assert [p.player_id for p in top] == [p.player_id for p in everyone[:10]]
    assert top[0].score > 0 and len({p.player_id for p in top}) == 10


async def test_a_remembered_open_question_never_decides_a_refusal(env: Env) -> None:
    """The answer path remembers the open question; once the game is over, an answer it would
    call a resend must be refused for what it is: the game is over."""
    code = await create()
    amy = await join(code, "Amy")
    await admin_cmd(code, "start")
    scores = await env.watch(f"/scores/{code}/{amy['playerId']}")
    await answer(code, amy, 1)
    assert (await scores.next())["accepted"] is True  # q1 is remembered as open now
    assert (await admin_cmd(code, "end"))["statusCode"] == 200
    await answer(code, amy, 1)
    over = await scores.until("score")
    while over.get("refusal") is None:  # past the reveal's result
        over = await scores.until("score")
    assert over["refusal"]["code"] == "game_over"


async def test_an_answer_judged_open_but_stored_after_the_close_is_refused(env: Env) -> None:
    """The gate decides: a container that still remembers the question open cannot store an
    answer once the question was closed (by another container, the presenter here)."""
    code = await create()
    amy, bob = await join(code, "Amy"), await join(code, "Bob")
    await admin_cmd(code, "start")
    bob_scores = await env.watch(f"/scores/{code}/{bob['playerId']}")
    await answer(code, amy, 1)  # the open question is remembered from here on
    assert (await admin_cmd(code, "reveal"))["statusCode"] == 200
    await answer(code, bob, 1)
    late = await bob_scores.until("score")
    assert late["refusal"]["code"] == "too_late"
    assert [r.player_id for r in env.store.load_answers(code)] == [amy["playerId"]]


class Reads:
    """The real client, recording every query's key condition (what it walks through)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.queries: list[str] = []

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if name != "query":
            return real

        def recorded(**kwargs: Any) -> Any:
            values = {
                k: next(iter(v.values())) for k, v in kwargs["ExpressionAttributeValues"].items()
            }
            self.queries.append(f"{kwargs.get('IndexName', 'table')}: {values}")
            return real(**kwargs)

        return recorded


@pytest.mark.parametrize("phase", ["lobby", "question_open", "question_closed"])
async def test_a_rejoin_snapshot_reads_a_bounded_number_of_items(env: Env, phase: str) -> None:
    """Every player fetches a snapshot on joining and on each reconnect: reading every player
    row each time is O(players²) for a game of 10,000."""
    from backend.functions import entry

    from .conftest import body, call, rest_event

    code = await create()
    players = [await join(code, f"S{i:02d}") for i in range(40)]
    if phase != "lobby":
        await admin_cmd(code, "start")
        for p in players[:20]:
            await answer(code, p, 1)
    if phase == "question_closed":
        await admin_cmd(code, "reveal")
    store = backend().store
    meter = Reads(store.client)
    store.client = meter
    me = players[25]
    snap = body(
        await call(
            entry.handler,
            rest_event("GET", f"/games/{code}/state", headers={"Authorization": me["token"]}),
        )
    )
    store.client = meter._client
    assert snap["phase"] == phase and snap["you"]["playerId"] == me["playerId"]
    # never every player's row, nor every answer: only the Rank index's top of each shard,
    # a count of who is ahead, and the game's own small documents
    walked = [q for q in meter.queries if "'P#'" in q or "'A#" in q]
    assert walked == [], walked
    if phase == "question_closed":  # 20 answered right (choice 1 is right): Amy's 25th is 21st
        assert snap["you"]["rank"] == 21 and len(snap["leaderboard"]) == 10
        assert snap["reveal"]["questionId"] == "q1"


async def test_the_all_answered_check_counts_answers_only_once_enough_were_seen(
    env: Env,
) -> None:
    """The stream consumer runs after every batch of a burst: counting every answer (a query per
    shard, each reading every answer so far) each time is O(answers²) per question."""
    from backend.functions import stream

    from .conftest import call

    code = await create()
    players = [await join(code, n) for n in ("Amy", "Bob", "Cy")]
    await call(stream.handler, env.stream_event())  # the joins: the player count is 3
    await admin_cmd(code, "start")
    store = backend().store
    meter = Reads(store.client)
    store.client = meter
    await answer(code, players[0], 1)
    await call(stream.handler, env.stream_event())
    assert [q for q in meter.queries if "'A#" in q] == []  # 1 of 3 seen: nothing counted
    assert env.store.load_game(code).phase.value == "question_open"  # type: ignore[union-attr]
    for p in players[1:]:
        await answer(code, p, 0)
    await call(stream.handler, env.stream_event())
    assert [q for q in meter.queries if "'A#" in q]  # 3 of 3: counted exactly, and closed
    store.client = meter._client
    closed = env.store.load_game(code)
    assert closed is not None and closed.close_reason == "all_answered"
