"""The one test that waits for a real deadline: the server's clock closes the question, scores
speed from its own receive time (never the client's ``sentAt``) and refuses what comes after."""

from __future__ import annotations

import asyncio
import json

import pytest

from quizwire.scoring import score_answer

from .conftest import EntryFor, PlayerFor, PresenterFor, StubFactory
from .harness import Observe, make_quiz, wall_ms

LIMIT_S = 5  # the shortest time limit the rules allow

pytestmark = pytest.mark.timeout(60)


async def test_question_closes_at_its_deadline(
    make_stub: StubFactory,
    presenter_for: PresenterFor,
    entry_for: EntryFor,
    player_for: PlayerFor,
    backend: str,
) -> None:
    """On the Lambda path the deadline state machine's Wait ends on the next whole second."""
    stub = await make_stub(backend=backend)
    observe = Observe(stub)
    http_url = stub.events.http_url
    presenter = presenter_for(stub)
    quiz = make_quiz([(4, 3, 2000), (2, 1, 1000)])
    code = (await presenter.admin.create_game(quiz=quiz, options={"timeLimit": LIMIT_S}))["gameId"]
    await presenter.watch(code)
    entry = entry_for(stub.game_api)
    fast, liar, sleepy = (player_for(n, code, http_url, entry) for n in ("Fast", "Liar", "Sleepy"))
    for p in (fast, liar, sleepy):
        await p.join()
        await p.connect()

    view = await presenter.admin.command(code, "start")
    question = view["question"]
    qid, opens, deadline = question["questionId"], question["opensAt"], question["deadline"]
    assert deadline - opens == LIMIT_S * 1000 == question["durationMs"]

    quick = await fast.answer(qid, 3)
    # The liar waits 1.5 s but claims it sent the answer the instant the question opened.
    await asyncio.sleep(1.5)
    lie = await liar.publish_answer({"questionId": qid, "choice": 3, "sentAt": opens})
    assert quick.score["accepted"] and lie.score["accepted"]

    # Sleepy never answers in time, so only the deadline can close the question.
    closed = await presenter.inboxes["game"].wait(
        lambda m: m.get("type") == "question_closed",
        within=LIMIT_S + 3 + observe.deadline_grace_ms / 1000,
    )
    assert closed["reason"] == "deadline"
    assert closed["ts"] >= deadline
    assert wall_ms() - deadline < 2000 + observe.deadline_grace_ms  # and it closed promptly
    assert (closed["answered"], closed["counts"], closed["correct"]) == (2, [0, 0, 0, 2], 3)
    assert [f["playerId"] for f in closed["fastest"]] == [fast.player_id, liar.player_id]

    late = await sleepy.answer(qid, 3)
    assert late.score["accepted"] is False and late.score["refusal"]["code"] == "too_late"
    if observe.refusals_in_publish_result:
        assert late.result.failed and "Too late" in (late.result.failed[0].message or "")
    snap = await sleepy.snapshot()
    assert snap["phase"] == "question_closed"
    assert snap["reveal"]["correct"] == 3 and snap["you"]["answered"] is False

    results = json.loads(await presenter.admin.results(code, "json"))
    rows = {r["name"]: r for r in results["players"]}
    liar_ms = rows["Liar"]["answers"][0]["ms"]
    # timed by the server: from the open to when the answer arrived, whatever sentAt said
    assert lie.sent_ms - opens - 1 <= liar_ms <= lie.scored_ms - opens + 1
    assert liar_ms >= 1500
    for name in ("Fast", "Liar"):
        answer = rows[name]["answers"][0]
        expected = score_answer(
            correct=True,
            points=2000,
            elapsed_ms=answer["ms"],
            limit_ms=LIMIT_S * 1000,
            previous_streak=0,
        )
        assert answer["points"] == rows[name]["score"] == expected.total
    assert rows["Fast"]["score"] > rows["Liar"]["score"] > 1000
    assert rows["Sleepy"]["answers"] == [None] and rows["Sleepy"]["score"] == 0
    assert [r["name"] for r in results["players"]] == ["Fast", "Liar", "Sleepy"]
