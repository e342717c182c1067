"""Message envelope, builders, strict parsers and the stale/duplicate helper."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from typing import TypedDict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizwire.messages import (
    MAX_ANSWER_BYTES,
    AnswerMsg,
    FastestEntry,
    FinishedMsg,
    Freshness,
    LeaderboardEntry,
    LeaderboardMsg,
    LobbyMsg,
    MessageError,
    PlayerView,
    PresenterAnswerMsg,
    PublicQuestion,
    QuestionClosedMsg,
    QuestionMsg,
    Reveal,
    ScoreMsg,
    SeqTracker,
    SnapshotMsg,
    StartedMsg,
    freshness,
    parse_answer,
    parse_message,
)
from quizwire.state import Phase

PQ = PublicQuestion(
    question_id="q2",
    index=1,
    total=10,
    text="Which?",
    choices=("a", "b", "c"),
    points=1000,
    duration_ms=20_000,
    opens_at=1_000,
    deadline=21_000,
)
ENTRY = LeaderboardEntry(player_id="p1", name="Ann", score=1500, rank=1)
REVEAL = Reveal(
    question_id="q2",
    index=1,
    total=10,
    reason="deadline",
    correct=2,
    counts=(1, 0, 5),
    answered=6,
    fastest=(FastestEntry(player_id="p1", name="Ann", ms=900),),
)


class Envelope(TypedDict):
    """The envelope fields every message takes, typed so ``**ENV`` checks against them."""

    game_id: str
    seq: int
    ts: int


ENV: Envelope = {"game_id": "G1", "seq": 7, "ts": 1_767_225_600_123}

ALL = [
    LobbyMsg(**ENV, title="Demo", total=10, players=42),
    StartedMsg(**ENV, title="Demo", total=10, speed_scoring=True, streak_bonus=False),
    QuestionMsg(**ENV, question=PQ),
    QuestionClosedMsg(**ENV, reveal=REVEAL),
    FinishedMsg(**ENV, reason="completed", podium=(ENTRY,)),
    ScoreMsg(
        **ENV,
        player_id="p1",
        question_id="q2",
        index=1,
        accepted=True,
        correct=True,
        choice=2,
        points=1100,
        bonus=100,
        total=2100,
        streak=2,
        rank=1,
    ),
    ScoreMsg(
        **ENV,
        player_id="p1",
        question_id=None,
        index=None,
        accepted=False,
        correct=None,
        choice=None,
        points=0,
        bonus=0,
        total=0,
        streak=0,
        rank=None,
        refusal_code="malformed",
        refusal_message="bad",
    ),
    LeaderboardMsg(**ENV, entries=(ENTRY,), players=12),
    SnapshotMsg(
        **ENV,
        phase=Phase.QUESTION_OPEN,
        title="Demo",
        total=10,
        index=1,
        question=PQ,
        reveal=None,
        you=PlayerView(player_id="p1", name="Ann", total=10, streak=1, rank=3, answered=False),
        leaderboard=(ENTRY,),
    ),
    SnapshotMsg(
        **ENV,
        phase=Phase.LOBBY,
        title="Demo",
        total=10,
        index=-1,
        question=None,
        reveal=REVEAL,
        you=None,
        leaderboard=(),
    ),
]


@pytest.mark.parametrize("msg", ALL, ids=lambda m: type(m).__name__)
def test_round_trip(msg: object) -> None:
    assert isinstance(
        msg,
        LobbyMsg
        | StartedMsg
        | QuestionMsg
        | QuestionClosedMsg
        | FinishedMsg
        | ScoreMsg
        | LeaderboardMsg
        | SnapshotMsg,
    )
    text = msg.to_json()
    data = json.loads(text)
    assert (data["gameId"], data["seq"], data["ts"]) == ("G1", 7, 1_767_225_600_123)
    assert data["type"] == msg.TYPE.value
    assert parse_message(text) == msg
    assert parse_message(text.encode()) == msg
    assert parse_message(data) == msg


def test_wire_keys_are_camel_case() -> None:
    q = QuestionMsg(**ENV, question=PQ).to_dict()
    assert q == {
        "type": "question",
        "gameId": "G1",
        "seq": 7,
        "ts": 1_767_225_600_123,
        "questionId": "q2",
        "index": 1,
        "total": 10,
        "text": "Which?",
        "choices": ["a", "b", "c"],
        "points": 1000,
        "durationMs": 20_000,
        "readyMs": 0,
        "opensAt": 1_000,
        "deadline": 21_000,
    }
    s = ALL[6].to_dict()
    assert s["refusal"] == {"code": "malformed", "message": "bad"}


def test_public_question_has_no_answer_field() -> None:
    names = {f.name for f in dataclasses.fields(PublicQuestion)} | {
        f.name for f in dataclasses.fields(QuestionMsg)
    }
    assert not names & {"answer", "correct", "answer_index", "solution"}


def test_parse_ignores_smuggled_answer_fields_in_question() -> None:
    data = QuestionMsg(**ENV, question=PQ).to_dict() | {"answer": 2, "correct": 2}
    msg = parse_message(data)
    assert isinstance(msg, QuestionMsg)
    assert "answer" not in msg.to_dict() and "correct" not in msg.to_dict()


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda d: d.pop("seq"), "seq must be an integer, got null"),
        (lambda d: d.update(seq=True), "seq must be an integer, got a boolean"),
        (lambda d: d.update(seq=1.0), "seq must be an integer, got a number with a fraction"),
        (lambda d: d.update(seq=-1), "seq must be between 0 and"),
        (lambda d: d.update(ts="now"), "ts must be an integer, got a string"),
        (lambda d: d.update(gameId="a/b"), "gameId may only contain letters, digits and '-'"),
        (lambda d: d.update(type="nope"), "unknown message type 'nope'"),
        (lambda d: d.update(choices=["only"]), "choices must have 2-6 items, got 1"),
        (lambda d: d.update(choices=["a", 5]), "choices[1] must be a string, got an integer"),
        (
            lambda d: d.update(text="x\x1b[2J"),
            "text contains a control or invisible character U+001B",
        ),
        (lambda d: d.update(text="x" * 301), "text is too long (301 characters, max 300)"),
        (lambda d: d.update(index=10), "index 10 is not below total 10"),
        (lambda d: d.update(deadline=0), "deadline is before opensAt"),
    ],
)
def test_question_parse_errors_are_clear(mutate: object, error: str) -> None:
    data = QuestionMsg(**ENV, question=PQ).to_dict()
    mutate(data)  # type: ignore[operator]
    with pytest.raises(MessageError) as info:
        parse_message(data)
    assert error in str(info.value)


def test_score_refusal_consistency() -> None:
    good = ALL[5].to_dict()
    with pytest.raises(MessageError, match="accepted score cannot carry a refusal"):
        parse_message(good | {"refusal": {"code": "too_late", "message": "x"}})
    with pytest.raises(MessageError, match="needs a refusal"):
        parse_message(good | {"accepted": False})
    with pytest.raises(MessageError, match="lower_snake_case"):
        parse_message(ALL[6].to_dict() | {"refusal": {"code": "Too Late", "message": "x"}})


def test_leaderboard_entry_errors_name_the_path() -> None:
    data = ALL[7].to_dict()
    data["entries"][0]["name"] = "x" * 30
    with pytest.raises(MessageError, match=r"entries\[0\]\.name is too long"):
        parse_message(data)
    data["entries"] = [{"playerId": "p", "name": "n", "score": 1, "rank": 0}]
    with pytest.raises(MessageError, match=r"entries\[0\]\.rank must be between 1"):
        parse_message(data)


def test_answer_parsing_is_strict_but_ignores_unknown_fields() -> None:
    msg = parse_answer(
        '{"questionId":"q3","choice":1,"sentAt":1767225600000,"playerId":"someone-else","x":[1]}'
    )
    assert msg == AnswerMsg(question_id="q3", choice=1, sent_at=1_767_225_600_000)
    assert (
        parse_answer(
            {"type": "answer", "gameId": "G1", "questionId": "q1", "choice": 0}, game_id="G1"
        ).game_id
        == "G1"
    )
    assert parse_answer({"questionId": "q1", "choice": 5}).sent_at is None
    assert parse_answer(msg.to_json()) == msg


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ('{"questionId":"q1","choice":true}', "choice must be an integer, got a boolean"),
        (
            '{"questionId":"q1","choice":1.0}',
            "choice must be an integer, got a number with a fraction",
        ),
        ('{"questionId":"q1","choice":"B"}', "choice must be an integer, got a string"),
        ('{"questionId":"q1","choice":6}', "choice must be between 0 and 5, got 6"),
        ('{"questionId":"q1","choice":-1}', "choice must be between 0 and 5, got -1"),
        ('{"questionId":1,"choice":1}', "questionId must be a string, got an integer"),
        ('{"choice":1}', "questionId must be a string, got null"),
        ('{"questionId":"q1"}', "choice must be an integer, got null"),
        ('{"questionId":"q1","choice":1,"sentAt":"yesterday"}', "sentAt must be an integer"),
        ('{"type":"score","questionId":"q1","choice":1}', "expected an 'answer' message"),
        ('{"gameId":"OTHER","questionId":"q1","choice":1}', "answer is for game 'OTHER', not 'G1'"),
        ("[1,2]", "answer must be a JSON object, got a list"),
        ('"q1"', "answer must be a JSON object, got a string"),
        ("{nope", "answer is not valid JSON"),
        ('{"questionId":"q1","choice":NaN}', "NaN is not valid JSON"),
        ('{"questionId":"q1","choice":Infinity}', "Infinity is not valid JSON"),
        (b'{"questionId":"\xff"}', "answer is not valid UTF-8"),
        ("[" * 1000 + "]" * 1000, "answer is not valid JSON"),  # too deep
        (42, "answer must be a JSON object, got an integer"),
        (None, "answer must be a JSON object, got null"),
    ],
)
def test_answer_rejections(raw: object, error: str) -> None:
    with pytest.raises(MessageError) as info:
        parse_answer(raw, game_id="G1")
    assert error in str(info.value)


def test_answer_size_cap() -> None:
    padding = "x" * (MAX_ANSWER_BYTES - 50)
    ok = json.dumps({"questionId": "q1", "choice": 1, "pad": padding[: MAX_ANSWER_BYTES - 100]})
    assert parse_answer(ok).choice == 1
    big = json.dumps({"questionId": "q1", "choice": 1, "pad": padding + "x" * 100})
    for raw in (big, big.encode(), json.loads(big)):
        with pytest.raises(MessageError, match=r"answer is too large \(\d+ bytes, max 2048\)"):
            parse_answer(raw)
    # multi-byte characters count as bytes
    wide = json.dumps({"questionId": "q1", "choice": 1, "pad": "é" * 1100}, ensure_ascii=False)
    assert len(wide) < MAX_ANSWER_BYTES < len(wide.encode())
    with pytest.raises(MessageError, match="too large"):
        parse_answer(wide)


def test_deeply_nested_message_is_a_message_error() -> None:
    deep = '{"type":"lobby","x":' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(MessageError):
        parse_message(deep, max_bytes=1_000_000)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
field_names = st.sampled_from(
    [
        "type",
        "gameId",
        "seq",
        "ts",
        "questionId",
        "choice",
        "sentAt",
        "text",
        "choices",
        "index",
        "total",
        "entries",
        "podium",
        "refusal",
        "accepted",
        "counts",
        "correct",
        "fastest",
        "question",
        "you",
        "reason",
    ]
)
message_like = st.dictionaries(field_names, json_values, max_size=12).map(
    lambda d: d | {"type": d.get("type")} if isinstance(d.get("type"), str) else d
)
typed_like = st.tuples(
    st.sampled_from(
        [
            "lobby",
            "started",
            "question",
            "question_closed",
            "finished",
            "score",
            "leaderboard",
            "snapshot",
        ]
    ),
    st.dictionaries(field_names, json_values, max_size=12),
).map(lambda t: t[1] | {"type": t[0]})


@given(
    st.one_of(json_values, message_like, typed_like, st.text(max_size=200), st.binary(max_size=200))
)
def test_parsers_raise_only_message_error(raw: object) -> None:
    for parse in (parse_message, parse_answer):
        try:
            parse(raw)
        except MessageError as err:
            assert str(err)
        # anything else propagates and fails the test


@given(st.sampled_from(ALL), st.data())
def test_mutated_valid_messages_raise_only_message_error(msg: object, data: st.DataObject) -> None:
    d = msg.to_dict()  # type: ignore[attr-defined]
    key = data.draw(st.sampled_from(sorted(d)))
    d[key] = data.draw(json_values)
    with contextlib.suppress(MessageError):  # any other exception fails the test
        parse_message(d)


def test_freshness() -> None:
    assert freshness(1, None) is Freshness.NEW
    assert freshness(5, 4) is Freshness.NEW
    assert freshness(4, 4) is Freshness.DUPLICATE
    assert freshness(3, 4) is Freshness.STALE


def test_seq_tracker_per_game_and_channel() -> None:
    t = SeqTracker()
    assert t.accept("G1", "/game/G1", 3)
    assert not t.accept("G1", "/game/G1", 3)  # duplicate
    assert not t.accept("G1", "/game/G1", 2)  # stale
    assert t.check("G1", "/game/G1", 2) is Freshness.STALE
    assert t.accept("G1", "/scores/G1/p1", 1)  # its own counter
    assert t.accept("G2", "/game/G2", 1)
    t.seed("G1", "/question/G1", 10)
    assert not t.accept("G1", "/question/G1", 9)
    assert t.accept("G1", "/question/G1", 11)
    t.seed("G1", "/question/G1", 5)  # never moves backwards
    assert t.last("G1", "/question/G1") == 11


def test_presenter_answer_event_round_trips_and_refuses_what_does_not_fit() -> None:
    event = PresenterAnswerMsg(
        game_id="G1", player_id="p-1", name="[b]x\x1b[31m", question_id="q1", index=0,
        choice=None, value="Can\x07berra", elapsed_ms=900, received_at=1000, sent_at=None,
    )  # fmt: skip
    # untrusted text survives literally (the console cleans it when it draws)
    assert PresenterAnswerMsg.from_dict(event.to_dict()) == event
    assert PresenterAnswerMsg.from_dict(json.dumps(event.to_dict())) == event
    for broken in (
        {**event.to_dict(), "type": "score"},
        {**event.to_dict(), "choice": 9},
        {**event.to_dict(), "choice": True},
        {**event.to_dict(), "name": "x" * 201},
        {**event.to_dict(), "playerId": None},
        {k: v for k, v in event.to_dict().items() if k != "receivedAt"},
        "[1, 2]",
        None,
    ):
        with pytest.raises(MessageError):
            PresenterAnswerMsg.from_dict(broken)
