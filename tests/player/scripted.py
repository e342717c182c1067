"""A scripted :class:`player.session.Session` and fixed game states, for snapshots and for
screens that need exact control (refusals, the offline badge, load): no network, frozen time."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eventapi import ConnectionState
from player.app import PlayerApp
from player.session import OnRetry, OnState
from quizwire.client.player import CredentialStore, SavedPlayer
from quizwire.judge import answer_value
from quizwire.messages import AnswerMsg, LeaderboardEntry, PublicQuestion, Reveal, ScoreMsg
from quizwire.play_model import PlayerModel
from quizwire.state import Phase
from tui.clock import FrozenClock

CODE = "K7QX2M"
ME = "p-alice"
T0 = 1_767_225_600_000


class ScriptedSession:
    """Joins at once, hands out a prepared model; ``pump`` applies queued model edits."""

    def __init__(self, model: PlayerModel, clock: FrozenClock) -> None:
        self.model: PlayerModel | None = model
        self._model = model
        self.clock = clock
        self.state = ConnectionState.CONNECTED
        self.rejoined = False
        self.removed: str | None = None
        self.refuse_with: str | None = None  # the next answer is refused with this reason
        self.standing: str | None = None  # what asking the server about our standing reveals
        self.answers: list[int] = []
        self.sent: list[dict[str, Any]] = []  # typed answers' payload fields
        self.pumps = 0
        self.burst = 0  # model changes applied on each pump (a flood of network events)
        self.closed = False

    async def join(self, code: str, name: str, team: str | None = None) -> SavedPlayer:
        self.joined_team = team
        return SavedPlayer(code, ME, name, "qw1.token", "http://scripted/event")

    async def connect(self) -> PlayerModel:
        return self._model

    def pump(self) -> bool:
        self.pumps += 1
        for _ in range(self.burst):
            self._model.lobby_players += 1
            self._model.version += 1
        return self.burst > 0

    async def answer(self, choice: int) -> str | None:
        self.answers.append(choice)
        model = self._model
        if not model.lock(choice, self.clock()):
            return "No question is open."
        if self.refuse_with is not None:
            model.refused(self.refuse_with, unlock=False)
            return self.refuse_with
        return None

    async def send_answer(self, fields: Mapping[str, Any]) -> str | None:
        """A typed answer: locked as the value the server would keep (see quizwire.judge)."""
        self.sent.append(dict(fields))
        if "choice" in fields:
            return await self.answer(int(fields["choice"]))
        value = answer_value(AnswerMsg(question_id="", **fields))
        if not self._model.lock_typed(value, self.clock()):
            return "No question is open."
        return None

    async def check_standing(self) -> str | None:
        self.removed = self.removed or self.standing
        return self.removed

    async def close(self) -> None:
        self.closed = True


class ScriptedSessions:
    def __init__(self, session: ScriptedSession, root: Path) -> None:
        self.session = session
        self.credentials = CredentialStore(root)
        self.running: SavedPlayer | None = None
        self.teams: list[str] = []  # the game's teams, as the entry check would say

    def __call__(self, on_state: OnState, on_retry: OnRetry) -> ScriptedSession:
        return self.session

    async def running_game(self) -> SavedPlayer | None:
        return self.running

    async def game_teams(self, code: str) -> list[str]:
        return list(self.teams)


# -- fixed states -----------------------------------------------------------------------------------

NAMES = ["Nimble Otter", "[bold]Zed[/]", "Curious Lynx", "Bob", "Quick Heron", "Lucky Puffin",
         "Calm Gecko", "Keen Walrus", "Swift Ibis", "Sunny Tapir", "Happy Yak", "Bold Owl"]  # fmt: skip


def lobby(clock: FrozenClock) -> PlayerModel:
    return PlayerModel(
        CODE, ME, "Alice", title="General knowledge", total_questions=10, lobby_players=12
    )


def question(clock: FrozenClock, choices: int = 4) -> PlayerModel:
    model = lobby(clock)
    texts = ("Venus", "Mars", "Jupiter", "Saturn", "Mercury", "Neptune")[:choices]
    model.question = PublicQuestion(
        question_id="q3",
        index=2,
        total=10,
        text="Which planet is known as the Red Planet?",
        choices=texts,
        points=1000,
        duration_ms=20_000,
        opens_at=clock() - 8_000,
        deadline=clock() + 12_000,
    )
    model.phase = Phase.QUESTION_OPEN
    model.score, model.streak, model.rank, model.ranked_players = 2_410, 2, 3, 24
    model.leaderboard = board(rank=3, score=2_410)
    return model


def get_ready(clock: FrozenClock) -> PlayerModel:
    """The question shown in its get-ready phase: its choices open in 2 s (server time)."""
    model = question(clock)
    assert model.question is not None
    model.question = dataclasses.replace(
        model.question, ready_ms=3_000, opens_at=clock() + 2_000, deadline=clock() + 22_000
    )
    return model


def locked(clock: FrozenClock) -> PlayerModel:
    model = question(clock)
    model.choice = 1
    return model


def revealed(clock: FrozenClock) -> PlayerModel:
    model = locked(clock)
    model.phase = Phase.QUESTION_CLOSED
    model.reveal = Reveal(
        question_id="q3", index=2, total=10, reason="deadline", correct=1,
        counts=(3, 15, 2, 4), answered=24,
    )  # fmt: skip
    model.result = ScoreMsg(
        game_id=CODE, seq=7, ts=clock(), player_id=ME, question_id="q3", index=2,
        accepted=True, correct=True, choice=1, points=950, bonus=100, total=3_360, streak=3,
        rank=2,
    )  # fmt: skip
    model.score, model.streak, model.rank = 3_360, 3, 2
    model.rank_before = 3  # up one place over this question
    model.leaderboard = board(rank=2, score=3_360)
    return model


def revealed_six(clock: FrozenClock) -> PlayerModel:
    """Six choices, a two-line question, a wrong answer: the tightest fit at 80x24."""
    model = revealed(clock)
    assert model.question is not None and model.reveal is not None and model.result is not None
    model.question = dataclasses.replace(
        model.question,
        text="Which planet of the solar system is known as the Red Planet, because of the "
        "iron oxide that covers its surface?",
        choices=("Venus", "Mars", "Jupiter", "Saturn", "Mercury", "Neptune"),
    )
    model.choice = 4
    model.reveal = dataclasses.replace(model.reveal, counts=(3, 12, 2, 4, 2, 1))
    model.result = dataclasses.replace(
        model.result, correct=False, choice=4, points=0, bonus=0, total=2_410, streak=0, rank=4
    )
    model.score, model.streak, model.rank = 2_410, 0, 4
    return model


def finished(clock: FrozenClock) -> PlayerModel:
    model = revealed(clock)
    model.phase = Phase.FINISHED
    model.finish_reason = "completed"
    model.podium = model.leaderboard[:3]
    return model


def board(*, rank: int, score: int) -> tuple[LeaderboardEntry, ...]:
    """24 players' top ten, with Alice at ``rank``."""
    rng = random.Random(7)
    others = iter(NAMES)
    scores = sorted((rng.randrange(0, 5_000) for _ in range(10)), reverse=True)
    entries = []
    for r in range(1, 11):
        if r == rank:
            entries.append(LeaderboardEntry(player_id=ME, name="Alice", score=score, rank=r))
        else:
            pts = max(0, score + (rank - r) * 180) if r < rank + 3 else scores[r - 1] // 3
            name = next(others)
            entries.append(LeaderboardEntry(player_id=f"p-{r}", name=name, score=pts, rank=r))
    return tuple(entries)


def scripted_app(
    tmp: Path, state: str | None, *, join_form: bool = False, **kwargs: object
) -> tuple[PlayerApp, ScriptedSession]:
    """An app over a scripted session in ``state`` (lobby/question/locked/revealed/finished)."""
    clock = FrozenClock(T0)
    builders = {
        "lobby": lobby,
        "question": question,
        "get_ready": get_ready,
        "locked": locked,
        "revealed": revealed,
        "revealed_six": revealed_six,
        "finished": finished,
    }
    model = builders[state or "lobby"](clock)
    session = ScriptedSession(model, clock)
    sessions = ScriptedSessions(session, tmp / "players")
    if join_form:
        sessions.credentials.remember_name("Alice")
        app = PlayerApp(sessions, clock=clock, rng=random.Random(3), target_label="profile local")
    else:
        app = PlayerApp(
            sessions,
            game=CODE,
            name="Alice",
            clock=clock,
            rng=random.Random(3),
            target_label="profile local",
            **kwargs,  # type: ignore[arg-type]
        )
    return app, session
