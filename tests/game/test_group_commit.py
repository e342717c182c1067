"""Answers are stored together (one SQLite transaction per event-loop turn) and acknowledged only
once stored; memory never runs ahead of the store; "everyone answered" still counts exactly the
players connected now. Real stub, real sockets, real SQLite."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from eventapi import PublishError

from .harness import Player, Presenter, Stub, make_quiz, wall_ms

pytestmark = pytest.mark.timeout(60)

QUIZ = make_quiz([(4, 2, 1000), (4, 1, 1000)])


async def game_with(
    stub: Stub,
    presenter_for: Callable[[Stub], Presenter],
    entry_for: Callable[[str], Any],
    player_for: Callable[..., Player],
    names: list[str],
) -> tuple[str, Presenter, list[Player]]:
    presenter = presenter_for(stub)
    code = (await presenter.admin.create_game(quiz=QUIZ, options={"timeLimit": 60}))["gameId"]
    await presenter.watch(code)
    entry = entry_for(stub.game_api)
    players = [player_for(name, code, stub.events.http_url, entry) for name in names]
    for p in players:
        await p.join()
        await p.connect()
    return code, presenter, players


OpenQuestion = Callable[[list[str]], Awaitable[tuple[Stub, str, Presenter, list[Player], str]]]


@pytest.fixture
def open_question(
    make_stub: Any, presenter_for: Any, entry_for: Any, player_for: Any
) -> OpenQuestion:
    """``await open_question(names)``: a stub, a game those players joined, its first question
    open and seen by every player; returns (stub, code, presenter, players, question id)."""

    async def factory(names: list[str]) -> tuple[Stub, str, Presenter, list[Player], str]:
        stub = await make_stub()
        code, presenter, players = await game_with(
            stub, presenter_for, entry_for, player_for, names
        )
        qid = (await presenter.admin.command(code, "start"))["question"]["questionId"]
        await asyncio.gather(*(p.inboxes["question"].wait() for p in players))
        return stub, code, presenter, players, qid

    return factory


def count_commits(stub: Stub) -> list[str]:
    """Every COMMIT the stub's SQLite connection runs from now on."""
    commits: list[str] = []
    stub.store._db.set_trace_callback(
        lambda sql: commits.append(sql) if sql.strip().upper() == "COMMIT" else None
    )
    return commits


async def test_a_burst_of_answers_is_stored_in_a_few_transactions(
    open_question: OpenQuestion,
) -> None:
    stub, code, presenter, players, qid = await open_question([f"p{i}" for i in range(40)])
    commits = count_commits(stub)

    done = await asyncio.gather(*(p.answer(qid, i % 4) for i, p in enumerate(players)))

    assert all(d.score["accepted"] is True and d.score["correct"] is None for d in done)
    assert all(not d.result.failed for d in done)
    assert 1 <= len(commits) <= 10  # one transaction each would be 40
    results = json.loads(await presenter.admin.results(code, "json"))
    assert sorted(r["answers"][0]["choice"] for r in results["players"]) == sorted(
        "ABCD"[i % 4] for i in range(40)
    )


