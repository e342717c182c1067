"""A whole game through the Lambda handlers: admin and entry (API Gateway events), the
authorizer, answers (AppSync onPublish events), the stream consumer (records read from the
table's stream) and the deadline function; publishes received over a real WebSocket."""

from __future__ import annotations

from typing import Any

import pytest

from backend.functions import admin, answers, authorizer, deadline, entry, lambda_env, stream
from quizwire.state import GameState

from .conftest import Env, FakeContext, Watch, body, call, publish_event, rest_event

pytestmark = pytest.mark.timeout(60)

QUIZ = {
    "title": "Lambda quiz",
    "defaults": {"ready_seconds": 0},  # the get-ready phase has its own test
    "questions": [
        {"text": "2+2?", "choices": ["3", "4", "5"], "answer": "B", "time_limit": 30},
        {"text": "Sky?", "choices": ["blue", "green"], "answer": "A", "time_limit": 30},
    ],
}


async def create(quiz: dict[str, Any] = QUIZ) -> str:
    response = await call(admin.handler, rest_event("POST", "/admin/games", body={"quiz": quiz}))
    assert response["statusCode"] == 201, response
    return str(body(response)["gameId"])


async def join(code: str, name: str) -> dict[str, Any]:
    response = await call(
        entry.handler, rest_event("POST", f"/games/{code}/players", body={"name": name})
    )
    assert response["statusCode"] == 201, response
    return dict(body(response))


async def admin_cmd(code: str, command: str) -> dict[str, Any]:
    return dict(await call(admin.handler, rest_event("POST", f"/admin/games/{code}/{command}")))


def identity(player: dict[str, Any]) -> dict[str, Any]:
    decision = authorizer.handler({"authorizationToken": player["token"]}, FakeContext())
    assert decision["isAuthorized"]
    return {"handlerContext": decision["handlerContext"]}


async def answer(
    code: str,
    player: dict[str, Any],
    choice: int,
    qid: str = "q1",
    received_at: int | None = None,
) -> Any:
    event = publish_event(
        f"/answer/{code}", [{"questionId": qid, "choice": choice}], identity(player), received_at
    )
    return await call(answers.handler, event)


