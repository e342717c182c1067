"""A whole game end to end over real sockets: 20 scripted players, a 429 storm at the door, one
player who drops and rejoins, one who tries every cheat, and results checked against the rules.

Script (answers are 0-based choice indices; the test knows the quiz, the players' clients never
read it). While a question is open a player only gets a receipt ("locked in", ``correct: null``,
standings as at the opening); the correct index reaches a client in the ``question_closed``
reveal, and each player's result follows it on their scores channel:

=====  ======  ======  ========================  ==========================================
q      points  answer  regular players P00-P17   close
=====  ======  ======  ========================  ==========================================
q1     1000    B       all answer                every connected player answered (auto)
q2     2000    D       all answer                presenter reveal (the cheater holds back)
q3     0       A       P00 skips                 presenter reveal (the dropper is back)
q4     1000    C       all answer                every connected player answered (auto)
q5     1000    A (3)   P01 skips                 presenter reveal, then next -> finished
=====  ======  ======  ========================  ==========================================
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import pytest

from eventapi import AuthError, LambdaAuth, PublishError, SubscribeError
from quizwire.client.game_api import GameApiError

from .conftest import EntryFor, PlayerFor, PresenterFor, StubFactory
from .harness import (
    ENVELOPE_KEYS,
    LEADERBOARD_ENTRY_KEYS,
    QUESTION_KEYS,
    SCORE_KEYS,
    Observe,
    Player,
    Presenter,
    competition_ranks,
    deep_keys,
    expected_from_results,
    make_quiz,
    new_events_client,
)

SPECS = [(4, 1, 1000), (4, 3, 2000), (4, 0, 0), (4, 2, 1000), (3, 0, 1000)]
ANSWERS = [a for _, a, _ in SPECS]
CHOICES = [n for n, _, _ in SPECS]
POINTS = [p for _, _, p in SPECS]
LIMIT_S = 10
LETTERS = "ABCDEF"
N_REGULAR = 18
AUTO_CLOSE = {0, 3}  # questions every connected player answers

pytestmark = pytest.mark.timeout(90)


@dataclass(frozen=True)
class Move:
    """What a scripted player does on one question: ``right``/``wrong`` after ``delay`` s."""

    right: bool
    delay: float

    def choice(self, q: int) -> int:
        return ANSWERS[q] if self.right else (ANSWERS[q] + 1) % CHOICES[q]


def regular_plans(seed: int = 20251201) -> list[list[Move | None]]:
    rng = random.Random(seed)
    plans: list[list[Move | None]] = []
    for p in range(N_REGULAR):
        plan: list[Move | None] = []
        for q in range(len(SPECS)):
            if (q, p) in ((2, 0), (4, 1)):
                plan.append(None)  # the skips that keep q3 and q5 open until the reveal
            else:
                plan.append(Move(rng.random() < 0.65, rng.uniform(0.0, 1.2)))
        plans.append(plan)
    return plans


#: the dropper answers everything right (a streak across its drop); the cheater's honest answers
DROPPER_PLAN = [Move(True, 0.2)] * len(SPECS)
CHEATER_PLAN: list[Move | None] = [
    Move(True, 0.0),  # q1: sent with the victim's playerId in the payload; it counts as its own
    None,  # q2: held back, then sent after the reveal -> too_late
    Move(True, 0.0),  # q3
    Move(False, 0.0),  # q4
    Move(True, 0.0),  # q5 (after a bad_choice attempt)
]


def refusal_code(score: dict[str, Any]) -> str | None:
    return None if score["refusal"] is None else score["refusal"]["code"]


async def wait_question(player: Player, q: int) -> dict[str, Any]:
    return await player.inboxes["question"].wait(
        lambda m: m.get("type") == "question" and m["index"] == q
    )


async def play_regular(player: Player, q: int, move: Move | None) -> None:
    if move is None:
        return
    question = await wait_question(player, q)
    await asyncio.sleep(move.delay)
    done = await player.answer(question["questionId"], move.choice(q))
    assert done.result.ok and not done.result.failed, done.result
    assert_locked_in(done.score)


async def after(event: asyncio.Event, step: Coroutine[Any, Any, None]) -> None:
    await event.wait()
    await step


def assert_locked_in(score: dict[str, Any]) -> None:
    """An accepted answer's receipt says nothing about correctness or points."""
    assert score["accepted"] is True and score["refusal"] is None, score
    assert (score["correct"], score["points"], score["bonus"]) == (None, 0, 0), score


