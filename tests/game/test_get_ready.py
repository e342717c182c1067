"""The get-ready phase end to end, on both backends: the question is announced with the time its
choices open (server clock); an answer before then is refused ``too_early`` and not counted; an
answer after it is timed from it; and the question closes at ``opensAt + time limit``."""

from __future__ import annotations

import asyncio
import json

import pytest

from .conftest import EntryFor, PlayerFor, PresenterFor, StubFactory
from .harness import Observe, make_quiz, wall_ms

LIMIT_S = 5
READY_S = 2

pytestmark = pytest.mark.timeout(60)


async def test_answers_open_after_the_get_ready_phase(
    make_stub: StubFactory,
    presenter_for: PresenterFor,
    entry_for: EntryFor,
    player_for: PlayerFor,
    backend: str,
) -> None:
    stub = await make_stub(backend=backend)
    observe = Observe(stub)
    presenter = presenter_for(stub)
    quiz = make_quiz([(4, 1, 1000)])
    options = {"timeLimit": LIMIT_S, "readySeconds": READY_S}
    code = (await presenter.admin.create_game(quiz=quiz, options=options))["gameId"]
    await presenter.watch(code)
    entry = entry_for(stub.game_api)
    eager = player_for("Eager", code, stub.events.http_url, entry)
    idle = player_for("Idle", code, stub.events.http_url, entry)  # only the deadline closes it
    for player in (eager, idle):
        await player.join()
        await player.connect()

    before = wall_ms()
    view = await presenter.admin.command(code, "start")
    question = view["question"]
    qid, opens, deadline = question["questionId"], question["opensAt"], question["deadline"]
    assert question["readyMs"] == READY_S * 1000
    assert opens - before >= READY_S * 1000 - 1_000  # shown now, answerable ~2 s later
    assert deadline - opens == LIMIT_S * 1000 == question["durationMs"]
    broadcast = await presenter.inboxes["question"].wait(lambda m: m.get("type") == "question")
    assert (broadcast["opensAt"], broadcast["readyMs"]) == (opens, READY_S * 1000)

    early = await eager.answer(qid, 1)
    assert early.score["accepted"] is False and early.score["refusal"]["code"] == "too_early"

    await asyncio.sleep(max(0.0, (opens - wall_ms()) / 1000) + 0.3)
    counted = await eager.answer(qid, 1)  # the same player may answer once the choices opened
    assert counted.score["accepted"] is True

    closed = await presenter.inboxes["game"].wait(
        lambda m: m.get("type") == "question_closed",
        within=READY_S + LIMIT_S + 3 + observe.deadline_grace_ms / 1000,
    )
    assert closed["reason"] == "deadline" and closed["ts"] >= deadline
    assert closed["answered"] == 1

    # the leaderboard after the reveal says what the question earned each player
    board = await presenter.inboxes["leaderboard"].wait(
        lambda m: m.get("type") == "leaderboard" and m["ts"] >= closed["ts"], within=10
    )
    gains = {e["name"]: e["lastPoints"] for e in board["entries"]}
    assert gains["Idle"] == 0 and gains["Eager"] > 500
    view = await presenter.admin.view(code)  # the console's poll carries the same gains
    assert {e["name"]: e["lastPoints"] for e in view["leaderboard"]} == gains

    results = json.loads(await presenter.admin.results(code, "json"))
    ms = next(r for r in results["players"] if r["name"] == "Eager")["answers"][0]["ms"]
    # timed from the opening of the choices, not from when the question was shown
    assert counted.sent_ms - opens - 1 <= ms <= counted.scored_ms - opens + 1
