"""Entry and admin API end to end: clear refusals at the door, signatures on every admin call,
and a kicked player locked out of answers, connections and snapshots. Tests taking ``backend``
run against the SQLite stub and the Lambda path alike."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import httpx
import pytest

from eventapi import ApiKeyAuth, AuthError, EventsClient, LambdaAuth, PublishError, SubscribeError
from quizwire.client.game_api import AdminClient, GameApiError
from quizwire.player_tokens import DENIAL_TTL_S

from .conftest import AnyStub, EntryFor, PlayerFor, PresenterFor, StubFactory
from .harness import (
    API_KEY,
    KEY_ID,
    Player,
    Presenter,
    lambda_available,
    make_quiz,
    new_events_client,
    presenter_auth,
)

QUIZ = make_quiz([(4, 2, 1000), (2, 0, 1000)])

pytestmark = pytest.mark.timeout(60)


async def refused(call: Awaitable[object]) -> GameApiError:
    with pytest.raises(GameApiError) as caught:
        await call
    return caught.value


async def test_unknown_game_is_404_everywhere(
    make_stub: StubFactory, presenter_for: PresenterFor, entry_for: EntryFor, backend: str
) -> None:
    stub = await make_stub(backend=backend)
    entry = entry_for(stub.game_api)
    admin = presenter_for(stub).admin
    for call in (
        entry.get_game("ZZZZZZ"),
        entry.join("ZZZZZZ", "Alice"),
        entry.state("ZZZZZZ", "qw1.ZZZZZZ.p1.secret"),
        admin.view("ZZZZZZ"),
        admin.command("ZZZZZZ", "start"),
        admin.results("ZZZZZZ"),
    ):
        err = await refused(call)
        assert (err.status, err.code) == (404, "not_found")
        assert "no game with code ZZZZZZ" in err.message
    # the code is case-insensitive, like the one on the big screen
    code = (await admin.create_game(quiz=QUIZ))["gameId"]
    assert (await entry.get_game(code.lower()))["gameId"] == code


async def test_finished_game_is_410(
    make_stub: StubFactory, presenter_for: PresenterFor, entry_for: EntryFor, backend: str
) -> None:
    stub = await make_stub(backend=backend)
    entry = entry_for(stub.game_api)
    admin = presenter_for(stub).admin
    code = (await admin.create_game(quiz=QUIZ))["gameId"]
    info = await entry.get_game(code)
    assert info == {
        "gameId": code,
        "title": "E2E quiz",
        "phase": "lobby",
        "playerCount": 0,
        "questionCount": 2,
        "acceptingPlayers": True,
        "teams": [],
    }
    alice = await entry.join(code, "Alice")
    assert (await admin.command(code, "end"))["phase"] == "finished"
    for call in (entry.get_game(code), entry.join(code, "Bob")):
        err = await refused(call)
        assert (err.status, err.code) == (410, "finished")
        assert f"Game {code} has finished" in err.message
    # a player of the finished game still gets its final snapshot
    snap = await entry.state(code, alice["token"])
    assert snap["phase"] == "finished" and snap["you"]["name"] == "Alice"
    err = await refused(admin.command(code, "next"))
    assert (err.status, err.code) == (409, "bad_transition")


async def test_nicknames_are_checked(
    make_stub: StubFactory, presenter_for: PresenterFor, entry_for: EntryFor, backend: str
) -> None:
    stub = await make_stub(backend=backend)
    entry = entry_for(stub.game_api)
    code = (await presenter_for(stub).admin.create_game(quiz=QUIZ))["gameId"]

    bad = {
        "Bob\x1b[31m": "control or invisible characters (U+001B",
        "two\nlines": "control or invisible characters",
        "evil\u202eeman": "control or invisible characters",
        "zero\u200bwidth": "control or invisible characters",
        "x" * 25: "That nickname is 25 characters; the limit is 24.",
        "   ": "Please choose a nickname",
    }
    for name, message in bad.items():
        err = await refused(entry.join(code, name))
        assert (err.status, err.code) == (400, "bad_name"), name
        assert message in err.message, (name, err.message)

    assert (await entry.join(code, "  Alice   Smith ")).get("name") == "Alice Smith"
    assert (await entry.join(code, "x" * 24))["name"] == "x" * 24
    markup = await entry.join(code, "[bold red]Boss[/]")  # plain text: allowed, kept verbatim
    assert markup["name"] == "[bold red]Boss[/]"
    for same in ("alice smith", "ALICE  SMITH ", "\uff21lice Smith"):  # full-width A
        err = await refused(entry.join(code, same))
        assert (err.status, err.code) == (409, "name_taken"), same
        assert "already called" in err.message
    view = await presenter_for(stub).admin.view(code)
    assert sorted(p["name"] for p in view["players"]) == sorted(
        ["Alice Smith", "x" * 24, "[bold red]Boss[/]"]
    )


async def test_admin_calls_need_a_valid_signature(
    make_stub: StubFactory, presenter_for: PresenterFor, backend: str
) -> None:
    stub = await make_stub(backend=backend)
    base = stub.game_api
    code = (await presenter_for(stub).admin.create_game(quiz=QUIZ))["gameId"]
    async with httpx.AsyncClient(timeout=10) as http:
        for method, path in (
            ("GET", "/admin/games"),
            ("POST", "/admin/games"),
            ("GET", f"/admin/games/{code}"),
            ("POST", f"/admin/games/{code}/start"),
            ("GET", f"/admin/games/{code}/results?format=json"),
        ):
            response = await http.request(method, base + path, json={"pack": "general"})
            assert response.status_code == 401, (method, path)
            assert response.json()["error"] == "unauthorized"
        # an API key is not a presenter credential either
        response = await http.post(
            base + f"/admin/games/{code}/start", headers={"x-api-key": API_KEY}
        )
        assert response.status_code == 401

    wrong_secret = AdminClient(base, presenter_auth(secret="not-the-secret"))
    unknown_key = AdminClient(base, presenter_auth(key_id="AKIDUNKNOWN00000"))
    try:
        for admin in (wrong_secret, unknown_key):
            for call in (admin.list_games(), admin.command(code, "start"), admin.view(code)):
                err = await refused(call)
                assert (err.status, err.code) == (401, "unauthorized")
                # (API Gateway says "the presenter's AWS credentials")
                assert "signed with the presenter's" in err.message
    finally:
        await wrong_secret.close()
        await unknown_key.close()

    # A signature is bound to its body: replaying it with another body fails.
    admin = presenter_for(stub).admin
    request: dict[str, Any] = {}  # what the spy saw: headers and body

    async def capture(req: httpx.Request) -> httpx.Response:
        request.update(headers=dict(req.headers), body=req.content)
        return httpx.Response(201, json={})

    spy = AdminClient(
        base, presenter_auth(), http=httpx.AsyncClient(transport=httpx.MockTransport(capture))
    )
    await spy.create_game(pack="general")
    async with httpx.AsyncClient(timeout=10) as http:
        headers = {k: v for k, v in request["headers"].items() if k != "content-length"}
        genuine = await http.post(base + "/admin/games", content=request["body"], headers=headers)
        assert genuine.status_code == 201
        tampered = await http.post(
            base + "/admin/games", content=json.dumps({"pack": "science"}), headers=headers
        )
        assert tampered.status_code == 401
    assert len((await admin.list_games())["games"]) == 2  # the first game and the genuine one


async def test_kicked_player_is_locked_out(
    make_stub: StubFactory, presenter_for: PresenterFor, entry_for: EntryFor, player_for: PlayerFor
) -> None:
    stub = await make_stub()
    http_url = stub.events.http_url
    presenter = presenter_for(stub)
    code = (await presenter.admin.create_game(quiz=QUIZ, options={"timeLimit": 30}))["gameId"]
    await presenter.watch(code)
    entry = entry_for(stub.game_api)
    alice, bob, carol = (player_for(n, code, http_url, entry) for n in ("Alice", "Bob", "Carol"))
    for p in (alice, bob, carol):
        await p.join()
        await p.connect()
    view = await presenter.admin.command(code, "start")
    qid = view["question"]["questionId"]
    assert (await alice.answer(qid, 2)).score["accepted"] is True

    kicked = await presenter.admin.player_action(code, bob.player_id, "kick")
    assert kicked == {"playerId": bob.player_id, "name": "Bob", "status": "kicked"}
    # Bob is told at once, on his own scores channel, without having to try anything.
    notice = await bob.inboxes["scores"].wait(lambda m: m.get("accepted") is False)
    assert notice["refusal"] == {
        "code": "not_in_game",
        "message": "The host removed you from this game.",
    }
    assert notice["questionId"] is None and notice["points"] == 0
    assert not any(
        m.get("playerId") == bob.player_id and m.get("accepted") is False
        for p in (alice, carol)
        for m in p.inboxes["scores"].messages
    )
    # Bob's open socket can no longer answer: the authorizer refuses the publish.
    assert bob.client is not None
    with pytest.raises(PublishError) as failed:
        await bob.client.publish(f"/answer/{code}", [{"questionId": qid, "choice": 2}])
    assert failed.value.is_auth_failure
    # ... nor open a new connection, nor fetch a snapshot, nor join again under his name
    with pytest.raises(AuthError):
        async with new_events_client(http_url, LambdaAuth(bob.token)):
            pass
    err = await refused(entry.state(code, bob.token))
    assert (err.status, err.code) == (403, "kicked")
    assert err.message == "The host removed you from this game."
    err = await refused(entry.join(code, "bob"))
    assert (err.status, err.code) == (409, "name_taken")

    # Bob no longer holds the question open: Carol's answer is the last one needed.
    assert (await carol.answer(qid, 1)).score["accepted"] is True
    closed = await presenter.inboxes["game"].wait(lambda m: m.get("type") == "question_closed")
    assert (closed["reason"], closed["answered"], closed["counts"]) == (
        "all_answered",
        2,
        [0, 1, 1, 0],
    )
    view = await presenter.admin.view(code)
    status = {p["name"]: p["status"] for p in view["players"]}
    assert status == {"Alice": "active", "Bob": "kicked", "Carol": "active"}
    assert view["playerCount"] == 2

    results = json.loads(await presenter.admin.results(code, "json"))
    rows = {r["name"]: r for r in results["players"]}
    assert rows["Bob"]["status"] == "kicked" and rows["Bob"]["rank"] is None
    assert rows["Bob"]["answers"] == [None]
    assert (rows["Alice"]["rank"], rows["Carol"]["rank"]) == (1, 2)
    assert stub.game.answers_accepted == 2
    assert not any(m.get("playerId") == bob.player_id for m in presenter.inboxes["answer"].messages)

    err = await refused(presenter.admin.player_action(code, "pnosuchplayer", "kick"))
    assert err.status == 404


@pytest.mark.parametrize(
    "token",
    [
        "qw1.NOSUCH.p123.secret",  # a game that does not exist
        "not-a-token",
        "qw1..p123.secret",
        KEY_ID,  # the presenter's key id is no token either
    ],
)
async def test_authorizer_refuses_bad_tokens(make_stub: StubFactory, token: str) -> None:
    stub = await make_stub()
    with pytest.raises(AuthError):
        async with EventsClient(stub.events.http_url, LambdaAuth(token), connect_timeout=5):
            pass


async def game_with_bob(
    make_stub: StubFactory,
    presenter_for: PresenterFor,
    entry_for: EntryFor,
    player_for: PlayerFor,
    backend: str = "sqlite",
) -> tuple[AnyStub, Presenter, str, Player]:
    """A started stub, its presenter, a 30 s game and Bob joined to it (not yet connected)."""
    stub = await make_stub(backend=backend)
    presenter = presenter_for(stub)
    code = (await presenter.admin.create_game(quiz=QUIZ, options={"timeLimit": 30}))["gameId"]
    bob = player_for("Bob", code, stub.events.http_url, entry_for(stub.game_api))
    await bob.join()
    return stub, presenter, code, bob


async def test_kick_and_readmit_take_effect_at_once(
    make_stub: StubFactory, presenter_for: PresenterFor, entry_for: EntryFor, player_for: PlayerFor
) -> None:
    """The authorizer's decisions are cached (AWS caches them for ``ttlOverride``): a kick must
    not leave a cached "yes", and a readmit must not leave a cached "no" -- it used to lock a
    readmitted player out for the 300 s a denial stayed cached."""
    stub, presenter, code, bob = await game_with_bob(
        make_stub, presenter_for, entry_for, player_for
    )
    http_url = stub.events.http_url
    entry = bob.entry
    async with new_events_client(http_url, LambdaAuth(bob.token)):
        pass  # an allow is now cached

    await presenter.admin.player_action(code, bob.player_id, "kick")
    for _ in range(2):  # refused at once, and the refusal is now cached
        with pytest.raises(AuthError):
            async with new_events_client(http_url, LambdaAuth(bob.token)):
                pass

    await presenter.admin.player_action(code, bob.player_id, "readmit")
    async with new_events_client(http_url, LambdaAuth(bob.token)) as client:
        sub = await client.subscribe(f"/scores/{code}/{bob.player_id}")
        assert sub is not None
    assert (await entry.state(code, bob.token))["you"]["playerId"] == bob.player_id

    await presenter.admin.player_action(code, bob.player_id, "ban")
    with pytest.raises(AuthError):
        async with new_events_client(http_url, LambdaAuth(bob.token)):
            pass


async def test_a_readmitted_player_rejoins_with_the_credential_they_kept(
    make_stub: StubFactory,
    presenter_for: PresenterFor,
    entry_for: EntryFor,
    player_for: PlayerFor,
    backend: str,
    tmp_path: Path,
) -> None:
    """A kick says ``kicked`` (not final: the player's app keeps its credential), a ban says
    ``banned`` (final: the app forgets it); after a readmit the kept credential rejoins with the
    score — the same ``quizwire play --game CODE`` command, not a new join refused as a
    duplicate name."""
    from quizwire.client.player import CredentialStore, PlayerSession

    stub, presenter, code, _bob = await game_with_bob(
        make_stub, presenter_for, entry_for, player_for, backend
    )
    entry = entry_for(stub.game_api)
    store = CredentialStore(tmp_path / "credentials")
    http_url = stub.events.http_url

    def session() -> PlayerSession:
        return PlayerSession(
            http_endpoint=http_url, game_api=stub.game_api, credentials=store, entry=entry
        )

    amy = await session().join(code, "Amy")
    await presenter.admin.player_action(code, amy.player_id, "kick")
    err = await refused(session().join(code, "Amy"))  # trying too soon: refused ...
    assert (err.status, err.code) == (403, "kicked")
    assert store.load(http_url, code) == amy  # ... but the credential is kept
    view = await presenter.admin.view(code)
    assert view["playerCount"] == 1  # the kicked player is not counted

    await presenter.admin.player_action(code, amy.player_id, "readmit")
    back = session()
    assert await back.join(code, "Amy") == amy and back.rejoined
    assert (await presenter.admin.view(code))["playerCount"] == 2

    await presenter.admin.player_action(code, amy.player_id, "ban")
    err = await refused(session().join(code, "Amy"))
    assert (err.status, err.code) == (403, "banned")
    assert store.load(http_url, code) is None  # a ban is final


async def test_a_readmitted_player_who_stayed_connected_shows_as_connected(
    make_stub: StubFactory, presenter_for: PresenterFor, entry_for: EntryFor, player_for: PlayerFor
) -> None:
    """The console's presence: a kick takes the player out of the connected count, a readmit
    puts them back at once if their app stayed connected (it used to show them "away" until
    they reconnected: the kick forgot their live subscriptions)."""
    _, presenter, code, bob = await game_with_bob(make_stub, presenter_for, entry_for, player_for)
    await bob.connect()

    async def presence() -> tuple[int, bool, str]:
        view = await presenter.admin.view(code)
        (row,) = view["players"]
        return view["connectedCount"], row["connected"], row["status"]

    assert await presence() == (1, True, "active")
    await presenter.admin.player_action(code, bob.player_id, "kick")
    count, _, status = await presence()
    assert (count, status) == (0, "kicked")
    await presenter.admin.player_action(code, bob.player_id, "readmit")
    assert await presence() == (1, True, "active")


async def test_a_readmit_takes_effect_within_the_denial_ttl_on_lambda(
    make_stub: StubFactory, presenter_for: PresenterFor, entry_for: EntryFor, player_for: PlayerFor
) -> None:
    """Lambda path: AppSync's cache cannot be purged, so the authorizer's refusals carry a short
    ``ttlOverride`` -- a readmitted player is back within seconds, not the authorizer's TTL
    (a refusal without one is cached for ``AuthorizerTtl``, 60 s)."""
    if not lambda_available():
        pytest.skip("the local Lambda mode needs the test extras and node")
    stub, presenter, code, bob = await game_with_bob(
        make_stub, presenter_for, entry_for, player_for, backend="lambda"
    )
    http_url = stub.events.http_url
    await presenter.admin.player_action(code, bob.player_id, "kick")
    with pytest.raises(AuthError):  # refused, and the refusal is cached
        async with new_events_client(http_url, LambdaAuth(bob.token)):
            pass
    await presenter.admin.player_action(code, bob.player_id, "readmit")
    readmitted_at = time.monotonic()
    while True:
        try:
            async with new_events_client(http_url, LambdaAuth(bob.token)) as client:
                await client.subscribe(f"/scores/{code}/{bob.player_id}")
            break
        except AuthError:
            assert time.monotonic() - readmitted_at < DENIAL_TTL_S + 2, "denial cached too long"
            await asyncio.sleep(0.5)


async def test_a_locked_game_takes_no_new_players(
    make_stub: StubFactory,
    presenter_for: PresenterFor,
    entry_for: EntryFor,
    player_for: PlayerFor,
    backend: str,
) -> None:
    """The host's "lock": new joins get a clear 403, players already in keep playing and may
    rejoin; unlocking opens the door again; a finished game cannot be locked. Both backends."""
    stub = await make_stub(backend=backend)
    http_url = stub.events.http_url
    presenter = presenter_for(stub)
    code = (await presenter.admin.create_game(quiz=QUIZ, options={"timeLimit": 30}))["gameId"]
    entry = entry_for(stub.game_api)
    alice = player_for("Alice", code, http_url, entry)
    await alice.join()

    view = await presenter.admin.command(code, "lock")
    assert view["locked"] is True
    assert (await presenter.admin.view(code))["locked"] is True
    info = await entry.get_game(code)
    assert info["acceptingPlayers"] is False
    err = await refused(entry.join(code, "Mallory"))
    assert (err.status, err.code) == (403, "locked")
    assert err.message == "The host has locked this game: it is not taking new players."

    await alice.connect()  # already in: rejoin and play as before
    assert (await entry.state(code, alice.token))["you"]["name"] == "Alice"
    view = await presenter.admin.command(code, "start")
    assert view["locked"] is True
    assert (await alice.answer(view["question"]["questionId"], 2)).score["accepted"] is True

    assert (await presenter.admin.command(code, "unlock"))["locked"] is False
    late = await entry.join(code, "Latecomer")  # late joins are allowed in this game
    assert late["name"] == "Latecomer"

    await presenter.admin.command(code, "end")
    err = await refused(presenter.admin.command(code, "lock"))
    assert (err.status, err.code) == (409, "bad_transition")


async def test_no_one_subscribes_to_every_game_at_once(
    make_stub: StubFactory, presenter_for: PresenterFor, backend: str
) -> None:
    """A wildcard over game ids would give any API-key holder every game's questions."""
    stub = await make_stub(backend=backend)
    code = (await presenter_for(stub).admin.create_game(quiz=QUIZ))["gameId"]
    async with new_events_client(stub.events.http_url, ApiKeyAuth(API_KEY)) as screen:
        await screen.subscribe(f"/game/{code}")  # one game: yes
        for channel in ("/game/*", "/question/*", "/leaderboard/*"):
            with pytest.raises(SubscribeError) as caught:
                await screen.subscribe(channel)
            assert "UnauthorizedException" in caught.value.error_types, channel


async def test_the_entry_check_says_busy_while_dynamodb_throttles(
    make_stub: StubFactory, entry_for: EntryFor
) -> None:
    """Lambda path: API Gateway's direct GetItem maps DynamoDB's throttling to 503 +
    Retry-After (it used to read as 404, "no such game"); the entry client waits and retries."""
    if not lambda_available():
        pytest.skip("the local Lambda mode needs the test extras and node")
    stub = await make_stub(backend="lambda", partition_read_units=2)
    admin = AdminClient(stub.game_api, presenter_auth())
    try:
        code = (await admin.create_game(quiz=QUIZ))["gameId"]
    finally:
        await admin.close()
    busy = None
    async with httpx.AsyncClient(timeout=10) as http:
        for _ in range(20):
            response = await http.get(f"{stub.game_api}/games/{code}")
            if response.status_code != 200:
                busy = response
                break
    assert busy is not None and busy.status_code == 503
    assert busy.headers["Retry-After"] == "1" and busy.json()["error"] == "unavailable"
    entry = entry_for(stub.game_api)
    assert (await entry.get_game(code))["gameId"] == code  # after waiting it out if need be