async def test_a_failed_commit_refuses_the_answer_and_memory_forgets_it(
    open_question: OpenQuestion,
) -> None:
    stub, code, presenter, (ann, ben), qid = await open_question(["Ann", "Ben"])
    stub.store._db.execute("PRAGMA busy_timeout=0")  # fail at once instead of waiting 5 s
    other = sqlite3.connect(stub.store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock: the commit fails
    try:
        assert ann.client is not None
        with pytest.raises(PublishError):
            await ann.client.publish(f"/answer/{code}", [{"questionId": qid, "choice": 2}])
        view = await presenter.admin.view(code)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert view["answered"] == 0  # nothing was stored, so nothing counts
    assert ann.inboxes["scores"].messages == []  # no receipt for an answer that is not stored
    retry = await ann.answer(qid, 2)  # not a "duplicate": memory forgot the failed one
    assert retry.score["accepted"] is True
    assert (await presenter.admin.view(code))["answered"] == 1
    assert (await ben.answer(qid, 1)).score["accepted"] is True
    closed = await presenter.inboxes["game"].wait(lambda m: m.get("type") == "question_closed")
    assert (closed["reason"], closed["counts"]) == ("all_answered", [0, 1, 1, 0])


async def test_receipts_come_before_results_when_the_presenter_reveals_at_once(
    open_question: OpenQuestion,
) -> None:
    stub, code, presenter, players, qid = await open_question([f"p{i}" for i in range(20)])

    async def answer(p: Player, choice: int) -> None:
        assert p.client is not None
        await p.client.publish(f"/answer/{code}", [{"questionId": qid, "choice": choice}])

    sends = [asyncio.create_task(answer(p, i % 4)) for i, p in enumerate(players[:-1])]
    for _ in range(100_000):  # until answers are judged but not stored yet
        if stub.game._commits.pending:
            break
        await asyncio.sleep(0)
    assert stub.game._commits.pending
    await stub.game.reveal(code)  # the presenter's reveal, in that very moment
    await asyncio.gather(*sends, return_exceptions=True)
    closed = await presenter.inboxes["game"].wait(lambda m: m.get("type") == "question_closed")
    answered = closed["answered"]
    for p in players[:-1]:
        messages = [m for m in p.inboxes["scores"].messages if m.get("accepted")]
        if not messages:
            continue  # answered too late: refused, nothing to order
        await p.result(0)
        kinds = [m["correct"] is None for m in p.inboxes["scores"].messages if m.get("accepted")]
        assert kinds == [True, False]  # "locked in" first, then the result
    assert answered == sum(
        1 for p in players if any(m.get("accepted") for m in p.inboxes["scores"].messages)
    )


async def test_a_player_who_connects_while_the_question_is_open_is_waited_for(
    make_stub: Any, presenter_for: Any, entry_for: Any, player_for: Any
) -> None:
    stub = await make_stub()
    code, presenter, (ann, ben) = await game_with(
        stub, presenter_for, entry_for, player_for, ["Ann", "Ben"]
    )
    qid = (await presenter.admin.command(code, "start"))["question"]["questionId"]
    late = player_for("Cat", code, stub.events.http_url, entry_for(stub.game_api))
    await late.join()  # late join is allowed: Cat is in the game, connected, not answered
    await late.connect()
    assert (await ann.answer(qid, 2)).score["accepted"] is True
    assert (await ben.answer(qid, 2)).score["accepted"] is True
    await asyncio.sleep(0.2)
    assert (await presenter.admin.view(code))["phase"] == "question_open"  # Cat still thinks
    await ben.drop()  # a player who answered and left changes nothing
    assert (await presenter.admin.view(code))["phase"] == "question_open"
    assert (await late.answer(qid, 1)).score["accepted"] is True
    closed = await presenter.inboxes["game"].wait(lambda m: m.get("type") == "question_closed")
    assert (closed["reason"], closed["answered"]) == ("all_answered", 3)


async def test_a_connected_player_who_leaves_without_answering_no_longer_holds_the_question(
    make_stub: Any, presenter_for: Any, entry_for: Any, player_for: Any
) -> None:
    stub = await make_stub()
    code, presenter, (ann, ben, cat) = await game_with(
        stub, presenter_for, entry_for, player_for, ["Ann", "Ben", "Cat"]
    )
    qid = (await presenter.admin.command(code, "start"))["question"]["questionId"]
    assert (await ann.answer(qid, 2)).score["accepted"] is True
    await ben.drop()  # Ben, at the front of the queue of thinkers, leaves
    await asyncio.sleep(0.2)
    assert (await presenter.admin.view(code))["phase"] == "question_open"  # Cat still thinks
    started = wall_ms()
    assert (await cat.answer(qid, 0)).score["accepted"] is True
    closed = await presenter.inboxes["game"].wait(lambda m: m.get("type") == "question_closed")
    assert (closed["reason"], closed["answered"]) == ("all_answered", 2)
    assert closed["ts"] >= started


async def test_a_big_lobby_announces_its_count_less_often(
    make_stub: Any,
    presenter_for: Any,
    entry_for: Any,
    player_for: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from backend_stub.game import service

    monkeypatch.setattr(service, "LOBBY_DELIVERIES_PER_S", 10)  # 20 players: every 2 s at most
    stub = await make_stub()  # coalescing every 0.1 s otherwise
    code, presenter, _ = await game_with(
        stub, presenter_for, entry_for, player_for, [f"p{i}" for i in range(20)]
    )
    entry = entry_for(stub.game_api)
    lobby = presenter.inboxes["game"]
    await lobby.wait(lambda m: m.get("type") == "lobby" and m["players"] == 20, within=5)
    cursor = lobby.cursor()
    for i in range(15):  # a join every 0.1 s for 1.5 s
        await entry.join(code, f"late{i}")
        await asyncio.sleep(0.1)
    announced = [m for m in lobby.messages[cursor:] if m.get("type") == "lobby"]
    assert len(announced) <= 1  # at 0.1 s coalescing it would have been ~15
    final = await lobby.wait(
        lambda m: m.get("type") == "lobby" and m["players"] == 35, after=cursor, within=5
    )
    assert final["players"] == 35  # the count still arrives, only less often
