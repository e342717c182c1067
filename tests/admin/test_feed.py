"""The answer aggregator and the console model, in plain Python (no Textual, no network)."""

from __future__ import annotations

from typing import Any

from admin.feed import AnswerFeed, LatencyRing, RateMeter, answers_from_view
from admin.model import ConsoleModel
from admin.stub_metrics import fit_lines, parse_metrics, summary, summary_parts
from quizwire.messages import PresenterAnswerMsg
from quizwire.state import Phase

from .fakes import CODE, REVEAL, T0, answer_event, view


def ans(pid: str, choice: int, qid: str = "q1", received: int = 1000) -> dict[str, Any]:
    return PresenterAnswerMsg(
        game_id="G1",
        player_id=pid,
        name=pid,
        question_id=qid,
        index=0,
        choice=choice,
        value=None,
        elapsed_ms=100,
        received_at=received,
    ).to_dict()


def phase_of(model: ConsoleModel) -> Phase:
    """The model's phase, read afresh (an earlier assert would narrow the attribute for mypy)."""
    return model.phase


def test_counts_are_exact_and_a_player_counts_once() -> None:
    feed = AnswerFeed(window=10)
    feed.reset("q1", 4)
    for i in range(100):
        assert feed.add(ans(f"p{i}", i % 4), 1000, 1.0)
    assert not feed.add(ans("p0", 3), 1000, 1.0)  # a redelivered or second answer
    assert feed.counts == [25, 25, 25, 25]
    assert feed.answered == 100
    assert feed.received == 101 and feed.rejected == 1


def test_strays_and_malformed_events_never_count() -> None:
    feed = AnswerFeed()
    feed.reset("q2", 3)
    bad: list[object] = [
        ans("a", 0, qid="q1"),  # a late answer to the previous question
        ans("b", 3, qid="q2"),  # no such choice
        ans("c", -1, qid="q2"),
        {"playerId": "d", "questionId": "q2", "choice": True},  # bool is not a choice
        {"playerId": 7, "questionId": "q2", "choice": 0},
        "not an object",
        None,
    ]
    for payload in bad:
        assert not feed.add(payload, 0, 0.0)
    assert feed.counts == [0, 0, 0] and feed.answered == 0 and feed.rejected == len(bad)


def test_stream_window_and_memory_are_bounded() -> None:
    feed = AnswerFeed(window=50)
    feed.reset("q1", 2)
    for i in range(100_000):
        feed.add(ans(f"p{i}", i % 2), 1000, i / 5000)
    assert len(feed.recent) == 50
    assert feed.recent[-1].player_id == "p99999"
    assert len(feed.rate._buckets) <= feed.rate.seconds
    assert len(feed.latency._samples) <= 1024
    assert feed.counts == [50_000, 50_000]
    snap = feed.snapshot(recent=5)
    assert [i.player_id for i in snap.recent] == [f"p{99995 + k}" for k in range(5)]


def test_new_question_resets_but_the_same_one_does_not() -> None:
    feed = AnswerFeed()
    feed.reset("q1", 4)
    feed.add(ans("a", 1), 0, 0.0)
    feed.reset("q1", 4)
    assert feed.answered == 1
    feed.reset("q2", 2)
    assert feed.counts == [0, 0] and feed.answered == 0 and not feed.recent


def test_reconcile_adds_missed_answers_exactly_once() -> None:
    feed = AnswerFeed()
    feed.reset("q1", 4)
    feed.add(ans("a", 1), 0, 0.0)
    added = feed.reconcile("q1", [("a", 1), ("b", 2), ("c", 2)])
    assert added == 2
    # the stream delivers it late: shown in the stream (a poll counted it, the stream must
    # still name the player), but counted once; a replay is shown no more
    assert feed.add(ans("b", 2), 0, 0.0)
    assert feed.counts == [0, 1, 2, 0]
    assert not feed.add(ans("b", 2), 0, 0.0)
    assert [item.player_id for item in feed.recent] == ["a", "b"]
    assert feed.reconcile("q0", [("z", 0)]) == 0  # a view of another question changes nothing


def test_rate_meter_and_latency_ring() -> None:
    rate = RateMeter(seconds=5)
    for t in (10.1, 10.5, 11.2, 13.9):
        rate.add(t)
    assert rate.series(14.0, 5) == (0, 2, 1, 0, 1)
    assert rate.last_rate(14.2) == 1
    ring = LatencyRing(size=100)
    for ms in range(1, 201):
        ring.add(ms)
    assert ring.percentile(50) == 150 and ring.percentile(99) == 199
    assert LatencyRing().percentile(50) is None


