"""Rank arrows and point gains between questions: the pure rules, and the leaderboard's
``lastPoints`` (only once a question is revealed, never while one is open)."""

from __future__ import annotations

from quizwire import game as G
from quizwire.leaderboard import rank_players
from quizwire.messages import LeaderboardEntry, LeaderboardMsg, parse_message
from quizwire.movement import gain_text, move_of, moves
from quizwire.quiz import Question, Quiz
from quizwire.state import CloseReason, PlayerState
from quizwire.tally import Tally

QUIZ = Quiz(
    title="Moves",
    questions=(Question("One?", ("a", "b"), 0), Question("Two?", ("a", "b"), 0)),
    ready_seconds=0,
)


def entry(pid: str, rank: int, score: int = 0) -> LeaderboardEntry:
    return LeaderboardEntry(player_id=pid, name=pid.upper(), score=score, rank=rank)


def test_arrows_up_down_same_and_new() -> None:
    before = [entry("a", 1, 300), entry("b", 2, 200), entry("c", 3, 100)]
    after = [entry("c", 1), entry("a", 2), entry("b", 3), entry("d", 4)]
    got = {pid: m.arrow for pid, m in moves(before, after).items()}
    assert got == {"c": "▲2", "a": "▼1", "b": "▼1", "d": "▲"}
    assert moves(before, [entry("a", 1)])["a"].arrow == "="
    assert moves(before, after)["c"].direction == "up"
    assert moves(before, after)["a"].direction == "down"


def test_no_arrows_without_an_earlier_board() -> None:
    assert {m.arrow for m in moves([], [entry("a", 1), entry("b", 2)]).values()} == {""}
    # before the first question everyone is tied first with no points: no order to move from
    tied = [entry("a", 1), entry("b", 1)]
    after = [entry("b", 1, 900), entry("a", 2, 0)]
    assert {m.arrow for m in moves(tied, after).values()} == {""}
    assert move_of(None, 3, known=False).arrow == ""
    assert move_of(4, 1).arrow == "▲3" and move_of(1, 1).arrow == "="


def test_gain_text() -> None:
    assert (gain_text(850), gain_text(0), gain_text(1200), gain_text(None)) == (
        "+850",
        "+0",
        "+1,200",
        "",
    )


def players(index: int) -> list[PlayerState]:
    return [
        PlayerState(
            player_id="p1", name="Ann", join_order=1, score=1850, answered_index=index,
            last_points=850,
        ),
        PlayerState(player_id="p2", name="Bob", join_order=2, score=1000, answered_index=index - 1,
                    last_points=1000),
    ]  # fmt: skip


def test_the_leaderboard_carries_last_points_after_the_reveal_only() -> None:
    game = G.start_game(G.new_game("G1", QUIZ, now_ms=0), 1_000).game
    standings = rank_players(players(0))
    open_board = G.leaderboard_update(game, 2_000, standings=standings, players=2)
    msg = open_board.announcements[0].message
    assert isinstance(msg, LeaderboardMsg)
    assert [e.last_points for e in msg.entries] == [None, None]  # nothing moves while open
    assert "lastPoints" not in msg.to_json()

    closed = G.close_question(
        game, 3_000, reason=CloseReason.PRESENTER, tally=Tally.empty(0, 2)
    ).game
    after = G.leaderboard_update(closed, 4_000, standings=standings, players=2)
    msg = after.announcements[0].message
    assert isinstance(msg, LeaderboardMsg)
    # Ann answered the revealed question (+850); Bob's 1000 came from an earlier one (+0)
    assert [(e.name, e.last_points) for e in msg.entries] == [("Ann", 850), ("Bob", 0)]
    back = parse_message(msg.to_json())
    assert isinstance(back, LeaderboardMsg) and back.entries == msg.entries


def test_the_podium_carries_the_last_question_points() -> None:
    game = G.start_game(G.new_game("G1", QUIZ, now_ms=0), 1_000).game
    game = G.close_question(game, 2_000, reason=CloseReason.PRESENTER, tally=Tally.empty(0, 2)).game
    game = G.next_question(game, 3_000).game
    game = G.close_question(game, 4_000, reason=CloseReason.PRESENTER, tally=Tally.empty(1, 2)).game
    step = G.next_question(game, 5_000, podium=rank_players(players(1)))
    finished = step.announcements[0].message.to_dict()
    assert [e["lastPoints"] for e in finished["podium"]] == [850, 0]


def test_the_player_model_remembers_the_rank_at_the_opening() -> None:
    from quizwire.messages import PublicQuestion, QuestionClosedMsg, QuestionMsg, Reveal, ScoreMsg
    from quizwire.play_model import PlayerModel

    def question(index: int) -> QuestionMsg:
        q = PublicQuestion(question_id=f"q{index + 1}", index=index, total=3, text="?",
                           choices=("a", "b"), points=1000, duration_ms=10, opens_at=0, deadline=10)  # fmt: skip
        return QuestionMsg(game_id="G1", seq=10 + 3 * index, ts=0, question=q)

    model = PlayerModel("G1", "p1", "Ann", rank=1)
    model.apply("question", question(0), 0)
    assert model.rank_before is None  # the first question: everyone was tied
    model.rank = 4
    model.apply("question", question(1), 0)
    assert model.rank_before == 4
    model.apply("scores", ScoreMsg(game_id="G1", seq=1, ts=0, player_id="p1", question_id="q2",
                index=1, accepted=True, correct=True, choice=0, points=900, bonus=0, total=900,
                streak=1, rank=2), 0)  # fmt: skip
    reveal = Reveal(question_id="q2", index=1, total=3, reason="deadline", correct=0,
                    counts=(1, 0), answered=1)  # fmt: skip
    model.apply("game", QuestionClosedMsg(game_id="G1", seq=14, ts=0, reveal=reveal), 0)
    move = model.move()
    assert move is not None and move.arrow == "▲2"
    assert model.last_gain() == 900