async def test_full_game_over_the_handlers(env: Env) -> None:
    code = await create()
    game = await env.watch(f"/game/{code}")
    question = await env.watch(f"/question/{code}")
    board = await env.watch(f"/leaderboard/{code}")
    presenter = await env.watch(f"/answer/{code}")
    amy, bob = await join(code, "Amy"), await join(code, "Bob")
    amy_scores = await env.watch(f"/scores/{code}/{amy['playerId']}")
    bob_scores = await env.watch(f"/scores/{code}/{bob['playerId']}")

    # The stream consumer counts the joins once per batch and announces the lobby.
    assert (await call(stream.handler, env.stream_event())) == {"batchItemFailures": []}
    lobby = await game.until("lobby")
    assert lobby["players"] == 2
    assert env.store.player_count(code) == 2

    started = await admin_cmd(code, "start")
    assert started["statusCode"] == 200 and body(started)["phase"] == "question_open"
    assert (await game.until("started"))["total"] == 2
    q = await question.until("question")
    assert q["questionId"] == "q1" and not {"answer", "correct"} & set(q)

    # Amy right, Bob wrong: both receipts say "locked in" and nothing more.
    result = await answer(code, amy, 1)
    (judged,) = result["events"]
    assert judged["id"] == "0" and judged["payload"]["playerId"] == amy["playerId"]
    # The presenter's live stream gets the judged answer: who and what, never whether right.
    fed = await presenter.until("answer")
    assert fed == judged["payload"]
    assert (fed["name"], fed["choice"], fed["questionId"]) == ("Amy", 1, "q1")
    assert not {"correct", "points"} & set(fed)
    receipt = await amy_scores.next()
    assert receipt["accepted"] is True and receipt["correct"] is None
    assert receipt["points"] == 0 and receipt["total"] == 0
    await answer(code, bob, 0)
    assert (await bob_scores.next())["correct"] is None

    # A resend with another choice is refused, with the reason on the player's channel.
    again = await answer(code, amy, 0)
    assert "error" in again["events"][0]
    refusal = await amy_scores.next()
    assert refusal["accepted"] is False and "first answer" in refusal["refusal"]["message"]

    # While open, the presenter's view and the rejoin snapshot show the opening standings.
    snap = await call(
        entry.handler,
        rest_event("GET", f"/games/{code}/state", headers={"Authorization": amy["token"]}),
    )
    you = body(snap)["you"]
    assert snap["statusCode"] == 200 and you["total"] == 0 and you["answered"] is True
    view = body(await call(admin.handler, rest_event("GET", f"/admin/games/{code}")))
    # no histogram in the view (the console counts its stream): each row's answer, and how many
    assert "counts" not in view and view["answered"] == 2
    assert sorted(p["lastAnswer"] for p in view["players"]) == [0, 1]
    assert all(p["score"] == 0 for p in view["players"])
    await board.nothing()  # nothing public moves while the question is open

    # Both answered: the stream consumer closes the question and the reveal goes out.
    await call(stream.handler, env.stream_event())
    closed = await game.until("question_closed")
    assert closed["correct"] == 1 and closed["reason"] == "all_answered"
    amy_result = await amy_scores.next()
    assert amy_result["correct"] is True and amy_result["points"] > 0 and amy_result["rank"] == 1
    assert (await bob_scores.next())["correct"] is False

    # The phase change reaches the stream: one top-10 on the leaderboard.
    await call(stream.handler, env.stream_event())
    top = await board.until("leaderboard")
    assert [e["name"] for e in top["entries"]] == ["Amy", "Bob"]
    assert top["entries"][0]["score"] == amy_result["total"]
    assert top["seq"] > closed["seq"]

    # Next, then next after the last question finishes the game with the podium.
    await admin_cmd(code, "reveal")  # nothing open: refused
    nxt = await admin_cmd(code, "next")
    assert body(nxt)["index"] == 1
    assert (await question.until("question"))["questionId"] == "q2"
    refused = await admin_cmd(code, "next")
    assert refused["statusCode"] == 409 and body(refused)["error"] == "bad_transition"
    await admin_cmd(code, "reveal")
    assert (await game.until("question_closed"))["reason"] == "presenter"
    done = await admin_cmd(code, "next")
    assert body(done)["phase"] == "finished"
    finished = await game.until("finished")
    assert finished["podium"][0]["name"] == "Amy"
    final = await call(
        entry.handler,
        rest_event("GET", f"/games/{code}/state", headers={"Authorization": bob["token"]}),
    )
    snapshot = body(final)
    assert snapshot["phase"] == "finished" and snapshot["reveal"]["questionId"] == "q2"
    assert snapshot["you"]["rank"] == 2 and snapshot["leaderboard"][0]["name"] == "Amy"

    # Results as the stub serves them; the finished game refuses new players.
    results = await call(
        admin.handler,
        rest_event("GET", f"/admin/games/{code}/results", query={"format": "csv"}),
    )
    assert results["statusCode"] == 200 and results["body"].splitlines()[1].split(",")[2] == "Amy"
    late = await call(
        entry.handler, rest_event("POST", f"/games/{code}/players", body={"name": "Cy"})
    )
    assert late["statusCode"] == 410 and body(late)["error"] == "finished"


async def test_the_deadline_function_closes_only_a_due_question(env: Env) -> None:
    code = await create()
    game = await env.watch(f"/game/{code}")
    await join(code, "Amy")
    await admin_cmd(code, "start")
    backend = lambda_env.backend()
    state = backend.store.load_game(code)
    assert state is not None
    early = await call(deadline.handler, {"gameId": code, "index": 0})
    assert early == {"closed": False, "phase": "question_open"}  # 30 s to go: left alone
    backend.clock = lambda: state.deadline + 1
    wrong = await call(deadline.handler, {"gameId": code, "index": 1})
    assert wrong["closed"] is False  # a timer for another question
    due = await call(deadline.handler, {"gameId": code, "index": 0})
    assert due == {"closed": True, "phase": "question_closed"}
    closed = await game.until("question_closed")
    assert closed["reason"] == "deadline" and closed["answered"] == 0
    again = await call(deadline.handler, {"gameId": code, "index": 0})
    assert again["closed"] is False  # idempotent
    assert (await call(deadline.handler, {"gameId": "NOSUCH", "index": 0}))["closed"] is False


