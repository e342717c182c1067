"""Team mode and the accessibility rules, pure: team names, choosing a team, the team board
(mean, rounding, competition ranks, removed players), per-player extra time (own deadline, own
limit) and questions without a timer; the wire and file forms of all of it."""

from __future__ import annotations

import itertools
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizwire import game as G
from quizwire.answers import submit_answer
from quizwire.messages import (
    AnswerMsg,
    FinishedMsg,
    LeaderboardMsg,
    MessageError,
    PlayerInfoMsg,
    PublicQuestion,
    parse_message,
)
from quizwire.players import (
    ExtraTimeRefused,
    assign_team,
    extra_time_max,
    info_notice,
    set_extra_time,
)
from quizwire.quiz import (
    Question,
    Quiz,
    QuizError,
    loads_toml,
    parse_quiz,
    quiz_to_dict,
    quiz_to_toml,
)
from quizwire.refusals import RefusalCode
from quizwire.results import build_results, players_csv, teams_csv
from quizwire.scoring import speed_points
from quizwire.state import (
    UNTIMED_CLOSE_MS,
    CloseReason,
    GameOptions,
    GameState,
    OptionsError,
    PlayerState,
    PlayerStatus,
)
from quizwire.tally import Tally
from quizwire.teams import (
    TeamError,
    choose_team,
    clean_team_names,
    mean_score,
    team_board,
    team_counts,
)

T0 = 1_000_000
QUIZ = Quiz(
    title="Teams",
    questions=(
        Question(text="Q1", choices=("a", "b"), answer=1, time_limit=20),
        Question(text="Q2", choices=("a", "b", "c"), answer=0, time_limit=20, timed=False),
    ),
    teams=("Owls", "Foxes", "Otters"),
)
TEAMS = QUIZ.teams


def players_of(rows: list[tuple[str, int, bool]]) -> list[PlayerState]:
    return [
        PlayerState(
            player_id=f"p{i}",
            name=f"P{i}",
            join_order=i,
            team=team,
            score=score,
            status=PlayerStatus.ACTIVE if active else PlayerStatus.KICKED,
        )
        for i, (team, score, active) in enumerate(rows)
    ]


ROWS = st.lists(
    st.tuples(st.sampled_from(TEAMS), st.integers(0, 50_000), st.booleans()), max_size=40
)


# -- team names ---------------------------------------------------------------------------------


def test_team_names_are_cleaned_and_checked() -> None:
    assert clean_team_names(["  Red ", "Blue\u00a0 Team"]) == ("Red", "Blue Team")
    for raw, words in [
        (["Red"], "2-8 names"),
        ([f"T{i}" for i in range(9)], "2-8 names"),
        (["Red", "RED"], "same name"),
        (["Red", "\uff52\uff45\uff44"], "same name"),  # full-width: equal after NFKC folding
        (["Red", ""], "empty"),
        (["Red", "x" * 21], "too long"),
        (["Red", "B\x1b[31mlue"], "control or invisible"),
        (["Red", "Blue\u202e"], "control or invisible"),
        (["Red", 7], "must be a string"),
        ("Red,Blue", "must be a list"),
    ]:
        with pytest.raises(TeamError) as info:
            clean_team_names(raw)
        assert words in info.value.message, (raw, info.value.message)
    assert clean_team_names([]) == ()


def test_quiz_file_teams_and_timer_round_trip() -> None:
    text = """
title = "T"
teams = ["Owls", "Foxes"]
[[questions]]
text = "Q"
choices = ["a", "b"]
answer = "A"
timer = false
"""
    quiz = loads_toml(text)
    assert quiz.teams == ("Owls", "Foxes") and quiz.questions[0].timed is False
    assert loads_toml(quiz_to_toml(quiz)) == quiz
    assert parse_quiz(quiz_to_dict(quiz)) == quiz
    with pytest.raises(QuizError) as info:
        loads_toml(text.replace('["Owls", "Foxes"]', '["Owls", "owls"]').replace("false", '"no"'))
    problems = "\n".join(info.value.problems)
    assert "team 2 'owls' is the same name as 'Owls'" in problems
    assert "timer must be true or false, got string" in problems


def test_options_teams_override_the_quiz_and_are_validated() -> None:
    game = G.new_game("G1", QUIZ, GameOptions.from_dict({"teams": ["Red", "Blue"]}), now_ms=0)
    assert game.teams == ("Red", "Blue")
    assert G.new_game("G1", QUIZ, GameOptions.from_dict({"teams": []}), now_ms=0).teams == ()
    assert G.new_game("G1", QUIZ, now_ms=0).teams == TEAMS
    with pytest.raises(OptionsError, match="same name"):
        GameOptions.from_dict({"teams": ["Red", "red"]})
    restored = GameState.from_dict(game.to_dict())
    assert restored.teams == ("Red", "Blue")


# -- choosing a team ------------------------------------------------------------------------------


