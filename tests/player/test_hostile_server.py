"""A malicious game server cannot steer the player client's files or requests with the ids it
sends: a ``gameId`` like ``../../x`` would otherwise name the credential file. Ids are checked
against the one id format (``quizwire.channels``) wherever they become a path or a URL — and
what the server answers to a join must be the game asked for, a valid player id and nickname.
The server here is a real aiohttp app on a free loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from player.name_scoped import NameScoped
from player.screens.join import JoinScreen
from quizwire.client.game_api import AdminClient, EntryClient
from quizwire.client.player import CredentialStore, PlayerSession, SavedPlayer
from tests.game.harness import presenter_auth

from .conftest import GameFactory, wait_for

pytestmark = pytest.mark.timeout(60)

CODE = "K7QX2M"
GOOD = {"gameId": CODE, "playerId": "p1a2b3c4d5e6", "name": "Bob", "token": "qw1.K7QX2M.p1.s"}

Server = Callable[[dict[str, Any]], Any]


@pytest.fixture
async def hostile_server() -> AsyncIterator[tuple[Server, list[str]]]:
    """``url = await start(join_reply)``: a game API whose join answers ``join_reply``."""
    seen: list[str] = []
    runners: list[web.AppRunner] = []

    async def start(join_reply: dict[str, Any]) -> str:
        async def game(request: web.Request) -> web.Response:
            seen.append(request.path)
            return web.json_response({"gameId": request.match_info["code"], "phase": "lobby"})

        async def join(request: web.Request) -> web.Response:
            seen.append(request.path)
            return web.json_response(join_reply, status=201)

        app = web.Application()
        app.router.add_get("/games/{code}", game)
        app.router.add_post("/games/{code}/players", join)
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    yield start, seen
    for runner in runners:
        await runner.cleanup()


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    "reply",
    [
        {**GOOD, "gameId": "../../../escaped"},
        {**GOOD, "gameId": f"{CODE}/../../escaped"},
        {**GOOD, "gameId": "ZZZ999"},  # a valid id, but not the game we asked to join
        {**GOOD, "playerId": "../p1"},
        {**GOOD, "playerId": 7},
        {**GOOD, "name": "\x1b]0;pwned\x07"},
        {**GOOD, "token": None},
    ],
    ids=["dotdot", "slash", "other-game", "bad-player", "number", "escape-name", "no-token"],
)
async def test_a_join_answer_with_bad_ids_is_refused_and_nothing_is_written(
    hostile_server: tuple[Server, list[str]], tmp_path: Path, reply: dict[str, Any]
) -> None:
    start, seen = hostile_server
    url = await start(reply)
    store = tmp_path / "data" / "players"
    session = PlayerSession(
        http_endpoint=f"{url}/event", game_api=url, credentials=CredentialStore(store)
    )
    try:
        with pytest.raises(ValueError):
            await session.join(CODE, "Bob")
    finally:
        await session.close()
    assert seen == [f"/games/{CODE}", f"/games/{CODE}/players"]  # it did answer, and was refused
    assert files_under(tmp_path) == []


async def test_the_same_answer_with_good_ids_is_saved(
    hostile_server: tuple[Server, list[str]], tmp_path: Path
) -> None:
    """The control case: the server above, answering well, gets a saved credential."""
    start, _seen = hostile_server
    url = await start(GOOD)
    store = tmp_path / "players"
    session = PlayerSession(
        http_endpoint=f"{url}/event", game_api=url, credentials=CredentialStore(store)
    )
    try:
        saved = await session.join(CODE.lower(), "Bob")
    finally:
        await session.close()
    assert saved.game_id == CODE
    assert [p.name for p in files_under(store)] == [f"{CODE}.json", "last.json"]


@pytest.mark.parametrize("bad", ["../../x", "K7QX2M/../../x", "a b", "", "x" * 51, "-x"])
async def test_clients_never_put_a_bad_id_in_a_url(
    hostile_server: tuple[Server, list[str]], bad: str
) -> None:
    start, seen = hostile_server
    url = await start(GOOD)
    entry = EntryClient(url, max_attempts=1)
    admin = AdminClient(url, presenter_auth())
    try:
        for call in (
            entry.get_game(bad),
            entry.join(bad, "Bob"),
            entry.state(bad, "token"),
            admin.view(bad),
            admin.command(bad, "start"),
            admin.results(bad),
            admin.player_action(CODE, bad, "kick"),
        ):
            with pytest.raises(ValueError, match="id"):
                await call
    finally:
        await entry.close()
        await admin.close()
    assert seen == []


def test_the_credential_store_refuses_bad_ids(tmp_path: Path) -> None:
    root = tmp_path / "store" / "players"
    store = CredentialStore(root)
    endpoint = "http://127.0.0.1:1/event"
    for bad in (
        SavedPlayer("../../../escaped", "p1", "Bob", "t", endpoint),
        SavedPlayer(CODE, "../p1", "Bob", "t", endpoint),
    ):
        with pytest.raises(ValueError):
            store.save(bad)
        with pytest.raises(ValueError):
            NameScoped(store, "Bob").save(bad)
    assert store.load(endpoint, "../../../escaped") is None
    with pytest.raises(ValueError):
        store.forget(endpoint, "../../../escaped")
    assert files_under(tmp_path) == []


def test_a_tampered_credential_file_is_not_offered(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path / "players")
    endpoint = "http://127.0.0.1:1/event"
    store.save(SavedPlayer(CODE, "p1", "Bob", "t", endpoint))
    path = files_under(tmp_path)[0]
    path.write_text(path.read_text().replace('"p1"', '"../../p1"'))
    assert store.load(endpoint, CODE) is None
    assert store.latest(endpoint) is None
    (tmp_path / "players" / "last.json").write_text('{"name": "\\u001b[31mred"}')
    assert store.last_name() is None


async def test_the_join_screen_refuses_a_bad_code_from_the_command_line(
    make_game: GameFactory,
) -> None:
    game = await make_game()
    app = game.app(game="../../x", name="Bob")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, JoinScreen), "the join screen")
        join = app.screen
        assert isinstance(join, JoinScreen)
        await wait_for(pilot, lambda: "letters and digits" in join.status_text, "the refusal")
        assert not join.joining
    assert not game.credentials.exists()
