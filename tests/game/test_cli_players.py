"""``quizwire game players CODE`` on both backends: every player with the id that kick, ban and
readmit take, removed players included."""

from __future__ import annotations

import pytest

from commands.game import _extra_time, _players, parse_percent
from quizwire.client.game_api import GameApiError

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
    assert lines[0].split() == ["rank", "player", "id", "status", "score", "extra", "name"]
    rows = {line.split()[-1]: line.split() for line in lines[1:] if line.split()[1:]}
    assert rows["Amy"][:2] == ["1", amy["playerId"]] and rows["Amy"][2] == "active"
    assert rows["[b]Bob[/b]"][:2] == [bob["playerId"], "kicked"]  # not ranked: no rank


async def test_extra_time_by_name_and_the_team_column(
    make_stub: StubFactory,
    presenter_for: PresenterFor,
    entry_for: EntryFor,
    backend: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stub = await make_stub(backend=backend)
    presenter = presenter_for(stub)
    quiz = make_quiz([(4, 1, 1000)])
    code = (await presenter.admin.create_game(quiz=quiz, options={"teams": ["Red", "Blue"]}))[
        "gameId"
    ]
    entry = entry_for(stub.game_api)
    amy = await entry.join(code, "Amy", "blue")
    await entry.join(code, "[b]Bob[/b]")
    capsys.readouterr()
    assert await _extra_time(presenter.admin, code, "amy", "+50%") == 0  # a nickname works
    assert capsys.readouterr().out.strip() == (
        f"Amy ({amy['playerId']}): +50% time on every question"
    )
    assert await _extra_time(presenter.admin, code, "No Body", "50") == 1
    assert "no player called 'No Body'" in capsys.readouterr().err
    with pytest.raises(GameApiError) as info:  # not a name: taken as an id the server lacks
        await _extra_time(presenter.admin, code, "pnobody", "50")
    assert info.value.code == "no_player"
    assert await _players(presenter.admin, code) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["rank", "player", "id", "status", "score", "extra", "team", "name"]
    rows = {line.split()[-1]: line.split() for line in lines[1:-1]}
    assert rows["Amy"][4:6] == ["+50%", "Blue"] and rows["[b]Bob[/b]"][4] == "Red"
    assert lines[-1] == "teams: 1 Red 0, 1 Blue 0"


def test_parse_percent() -> None:
    assert [parse_percent(t) for t in ("50", "+50", "+50%", " 100 % ")] == [50, 50, 50, 100]
    for bad in ("-5", "1.5", "x", ""):
        with pytest.raises(ValueError, match="whole number of percent"):
            parse_percent(bad)
