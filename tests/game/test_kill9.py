"""``kill -9`` in the middle of a question: the restarted stub (same data dir, same port) has
every answer a player was told about, players rejoin with their credential, the game goes on."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from eventapi import IamAuth
from quizwire.client.game_api import EntryClient

from .harness import QUESTION_KEYS, Player, Presenter, StubProcess, free_port, make_quiz

SPECS = [(4, 1, 1000), (3, 2, 2000)]
ANSWER = [1, 2]
PLAN = {  # name -> choice per question; None: not answered before the kill
    "Ann": (1, 2),  # right, right
    "Ben": (0, 2),  # wrong, right
    "Cat": (1, 0),  # right, wrong (answers q1 only after the restart)
    "Dan": (3, 2),  # wrong, right (answers q1 only after the restart)
}
BEFORE_KILL = ("Ann", "Ben")

pytestmark = pytest.mark.timeout(90)


@dataclass
class Killable:
    """A ``quizwire stub`` child process to kill, with a presenter and an entry client."""

    stub: StubProcess
    http_url: str
    presenter: Presenter
    entry: EntryClient
    players: list[Player] = field(default_factory=list)


@contextlib.asynccontextmanager
async def killable_stub(tmp_path: Path) -> AsyncIterator[Killable]:
    data, config = tmp_path / "data", tmp_path / "config"
    data.mkdir()
    config.mkdir()
    stub = StubProcess(data, config, free_port())
    info = await asyncio.to_thread(stub.start)
    auth = IamAuth.from_keys(info["region"], info["access_key_id"], info["secret_access_key"])
    session = Killable(
        stub,
        info["http"],
        Presenter(info["game_api"], info["http"], auth),
        EntryClient(info["game_api"], backoff=0.1, backoff_cap=1.0),
    )
    try:
        yield session
    finally:
        for p in session.players:
            await p.close()
        await session.entry.close()
        await session.presenter.close()
        await asyncio.to_thread(stub.stop)
    assert stub.popen is not None and stub.popen.poll() is not None


async def test_kill_9_mid_question_loses_nothing(tmp_path: Path) -> None:
    async with killable_stub(tmp_path) as session:
        stub, http_url, presenter, entry = (
            session.stub,
            session.http_url,
            session.presenter,
            session.entry,
        )
        game_api = stub.info["game_api"]
        created = await presenter.admin.create_game(
            quiz=make_quiz(SPECS), options={"timeLimit": 60}
        )
        code = created["gameId"]
        players = session.players = [Player(name, code, http_url, entry) for name in PLAN]
        by_name = {p.name: p for p in players}
        for p in players:
            await p.join()
            await p.connect()
        view = await presenter.admin.command(code, "start")
        qid = view["question"]["questionId"]
        told: dict[str, dict[str, Any]] = {}
        for name in BEFORE_KILL:
            done = await by_name[name].answer(qid, PLAN[name][0])
            assert done.score["accepted"] is True
            told[name] = done.score
        for receipt in told.values():  # locked in: the verdict waits for the reveal
            assert (receipt["correct"], receipt["points"], receipt["total"]) == (None, 0, 0)
        assert (await presenter.admin.view(code))["answered"] == 2

        # -- kill -9 with q1 open and two answers in -----------------------------------------
        old_pid = stub.pid
        await asyncio.to_thread(stub.kill9)
        for p in players:
            await p.drop()
        await asyncio.to_thread(stub.start)
        assert stub.pid != old_pid
        assert stub.info["game_api"] == game_api  # same port, same credentials

        view = await presenter.admin.view(code)
        assert (view["phase"], view["index"], view["answered"]) == ("question_open", 0, 2)
        # nothing scored is shown while q1 is open, before or after the restart
        assert {p["name"]: p["score"] for p in view["players"]} == dict.fromkeys(PLAN, 0)
        for p in players:
            await p.connect()  # the same token, a new connection
            snap = await p.snapshot()
            assert snap["phase"] == "question_open" and set(snap["question"]) == QUESTION_KEYS
            assert snap["question"]["questionId"] == qid
            you = snap["you"]
            if p.name in BEFORE_KILL:
                assert (you["total"], you["answered"], you["choice"]) == (0, True, PLAN[p.name][0])
            else:
                assert (you["total"], you["answered"], you["choice"]) == (0, False, None)

        # The answers given before the kill still count, once.
        again = await by_name["Ann"].answer(qid, PLAN["Ann"][0])
        assert again.score["refusal"]["code"] == "duplicate"
        assert (again.score["correct"], again.score["points"]) == (None, 0)
        other = await by_name["Ben"].answer(qid, 3)
        assert other.score["refusal"]["code"] == "already_answered"
        assert other.score["total"] == 0
        for name in ("Cat", "Dan"):
            assert (await by_name[name].answer(qid, PLAN[name][0])).score["accepted"] is True
        closed = (
            await by_name["Ann"].inboxes["game"].wait(lambda m: m.get("type") == "question_closed")
        )
        assert (closed["reason"], closed["counts"], closed["correct"]) == (
            "all_answered",
            [1, 2, 0, 1],
            ANSWER[0],
        )
        # the results come at the reveal: the pre-kill answers were kept and judged
        first = {p.name: await p.result(0) for p in players}
        assert {n: r["correct"] for n, r in first.items()} == {
            n: PLAN[n][0] == ANSWER[0] for n in PLAN
        }
        assert first["Ann"]["points"] > 0 and first["Ben"]["points"] == 0

        # q2 after the restart, then the end.
        view = await presenter.admin.command(code, "next")
        qid2 = view["question"]["questionId"]
        for p in players:
            assert (await p.answer(qid2, PLAN[p.name][1])).score["accepted"] is True
        await (
            by_name["Ann"]
            .inboxes["game"]
            .wait(lambda m: m.get("type") == "question_closed" and m["index"] == 1)
        )
        assert (await presenter.admin.command(code, "next"))["phase"] == "finished"

        results = json.loads(await presenter.admin.results(code, "json"))
        rows = {r["name"]: r for r in results["players"]}
        for p in players:
            row = rows[p.name]
            told_results = p.results()
            accepted = [told_results[q] for q in sorted(told_results)]
            assert [a["choice"] for a in row["answers"]] == ["ABCD"[c] for c in PLAN[p.name]]
            assert [a["correct"] for a in row["answers"]] == [
                c == ANSWER[i] for i, c in enumerate(PLAN[p.name])
            ]
            assert [a["points"] for a in row["answers"]] == [s["points"] for s in accepted]
            assert row["score"] == accepted[-1]["total"] == sum(s["points"] for s in accepted)
        # Ann's q1 answer is the one from before the kill, timed then
        assert rows["Ann"]["answers"][0]["points"] == first["Ann"]["points"]
        assert results["questions"][0]["counts"] == [1, 2, 0, 1]


async def test_kill_9_in_a_burst_of_answers_keeps_every_acknowledged_answer(
    tmp_path: Path,
) -> None:
    """Answers are stored many to a transaction (group commit); whatever a player was told was
    accepted -- a ``publish_success`` or a "locked in" receipt -- survives a kill -9 that lands
    in the middle of the burst."""
    async with killable_stub(tmp_path) as session:
        stub, presenter, entry = session.stub, session.presenter, session.entry
        code = (
            await presenter.admin.create_game(quiz=make_quiz(SPECS), options={"timeLimit": 60})
        )["gameId"]
        players = session.players = [
            Player(f"bot{i}", code, session.http_url, entry) for i in range(150)
        ]
        for p in players:
            await p.join()
            await p.connect()
        qid = (await presenter.admin.command(code, "start"))["question"]["questionId"]
        await asyncio.gather(*(p.inboxes["question"].wait() for p in players))

        acked: set[str] = set()

        async def answer(p: Player) -> None:
            assert p.client is not None
            result = await p.client.publish(f"/answer/{code}", [{"questionId": qid, "choice": 1}])
            if result.successful and not result.failed:
                acked.add(p.name)

        sends = [asyncio.create_task(answer(p)) for p in players]

        def receipts() -> set[str]:
            return {
                p.name
                for p in players
                if any(m.get("accepted") for m in p.inboxes["scores"].messages)
            }

        for _ in range(20_000):  # until the first player is told
            if acked or receipts():
                break
            await asyncio.sleep(0.001)
        await asyncio.to_thread(stub.kill9)  # in the middle of the burst
        await asyncio.gather(*sends, return_exceptions=True)
        told = acked | receipts()
        for p in players:
            await p.drop()
        await asyncio.to_thread(stub.start)

        results = json.loads(await presenter.admin.results(code, "json"))
        stored = {r["name"] for r in results["players"] if r["answers"][0] is not None}
        assert told  # someone was told before the kill
        assert told <= stored, f"acknowledged but lost: {sorted(told - stored)}"
        view = await presenter.admin.view(code)
        assert (view["phase"], view["answered"]) == ("question_open", len(stored))
