"""GameStore contract: every behaviour the game service relies on, for every store."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from quizwire import game as rules
from quizwire.answers import submit_answer
from quizwire.messages import parse_answer
from quizwire.players import ban, kick, readmit
from quizwire.quiz import parse_quiz
from quizwire.results import build_results, players_csv
from quizwire.state import AnswerRecord, GameState, Phase, PlayerState, PlayerStatus
from quizwire.store import NameTaken

QUIZ = parse_quiz(
    {
        "title": "Contract quiz",
        "questions": [
            {"text": "One?", "choices": ["a", "b", "c"], "answer": "B", "time_limit": 20},
            {"text": "Two?", "choices": ["a", "b"], "answer": "A", "time_limit": 20},
        ],
    }
)


def new_game(code: str = "ABCDEF", now: int = 1_000) -> GameState:
    return rules.new_game(code, QUIZ, now_ms=now)


def player(pid: str, name: str, order: int = 0) -> PlayerState:
    return PlayerState(player_id=pid, name=name, join_order=order, joined_at=100 + order)


def opened(store: Any, now: int = 10_000) -> GameState:
    game = new_game()
    store.create_game(game)
    step = rules.start_game(game, now)
    assert store.save_game(step.game, game.seq)
    return step.game


def answer_of(game: GameState, row: PlayerState, choice: int, now: int) -> Any:
    msg = parse_answer({"questionId": "q1", "choice": choice}, game_id=game.game_id)
    return submit_answer(game, row.player_id, row, msg, now)


# -- games ----------------------------------------------------------------------------------------


def test_create_and_load_round_trips(store: Any) -> None:
    game = new_game()
    store.create_game(game)
    assert store.load_game("ABCDEF") == game
    assert store.load_game("NOSUCH") is None


def test_create_refuses_an_existing_id(store: Any) -> None:
    store.create_game(new_game())
    with pytest.raises(KeyError):
        store.create_game(new_game())


def test_list_games_in_creation_order(store: Any) -> None:
    store.create_game(new_game("BBBBBB", now=2_000))
    store.create_game(new_game("AAAAAA", now=1_000))
    assert [g.game_id for g in store.list_games()] == ["AAAAAA", "BBBBBB"]


def test_save_game_is_conditional_on_seq(store: Any) -> None:
    game = new_game()
    store.create_game(game)
    step = rules.start_game(game, 5_000)
    assert store.save_game(step.game, game.seq)
    stale = rules.lobby_update(game, 6_000, players=3)  # built from the old row
    assert not store.save_game(stale.game, game.seq)
    loaded = store.load_game(game.game_id)
    assert loaded == step.game and loaded.phase is Phase.QUESTION_OPEN


# -- players --------------------------------------------------------------------------------------


def test_players_round_trip_in_join_order(store: Any) -> None:
    store.create_game(new_game())
    store.add_player("ABCDEF", player("p2", "Zed", 0), "h2")
    store.add_player("ABCDEF", player("p1", "Amy", 1), "h1")
    assert [p.player_id for p in store.load_players("ABCDEF")] == ["p2", "p1"]
    assert store.secret_hash("ABCDEF", "p1") == "h1"
    assert store.secret_hash("ABCDEF", "nobody") is None
    assert store.load_players("OTHER1") == []


def test_names_are_unique_case_and_width_insensitively(store: Any) -> None:
    store.create_game(new_game())
    store.add_player("ABCDEF", player("p1", "Bob"), "h")
    for clash in ("bob", "BOB", "\uff22ob"):  # full-width B
        with pytest.raises(NameTaken):
            store.add_player("ABCDEF", player("p9", clash, 1), "h")
    assert [p.name for p in store.load_players("ABCDEF")] == ["Bob"]
    # the same name in another game is fine
    store.create_game(new_game("GHJKLM"))
    store.add_player("GHJKLM", player("p5", "Bob"), "h")


def test_a_player_id_is_added_once(store: Any) -> None:
    store.create_game(new_game())
    store.add_player("ABCDEF", player("p1", "Bob"), "h")
    with pytest.raises(KeyError):
        store.add_player("ABCDEF", player("p1", "Other"), "h")
    assert len(store.load_players("ABCDEF")) == 1


def test_save_player_is_conditional_on_seq(store: Any) -> None:
    store.create_game(new_game())
    row = player("p1", "Bob")
    store.add_player("ABCDEF", row, "h")
    kicked = kick(row)
    assert store.save_player("ABCDEF", kicked, row.seq)
    assert not store.save_player("ABCDEF", replace(row, score=999, seq=row.seq + 1), row.seq)
    assert store.load_players("ABCDEF")[0].status is PlayerStatus.KICKED


def test_kick_readmit_and_ban_persist(store: Any) -> None:
    store.create_game(new_game())
    row = player("p1", "Bob")
    store.add_player("ABCDEF", row, "h")
    kicked = kick(row)
    assert store.save_player("ABCDEF", kicked, row.seq)
    back = readmit(kicked)
    assert store.save_player("ABCDEF", back, kicked.seq)
    banned = ban(back)
    assert store.save_player("ABCDEF", banned, back.seq)
    (loaded,) = store.load_players("ABCDEF")
    assert loaded.status is PlayerStatus.BANNED and loaded.seq == banned.seq
    assert store.secret_hash("ABCDEF", "p1") == "h"  # the credential survives status changes


# -- answers --------------------------------------------------------------------------------------


def test_record_answer_stores_row_and_record_together(store: Any) -> None:
    game = opened(store)
    row = player("p1", "Bob")
    store.add_player(game.game_id, row, "h")
    outcome = answer_of(game, row, 1, game.opened_at + 2_000)
    assert outcome.accepted
    assert store.record_answer(game.game_id, outcome.player, row.seq, outcome.record)
    assert store.load_answers(game.game_id) == [outcome.record]
    assert store.load_answers(game.game_id, 0) == [outcome.record]
    assert store.load_answers(game.game_id, 1) == []
    (loaded,) = store.load_players(game.game_id)
    assert loaded == outcome.player and loaded.score > 0


def test_only_the_first_answer_counts(store: Any) -> None:
    game = opened(store)
    row = player("p1", "Bob")
    store.add_player(game.game_id, row, "h")
    first = answer_of(game, row, 1, game.opened_at + 1_000)
    second = answer_of(game, row, 0, game.opened_at + 1_500)  # judged on the same old row
    assert store.record_answer(game.game_id, first.player, row.seq, first.record)
    assert not store.record_answer(game.game_id, second.player, row.seq, second.record)
    assert [r.choice for r in store.load_answers(game.game_id)] == [1]
    assert store.load_players(game.game_id)[0] == first.player


def test_record_answer_is_atomic_when_the_row_moved(store: Any) -> None:
    game = opened(store)
    row = player("p1", "Bob")
    store.add_player(game.game_id, row, "h")
    outcome = answer_of(game, row, 1, game.opened_at + 1_000)
    assert store.save_player(game.game_id, kick(row), row.seq)  # the presenter was faster
    assert not store.record_answer(game.game_id, outcome.player, row.seq, outcome.record)
    assert store.load_answers(game.game_id) == []  # no half-written answer
    assert store.load_players(game.game_id)[0].status is PlayerStatus.KICKED


def test_same_record_twice_is_refused_even_with_a_fresh_row(store: Any) -> None:
    game = opened(store)
    row = player("p1", "Bob")
    store.add_player(game.game_id, row, "h")
    outcome = answer_of(game, row, 1, game.opened_at + 1_000)
    assert store.record_answer(game.game_id, outcome.player, row.seq, outcome.record)
    again = replace(outcome.player, seq=outcome.player.seq + 1)
    assert not store.record_answer(game.game_id, again, outcome.player.seq, outcome.record)
    assert store.load_players(game.game_id)[0] == outcome.player


# -- extras and results -------------------------------------------------------------------------


def test_extras_upsert(store: Any) -> None:
    store.create_game(new_game())
    assert store.load_extras("ABCDEF") == {}
    store.save_extra("ABCDEF", "reveal", {"correct": 1})
    store.save_extra("ABCDEF", "reveal", {"correct": 2, "name": "Zoë"})
    store.save_extra("ABCDEF", "leaderboard", {"entries": []})
    assert store.load_extras("ABCDEF") == {
        "reveal": {"correct": 2, "name": "Zoë"},
        "leaderboard": {"entries": []},
    }


def test_results_from_the_store(store: Any) -> None:
    game = opened(store)
    rows = [player("p1", "Amy", 0), player("p2", "Bob", 1), player("p3", "Cy", 2)]
    for row in rows:
        store.add_player(game.game_id, row, "h")
    for row, choice, ms in ((rows[0], 1, 3_000), (rows[1], 1, 1_000), (rows[2], 0, 500)):
        outcome = answer_of(game, row, choice, game.opened_at + ms)
        assert store.record_answer(game.game_id, outcome.player, row.seq, outcome.record)
    results = build_results(
        store.load_game(game.game_id),
        store.load_players(game.game_id),
        store.load_answers(game.game_id),
    )
    assert [p["name"] for p in results["players"]] == ["Bob", "Amy", "Cy"]
    assert results["questions"][0]["counts"] == [1, 2, 0]
    assert results["questions"][0]["correctCount"] == 2
    assert players_csv(results).splitlines()[1].startswith("1,p2,Bob,active,")


def test_answer_records_keep_every_field(store: Any) -> None:
    game = opened(store)
    row = player("p1", "Bob")
    store.add_player(game.game_id, row, "h")
    record = AnswerRecord(
        game_id=game.game_id,
        player_id="p1",
        name="Bob",
        question_index=0,
        choice=2,
        correct=False,
        points=0,
        bonus=0,
        elapsed_ms=1234,
        received_at=game.opened_at + 1234,
        sent_at=None,
    )
    moved = replace(row, answered_index=0, last_choice=2, seq=row.seq + 1)
    assert store.record_answer(game.game_id, moved, row.seq, record)
    assert store.load_answers(game.game_id, 0) == [record]
