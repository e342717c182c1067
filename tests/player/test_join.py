"""Joining against a real stub: the form, direct join, 429s at the door, and plain-word refusals."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from aiohttp import web
from textual.widgets import Input

from player.app import PlayerApp
from player.screens.game import GameScreen
from player.screens.join import JoinScreen
from player.session import RealSessions
from player.target import Target
from quizwire.names import ADJECTIVES, ANIMALS
from tests.game.harness import free_port

from .conftest import GameFactory, screen_text, wait_for, wait_text

pytestmark = pytest.mark.timeout(60)


async def test_direct_join_shows_lobby_with_live_player_count(make_game: GameFactory) -> None:
    game = await make_game()
    code = await game.create()
    app = game.app(game=code, name="Alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, GameScreen), "the game screen")
        await wait_text(pilot, "Waiting for the host to start the game")
        await wait_text(pilot, "1 player in the lobby")
        await game.bystander(code, "Bob")
        await wait_text(pilot, "2 players in the lobby")
        text = screen_text(app)
        assert f"You are Alice · game {code}" in text
        assert "● connected" in text


async def test_join_form_with_prefilled_and_random_names(make_game: GameFactory) -> None:
    game = await make_game()
    code = await game.create()
    game.sessions().credentials.remember_name("Zed")
    app = game.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, JoinScreen), "the join screen")
        name = app.screen.query_one("#name", Input)
        assert name.value == "Zed"  # the last game's nickname
        await pilot.press("ctrl+r")
        first, _, second = name.value.partition(" ")
        assert first in ADJECTIVES and second in ANIMALS
        app.screen.query_one("#code", Input).value = code.lower()
        await pilot.pause()
        assert app.screen.query_one("#code", Input).value == code
        await pilot.click("#join")
        await wait_text(pilot, "Waiting for the host")
        assert isinstance(app.screen, GameScreen)
        assert app.screen.model.name == name.value


async def test_missing_code_and_bad_nickname_are_explained(make_game: GameFactory) -> None:
    game = await make_game()
    app = game.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, JoinScreen), "the join screen")
        await pilot.click("#join")
        await wait_text(pilot, "Type the game code shown on the host's screen.")
        app.screen.query_one("#code", Input).value = "ABCDEF"
        app.screen.query_one("#name", Input).value = "   "
        await pilot.click("#join")
        await wait_text(pilot, "Please choose a nickname")


async def test_entry_429s_are_retried_while_the_screen_says_joining(
    make_game: GameFactory,
) -> None:
    game = await make_game(entry_rate=2.0)
    code = await game.create()
    async with httpx.AsyncClient() as http:  # use up the bucket so the app's join meets 429s
        statuses = [(await http.get(f"{game.stub.game_api}/games/{code}")).status_code]
        while statuses[-1] != 429:
            statuses.append((await http.get(f"{game.stub.game_api}/games/{code}")).status_code)
    app = game.app(game=code, name="Alice")
    seen: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:

        def joined() -> bool:
            if isinstance(app.screen, JoinScreen):
                seen.append(app.screen.status_text)
            return isinstance(app.screen, GameScreen)

        await wait_for(pilot, joined, "the game screen", within=30)
        await wait_text(pilot, "Waiting for the host")
    assert any("server is busy, retrying" in s for s in seen), seen
    assert game.stub.api.entry_throttled >= 2


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("unknown", "There is no game with code ZZZZZZ. Check the code on the host's screen."),
        ("finished", "has already finished. Ask the host for the next game's code."),
        ("taken", "is already called"),
        ("started", "has already started and is not taking new players"),
        ("locked", "The host has locked game"),
    ],
)
async def test_refused_joins_are_explained_in_plain_words(
    make_game: GameFactory, setup: str, expected: str
) -> None:
    game = await make_game()
    code = await game.create(lateJoin=False)
    name = "Alice"
    if setup == "unknown":
        code = "ZZZZZZ"
    elif setup == "finished":
        await game.command(code, "end")
    elif setup == "taken":
        await game.bystander(code, "Bob")
        name = "BOB "
    elif setup == "started":
        await game.bystander(code, "Bob")
        await game.command(code, "start")
    elif setup == "locked":  # not "the host removed you": this player was never in
        await game.command(code, "lock")
    app = game.app(game=code, name=name)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, JoinScreen) and expected in app.screen.status_text,
            expected,
        )
        screen = app.screen
        assert isinstance(screen, JoinScreen)
        assert not screen.joining  # the form is usable again
        assert not screen.query_one("#join").disabled
        if setup == "taken":
            assert "Choose another nickname" in screen.status_text


async def test_a_server_that_is_not_a_game_api_is_explained(tmp_path: Path) -> None:
    """A 200 that is not JSON (a wrong address) is explained; the app keeps running."""

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="<html>hello</html>", content_type="text/html")

    site_app = web.Application()
    site_app.router.add_route("*", "/{tail:.*}", hello)
    runner = web.AppRunner(site_app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        base = f"http://127.0.0.1:{port}"
        target = Target(http_endpoint=base + "/event", game_api=base, label=base)
        sessions = RealSessions(target, credentials_root=tmp_path / "players")
        app = PlayerApp(sessions, game="ABCDEF", name="Al")
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(
                pilot,
                lambda: (
                    isinstance(app.screen, JoinScreen) and "cannot read" in app.screen.status_text
                ),
                "the explanation",
            )
            assert app.is_running
    finally:
        await runner.cleanup()


async def test_an_overlong_name_is_cut_to_the_limit_and_stays_editable(tmp_path: Path) -> None:
    from quizwire.client.player import SavedPlayer
    from tui.clock import FrozenClock

    from .scripted import CODE, ScriptedSession, ScriptedSessions, lobby

    clock = FrozenClock(0)
    session = ScriptedSession(lobby(clock), clock)
    sessions = ScriptedSessions(session, tmp_path / "players")
    joined_as: list[str] = []
    scripted_join = session.join

    async def join(code: str, name: str, team: str | None = None) -> SavedPlayer:
        joined_as.append(name)
        return await scripted_join(code, name, team)

    session.join = join  # type: ignore[method-assign]
    long_name = "Bartholomew the Magnificent of Quiz"  # 35 characters
    app = PlayerApp(sessions, game=CODE, name=long_name, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, JoinScreen), "the join screen")
        await pilot.pause()
        name = app.screen.query_one("#name", Input)
        assert name.value == long_name[:24]
        assert "35 characters; it was cut to the 24-character limit" in screen_text(app)
        assert app.focused is name
        await pilot.press("end", "backspace")
        assert name.value == long_name[:23]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GameScreen), "the game screen")
    assert joined_as == [long_name[:23]]  # joined once, under the edited name


async def test_an_unreachable_server_is_named_counted_and_given_up_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing listens at the address: the status names it, counts the attempts and the wait,
    then gives up after the bound with a way out; the app keeps running."""
    base = f"http://127.0.0.1:{free_port()}"
    target = Target(http_endpoint=base + "/event", game_api=base, label=base)
    sessions = RealSessions(
        target, credentials_root=tmp_path / "players", backoff=0.05, give_up_after_s=1.0
    )
    app = PlayerApp(sessions, game="ABCDEF", name="Al")
    seen: list[str] = []  # every status shown, however briefly
    show = JoinScreen.set_status

    def recorded(screen: JoinScreen, text: str, kind: str = "") -> None:
        seen.append(text)
        show(screen, text, kind)

    monkeypatch.setattr(JoinScreen, "set_status", recorded)

    def status() -> str:
        screen = app.screen
        return screen.status_text if isinstance(screen, JoinScreen) else ""

    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "Gave up" in status(), "giving up")
        retrying = [s for s in seen if "Retrying (attempt" in s]
        assert retrying, seen
        assert f"Cannot reach the game server at {base}" in retrying[0]
        assert "Retrying (attempt 2 in" in retrying[0] and "Esc quits" in retrying[0]
        final = status()
        assert f"Cannot reach the game server at {base}" in final
        assert "Enter tries again, Esc quits." in final
        assert app.is_running
        await pilot.press("escape")
        await pilot.pause()
    assert not app.is_running