async def started(env: Env) -> tuple[str, dict[str, Any], Watch, GameState]:
    """A game with Amy in it, its first question open: code, Amy, her scores, the game row."""
    code = await create()
    amy = await join(code, "Amy")
    await admin_cmd(code, "start")
    scores = await env.watch(f"/scores/{code}/{amy['playerId']}")
    state = lambda_env.backend().store.load_game(code)
    assert state is not None
    return code, amy, scores, state


async def test_a_late_answer_is_refused_and_closes_the_question_lazily(env: Env) -> None:
    code, amy, scores, state = await started(env)
    backend = lambda_env.backend()
    backend.clock = lambda: state.deadline + 5
    await answer(code, amy, 1)
    late = await scores.next()
    assert late["accepted"] is False and late["refusal"]["code"] == "too_late"
    view = body(await call(admin.handler, rest_event("GET", f"/admin/games/{code}")))
    assert view["phase"] == "question_closed"  # closed by the admin read, at the deadline


async def test_an_answer_is_timed_from_its_edge_stamp_not_when_the_lambda_runs(env: Env) -> None:
    """Lambda's async retry comes a minute later (and a queue or a cold start can delay any
    invocation): the answer counts as received when the Event API stamped it."""
    code, amy, scores, state = await started(env)
    backend = lambda_env.backend()
    backend.clock = lambda: state.deadline + 60_000  # the function runs after the deadline
    await answer(code, amy, 1, received_at=state.opened_at + 1_500)
    receipt = await scores.next()
    assert receipt["accepted"] is True
    (stored,) = env.store.load_answers(code)
    assert (stored.elapsed_ms, stored.received_at) == (1_500, state.opened_at + 1_500)
    bob = await join(code, "Bob")
    bob_scores = await env.watch(f"/scores/{code}/{bob['playerId']}")
    backend.clock = lambda: state.opened_at + 2_000  # and a stamp past the deadline is late
    await answer(code, bob, 1, received_at=state.deadline + 1)
    assert (await bob_scores.next())["refusal"]["code"] == "too_late"


async def test_an_answer_received_in_time_counts_though_judged_after_the_deadline(
    env: Env,
) -> None:
    """The deadline closes a question only after a grace: answers the Event API received in
    time may still be queued for their (asynchronous) judging when the deadline passes."""
    code, amy, scores, state = await started(env)
    backend = lambda_env.backend()
    backend.deadline_grace_ms = 2_000
    backend.clock = lambda: state.deadline + 1_000
    view = body(await call(admin.handler, rest_event("GET", f"/admin/games/{code}")))
    assert view["phase"] == "question_open"  # past the deadline, within the grace
    await answer(code, amy, 1, received_at=state.deadline - 100)
    assert (await scores.next())["accepted"] is True
    backend.clock = lambda: state.deadline + 2_000
    view = body(await call(admin.handler, rest_event("GET", f"/admin/games/{code}")))
    assert view["phase"] == "question_closed" and view["reveal"]["answered"] == 1


async def test_answers_only_as_yourself_in_your_own_game(env: Env) -> None:
    code, other = await create(), await create()
    amy = await join(code, "Amy")
    await admin_cmd(other, "start")
    foreign = publish_event(f"/answer/{other}", [{"questionId": "q1", "choice": 1}], identity(amy))
    result = await call(answers.handler, foreign)
    assert result["events"] == [{"id": "0", "error": "Unauthorized"}]
    anonymous = publish_event(f"/answer/{code}", [{"questionId": "q1", "choice": 1}], None)
    assert (await call(answers.handler, anonymous))["events"][0]["error"] == "Unauthorized"
    # The backend's own judged answer, coming back through the namespace handler (IAM).
    iam = {"accountId": "123456789012", "userArn": "arn:aws:sts::123456789012:assumed-role/x"}
    echo = publish_event(f"/answer/{code}", [{"type": "answer", "choice": 1}], iam)
    assert (await call(answers.handler, echo))["events"][0]["error"] == "Unauthorized"
    assert env.store.load_answers(other) == [] and env.store.load_answers(code) == []


