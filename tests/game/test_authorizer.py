"""The stub's player authorizer, called directly: a token is authorized only with its own
secret, however often the right one was seen before, and never once the player is removed."""

from __future__ import annotations

from typing import Any

from quizwire.player_tokens import PlayerCredential
from quizwire.quiz import parse_quiz
from quizwire.state import PlayerStatus

from .harness import make_quiz


def ask(stub: Any, token: str) -> bool:
    return stub.game.authorize({"authorizationToken": token})["isAuthorized"] is True


async def test_only_the_players_own_secret_passes_however_often_it_was_seen(
    make_stub: Any,
) -> None:
    stub = await make_stub()
    runtime = await stub.game.create_game(parse_quiz(make_quiz([(4, 1, 1000)])))
    credential, _ = await stub.game.join(runtime.game_id, "Ann")
    for _ in range(3):  # seen again and again (connect, subscribes, publishes)
        assert ask(stub, credential.token)
    forged = PlayerCredential(credential.game_id, credential.player_id, credential.secret + "x")
    assert not ask(stub, forged.token)
    other_game = PlayerCredential("ZZZZZZ", credential.player_id, credential.secret)
    assert not ask(stub, other_game.token)
    assert not ask(stub, "qw1.not.a-token")
    await stub.game.set_player_status(runtime.game_id, credential.player_id, PlayerStatus.KICKED)
    assert not ask(stub, credential.token)  # removed: refused although seen before
    await stub.game.set_player_status(runtime.game_id, credential.player_id, PlayerStatus.ACTIVE)
    assert ask(stub, credential.token)  # readmitted