def test_choose_team() -> None:
    counts = {"Owls": 2, "Foxes": 1, "Otters": 1}
    assert choose_team(TEAMS, None, counts) == "Foxes"  # smallest, first declared on a tie
    assert choose_team(TEAMS, "", counts) == "Foxes"
    assert choose_team(TEAMS, " OTTERS ", counts) == "Otters"
    assert choose_team((), None, {}) == ""
    with pytest.raises(TeamError) as info:
        choose_team(TEAMS, "Bears", counts)
    assert info.value.code == "unknown_team" and "Owls, Foxes, Otters" in info.value.message
    with pytest.raises(TeamError) as info:
        choose_team((), "Owls", {})
    assert info.value.code == "no_teams"
    with pytest.raises(TeamError):
        choose_team(TEAMS, 3, counts)


@given(ROWS)
def test_auto_assignment_picks_a_smallest_team(rows: list[tuple[str, int, bool]]) -> None:
    players = players_of(rows)
    game = G.new_game("G1", QUIZ, now_ms=0)
    chosen = assign_team(game, None, players)
    counts = team_counts(TEAMS, players)
    assert counts[chosen] == min(counts.values())
    assert chosen == next(t for t in TEAMS if counts[t] == counts[chosen])


# -- the team board -------------------------------------------------------------------------------


@given(st.integers(0, 10**9), st.integers(0, 500))
def test_mean_rounds_half_up_exactly(total: int, members: int) -> None:
    if members == 0:
        assert mean_score(total, members) == 0
        return
    exact = Fraction(total, members)
    assert mean_score(total, members) == int(exact + Fraction(1, 2))  # floor(x + 1/2)


@given(ROWS)
def test_team_board_is_the_mean_of_active_members_with_competition_ranks(
    rows: list[tuple[str, int, bool]],
) -> None:
    board = team_board(TEAMS, players_of(rows))
    assert sorted(t.name for t in board) == sorted(TEAMS)  # every team, empty ones too
    for team in board:
        scores = [s for name, s, active in rows if name == team.name and active]
        assert team.members == len(scores)
        assert team.score == (mean_score(sum(scores), len(scores)))
    # best first; equal means keep the declared order and share a rank ("1, 2, 2, 4")
    for position, (a, b) in enumerate(itertools.pairwise(board), start=2):
        assert a.score >= b.score
        if a.score == b.score:
            assert TEAMS.index(a.name) < TEAMS.index(b.name) and b.rank == a.rank
        else:
            assert b.rank == position
    assert not board or board[0].rank == 1


def test_a_kicked_player_leaves_the_mean() -> None:
    rows = [("Owls", 1000, True), ("Owls", 0, True), ("Foxes", 700, True)]
    before = {t.name: t for t in team_board(TEAMS, players_of(rows))}
    assert (before["Owls"].score, before["Owls"].rank, before["Foxes"].rank) == (500, 2, 1)
    rows[1] = ("Owls", 0, False)
    after = {t.name: t for t in team_board(TEAMS, players_of(rows))}
    assert (after["Owls"].score, after["Owls"].members, after["Owls"].rank) == (1000, 1, 1)
    assert (after["Otters"].score, after["Otters"].members, after["Otters"].rank) == (0, 0, 3)


def test_team_board_on_the_wire_and_in_the_results() -> None:
    players = players_of([("Owls", 900, True), ("Foxes", 400, True), ("Foxes", 0, False)])
    game = G.new_game("G1", QUIZ, now_ms=0)
    board = team_board(game.teams, players)
    step = G.leaderboard_update(game, T0, standings=[], players=2, teams=board)
    message = step.announcements[0].message
    assert isinstance(message, LeaderboardMsg)
    again = parse_message(message.to_json())
    assert isinstance(again, LeaderboardMsg) and again.teams == message.teams
    assert [t.name for t in again.teams] == ["Owls", "Foxes", "Otters"]
    finished = G.end_game(game, T0, podium=[], teams=board).announcements[-1].message
    assert isinstance(finished, FinishedMsg) and parse_message(finished.to_dict()) == finished
    results = build_results(game, players, [])
    assert [p["team"] for p in results["players"]] == ["Owls", "Foxes", "Foxes"]
    assert results["teams"][0] == {"rank": 1, "name": "Owls", "score": 900, "members": 1}
    assert players_csv(results).splitlines()[0].endswith(",team")
    assert teams_csv(results).splitlines()[1] == "1,Owls,900,1"
    plain = build_results(replace(game, options=GameOptions(teams=())), players, [])
    assert "teams" not in plain and "team" not in plain["players"][0]


def test_hostile_team_names_on_the_wire_stay_data() -> None:
    bad = {"type": "leaderboard", "gameId": "G1", "seq": 1, "ts": 1, "entries": [], "players": 0}
    row = {"score": 1, "rank": 1, "members": 1}
    for teams in ([{**row, "name": "x" * 21}], [{**row, "name": "O\x1b[2Jwls"}], "Owls", [1]):
        with pytest.raises(MessageError):
            parse_message({**bad, "teams": teams})
    name = "[b]Owls[/b]"  # markup is only text: shown literally (Rich Text, never markup)
    ok = parse_message({**bad, "teams": [{**row, "name": name}]})
    assert isinstance(ok, LeaderboardMsg) and ok.teams[0].name == name


