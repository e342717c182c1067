"""A player away over a reveal gets their result from the rejoin snapshot, on both backends —
with its points, and never before the question closes."""

from __future__ import annotations

import json

import pytest

from .conftest import EntryFor, PlayerFor, PresenterFor, StubFactory
from .harness import make_quiz

pytestmark = pytest.mark.timeout(60)


async def test_the_snapshot_carries_the_result_once_the_question_closed(
    make_stub: StubFactory,
    presenter_for: PresenterFor,
    entry_for: EntryFor,
    player_for: PlayerFor,
    backend: str,
) -> None:
    stub = await make_stub(backend=backend)
    presenter = presenter_for(stub)
    code = (await presenter.admin.create_game(quiz=make_quiz([(4, 1, 1000), (4, 0, 1000)])))[
        "gameId"
    ]
    await presenter.watch(code)
    entry = entry_for(stub.game_api)
    amy = player_for("Amy", code, stub.events.http_url, entry)
    bob = player_for("Bob", code, stub.events.http_url, entry)
    for p in (amy, bob):
        await p.join()
        await p.connect()
    await presenter.admin.command(code, "start")
    await amy.answer("q1", 1)
    open_snap = await amy.snapshot()
    assert open_snap["you"]["answered"] is True
    assert not {"correct", "points", "bonus"} & set(open_snap["you"])  # no leak while open
    await amy.drop()
    await presenter.admin.command(code, "reveal")
    await presenter.inboxes["game"].wait(lambda m: m.get("type") == "question_closed")

    you = (await amy.snapshot())["you"]
    results = json.loads(await presenter.admin.results(code, "json"))
    row = next(r for r in results["players"] if r["playerId"] == amy.player_id)
    assert you["correct"] is True and you["points"] == row["answers"][0]["points"] > 0
    assert you["bonus"] == 0 and you["total"] == row["score"]
    bob_you = (await bob.snapshot())["you"]  # no answer: no result
    assert bob_you["answered"] is False and "points" not in bob_you