async def cheat_while_open(
    cheater: Player, victim: Player, presenter: Presenter, other_code: str, http_url: str
) -> None:
    """q1 is open: everything a player might try to read or write that is not theirs."""
    client = cheater.client
    assert client is not None
    code = cheater.code
    refused_subscriptions = [
        f"/scores/{code}/{victim.player_id}",  # another player's scores
        f"/scores/{code}/*",  # everyone's scores at once
        f"/scores/{code}",  # the parent channel
        f"/answer/{code}",  # the live answer stream (presenter only)
        f"/answer/{code}/*",
        f"/game/{other_code}",  # another game's channels with this game's token
        f"/question/{other_code}",
        "/game/*",
        "/default/anything",  # the API-key namespace
    ]
    for channel in refused_subscriptions:
        with pytest.raises(SubscribeError) as caught:
            await client.subscribe(channel)
        assert "UnauthorizedException" in caught.value.error_types, (channel, caught.value)

    fake_question = {"type": "question", "questionId": "q1", "choices": ["x", "y"]}
    for channel, event in [
        (f"/question/{code}", fake_question),
        (f"/game/{code}", {"type": "finished", "reason": "ended", "podium": []}),
        (f"/leaderboard/{code}", {"type": "leaderboard", "entries": []}),
        (f"/scores/{code}/{cheater.player_id}", {"type": "score", "total": 99999}),
        (f"/scores/{code}/{victim.player_id}", {"type": "score", "total": 0}),
        (f"/answer/{other_code}", {"questionId": "q1", "choice": 1}),  # another game's answers
    ]:
        with pytest.raises(PublishError) as failed:
            await client.publish(channel, [event])
        assert failed.value.is_auth_failure, (channel, failed.value)

    # A token with the victim's id but not their secret opens nothing.
    forged = f"qw1.{code}.{victim.player_id}.{'x' * 32}"
    with pytest.raises(AuthError):
        async with new_events_client(http_url, LambdaAuth(forged)) as stolen:
            await stolen.subscribe(f"/scores/{code}/{victim.player_id}")
    with pytest.raises(GameApiError) as bad:
        await cheater.entry.state(code, forged)
    assert (bad.value.status, bad.value.code) == (401, "bad_credential")

    # The snapshot shows the open question without its answer.
    snap = await cheater.snapshot()
    assert snap["phase"] == "question_open"
    assert set(snap["question"]) == QUESTION_KEYS
    assert snap["reveal"] is None
    # ... and so does the presenter view (even the presenter sees the answer only at the reveal);
    # the standings it shows do not move while the question is open, though answers come in.
    view = await presenter.admin.view(code)
    for _ in range(50):  # the regular players' answers are coming in (judged asynchronously
        if view["answered"] > 0:  # on the Lambda path)
            break
        await asyncio.sleep(0.1)
        view = await presenter.admin.view(code)
    assert set(view["question"]) == QUESTION_KEYS and view["reveal"] is None
    assert view["answered"] > 0
    assert {p["score"] for p in view["players"]} == {0}
    assert view["leaderboard"] == [] or {e["score"] for e in view["leaderboard"]} == {0}

    # The fake question never reached anyone.
    await asyncio.sleep(0.1)
    assert not [m for m in victim.inboxes["question"].messages if m.get("choices") == ["x", "y"]]


