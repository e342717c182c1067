"""``quizwire play --plain`` (screen-reader mode) as a real process on pipes against a real
stub: it asks for the team, says every change as one line of plain text, answers typed
numbers, and never lets a control sequence from the server through. The narrator itself is
driven directly for the lines that need exact timing."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from player.narrator import Narrator
from quizwire.messages import LeaderboardEntry, PublicQuestion, Reveal, ScoreMsg, TeamEntry
from quizwire.play_model import PlayerModel
from quizwire.state import Phase
from tests.game.harness import make_quiz

from .conftest import GameFactory

pytestmark = pytest.mark.timeout(120)

TEAMS = ["[b]Owls[/b]", "Foxes"]


class PlainProcess:
    """``quizwire play --plain`` with stdin/stdout pipes; lines are collected as they come."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.cursor = 0  # lines before it were looked at by an earlier expect
        self.raw = b""

    async def expect(self, needle: str, within: float = 20.0) -> str:
        """The next line that contains ``needle``, after the one the last expect found."""
        assert self.proc.stdout is not None
        deadline = asyncio.get_running_loop().time() + within
        while True:
            for i, line in enumerate(self.lines[self.cursor :], start=self.cursor):
                if needle in line:
                    self.cursor = i + 1
                    return line
            self.cursor = len(self.lines)
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"no line with {needle!r} in:\n" + "\n".join(self.lines))
            try:
                raw = await asyncio.wait_for(self.proc.stdout.readline(), left)
            except TimeoutError:
                continue
            if not raw:
                raise AssertionError(f"exited before {needle!r}:\n" + "\n".join(self.lines))
            self.raw += raw
            self.lines.append(raw.decode().rstrip("\n"))

    async def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        await self.proc.stdin.drain()


