"""Team mode and the accessibility options end to end, on both backends (``backend``): teams at
join (chosen or the smallest), the team board (mean of the active members) on the leaderboard,
in the presenter view and in the results; per-player extra time enforced by the server's clock
and scored on the player's own limit; a question without a timer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from quizwire.client.game_api import GameApiError
from quizwire.scoring import speed_points

from .conftest import EntryFor, PlayerFor, PresenterFor, StubFactory
from .harness import Player, make_quiz, wall_ms

pytestmark = pytest.mark.timeout(90)


async def refused(call: Any) -> GameApiError:
    with pytest.raises(GameApiError) as info:
        await call
    return info.value


async def join(player: Player, team: str | None = None) -> dict[str, Any]:
    joined = await player.entry.join(player.code, player.name, team)
    player.player_id, player.token = joined["playerId"], joined["token"]
    return joined


async def test_teams_join_board_kick_and_results(
    make_stub: StubFactory,
    presenter_for: PresenterFor,
    entry_for: EntryFor,
    player_for: PlayerFor,
    backend: str,
) -> None:
    stub = await make_stub(backend=backend)
    presenter = presenter_for(stub)
    admin = presenter.admin
    quiz = make_quiz([(2, 0, 1000), (2, 0, 1000)])
    code = (await admin.create_game(quiz=quiz, options={"teams": ["Red", "Blue"]}))["gameId"]
    entry = entry_for(stub.game_api)
    assert (await entry.get_game(code))["teams"] == ["Red", "Blue"]
    http = stub.events.http_url
    ann, bob, cat = (player_for(n, code, http, entry) for n in ("Ann", "Bob", "Cat"))
    assert (await join(ann, "  red "))["team"] == "Red"  # matched after folding
    assert (await join(bob))["team"] == "Blue"  # the smallest team
    assert (await join(cat))["team"] == "Red"  # a tie: the first declared

    err = await refused(entry.join(code, "Dan", "Green"))
    assert (err.status, err.code) == (400, "unknown_team")
    assert "Red, Blue" in err.message
    plain = (await admin.create_game(quiz=quiz))["gameId"]
    err = await refused(entry.join(plain, "Eve", "Red"))
    assert (err.status, err.code) == (400, "no_teams")
    assert (await entry.get_game(plain))["teams"] == []

    for p in (ann, bob, cat):
        await p.connect()
    await presenter.watch(code)
    qid = (await admin.command(code, "start"))["question"]["questionId"]
    for p, choice in ((ann, 0), (bob, 0), (cat, 1)):
        assert (await p.answer(qid, choice)).score["accepted"]
    # everyone connected answered: the question closes by itself
    await presenter.inboxes["game"].wait(lambda m: m.get("type") == "question_closed")
    scores = {p.name: (await p.result(0))["total"] for p in (ann, bob, cat)}
    assert scores["Ann"] > 0 and scores["Bob"] > 0 and scores["Cat"] == 0

    board = await presenter.inboxes["leaderboard"].wait(lambda m: bool(m.get("teams")))
    teams = {t["name"]: t for t in board["teams"]}
    red_mean = (2 * scores["Ann"] + 2) // 4  # (Ann + Cat) / 2, rounded half up
    assert teams["Red"] == {
        "name": "Red",
        "score": red_mean,
        "rank": teams["Red"]["rank"],
        "members": 2,
    }
    assert teams["Blue"]["score"] == scores["Bob"] and teams["Blue"]["members"] == 1
    assert [t["name"] for t in board["teams"]] == sorted(teams, key=lambda n: -teams[n]["score"])

    # a kicked player leaves the team mean at once (the presenter's board, then the export)
    await admin.player_action(code, cat.player_id, "kick")
    view = await admin.view(code)
    red = next(t for t in view["teams"] if t["name"] == "Red")
    assert (red["score"], red["members"]) == (scores["Ann"], 1)
    assert {p["name"]: p["team"] for p in view["players"]} == {
        "Ann": "Red",
        "Bob": "Blue",
        "Cat": "Red",
    }
    results = json.loads(await admin.results(code, "json"))
    assert {p["name"]: p["team"] for p in results["players"]} == {
        "Ann": "Red",
        "Bob": "Blue",
        "Cat": "Red",
    }
    assert {t["name"]: (t["score"], t["members"]) for t in results["teams"]} == {
        "Red": (scores["Ann"], 1),
        "Blue": (scores["Bob"], 1),
    }
    csv_teams = await admin.results(code, "csv", "teams")
    assert csv_teams.splitlines()[0] == "rank,team,score,members"
    assert "team" in (await admin.results(code, "csv")).splitlines()[0].split(",")

    # the last question: the finished message carries the final team board
    await admin.command(code, "next")
    await admin.command(code, "reveal")
    await admin.command(code, "next")
    finished = await presenter.inboxes["game"].wait(lambda m: m.get("type") == "finished")
    assert {t["name"] for t in finished["teams"]} == {"Red", "Blue"}


async def test_extra_time_is_the_players_own_deadline_and_limit(
    make_stub: StubFactory,
    presenter_for: PresenterFor,
    entry_for: EntryFor,
    player_for: PlayerFor,
    backend: str,
) -> None:
    """+100% for Slow on a 5 s question: Slow may answer at 6 s (scored on 10 s), Quick may
    not; the question stays open for Slow's whole time."""
    stub = await make_stub(backend=backend)
    presenter = presenter_for(stub)
    admin = presenter.admin
    code = (await admin.create_game(quiz=make_quiz([(2, 0, 1000)]), options={"timeLimit": 5}))[
        "gameId"
    ]
    entry = entry_for(stub.game_api)
    http = stub.events.http_url
    quick, slow = (player_for(n, code, http, entry) for n in ("Quick", "Slow"))
    for p in (quick, slow):
        await join(p)
        await p.connect()

    for bad in (-1, 201, "50", True, None):
        err = await refused(admin.extra_time(code, slow.player_id, bad))  # type: ignore[arg-type]
        assert (err.status, err.code) == (400, "bad_extra_time")
    err = await refused(admin.extra_time(code, "pnosuchplayer1", 50))
    assert (err.status, err.code) == (404, "no_player")
    settings = await admin.extra_time(code, slow.player_id, 100)
    assert (settings["name"], settings["extraTime"]) == ("Slow", 100)
    notice = await slow.inboxes["scores"].wait(lambda m: m.get("type") == "player")
    assert notice["extraTime"] == 100
    assert {p["name"]: p["extraTime"] for p in (await admin.view(code))["players"]} == {
        "Quick": 0,
        "Slow": 100,
    }
    snapshot = await slow.snapshot()
    assert snapshot["you"]["extraTime"] == 100

    question = (await admin.command(code, "start"))["question"]
    qid, opens = question["questionId"], question["opensAt"]
    assert question["deadline"] - opens == 5000 == question["durationMs"]
    assert question["closesAt"] - opens == 10_000

    await asyncio.sleep(max(0.0, (opens + 6000 - wall_ms()) / 1000))
    late = await quick.answer(qid, 0)
    assert late.score["accepted"] is False and late.score["refusal"]["code"] == "too_late"
    in_time = await slow.answer(qid, 0)
    assert in_time.score["accepted"], in_time.score
    result = await slow.result(0)
    record = json.loads(await admin.results(code, "json"))
    ms = next(p for p in record["players"] if p["name"] == "Slow")["answers"][0]["ms"]
    assert 6000 <= ms < 10_000
    assert result["points"] == speed_points(1000, ms, 10_000)  # on Slow's own 10 s
    assert result["points"] > speed_points(1000, ms, 5_000)


