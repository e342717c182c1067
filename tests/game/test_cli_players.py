"""``quizwire game players CODE`` on both backends: every player with the id that kick, ban and
readmit take, removed players included."""

from __future__ import annotations

import pytest

from commands.game import _players

from .conftest import EntryFor, PresenterFor, StubFactory
from .harness import make_quiz

pytestmark = pytest.mark.timeout(60)


async def test_players_lists_ids_statuses_and_names(
    make_stub: StubFactory,
    presenter_for: PresenterFor,
    entry_for: EntryFor,
    backend: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stub = await make_stub(backend=backend)
    presenter = presenter_for(stub)
    code = (await presenter.admin.create_game(quiz=make_quiz([(4, 1, 1000)])))["gameId"]
    entry = entry_for(stub.game_api)
    amy = await entry.join(code, "Amy")
    bob = await entry.join(code, "[b]Bob[/b]")
    await presenter.admin.player_action(code, bob["playerId"], "kick")
    capsys.readouterr()
    assert await _players(presenter.admin, code) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["rank", "player", "id", "status", "score", "name"]
    rows = {line.split()[-1]: line.split() for line in lines[1:] if line.split()[1:]}
    assert rows["Amy"][:2] == ["1", amy["playerId"]] and rows["Amy"][2] == "active"
    assert rows["[b]Bob[/b]"][:2] == [bob["playerId"], "kicked"]  # not ranked: no rank
