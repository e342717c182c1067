"""Channel names, ids and state records."""

from __future__ import annotations

import decimal
import json

import pytest

from quizwire import channels
from quizwire.packs import load_pack
from quizwire.state import (
    AnswerRecord,
    GameOptions,
    GameState,
    OptionsError,
    Phase,
    PlayerState,
    PlayerStatus,
    StateError,
    question_id,
    question_index_from_id,
)


def test_channel_names() -> None:
    assert channels.game_channel("ABC123") == "/game/ABC123"
    assert channels.question_channel("ABC123") == "/question/ABC123"
    assert channels.answer_channel("ABC123") == "/answer/ABC123"
    assert channels.leaderboard_channel("ABC123") == "/leaderboard/ABC123"
    assert channels.scores_channel("ABC123", "p-1") == "/scores/ABC123/p-1"


@pytest.mark.parametrize("bad", ["", "a/b", "-x", "x-", "a" * 51, "sp ace", "ü"])
def test_bad_ids_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="not a valid channel segment"):
        channels.game_channel(bad)


def test_uuid_fits_one_segment() -> None:
    uid = "0f8fad5b-d9cb-469f-a165-70867728950e"
    assert channels.scores_channel("G1", uid).endswith(uid)


def test_parse_channel() -> None:
    assert channels.parse_channel("/scores/G1/p1") == (channels.Namespace.SCORES, "G1", "p1")
    assert channels.parse_channel("game/G1/") == (channels.Namespace.GAME, "G1", None)
    for bad in ["/scores/G1", "/game/G1/x", "/default/G1", "/game/-x", ""]:
        with pytest.raises(ValueError, match="not a game channel"):
            channels.parse_channel(bad)


def test_new_game_id() -> None:
    gid = channels.new_game_id(7)
    assert gid == channels.new_game_id(7)
    assert len(gid) == 6 and set(gid) <= set(channels.GAME_ID_ALPHABET)
    assert channels.is_valid_segment(gid)
    assert not set("01OIL") & set(channels.GAME_ID_ALPHABET)


def test_question_ids() -> None:
    assert question_id(0) == "q1"
    assert question_index_from_id("q1") == 0
    assert question_index_from_id("q200") == 199
    for bad in ["q0", "q01", "1", "q", "Q1", "q1.5", "q-1", "q\u0661", "q99999"]:
        assert question_index_from_id(bad) is None


def test_options_validation() -> None:
    assert GameOptions(points=2000, time_limit=5).points == 2000
    with pytest.raises(OptionsError, match="points must be 0, 1000 or 2000"):
        GameOptions(points=500)
    with pytest.raises(OptionsError, match="timeLimit must be 5-120 seconds"):
        GameOptions(time_limit=121)


def test_options_from_dict() -> None:
    opts = GameOptions.from_dict({"speedScoring": False, "points": 0, "timeLimit": None})
    assert (opts.speed_scoring, opts.streak_bonus, opts.points, opts.time_limit) == (
        False,
        True,
        0,
        None,
    )
    assert GameOptions.from_dict(opts.to_dict()) == opts
    with pytest.raises(OptionsError) as info:
        GameOptions.from_dict({"speedScoring": "no", "points": "1000", "colour": 1})
    msg = str(info.value)
    assert "unknown option 'colour'" in msg
    assert "speedScoring must be true or false" in msg
    assert "points must be a whole number or null" in msg
    with pytest.raises(OptionsError, match="must be an object"):
        GameOptions.from_dict([])


def test_game_state_round_trip_json() -> None:
    quiz = load_pack("science")
    game = GameState(
        game_id="G1",
        quiz=quiz,
        options=GameOptions(streak_bonus=False),
        phase=Phase.QUESTION_OPEN,
        question_index=2,
        opened_at=10,
        deadline=20_010,
        seq=5,
        created_at=1,
    )
    data = json.loads(json.dumps(game.to_dict()))
    assert GameState.from_dict(data) == game
    slim = game.to_dict(include_quiz=False)
    assert "quiz" not in slim
    assert GameState.from_dict(slim, quiz=quiz) == game


def test_state_accepts_dynamodb_decimals() -> None:
    player = PlayerState(player_id="p1", name="Ann", join_order=3, score=1500, last_correct=True)
    data = {
        k: decimal.Decimal(v) if isinstance(v, int) and not isinstance(v, bool) else v
        for k, v in player.to_dict().items()
    }
    assert PlayerState.from_dict(data) == player
    game = GameState(game_id="G1", quiz=load_pack("general"), question_index=0, seq=2)
    gdata = json.loads(json.dumps(game.to_dict()), parse_int=decimal.Decimal)
    assert GameState.from_dict(gdata) == game


def test_sqlite_style_booleans() -> None:
    record = AnswerRecord(
        game_id="G",
        player_id="p",
        name="n",
        question_index=0,
        choice=1,
        correct=True,
        points=900,
        bonus=0,
        elapsed_ms=5,
        received_at=6,
    )
    data = record.to_dict() | {"correct": 1}
    assert AnswerRecord.from_dict(data) == record


def test_bad_records_raise_state_error() -> None:
    with pytest.raises(StateError, match="bad player record"):
        PlayerState.from_dict({"player_id": "p"})
    with pytest.raises(StateError, match="bad player record"):
        PlayerState.from_dict({"player_id": "p", "name": "n", "join_order": 1.5})
    with pytest.raises(StateError, match="bad game record"):
        GameState.from_dict(
            {"game_id": "G", "phase": "nope", "question_index": 0}, quiz=load_pack("general")
        )
    with pytest.raises(StateError, match="bad answer record"):
        AnswerRecord.from_dict({"game_id": "G", "correct": "yes"})


def test_player_status_helpers() -> None:
    assert PlayerState(player_id="p", name="n", join_order=0).active
    assert not PlayerState(player_id="p", name="n", join_order=0, status=PlayerStatus.KICKED).active


def test_game_overrides() -> None:
    quiz = load_pack("general")
    plain = GameState(game_id="G", quiz=quiz)
    assert plain.points_for(0) == 0  # the warm-up question is worth 0
    assert plain.time_limit_ms(0) == 20_000
    over = GameState(game_id="G", quiz=quiz, options=GameOptions(points=2000, time_limit=45))
    assert over.points_for(0) == 2000
    assert over.time_limit_ms(3) == 45_000
