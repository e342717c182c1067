"""Ties, on both backends: the podium, each player's rank, the final leaderboard and the results
export follow the one rule of :mod:`quizwire.leaderboard` (competition ranks, nobody on the
podium with 0 points)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import EntryFor, PlayerFor, PresenterFor, StubFactory
from .harness import Player, make_quiz

pytestmark = pytest.mark.timeout(60)

SPECS = [(4, 1, 1000), (4, 2, 1000)]


async def play_first_question(
    make_stub: Any,
    presenter_for: Any,
    entry_for: Any,
    player_for: Any,
    backend: str,
    choices: list[int | None],
) -> tuple[Any, str, list[Player], dict[str, Any]]:
    """Players P0.. answer q1 with ``choices`` (None: no answer), then the host ends the game."""
    stub = await make_stub(backend=backend)
    presenter = presenter_for(stub)
    code = (await presenter.admin.create_game(quiz=make_quiz(SPECS)))["gameId"]
    await presenter.watch(code)
    entry = entry_for(stub.game_api)
    players = [player_for(f"P{i}", code, stub.events.http_url, entry) for i in range(len(choices))]
    for p in players:
        await p.join()
        await p.connect()
    await presenter.admin.command(code, "start")
    for p, choice in zip(players, choices, strict=True):
        if choice is not None:
            await p.answer("q1", choice)
    await presenter.admin.command(code, "end")
    finished = await presenter.inboxes["game"].wait(lambda m: m.get("type") == "finished")
    return presenter, code, players, finished


async def standings_everywhere(
    presenter: Any, code: str, players: list[Player], finished: dict[str, Any]
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """(ranks in the export, ranks in the players' snapshots, ranks on the final board)."""
    results = json.loads(await presenter.admin.results(code, "json"))
    exported = {row["playerId"]: row["rank"] for row in results["players"]}
    told = {p.player_id: (await p.snapshot())["you"]["rank"] for p in players}
    board = await presenter.inboxes["leaderboard"].wait(
        lambda m: m.get("type") == "leaderboard" and m["seq"] > finished["seq"]
    )
    shown = {e["playerId"]: e["rank"] for e in board["entries"]}
    return exported, told, shown


async def test_nobody_scored_no_podium_everyone_tied_first(
    make_stub: StubFactory,
    presenter_for: PresenterFor,
    entry_for: EntryFor,
    player_for: PlayerFor,
    backend: str,
) -> None:
    presenter, code, players, finished = await play_first_question(
        make_stub, presenter_for, entry_for, player_for, backend, [0, 2, 3, None, None]
    )
    assert finished["podium"] == []
    exported, told, shown = await standings_everywhere(presenter, code, players, finished)
    everyone_first = {p.player_id: 1 for p in players}
    assert exported == told == shown == everyone_first


async def test_one_scorer_takes_the_podium_the_rest_share_second(
    make_stub: StubFactory,
    presenter_for: PresenterFor,
    entry_for: EntryFor,
    player_for: PlayerFor,
    backend: str,
) -> None:
    presenter, code, players, finished = await play_first_question(
        make_stub, presenter_for, entry_for, player_for, backend, [1, 0, None]
    )
    winner = players[0].player_id
    assert [(e["playerId"], e["rank"]) for e in finished["podium"]] == [(winner, 1)]
    exported, told, shown = await standings_everywhere(presenter, code, players, finished)
    expected = {winner: 1, players[1].player_id: 2, players[2].player_id: 2}
    assert exported == told == shown == expected