# -- extra time ------------------------------------------------------------------------------------


def open_game(extra_max: int = 0, index: int = 0) -> GameState:
    game = replace(G.new_game("G1", QUIZ, now_ms=0), extra_time_max=extra_max)
    game = G.start_game(game, T0).game
    if index:
        game = G.close_question(
            game, T0 + 1, reason=CloseReason.PRESENTER, tally=Tally.empty(0, 2)
        ).game
        game = G.next_question(game, T0 + 2).game
    return game


def test_set_extra_time_rules() -> None:
    player = PlayerState(player_id="p1", name="Ann", join_order=0)
    assert set_extra_time(player, 50) == replace(player, extra_time=50, seq=1)
    for bad in (-1, 201, 1.5, "50", True, None):
        with pytest.raises(ExtraTimeRefused) as info:
            set_extra_time(player, bad)
        assert info.value.code == "bad_extra_time"
    with pytest.raises(ExtraTimeRefused):
        set_extra_time(replace(player, status=PlayerStatus.KICKED), 50)
    rows = [
        replace(player, extra_time=100, status=PlayerStatus.KICKED),
        replace(player, extra_time=50),
    ]
    assert extra_time_max(rows) == 50 and extra_time_max([]) == 0
    notice = info_notice("G1", replace(player, extra_time=50, seq=3, team="Owls"), T0)
    assert notice.seq == 6 and parse_message(notice.to_json()) == notice
    assert isinstance(parse_message(notice.to_dict()), PlayerInfoMsg)


@given(st.sampled_from([0, 25, 50, 100, 200]), st.integers(0, 60_000))
def test_each_player_has_their_own_deadline_and_limit(extra: int, elapsed: int) -> None:
    game = open_game(extra_max=200)
    limit = 20_000 * (100 + extra) // 100
    assert game.deadline == game.opened_at + 60_000  # open for the longest extra time
    player = PlayerState(player_id="p1", name="Ann", join_order=0, extra_time=extra)
    outcome = submit_answer(
        game, "p1", player, AnswerMsg(question_id="q1", choice=1), game.opened_at + elapsed
    )
    if elapsed > limit:
        assert outcome.refusal is not None and outcome.refusal.code is RefusalCode.TOO_LATE
    else:
        assert outcome.score is not None
        assert outcome.score.base == speed_points(1000, elapsed, limit)


@given(st.sampled_from([50, 100, 200]), st.integers(0, 20_000))
def test_extra_time_scores_the_same_fraction_of_ones_own_time(extra: int, base_ms: int) -> None:
    """Answering after the same share of one's own time earns the same points."""
    game = open_game(extra_max=extra)
    ann = PlayerState(player_id="p1", name="Ann", join_order=0)
    bob = PlayerState(player_id="p2", name="Bob", join_order=1, extra_time=extra)
    a = submit_answer(
        game, "p1", ann, AnswerMsg(question_id="q1", choice=1), game.opened_at + base_ms
    )
    scaled = base_ms * (100 + extra) // 100
    b = submit_answer(
        game, "p2", bob, AnswerMsg(question_id="q1", choice=1), game.opened_at + scaled
    )
    assert a.score is not None and b.score is not None
    if base_ms * (100 + extra) % 100 == 0:
        assert a.score.base == b.score.base


def test_public_question_tells_each_player_their_deadline() -> None:
    game = open_game(extra_max=50)
    q = PublicQuestion.from_game(game)
    assert (q.duration_ms, q.deadline - q.opens_at, q.closes_at - q.opens_at) == (
        20_000,
        20_000,
        30_000,
    )
    assert q.deadline_for(0) == q.deadline and q.deadline_for(50) == q.opens_at + 30_000
    assert q.deadline_for(100) == q.closes_at  # never after the question closes
    assert PublicQuestion.from_dict(q.to_dict()) == q
    plain = PublicQuestion.from_game(open_game())
    assert "closesAt" not in plain.to_dict() and "timer" not in plain.to_dict()
    assert PublicQuestion.from_dict(plain.to_dict()) == plain


# -- no timer ---------------------------------------------------------------------------------------


def test_a_question_without_timer_is_open_until_revealed_and_scores_flat() -> None:
    game = open_game(extra_max=100, index=1)
    assert game.deadline - game.opened_at == UNTIMED_CLOSE_MS  # extra time does not apply
    assert G.due_close(game, game.opened_at + 600_000, answered=0, connected=3) is None
    q = PublicQuestion.from_game(game)
    assert q.timed is False and q.to_dict()["timer"] is False
    assert PublicQuestion.from_dict(q.to_dict()) == q
    player = PlayerState(player_id="p1", name="Ann", join_order=0, answered_index=0, streak=1)
    late = game.opened_at + 500_000
    outcome = submit_answer(game, "p1", player, AnswerMsg(question_id="q2", choice=0), late)
    assert outcome.score is not None and outcome.score.base == 1000  # no speed part
    assert outcome.player is not None and outcome.player.correct_ms == 0  # no time tie-break
    assert outcome.record is not None and outcome.record.elapsed_ms == 500_000