async def test_a_question_without_timer(
    make_stub: StubFactory,
    presenter_for: PresenterFor,
    entry_for: EntryFor,
    player_for: PlayerFor,
    backend: str,
) -> None:
    stub = await make_stub(backend=backend)
    presenter = presenter_for(stub)
    admin = presenter.admin
    quiz = make_quiz([(3, 2, 1000)])
    quiz["questions"][0]["timer"] = False
    code = (await admin.create_game(quiz=quiz, options={"timeLimit": 5}))["gameId"]
    entry = entry_for(stub.game_api)
    ann = player_for("Ann", code, stub.events.http_url, entry)
    bob = player_for("Bob", code, stub.events.http_url, entry)
    for p in (ann, bob):
        await join(p)
        await p.connect()
    await presenter.watch(code)
    question = (await admin.command(code, "start"))["question"]
    assert question["timer"] is False
    assert question["deadline"] - question["opensAt"] >= 3_600_000  # only a safety net
    message = await ann.inboxes["question"].wait(lambda m: m.get("type") == "question")
    assert message["timer"] is False
    await asyncio.sleep(1.2)
    answered = await ann.answer(question["questionId"], 2)
    assert answered.score["accepted"]
    await asyncio.sleep(5)  # past the --time limit: a timed question would be closed by now
    assert (await admin.view(code))["phase"] == "question_open"
    await admin.command(code, "reveal")
    result = await ann.result(0)
    assert result["points"] == 1000  # flat: no speed part
    row = next(
        p for p in json.loads(await admin.results(code, "json"))["players"] if p["name"] == "Ann"
    )
    assert row["correctTimeMs"] == 0 and row["answers"][0]["ms"] >= 1000