async def play_cheater_q1(
    cheater: Player,
    victim: Player,
    presenter: Presenter,
    other_code: str,
    http_url: str,
    done: asyncio.Event,
    observe: Observe,
) -> None:
    question = await wait_question(cheater, 0)
    qid = question["questionId"]
    await cheat_while_open(cheater, victim, presenter, other_code, http_url)
    right = ANSWERS[0]
    # Answer "as the victim": the payload's playerId is ignored, the token decides.
    first = await cheater.answer(qid, right, playerId=victim.player_id, name=victim.name)
    assert first.result.ok
    assert_locked_in(first.score)
    assert first.score["playerId"] == cheater.player_id
    stream = await presenter.inboxes["answer"].wait(lambda m: m["name"] == cheater.name)
    assert stream["playerId"] == cheater.player_id

    # A second, different answer: refused; the same one again: a duplicate. Neither refusal
    # may tell whether the first answer was right while the question is open.
    second = await cheater.answer(qid, (right + 1) % CHOICES[0])
    assert refusal_code(second.score) == "already_answered"
    if observe.refusals_in_publish_result:
        assert [f.message for f in second.result.failed] == [second.score["refusal"]["message"]]
    again = await cheater.answer(qid, right)
    assert refusal_code(again.score) == "duplicate"
    for refused in (second.score, again.score):
        assert (refused["correct"], refused["points"], refused["total"]) == (None, 0, 0)
    # A question not asked yet.
    future = await cheater.answer("q3", 0)
    assert refusal_code(future.score) == "wrong_question"
    assert len(future.result.failed) == (1 if observe.refusals_in_publish_result else 0)
    done.set()  # the dropper, holding q1 open so far, may answer now


async def play_cheater_late(
    cheater: Player, presenter: Presenter, revealed: asyncio.Event, observe: Observe
) -> None:
    """q2: wait for the reveal, then answer the right choice."""
    question = await wait_question(cheater, 1)
    await revealed.wait()
    closed = await cheater.inboxes["game"].wait(
        lambda m: m.get("type") == "question_closed" and m["index"] == 1
    )
    late = await cheater.answer(question["questionId"], closed["correct"])
    assert refusal_code(late.score) == "too_late"
    assert late.score["points"] == 0
    assert bool(late.result.failed) is observe.refusals_in_publish_result


async def play_cheater_q5(cheater: Player) -> None:
    question = await wait_question(cheater, 4)
    bad = await cheater.answer(question["questionId"], CHOICES[4])  # "D" on an A-C question
    assert refusal_code(bad.score) == "bad_choice"
    good = await cheater.answer(question["questionId"], ANSWERS[4])
    assert_locked_in(good.score)


async def dropper_rejoins(dropper: Player, snapshots: list[dict[str, Any]]) -> None:
    """q3 opened while the dropper was away: reconnect with the same token, resync, answer."""
    await dropper.connect()
    snap = await dropper.snapshot()
    snapshots.append(snap)
    assert snap["phase"] == "question_open"
    assert snap["question"]["index"] == 2 and set(snap["question"]) == QUESTION_KEYS
    assert snap["you"]["playerId"] == dropper.player_id
    assert snap["you"]["answered"] is False and snap["you"]["choice"] is None
    assert snap["you"]["streak"] == 2  # q1 and q2 right, across the drop
    assert snap["you"]["total"] > 0  # q2 was revealed while it was away: its points are in
    # Missed while away (no replay): the new subscription did not get q3's question message.
    assert not [m for m in dropper.inboxes["question"].messages if m.get("index") == 2]
    done = await dropper.answer(snap["question"]["questionId"], ANSWERS[2])
    assert_locked_in(done.score)
    assert (done.score["total"], done.score["streak"]) == (snap["you"]["total"], 2)


async def close_question(presenter: Presenter, code: str, q: int, *, auto: bool) -> dict[str, Any]:
    game = presenter.inboxes["game"]
    if auto:
        closed = await game.wait(lambda m: m.get("type") == "question_closed" and m["index"] == q)
        assert closed["reason"] == "all_answered"
    else:
        view = await presenter.admin.command(code, "reveal")
        assert view["phase"] == "question_closed" and view["reveal"]["reason"] == "presenter"
        closed = await game.wait(lambda m: m.get("type") == "question_closed" and m["index"] == q)
        assert closed["reason"] == "presenter"
    assert closed["correct"] == ANSWERS[q]
    return closed