async def test_malformed_answers_are_refused_with_a_reason(env: Env) -> None:
    code = await create()
    amy = await join(code, "Amy")
    await admin_cmd(code, "start")
    scores = await env.watch(f"/scores/{code}/{amy['playerId']}")
    event = publish_event(f"/answer/{code}", ["not an object", {"choice": 1}], identity(amy))
    result = await call(answers.handler, event)
    assert [("error" in e) for e in result["events"]] == [True, True]
    first = await scores.next()
    assert first["accepted"] is False and first["refusal"]["code"] == "malformed"
    assert env.store.load_answers(code) == []


async def test_a_true_tie_shares_gold_in_the_podium_the_ranks_and_the_export(env: Env) -> None:
    """Amy and Bob answer right at the same instant (same points, same time): both 1st on the
    podium; Cy (wrong) and Di (no answer) share 3rd in their snapshots and the export, and with
    0 points they are not on the podium (quizwire.leaderboard)."""
    code = await create()
    game = await env.watch(f"/game/{code}")
    amy, bob, cy, di = [await join(code, name) for name in ("Amy", "Bob", "Cy", "Di")]
    await admin_cmd(code, "start")
    state = env.store.load_game(code)
    assert state is not None and state.opened_at is not None
    for player, choice in ((amy, 1), (bob, 1), (cy, 0)):
        await answer(code, player, choice, received_at=state.opened_at + 1_000)
    await admin_cmd(code, "end")
    finished = await game.until("finished")
    assert [(e["name"], e["rank"]) for e in finished["podium"]] == [("Amy", 1), ("Bob", 1)]
    assert finished["podium"][0]["score"] == finished["podium"][1]["score"] > 0

    told = {}
    for player in (amy, bob, cy, di):
        snap = body(
            await call(
                entry.handler,
                rest_event(
                    "GET", f"/games/{code}/state", headers={"Authorization": player["token"]}
                ),
            )
        )
        told[player["playerId"]] = snap["you"]["rank"]
    export = await call(
        admin.handler, rest_event("GET", f"/admin/games/{code}/results", query={"format": "json"})
    )
    exported = {row["playerId"]: row["rank"] for row in body(export)["players"]}
    expected = {amy["playerId"]: 1, bob["playerId"]: 1, cy["playerId"]: 3, di["playerId"]: 3}
    assert told == exported == expected


class RecordingTimer:
    """Stands in for the Step Functions deadline timer: what was scheduled, and for when."""

    def __init__(self) -> None:
        self.scheduled: list[tuple[str, int, int]] = []

    def schedule(self, game_id: str, index: int, deadline_ms: int) -> None:
        self.scheduled.append((game_id, index, deadline_ms))


async def test_the_get_ready_phase_over_the_handlers(env: Env) -> None:
    """The question goes out with its choices' opening time; an answer the Event API received
    before it is refused ``too_early``; one after it is timed from it; the deadline timer is
    set for the opening plus the time limit."""
    code = await create({**QUIZ, "defaults": {"ready_seconds": 3}})
    timer = RecordingTimer()
    lambda_env.backend().timer = timer
    question = await env.watch(f"/question/{code}")
    presenter = await env.watch(f"/answer/{code}")
    amy, _bob = await join(code, "Amy"), await join(code, "Bob")
    scores = await env.watch(f"/scores/{code}/{amy['playerId']}")

    await admin_cmd(code, "start")
    q = await question.until("question")
    assert q["readyMs"] == 3000 and q["opensAt"] == q["ts"] + 3000
    assert q["deadline"] == q["opensAt"] + 30_000
    assert timer.scheduled == [(code, 0, q["deadline"])]

    await answer(code, amy, 1, received_at=q["opensAt"] - 1)
    early = await scores.next()
    assert early["accepted"] is False and early["refusal"]["code"] == "too_early"

    await answer(code, amy, 1, received_at=q["opensAt"] + 2000)
    counted = await scores.next()
    assert counted["accepted"] is True
    fed = await presenter.until("answer")
    assert fed["elapsedMs"] == 2000  # from the opening of the choices, not from the question
