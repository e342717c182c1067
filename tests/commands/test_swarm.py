"""`quizwire swarm` bots play a real game against a stub and stop by themselves."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from asyncio.subprocess import Process
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend_stub.app import Stub
from backend_stub.config import IamCredential, StubConfig
from commands.swarm import SwarmConfig, human_delay, pick_choice, run_swarm, summary
from quizwire.bot_answers import answer_plan
from quizwire.packs import load_pack
from quizwire.state import GameOptions


def test_human_delay_stays_inside_the_question() -> None:
    import random

    rng = random.Random(1)
    delays = [human_delay(rng, 20_000) for _ in range(2000)]
    assert all(0.4 <= d <= 19.0 for d in delays)
    assert 4 < sorted(delays)[1000] < 9  # the median is around a third of the time


def test_pick_choice_follows_skill() -> None:
    import random

    rng = random.Random(2)
    picks = [pick_choice(rng, 4, 2, skill=0.8) for _ in range(2000)]
    share = picks.count(2) / len(picks)
    assert 0.75 < share < 0.85
    assert set(picks) == {0, 1, 2, 3}


async def test_swarm_plays_a_game_and_stops_when_it_ends(tmp_path: Path) -> None:
    config = StubConfig(
        host="127.0.0.1",
        port=0,
        api_keys=("da2-" + "s" * 26,),
        iam_credentials=(IamCredential("AKIDSWARM000000", "x"),),
    )
    async with Stub(config, tmp_path, coalesce_interval=0.1) as stub:
        quiz = load_pack("general")
        teams = GameOptions(time_limit=5, teams=("Owls", "Foxes"))  # bots join teams too
        runtime = await stub.game.create_game(quiz, teams)
        code = runtime.game_id
        answer_key = {f"q{i + 1}": answer_plan(q) for i, q in enumerate(quiz.questions)}
        cfg = SwarmConfig(
            game=code,
            players=6,
            http_endpoint=stub.events.http_url,
            game_api=stub.game_api,
            processes=2,
            duration=60,
            join_spread=0.5,
            answer_key=answer_key,
            teams=("Owls",),  # every other bot asks for Owls, the rest get the smallest team
        )
        swarm = asyncio.create_task(asyncio.to_thread(run_swarm, cfg, show=False))
        for _ in range(100):
            if runtime.active_count == 6 and runtime.connected_active == 6:
                break
            await asyncio.sleep(0.1)
        assert runtime.connected_active == 6
        # the first bot put in the smallest team goes to Owls (a tie), the next one to Foxes
        assert {p.team for p in runtime.players.values()} == {"Owls", "Foxes"}
        await stub.game.start_game(code)
        for _ in range(100):  # every bot answers within the 5 s: the question closes early
            if runtime.game.phase.value == "question_closed":
                break
            await asyncio.sleep(0.1)
        assert runtime.game.phase.value == "question_closed"
        assert runtime.last_reveal is not None and runtime.last_reveal["answered"] == 6
        await stub.game.end_game(code)
        stats = await asyncio.wait_for(swarm, 30)
    assert stats.joined == 6 and stats.connected == 6 and stats.finished == 6
    assert stats.accepted == 6 and stats.errors == 0
    # every acknowledged answer got the game's receipt, and the summary says so
    assert (stats.scored, stats.judged_refused, stats.unjudged) == (6, 0, 0)
    assert "joined 6" in summary(cfg, stats)
    assert "receipts: scored 6, refused by the game 0, none 0" in summary(cfg, stats)


def test_large_loopback_swarms_spread_over_source_addresses() -> None:
    """The stub caps connections per source address: a big swarm on loopback spreads its bots
    over 127.x addresses, at most ``players_per_source`` each; a remote target is left alone."""
    from commands.swarm import source_address_for

    small = SwarmConfig(
        game="G", players=200, http_endpoint="http://127.0.0.1:1/event", game_api="x"
    )
    big = SwarmConfig(
        game="G", players=2_000, http_endpoint="http://127.0.0.1:1/event", game_api="x"
    )
    remote = SwarmConfig(
        game="G", players=30_000, http_endpoint="https://example.com/event", game_api="x"
    )
    assert source_address_for(small, 0) is None
    assert source_address_for(remote, 0) is None
    sources = [source_address_for(big, i) for i in range(big.players)]
    assert len(set(sources)) == 10
    assert max(sources.count(s) for s in set(sources)) == big.players_per_source
    assert source_address_for(big, 0) == "127.0.1.1"
    assert source_address_for(big, 1_999) == "127.0.1.10"


async def test_client_connects_from_a_chosen_loopback_source(tmp_path: Path) -> None:
    from backend_stub.server import EventApiServer
    from eventapi import ApiKeyAuth, EventsClient

    key = "da2-" + "t" * 26
    config = StubConfig(host="127.0.0.1", port=0, api_keys=(key,))
    async with EventApiServer(config) as server:
        client = EventsClient(server.http_url, ApiKeyAuth(key), source_address="127.0.0.7")
        async with client:
            await client.subscribe("/default/src")
            remotes = {conn.remote for conn in server._sockets}
        assert remotes == {"127.0.0.7"}


# -- `quizwire swarm` as a real subprocess against a real stub --------------------------------


def swarm_command(stub: Stub, code: str, players: int) -> list[str]:
    return [
        str(Path(sys.executable).parent / "quizwire"),
        "swarm",
        "--game",
        code,
        "--players",
        str(players),
        "--processes",
        "2",
        "--endpoint",
        stub.events.http_url,
        "--duration",
        "120",
        "--join-spread",
        "0.3",
    ]


async def start_swarm(stub: Stub, code: str, players: int, tmp_path: Path) -> Process:
    return await asyncio.create_subprocess_exec(
        *swarm_command(stub, code, players),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        env={**os.environ, "QUIZWIRE_CONFIG_DIR": str(tmp_path / "config")},
    )


async def all_connected(stub: Stub, code: str, players: int) -> None:
    runtime = stub.game.runtime(code)
    for _ in range(300):
        if runtime.connected_active == players:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{runtime.connected_active}/{players} bots connected")


async def finish(proc: Process, wait_s: float) -> tuple[str, str]:
    try:
        out, err = await asyncio.wait_for(proc.communicate(), wait_s)
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
    return out.decode(), err.decode()


@contextlib.asynccontextmanager
async def swarm_on_a_game(tmp_path: Path, players: int) -> AsyncIterator[tuple[Stub, str, Process]]:
    """A stub with a game (60 s questions) and ``quizwire swarm`` of ``players`` bots in it,
    every bot connected; the swarm is killed if a test leaves it running."""
    config = StubConfig(
        host="127.0.0.1",
        port=0,
        api_keys=("da2-" + "w" * 26,),
        iam_credentials=(IamCredential("AKIDSWARM000001", "x"),),
    )
    async with Stub(config, tmp_path / "stub", coalesce_interval=0.1) as stub:
        runtime = await stub.game.create_game(load_pack("general"), GameOptions(time_limit=60))
        proc = await start_swarm(stub, runtime.game_id, players, tmp_path)
        try:
            await all_connected(stub, runtime.game_id, players)
            yield stub, runtime.game_id, proc
        finally:
            if proc.returncode is None:
                await finish(proc, 1)


async def test_the_swarm_leaves_within_a_second_of_the_game_ending_early(tmp_path: Path) -> None:
    async with swarm_on_a_game(tmp_path, 6) as (stub, code, proc):
        await stub.game.start_game(code)
        await asyncio.sleep(1.0)  # the bots think (a third of 60 s, give or take)
        await stub.game.reveal(code)  # the presenter reveals early...
        await asyncio.sleep(0.3)
        ended = time.monotonic()
        await stub.game.end_game(code)  # ...and ends the game
        out, err = await finish(proc, 30)
        took = time.monotonic() - ended
    assert proc.returncode == 0, err
    assert "players 6: joined 6, connected 6, finished 6" in out
    assert took < 1.0, f"the swarm left {took:.2f} s after the game ended"


@pytest.mark.parametrize("how", ["SIGTERM", "SIGTERM to the group", "Ctrl-C"])
async def test_a_stopped_swarm_still_prints_its_summary(tmp_path: Path, how: str) -> None:
    async with swarm_on_a_game(tmp_path, 4) as (stub, code, proc):
        if how == "SIGTERM":
            proc.send_signal(signal.SIGTERM)  # `kill <pid>`
        elif how == "SIGTERM to the group":
            os.killpg(proc.pid, signal.SIGTERM)  # a service manager stopping the job
        else:
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the group
        out, err = await finish(proc, 20)
        assert stub.game.runtime(code).connected_active == 0  # every bot left
    assert proc.returncode == (130 if how == "Ctrl-C" else 143), err
    assert "players 4: joined 4, connected 4" in out
    assert f"stopped early by {'Ctrl-C' if how == 'Ctrl-C' else 'SIGTERM'}" in out
    assert "Traceback" not in err and "leaked" not in err, err


def test_a_receipt_is_counted_once_as_scored_refused_or_missing() -> None:
    """On ``backend/`` the Event API acknowledges the publish before the game judges it: the
    swarm counts the game's verdict from the receipt, or its absence by the next question."""
    from types import SimpleNamespace

    from commands.swarm import BotStats, settle_receipt

    stats = BotStats()
    q1, q2 = SimpleNamespace(question_id="q1"), SimpleNamespace(question_id="q2")
    waiting = SimpleNamespace(result=None, refusal=None, question=q1, phase="question_open")
    assert settle_receipt(waiting, "q1", stats) == "q1"  # nothing yet: still pending
    scored = SimpleNamespace(result=q1, refusal=None, question=q1, phase="question_open")
    assert settle_receipt(scored, "q1", stats) is None
    late = SimpleNamespace(result=None, refusal="Too late", question=q1, phase="question_closed")
    assert settle_receipt(late, "q1", stats) is None
    moved_on = SimpleNamespace(result=None, refusal=None, question=q2, phase="question_open")
    assert settle_receipt(moved_on, "q1", stats) is None
    assert settle_receipt(moved_on, None, stats) is None  # nothing sent: nothing counted
    assert (stats.scored, stats.judged_refused, stats.unjudged) == (1, 1, 1)