async def start_plain(stub: Any, code: str, name: str, home: Path) -> PlainProcess:
    env = {
        **os.environ,
        "QUIZWIRE_CONFIG_DIR": str(home / "config"),
        "QUIZWIRE_DATA_DIR": str(home / "data"),
        "NO_COLOR": "1",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "quizwire",
        "play",
        "--plain",
        "--endpoint",
        stub.events.http_url,
        "--game-api",
        stub.game_api,
        "--game",
        code,
        "--name",
        name,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    return PlainProcess(proc)


async def test_plain_mode_plays_a_team_game_line_by_line(make_game: GameFactory, tmp_path: Path) -> None:
    game = await make_game()
    stub, admin = game.stub, game.admin
    quiz = make_quiz([(4, 1, 1000), (3, 0, 1000)], title="Plain quiz")
    quiz["questions"][1]["timer"] = False
    code = await game.create(quiz, teams=TEAMS, timeLimit=20)
    plain = await start_plain(stub, code, "Zed", tmp_path)
    try:
        # the team question, then the join, as whole lines
        await plain.expect("This game plays in teams: 1 [b]Owls[/b], 2 Foxes.")
        await plain.type("1")
        joined = await plain.expect("Joined game")
        assert f"Joined game {code} as Zed, team [b]Owls[/b]." in joined
        await plain.expect("Commands: 1-6 or a-f answer")

        # another player, whose name tries markup, in the other (smallest) team
        other = await game.bystander(code, "[blink]Mallory[/blink]")
        await admin.extra_time(code, await _player_id(admin, code, "Zed"), 50)
        await plain.expect("The host gave you 50% extra time on every question.")

        view = await admin.command(code, "start")
        qid = view["question"]["questionId"]
        line = await plain.expect("Question 1 of 2")
        assert line == "Question 1 of 2, 1,000 points: Question 1: pick B"
        choices = await plain.expect("Choices:")
        assert choices.startswith(
            "Choices: 1 choice A of q1, 2 choice B of q1, 3 choice C of q1, 4 choice D of q1."
            " Type 1-4 and Enter. You have 30 seconds (with your 50% extra time)."
        )
        await plain.type("7")
        await plain.expect("This question has choices 1-4.")
        await plain.type("b")
        await plain.expect("You answered 2 (choice B of q1). Locked in: wait for the reveal.")
        await plain.type("3")
        await plain.expect("You already answered 2: only your first answer counts.")
        await other.answer(qid, 0)
        await plain.expect("Question 1 closed. The answer was 2 (choice B of q1).")
        result = await plain.expect("Correct!")
        assert result.startswith("You answered 2 (choice B of q1). Correct! +")
        assert result.endswith(", rank 1 of 2.")
        teams = await plain.expect("Teams:")
        assert teams.startswith("Your team [b]Owls[/b] is 1st of 2 with ")
        assert teams.endswith("2 Foxes 0.")

        await admin.command(code, "next")
        await plain.expect("Question 2 of 2")
        untimed = await plain.expect("Choices:")
        assert untimed.endswith(
            "No time limit: the host reveals the answer when everyone is ready."
        )
        await plain.type("r")
        await plain.expect("Question 2 of 2: Question 2: pick A Choices:")
        await plain.type("1")
        await plain.expect("You answered 1 (choice A of q2).")
        await admin.command(code, "reveal")
        await plain.expect("Question 2 closed.")
        await admin.command(code, "next")
        over = await plain.expect("Game over.")
        assert over.startswith("Game over. You finished 1st of 2 with ")
        podium = await plain.expect("Podium:")
        assert podium.startswith("Podium: 1st Zed ")
        await plain.expect("Teams: 1 [b]Owls[/b]")
        assert await asyncio.wait_for(plain.proc.wait(), 10) == 0
        rest, _ = await plain.proc.communicate()
        plain.raw += rest
        # nothing but printable text and newlines reached the terminal
        text = plain.raw.decode()
        assert all(ch == "\n" or ch.isprintable() for ch in text), repr(text)
        assert "\x1b" not in text and "\x07" not in text
    finally:
        if plain.proc.returncode is None:
            plain.proc.kill()
            await plain.proc.wait()


async def test_plain_mode_explains_a_team_in_a_game_without_teams(
    make_game: GameFactory, tmp_path: Path
) -> None:
    game = await make_game()
    stub = game.stub
    code = await game.create(make_quiz([(2, 0, 1000)]))
    env = {
        **os.environ,
        "QUIZWIRE_CONFIG_DIR": str(tmp_path / "config"),
        "QUIZWIRE_DATA_DIR": str(tmp_path / "data"),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "quizwire", "play", "--plain", "--endpoint", stub.events.http_url,
        "--game-api", stub.game_api, "--game", code, "--name", "Zed", "--team", "Owls",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env=env,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 1
    assert "This game has no teams: join without one." in out.decode()


async def _player_id(admin: Any, code: str, name: str) -> str:
    for _ in range(100):
        view = await admin.view(code)
        for p in view["players"]:
            if p["name"] == name:
                return str(p["playerId"])
        await asyncio.sleep(0.1)
    raise AssertionError(f"{name} never joined")


# -- the narrator, line by line ----------------------------------------------------------------


def question_model(now: int) -> PlayerModel:
    model = PlayerModel("K7QX2M", "p-me", "Me", title="T", total_questions=3, team="Owls")
    model.question = PublicQuestion(
        question_id="q1", index=0, total=3, text="Pick\none\x1b[2J", choices=("A\x07", "B"),
        points=1000, duration_ms=20_000, opens_at=now + 2_000, deadline=now + 22_000,
        ready_ms=2_000,
    )  # fmt: skip
    model.phase = Phase.QUESTION_OPEN
    return model


def test_narrator_says_each_change_once_and_cleans_what_the_server_sent() -> None:
    now = 1_000_000
    model = question_model(now)
    narrator = Narrator()
    first = narrator.lines(model, now)
    assert first[0] == "Joined game K7QX2M as Me, team Owls. Quiz: T, 3 questions."
    assert first[1] == (
        "Question 1 of 3, 1,000 points: Pick one␛[2J Get ready: the choices come in 2 seconds."
    )
    assert narrator.lines(model, now + 500) == []  # nothing changed: nothing said
    opened = narrator.lines(model, now + 2_000)
    assert opened == ["Choices: 1 A␇, 2 B. Type 1-2 and Enter. You have 20 seconds."]
    assert narrator.lines(model, now + 12_500) == ["10 seconds left."]
    assert narrator.lines(model, now + 17_500) == ["5 seconds left."]
    assert narrator.lines(model, now + 22_000) == ["Time's up."]
    assert narrator.lines(model, now + 23_000) == []
    model.phase = Phase.QUESTION_CLOSED
    model.reveal = Reveal(
        question_id="q1", index=0, total=3, reason="deadline", correct=1, counts=(0, 1), answered=1
    )
    model.teams = (TeamEntry(name="Owls", score=450, rank=2, members=2),
                   TeamEntry(name="Foxes", score=900, rank=1, members=1))  # fmt: skip
    assert narrator.lines(model, now + 24_000) == [
        "Question 1 closed. The answer was 2 (B).",
        "You did not answer. Total 0 points.",
        "Your team Owls is 2nd of 2 with 450 points (the mean of 2). "
        "Teams: 2 Owls 450, 1 Foxes 900.",
    ]


def test_narrator_result_and_final_lines() -> None:
    now = 2_000_000
    model = question_model(now - 10_000)
    narrator = Narrator()
    narrator.lines(model, now)
    model.choice = 1
    assert narrator.lines(model, now) == ["You answered 2 (B). Locked in: wait for the reveal."]
    model.phase = Phase.QUESTION_CLOSED
    model.reveal = Reveal(
        question_id="q1", index=0, total=3, reason="deadline", correct=1, counts=(0, 1), answered=1
    )
    assert narrator.lines(model, now) == ["Question 1 closed. The answer was 2 (B)."]
    model.result = ScoreMsg(
        game_id="K7QX2M", seq=3, ts=now, player_id="p-me", question_id="q1", index=0,
        accepted=True, correct=True, choice=1, points=950, bonus=100, total=1_950, streak=2,
        rank=3,
    )  # fmt: skip
    model.score, model.rank, model.ranked_players = 1_950, 3, 12
    assert narrator.lines(model, now) == [
        "You answered 2 (B). Correct! +950 (streak bonus 100), total 1,950, rank 3 of 12."
    ]
    model.phase = Phase.FINISHED
    model.podium = (
        LeaderboardEntry(player_id="a", name="Ann\x1b", score=3_000, rank=1),
        LeaderboardEntry(player_id="b", name="Bob", score=3_000, rank=1),
        LeaderboardEntry(player_id="p-me", name="Me", score=1_950, rank=3),
    )
    assert narrator.lines(model, now) == [
        "Game over. You finished 3rd of 12 with 1,950 points.",
        "Podium: 1st Ann␛ 3,000; 1st Bob 3,000; 3rd Me 1,950.",
    ]
    model.extra_time = 100
    assert narrator.lines(model, now) == ["The host gave you 100% extra time on every question."]