def test_answers_from_view_ignores_junk() -> None:
    v = {
        "players": [
            {"playerId": "a", "lastAnswer": 2},
            {"playerId": "b", "lastAnswer": None},
            "x",
            {"lastAnswer": 1},
        ]
    }
    assert answers_from_view(v) == [("a", 2)]
    assert answers_from_view({"players": "nope"}) == []


def test_model_follows_messages_and_drops_stale_ones() -> None:
    model = ConsoleModel(CODE)
    model.apply_view(view("lobby", seq=10), T0)
    q = {
        "type": "question",
        "gameId": CODE,
        "seq": 12,
        "ts": T0 - 40,
        **view("question_open")["question"],
    }
    model.apply_message("question", q, T0)
    assert model.phase == Phase.QUESTION_OPEN and model.question is not None
    assert model.question_latency.percentile(50) == 40
    ann, bob = answer_event("p-ann", 0, 900), answer_event("p-bob", 2, 1200)
    model.apply_answers([(ann, ann["receivedAt"] + 7), (bob, bob["receivedAt"] + 9)], T0 / 1000)
    assert model.counts() == (1, 0, 1, 0) and model.players["p-ann"].last_answer == 0
    assert model.feed.latency.percentile(50) == 7 and model.feed.latency.percentile(99) == 9
    closed = {"type": "question_closed", "gameId": CODE, "seq": 13, "ts": T0, **REVEAL}
    model.apply_message("game", closed, T0)
    assert phase_of(model) == Phase.QUESTION_CLOSED and model.counts() == tuple(REVEAL["counts"])
    model.apply_message("question", q, T0)  # replayed: stale on its channel
    assert phase_of(model) == Phase.QUESTION_CLOSED
    model.apply_view(view("question_open", seq=12), T0)  # an older poll answer
    assert phase_of(model) == Phase.QUESTION_CLOSED
    model.apply_message(
        "game", {"type": "question_closed", "gameId": "OTHER1", "seq": 99, "ts": 0, **REVEAL}, T0
    )
    model.apply_message("game", "{not json", T0)
    assert model.bad_messages == 1 and model.seq == 13


def test_model_join_feed_from_successive_views() -> None:
    model = ConsoleModel(CODE)
    model.apply_view(view("lobby", players=2), T0)
    assert not model.joins  # the first view is the starting point, not news
    model.apply_view(view("lobby", players=4), T0 + 1000)
    assert [e.kind for e in model.joins] == ["joined", "joined"]
    later = view("lobby", players=4)
    later["players"][0]["status"] = "kicked"
    model.apply_view(later, T0 + 2000)
    assert model.joins[-1].kind == "kicked" and model.active_players() == 3


def test_metrics_parse() -> None:
    text = (
        "# TYPE quizwire_connections_active gauge\nquizwire_connections_active 12.0\n"
        "# TYPE quizwire_entry_throttled counter\nquizwire_entry_throttled_total 3.0\n"
        "quizwire_entry_throttled_created 1.7e9\n"
    )
    before = parse_metrics(text, at_s=10.0)
    assert before.get("conns") == 12 and before.get("429/s") == 3
    assert before.get("deliveries/s") is None
    after = parse_metrics(text.replace("_total 3.0", "_total 13.0"), at_s=12.0)
    assert after.rate("429/s", before) == 5.0  # 10 more in 2 s
    assert after.rate("429/s", None) is None
    restarted = parse_metrics(text.replace("_total 3.0", "_total 1.0"), at_s=14.0)
    assert restarted.rate("429/s", after) is None  # a counter that went down: a restart
    assert "429/s 5.0" in summary(after, before) and "conns 12" in summary(after, before)


def test_summary_says_measuring_before_a_rate_and_fits_the_width() -> None:
    first = parse_metrics(
        "# TYPE quizwire_events_delivered counter\nquizwire_events_delivered_total 10.0\n",
        at_s=1.0,
    )
    assert "rates measuring…" in summary_parts(first, None)
    assert "…" not in summary(first, None).replace("rates measuring…", "")
    later = parse_metrics(
        "# TYPE quizwire_events_delivered counter\nquizwire_events_delivered_total 250010.0\n",
        at_s=2.0,
    )
    parts = summary_parts(later, first)
    assert "deliveries/s 250,000" in parts and "answers/s —" in parts  # absent: no rate
    lines = fit_lines(parts, 40).splitlines()
    assert len(lines) > 1 and all(len(line) <= 40 for line in lines)
    assert " · ".join(lines) == " · ".join(parts)  # broken between parts, nothing lost