async def answer_counts_settle(observe: Observe, accepted: int, refused: int) -> None:
    """The Lambda path counts in its metrics, written as each invocation ends."""
    for _ in range(50):
        got, reasons = observe.answers()
        if got >= accepted and sum(reasons.values()) >= refused:
            return
        await asyncio.sleep(0.1)


async def test_full_game(
    make_stub: StubFactory,
    presenter_for: PresenterFor,
    entry_for: EntryFor,
    player_for: PlayerFor,
    backend: str,
) -> None:
    # a tiny entry rate: the joins hit a 429 storm
    stub = await make_stub(entry_rate=5.0, backend=backend)
    observe = Observe(stub)
    http_url = stub.events.http_url
    presenter = presenter_for(stub)
    created = await presenter.admin.create_game(
        quiz=make_quiz(SPECS), options={"timeLimit": LIMIT_S}
    )
    code = created["gameId"]
    other = await presenter.admin.create_game(quiz=make_quiz(SPECS, "Other game"))
    other_code = other["gameId"]
    await presenter.watch(code)

    # -- 20 players join at once through the 429 storm ------------------------------------
    entry = entry_for(stub.game_api)
    names = [f"P{i:02d}" for i in range(N_REGULAR)] + ["Dropper", "Cheater"]
    players = [player_for(name, code, http_url, entry) for name in names]
    joined = await asyncio.gather(*(p.join() for p in players))
    assert len({j["playerId"] for j in joined}) == 20
    assert [j["name"] for j in joined] == names
    assert stub.api is not None  # (the Lambda stub has its gateway once started)
    assert stub.api.entry_throttled > 0 and entry.retries > 0
    regulars, dropper, cheater = players[:N_REGULAR], players[N_REGULAR], players[N_REGULAR + 1]
    victim = regulars[5]
    await asyncio.gather(*(p.connect() for p in players))
    lobby = await presenter.inboxes["game"].wait(
        lambda m: m.get("type") == "lobby" and m["players"] == 20
    )
    assert lobby["total"] == len(SPECS)
    view = await presenter.admin.view(code)
    assert view["playerCount"] == 20
    assert view["connectedCount"] == (20 if observe.knows_who_is_connected else None)

    plans = regular_plans()
    opens: dict[int, int] = {}
    dropper_snaps: list[dict[str, Any]] = []
    revealed = {q: asyncio.Event() for q in range(len(SPECS))}

    for q in range(len(SPECS)):
        command = "start" if q == 0 else "next"
        view = await presenter.admin.command(code, command)
        assert view["phase"] == "question_open" and view["index"] == q
        opens[q] = view["question"]["opensAt"]
        tasks = [play_regular(p, q, plans[i][q]) for i, p in enumerate(regulars)]
        late: asyncio.Future[None] | None = None
        if q == 0:
            cheated = asyncio.Event()
            tasks.append(
                play_cheater_q1(cheater, victim, presenter, other_code, http_url, cheated, observe)
            )
        elif q == 1:  # runs past the reveal
            late = asyncio.ensure_future(
                play_cheater_late(cheater, presenter, revealed[1], observe)
            )
        elif q == 4:
            tasks.append(play_cheater_q5(cheater))
        else:
            tasks.append(play_regular(cheater, q, CHEATER_PLAN[q]))
        if q == 2:
            tasks.append(dropper_rejoins(dropper, dropper_snaps))
        elif q == 0:  # answers last, so q1 is still open while the cheater is refused
            tasks.append(after(cheated, play_regular(dropper, q, DROPPER_PLAN[q])))
        else:
            tasks.append(play_regular(dropper, q, DROPPER_PLAN[q]))
        await asyncio.gather(*tasks)
        if q == 1:
            # The dropper answered q2, then its laptop lid closes. The cheater, still connected,
            # has not answered: q2 must stay open until the presenter reveals it.
            await dropper.drop()
            await asyncio.sleep(0.2)
            assert (await presenter.admin.view(code))["phase"] == "question_open"
        closed = await close_question(presenter, code, q, auto=q in AUTO_CLOSE)
        revealed[q].set()
        if late is not None:
            await late
        # The reveal's counts are exactly the scripted accepted answers.
        expected_counts = [0] * CHOICES[q]
        moves = [plans[i][q] for i in range(N_REGULAR)] + [DROPPER_PLAN[q], CHEATER_PLAN[q]]
        for move in moves:
            if move is not None:
                expected_counts[move.choice(q)] += 1
        assert closed["counts"] == expected_counts
        assert closed["answered"] == sum(expected_counts)
        # ... and every connected player who answered now gets its result, after the reveal
        movers = [*zip(regulars, (plans[i][q] for i in range(N_REGULAR)), strict=True)]
        movers += [(dropper, DROPPER_PLAN[q]), (cheater, CHEATER_PLAN[q])]
        for player, move in movers:
            if move is not None and player.client is not None:
                result = await player.result(q)
                assert result["correct"] is move.right, (player.name, q)
                assert result["ts"] >= closed["ts"]

    view = await presenter.admin.command(code, "next")  # after the last question: finished
    assert view["phase"] == "finished"
    finished = await presenter.inboxes["game"].wait(lambda m: m.get("type") == "finished")
    over = await cheater.answer("q5", ANSWERS[4])
    assert refusal_code(over.score) == "game_over"

    # -- results: what the rules say --------------------------------------------------------
    results = json.loads(await presenter.admin.results(code, "json"))
    assert results["phase"] == "finished" and results["questionsAsked"] == len(SPECS)
    rows = {row["playerId"]: row for row in results["players"]}
    assert len(rows) == 20
    script = {p.player_id: plans[i] for i, p in enumerate(regulars)}
    script[dropper.player_id] = list(DROPPER_PLAN)
    script[cheater.player_id] = CHEATER_PLAN
    for player in players:
        row = rows[player.player_id]
        plan = script[player.player_id]
        # the scripted choices and correctness, and nothing else
        assert [None if a is None else (a["choice"], a["correct"]) for a in row["answers"]] == [
            None if m is None else (LETTERS[m.choice(q)], m.right) for q, m in enumerate(plan)
        ], player.name
        assert row["correctCount"] == sum(1 for m in plan if m is not None and m.right)
        # totals recomputed from the recorded answer times with quizwire.scoring
        expected = expected_from_results(row, POINTS, LIMIT_S * 1000)
        assert row["score"] == expected.score, player.name
        assert row["correctTimeMs"] == expected.correct_ms, player.name
        assert tuple(None if a is None else a["points"] for a in row["answers"]) == (
            expected.per_answer
        ), player.name
        # what the player was told at each reveal agrees with the results
        told = player.results()
        answered = {q for q, m in enumerate(plan) if m is not None}
        if player is dropper:
            answered.discard(1)  # revealed while it was away (its snapshot had the total)
        assert set(told) == answered, player.name
        assert {q: told[q]["points"] for q in told} == {q: expected.per_answer[q] for q in told}, (
            player.name
        )
        assert told[max(told)]["total"] == row["score"], player.name
        # the recorded answer time is the server's receive time: between send and receipt
        for a in player.answers:
            if a.score["accepted"]:
                q = a.score["index"]
                ms = row["answers"][q]["ms"]
                assert a.sent_ms - opens[q] - 1 <= ms <= a.scored_ms - opens[q] + 1, player.name
    (snap,) = dropper_snaps
    assert snap["you"]["total"] == sum(
        rows[dropper.player_id]["answers"][q]["points"] for q in (0, 1)
    )
    # the streak bonus really happened (so the check above covers it)
    assert rows[dropper.player_id]["answers"][4]["points"] > POINTS[4]

    ranks = competition_ranks((pid, r["score"], r["correctTimeMs"]) for pid, r in rows.items())
    assert {pid: r["rank"] for pid, r in rows.items()} == ranks
    order = [row["playerId"] for row in results["players"]]
    assert [ranks[pid] for pid in order] == sorted(ranks.values())

    for q, qrow in enumerate(results["questions"]):
        assert qrow["correct"] == LETTERS[ANSWERS[q]]
        given = [r["answers"][q] for r in rows.values() if r["answers"][q] is not None]
        assert qrow["answered"] == len(given)
        assert qrow["correctCount"] == sum(1 for a in given if a["correct"])
        assert qrow["counts"] == [
            sum(1 for a in given if a["choice"] == LETTERS[c]) for c in range(CHOICES[q])
        ]

    top = results["players"]
    assert [(e["playerId"], e["score"], e["rank"]) for e in finished["podium"]] == [
        (r["playerId"], r["score"], r["rank"]) for r in top[:3]
    ]
    final_board = await presenter.inboxes["leaderboard"].wait(lambda m: m["seq"] > finished["seq"])
    assert [(e["playerId"], e["score"], e["rank"]) for e in final_board["entries"]] == [
        (r["playerId"], r["score"], r["rank"]) for r in top[:10]
    ]

    # The presenter's answer stream: every accepted answer once, attributed by token, no verdict.
    stream = presenter.inboxes["answer"].messages
    accepted_rows = Counter(
        (pid, q) for pid, r in rows.items() for q, a in enumerate(r["answers"]) if a is not None
    )
    assert Counter((m["playerId"], m["index"]) for m in stream) == accepted_rows
    assert all("correct" not in m and "points" not in m for m in stream)

    # Every refusal the cheater earned, and nothing else was refused all game.
    await answer_counts_settle(observe, sum(accepted_rows.values()), 6)
    accepted, refused = observe.answers()
    assert refused == {
        "already_answered": 1,
        "duplicate": 1,
        "wrong_question": 1,
        "too_late": 1,
        "bad_choice": 1,
        "game_over": 1,
    }
    assert accepted == sum(accepted_rows.values())

    # -- no message the cheater could read told it a correct answer before the reveal ---------
    reveal_ts = {
        m["index"]: m["ts"]
        for m in (r.msg for r in cheater.all_received())
        if m.get("type") == "question_closed"
    }
    assert sorted(reveal_ts) == list(range(len(SPECS)))
    for received in cheater.all_received():
        msg = received.msg
        kind = msg["type"]
        if kind == "question":
            assert set(msg) == ENVELOPE_KEYS | QUESTION_KEYS
        elif kind == "score":
            assert set(msg) == SCORE_KEYS
            assert msg["playerId"] == cheater.player_id
            if msg["index"] in reveal_ts and msg["ts"] < reveal_ts[msg["index"]]:
                assert (msg["correct"], msg["points"], msg["bonus"]) == (None, 0, 0), msg
        elif kind == "leaderboard":
            # lastPoints (the last revealed question's gain) is optional: absent while one is open
            assert all(set(e) - {"lastPoints"} == LEADERBOARD_ENTRY_KEYS for e in msg["entries"])
        elif kind == "question_closed":
            continue  # the reveal itself
        else:
            assert kind in ("lobby", "started", "finished"), kind
            assert "correct" not in deep_keys(msg) and "answer" not in deep_keys(msg)
    for a in cheater.answers:
        if a.score["accepted"]:
            # its accepted answers were all taken (server clock) before their question's reveal
            assert a.score["ts"] <= reveal_ts[a.score["index"]]
    # No leaderboard moved while a question was open (it would tell who was right).
    for inbox in (*cheater.history, presenter.inboxes["leaderboard"]):
        for m in inbox.messages:
            if m.get("type") == "leaderboard":
                assert not any(opens[q] <= m["ts"] < reveal_ts[q] for q in opens), m
    # the victim's scores channel only ever carried the victim's own results
    for inbox in victim.history:
        if inbox.channel.endswith(f"/scores/{code}/{victim.player_id}"):
            assert {m["playerId"] for m in inbox.messages} == {victim.player_id}
    assert rows[victim.player_id]["answers"][0] is not None  # the victim's own q1 answer counted

    # The other game never saw an answer; this one is now closed to newcomers.
    other_results = json.loads(await presenter.admin.results(other_code, "json"))
    assert other_results["players"] == [] and other_results["questionsAsked"] == 0
    with pytest.raises(GameApiError) as gone:
        await entry.get_game(code)
    assert gone.value.status == 410
