"""The game state machine."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizwire import game as G
from quizwire.leaderboard import Standing
from quizwire.messages import (
    FinishedMsg,
    LeaderboardMsg,
    LobbyMsg,
    QuestionClosedMsg,
    QuestionMsg,
    StartedMsg,
    parse_message,
)
from quizwire.quiz import Question, Quiz
from quizwire.state import CloseReason, GameOptions, GameState, Phase
from quizwire.tally import Tally

QUIZ = Quiz(
    title="Demo",
    questions=(
        Question("First?", ("a", "b", "c"), 2, time_limit=20, points=1000),
        Question("Second?", ("x", "y"), 0, time_limit=10, points=2000),
    ),
    ready_seconds=0,  # no get-ready phase: these tests answer as soon as a question opens
)
PODIUM = [Standing(i + 1, f"p{i}", f"P{i}", 1000 - i, 0, 1) for i in range(5)]


def lobby(options: GameOptions | None = None) -> GameState:
    return G.new_game("G1", QUIZ, options, now_ms=0)


def started(now: int = 1_000) -> GameState:
    return G.start_game(lobby(), now).game


def closed(game: GameState, now: int) -> GameState:
    tally = Tally.empty(game.question_index, len(game.question.choices))  # type: ignore[union-attr]
    return G.close_question(game, now, reason=CloseReason.PRESENTER, tally=tally).game


def test_new_game_is_in_the_lobby() -> None:
    g = lobby()
    assert (g.phase, g.question_index, g.seq, g.question) == (Phase.LOBBY, -1, 0, None)
    with pytest.raises(ValueError, match="channel segment"):
        G.new_game("bad id", QUIZ, now_ms=0)


def test_start_announces_started_then_the_first_question() -> None:
    step = G.start_game(lobby(GameOptions(speed_scoring=False)), 1_000)
    g = step.game
    assert g.phase is Phase.QUESTION_OPEN
    assert (g.question_index, g.opened_at, g.deadline, g.started_at) == (0, 1_000, 21_000, 1_000)
    assert [a.channel for a in step.announcements] == ["/game/G1", "/question/G1"]
    started_msg, question_msg = (a.message for a in step.announcements)
    assert isinstance(started_msg, StartedMsg) and isinstance(question_msg, QuestionMsg)
    assert (started_msg.seq, question_msg.seq, g.seq) == (1, 2, 2)
    assert started_msg.speed_scoring is False and started_msg.total == 2
    q = question_msg.question
    assert (q.question_id, q.index, q.total, q.text, q.choices) == (
        "q1",
        0,
        2,
        "First?",
        ("a", "b", "c"),
    )
    assert (q.opens_at, q.deadline, q.duration_ms, q.points) == (1_000, 21_000, 20_000, 1000)


def test_question_message_never_carries_the_answer() -> None:
    step = G.start_game(lobby(), 0)
    data = step.announcements[1].message.to_dict()
    assert set(data) == {
        "type",
        "gameId",
        "seq",
        "ts",
        "questionId",
        "index",
        "total",
        "text",
        "choices",
        "points",
        "durationMs",
        "readyMs",
        "opensAt",
        "deadline",
    }
    assert "answer" not in data and "correct" not in data


@given(st.integers(0, 5), st.integers(2, 6))
def test_question_message_is_identical_whatever_the_answer(answer: int, n: int) -> None:
    answer = answer % n
    choices = tuple(f"c{i}" for i in range(n))
    one = Quiz(title="T", questions=(Question("Q", choices, answer),))
    other = Quiz(title="T", questions=(Question("Q", choices, (answer + 1) % n),))
    a = G.start_game(G.new_game("G", one, now_ms=0), 5).announcements[1].message.to_json()
    b = G.start_game(G.new_game("G", other, now_ms=0), 5).announcements[1].message.to_json()
    assert a == b  # nothing in the message depends on which choice is right


def test_options_override_time_and_points_in_the_question() -> None:
    step = G.start_game(lobby(GameOptions(points=2000, time_limit=60)), 0)
    q = step.announcements[1].message
    assert isinstance(q, QuestionMsg)
    assert (q.question.points, q.question.duration_ms, step.game.deadline) == (2000, 60_000, 60_000)


def test_start_twice_is_illegal() -> None:
    g = started()
    with pytest.raises(G.IllegalTransition) as info:
        G.start_game(g, 2_000)
    assert info.value.code == "already_started"


def test_next_in_lobby_is_illegal() -> None:
    with pytest.raises(G.IllegalTransition) as info:
        G.next_question(lobby(), 0)
    assert info.value.code == "not_started"
    assert "start" in str(info.value)


def test_next_while_open_is_refused_with_a_clear_message() -> None:
    g = started()
    with pytest.raises(G.IllegalTransition) as info:
        G.next_question(g, 5_000)
    assert info.value.code == "question_open"
    assert str(info.value) == (
        "question 1 of 2 is still open: close it first (reveal now) or wait for its deadline"
    )
    # even after the deadline: the reveal must happen first
    with pytest.raises(G.IllegalTransition):
        G.next_question(g, 99_000)


def test_close_announces_the_reveal() -> None:
    g = started()
    tally = Tally(0, (3, 1, 4))
    step = G.close_question(g, 9_000, reason=CloseReason.PRESENTER, tally=tally)
    assert step.game.phase is Phase.QUESTION_CLOSED
    assert (step.game.closed_at, step.game.close_reason) == (9_000, "presenter")
    [ann] = step.announcements
    assert ann.channel == "/game/G1"
    msg = ann.message
    assert isinstance(msg, QuestionClosedMsg)
    assert msg.seq == g.seq + 1 == step.game.seq
    r = msg.reveal
    assert (r.question_id, r.correct, r.counts, r.answered, r.reason) == (
        "q1",
        2,
        (3, 1, 4),
        8,
        "presenter",
    )


def test_close_rejects_a_tally_for_another_question() -> None:
    g = started()
    with pytest.raises(ValueError, match="tally is for question index 1"):
        G.close_question(g, 9_000, reason=CloseReason.PRESENTER, tally=Tally(1, (0, 0, 0)))
    with pytest.raises(ValueError, match="with 2 choices"):
        G.close_question(g, 9_000, reason=CloseReason.PRESENTER, tally=Tally(0, (0, 0)))


def test_deadline_close_only_after_the_deadline() -> None:
    g = started(1_000)
    tally = Tally.empty(0, 3)
    with pytest.raises(G.IllegalTransition) as info:
        G.close_question(g, 20_999, reason=CloseReason.DEADLINE, tally=tally)
    assert info.value.code == "before_deadline"
    assert (
        G.close_question(g, 21_000, reason=CloseReason.DEADLINE, tally=tally).game.close_reason
        == "deadline"
    )


def test_close_when_nothing_is_open() -> None:
    with pytest.raises(G.IllegalTransition) as info:
        G.close_question(lobby(), 0, reason=CloseReason.PRESENTER, tally=Tally.empty(0, 3))
    assert info.value.code == "no_open_question"
    g = closed(started(), 5_000)
    with pytest.raises(G.IllegalTransition) as info:
        G.close_question(g, 6_000, reason=CloseReason.PRESENTER, tally=Tally.empty(0, 3))
    assert info.value.code == "no_open_question"


def test_next_opens_the_following_question() -> None:
    g = closed(started(1_000), 5_000)
    step = G.next_question(g, 6_000)
    assert step.game.phase is Phase.QUESTION_OPEN
    assert (step.game.question_index, step.game.opened_at, step.game.deadline) == (1, 6_000, 16_000)
    [ann] = step.announcements
    assert isinstance(ann.message, QuestionMsg)
    assert ann.message.question.question_id == "q2"
    assert ann.message.question.points == 2000


def test_next_after_the_last_question_finishes_with_the_podium() -> None:
    g = closed(G.next_question(closed(started(), 5_000), 6_000).game, 9_000)
    assert g.is_last_question
    with pytest.raises(ValueError, match="pass the podium"):
        G.next_question(g, 10_000)
    step = G.next_question(g, 10_000, podium=PODIUM)
    assert step.game.phase is Phase.FINISHED
    assert (step.game.finished_at, step.game.finish_reason) == (10_000, "completed")
    [ann] = step.announcements
    assert isinstance(ann.message, FinishedMsg)
    assert [e.player_id for e in ann.message.podium] == ["p0", "p1", "p2"]


def test_end_while_open_reveals_then_finishes() -> None:
    g = started()
    step = G.end_game(g, 4_000, podium=PODIUM, tally=Tally(0, (1, 0, 2)))
    kinds = [type(a.message) for a in step.announcements]
    assert kinds == [QuestionClosedMsg, FinishedMsg]
    assert [a.message.seq for a in step.announcements] == [g.seq + 1, g.seq + 2]
    assert step.game.phase is Phase.FINISHED and step.game.finish_reason == "ended"
    assert step.game.close_reason == "ended"
    with pytest.raises(ValueError, match="pass its tally"):
        G.end_game(g, 4_000, podium=PODIUM)


def test_end_from_lobby_or_closed() -> None:
    step = G.end_game(lobby(), 1, podium=[])
    assert [type(a.message) for a in step.announcements] == [FinishedMsg]
    step = G.end_game(closed(started(), 2_000), 3_000, podium=PODIUM[:1])
    assert step.game.phase is Phase.FINISHED


def test_nothing_after_finished() -> None:
    g = G.end_game(lobby(), 1, podium=[]).game
    calls: tuple[Callable[[], object], ...] = (
        lambda: G.start_game(g, 2),
        lambda: G.next_question(g, 2, podium=[]),
        lambda: G.end_game(g, 2, podium=[]),
        lambda: G.close_question(g, 2, reason=CloseReason.PRESENTER, tally=Tally.empty(0, 3)),
    )
    for call in calls:
        with pytest.raises(G.IllegalTransition) as info:
            call()
        assert info.value.code == "game_over"


def test_illegal_transition_leaves_the_state_untouched() -> None:
    g = started()
    before = g
    with pytest.raises(G.IllegalTransition):
        G.next_question(g, 5_000)
    assert g == before


def test_due_close() -> None:
    g = started(1_000)
    assert G.due_close(g, 5_000, answered=3, connected=5) is None
    assert G.due_close(g, 5_000, answered=5, connected=5) is CloseReason.ALL_ANSWERED
    assert G.due_close(g, 5_000, answered=6, connected=5) is CloseReason.ALL_ANSWERED
    assert G.due_close(g, 5_000, answered=0, connected=0) is None
    assert G.due_close(g, 21_000, answered=0, connected=5) is CloseReason.DEADLINE
    assert G.due_close(lobby(), 99_000, answered=9, connected=1) is None
    assert G.due_close(closed(g, 2_000), 99_000, answered=9, connected=1) is None


def test_lobby_update() -> None:
    step = G.lobby_update(lobby(), 50, players=12)
    [ann] = step.announcements
    assert ann.channel == "/game/G1"
    assert isinstance(ann.message, LobbyMsg)
    assert (ann.message.players, ann.message.seq, ann.message.title) == (12, 1, "Demo")
    with pytest.raises(G.IllegalTransition) as info:
        G.lobby_update(started(), 50, players=1)
    assert info.value.code == "not_in_lobby"


def test_leaderboard_update_sends_top_ten() -> None:
    standings = [Standing(i + 1, f"p{i}", f"P{i}", 100 - i, 0, 0) for i in range(15)]
    step = G.leaderboard_update(started(), 7_000, standings=standings, players=15)
    [ann] = step.announcements
    assert ann.channel == "/leaderboard/G1"
    assert isinstance(ann.message, LeaderboardMsg)
    assert len(ann.message.entries) == 10 and ann.message.players == 15
    assert ann.message.entries[0].player_id == "p0"


def test_seq_strictly_increases_over_a_whole_game() -> None:
    seqs: list[int] = []
    g = lobby()
    for step in [G.lobby_update(g, 1, players=1)]:
        g = step.game
        seqs += [a.message.seq for a in step.announcements]
    step = G.start_game(g, 2)
    g = step.game
    seqs += [a.message.seq for a in step.announcements]
    while True:
        step = G.close_question(
            g,
            g.opened_at + 1,
            reason=CloseReason.PRESENTER,
            tally=Tally.empty(g.question_index, len(g.question.choices)),  # type: ignore[union-attr]
        )
        g = step.game
        seqs += [a.message.seq for a in step.announcements]
        step = G.leaderboard_update(g, 3, standings=PODIUM, players=5)
        g = step.game
        seqs += [a.message.seq for a in step.announcements]
        step = G.next_question(g, 4, podium=PODIUM)
        g = step.game
        seqs += [a.message.seq for a in step.announcements]
        if g.phase is Phase.FINISHED:
            break
    assert seqs == list(range(1, len(seqs) + 1))
    assert g.seq == seqs[-1]


def test_every_announcement_parses_back() -> None:
    g = lobby()
    steps = [G.lobby_update(g, 1, players=2)]
    steps.append(G.start_game(steps[-1].game, 2))
    steps.append(
        G.close_question(steps[-1].game, 3, reason=CloseReason.PRESENTER, tally=Tally(0, (1, 1, 0)))
    )
    steps.append(G.leaderboard_update(steps[-1].game, 4, standings=PODIUM, players=5))
    steps.append(G.end_game(steps[-1].game, 5, podium=PODIUM))
    for step in steps:
        for ann in step.announcements:
            assert parse_message(ann.message.to_json()) == ann.message
