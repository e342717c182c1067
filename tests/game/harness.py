"""End-to-end harness: scripted players and a presenter talking to a real stub over sockets.

Everything goes through the public surfaces only: the entry API (``EntryClient``), the admin API
(``AdminClient``, SigV4) and the Event API (``EventsClient`` over a WebSocket). Every message a
client receives is recorded with its local receive time, so tests can check what a player could
have read, and when.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend_stub.app import Stub
from backend_stub.config import IamCredential, StubConfig
from eventapi import EventsClient, IamAuth, LambdaAuth, PublishResult, ReconnectPolicy
from eventapi.subscription import Subscription
from quizwire.client.game_api import AdminClient, EntryClient
from quizwire.clock import wall_ms
from quizwire.scoring import score_answer

API_KEY = "da2-" + "a" * 26
KEY_ID = "AKIDTEST00000000"
SECRET = "test-secret-key-0000000000000000000000"
REGION = "us-east-1"
WAIT_S = 10.0  # upper bound for any single expected message
VENV_BIN = Path(sys.executable).parent

#: What a player may see of an open question: no answer field, ever.
QUESTION_KEYS = {
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
ENVELOPE_KEYS = {"type", "gameId", "seq", "ts"}
SCORE_KEYS = ENVELOPE_KEYS | {
    "playerId",
    "questionId",
    "index",
    "accepted",
    "correct",
    "choice",
    "points",
    "bonus",
    "total",
    "streak",
    "rank",
    "refusal",
}
LEADERBOARD_ENTRY_KEYS = {"playerId", "name", "score", "rank"}


BACKENDS = ("sqlite", "lambda")


def lambda_available() -> bool:
    """The local Lambda mode's parts: moto's server, Powertools, airspeed, cfn-lint, node."""
    from importlib.util import find_spec

    modules = ("moto", "flask_cors", "aws_lambda_powertools", "airspeed", "cfnlint")
    return all(find_spec(m) for m in modules) and shutil.which("node") is not None


class Observe:
    """What a test may look at behind the public surfaces, per backend. The Lambda path reports
    through its CloudWatch metrics (EMF in the functions' log), as on AWS."""

    def __init__(self, stub: Any) -> None:
        self.stub = stub
        self.is_lambda = not hasattr(stub, "game")

    @property
    def refusals_in_publish_result(self) -> bool:
        """The SQLite stub judges in onPublish; on AWS the answer is judged asynchronously:
        the publish succeeds and the verdict comes on the scores channel only."""
        return not self.is_lambda

    @property
    def deadline_grace_ms(self) -> int:
        """The deployed backend closes a question this long after its deadline."""
        if not self.is_lambda:
            return 0
        return int(self.stub.template.parameters["DeadlineGraceSeconds"]) * 1000

    @property
    def knows_who_is_connected(self) -> bool:
        return not self.is_lambda  # AppSync does not tell the backend (docs/deploy.md)

    def answers(self) -> tuple[int, dict[str, int]]:
        """Accepted answers and refusals by reason, as the backend counted them."""
        if not self.is_lambda:
            return self.stub.game.answers_accepted, dict(self.stub.game.answers_refused)
        totals = self.stub.metric_totals()
        refused = {
            key.split("reason=", 1)[1].rstrip("}"): int(value)
            for key, value in totals.items()
            if key.startswith("AnswersRefusedByReason{") and value
        }
        return int(totals.get("AnswersAccepted", 0)), refused


def stub_config() -> StubConfig:
    return StubConfig(
        host="127.0.0.1",
        port=0,
        api_keys=(API_KEY,),
        iam_credentials=(IamCredential(KEY_ID, SECRET),),
    )


def presenter_auth(secret: str = SECRET, key_id: str = KEY_ID) -> IamAuth:
    return IamAuth.from_keys(REGION, key_id, secret)


def make_quiz(
    specs: Sequence[tuple[int, int, int]], title: str = "E2E quiz", ready_seconds: int = 0
) -> dict[str, Any]:
    """A quiz document from ``(n_choices, answer_index, points)`` per question, with no get-ready
    phase (the choices open with the question) unless a test asks for one."""
    letters = "ABCDEF"
    return {
        "title": title,
        "defaults": {"ready_seconds": ready_seconds},
        "questions": [
            {
                "text": f"Question {i + 1}: pick {letters[answer]}",
                "choices": [f"choice {letters[c]} of q{i + 1}" for c in range(n)],
                "answer": letters[answer],
                "points": points,
            }
            for i, (n, answer, points) in enumerate(specs)
        ],
    }


# -- recording subscriptions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    at_ms: int  # local wall clock when the client got it
    msg: dict[str, Any]


class Inbox:
    """Pumps one subscription into a list; ``wait`` finds the first match after a cursor."""

    def __init__(self, channel: str, sub: Subscription) -> None:
        self.channel = channel
        self.sub = sub
        self.items: list[Received] = []
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._pump(), name=f"inbox {channel}")

    async def _pump(self) -> None:
        with contextlib.suppress(Exception):
            async for msg in self.sub:
                self.items.append(Received(wall_ms(), msg))
                self._changed.set()

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [r.msg for r in self.items]

    def cursor(self) -> int:
        return len(self.items)

    async def wait(
        self,
        pred: Callable[[dict[str, Any]], bool] = lambda m: True,
        *,
        after: int = 0,
        within: float = WAIT_S,
    ) -> dict[str, Any]:
        try:
            async with asyncio.timeout(within):
                while True:
                    for item in self.items[after:]:
                        if pred(item.msg):
                            return item.msg
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            seen = [m.get("type") for m in self.messages[after:]]
            raise AssertionError(
                f"no matching message on {self.channel} within {within}s; saw {seen}"
            ) from None

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


def new_events_client(http_url: str, auth: Any) -> EventsClient:
    return EventsClient(
        http_url,
        auth,
        connect_timeout=WAIT_S,
        operation_timeout=WAIT_S,
        reconnect=ReconnectPolicy.immediate(max_attempts=3),
        close_timeout=2.0,
    )


# -- a player ---------------------------------------------------------------------------------------


@dataclass
class Answered:
    """One answer publish and the player's view of it."""

    question_id: str
    choice: int
    sent_ms: int
    result: PublishResult
    score: dict[str, Any]
    scored_ms: int


@dataclass
class Player:
    name: str
    code: str
    http_url: str
    entry: EntryClient
    player_id: str = ""
    token: str = ""
    client: EventsClient | None = None
    inboxes: dict[str, Inbox] = field(default_factory=dict)
    #: every inbox this player ever had (including those of dropped connections)
    history: list[Inbox] = field(default_factory=list)
    answers: list[Answered] = field(default_factory=list)

    async def join(self) -> dict[str, Any]:
        joined = await self.entry.join(self.code, self.name)
        self.player_id, self.token = joined["playerId"], joined["token"]
        return joined

    def channels(self) -> dict[str, str]:
        c = self.code
        return {
            "game": f"/game/{c}",
            "question": f"/question/{c}",
            "leaderboard": f"/leaderboard/{c}",
            "scores": f"/scores/{c}/{self.player_id}",
        }

    async def connect(self) -> None:
        """A fresh WebSocket with the player token, subscribed to the four player channels."""
        assert self.token, "join first"
        client = new_events_client(self.http_url, LambdaAuth(self.token))
        await client.connect()
        self.client = client
        self.inboxes = {}
        for key, channel in self.channels().items():
            inbox = Inbox(f"{self.name} {channel}", await client.subscribe(channel))
            self.inboxes[key] = inbox
            self.history.append(inbox)

    async def drop(self) -> None:
        """Gone: the socket closes (laptop lid); subscriptions die with it."""
        assert self.client is not None
        await self.client.close()
        for inbox in self.inboxes.values():
            await inbox.stop()
        self.client = None

    async def snapshot(self) -> dict[str, Any]:
        return await self.entry.state(self.code, self.token)

    async def publish_answer(self, payload: dict[str, Any], channel: str | None = None) -> Answered:
        """Publish one raw answer payload; return it with the score message it produced."""
        assert self.client is not None
        scores = self.inboxes["scores"]
        cursor = scores.cursor()
        sent = wall_ms()
        result = await self.client.publish(channel or f"/answer/{self.code}", [payload])
        score = await scores.wait(lambda m: m.get("type") == "score", after=cursor)
        answered = Answered(
            str(payload.get("questionId")),
            payload.get("choice", -1),
            sent,
            result,
            score,
            wall_ms(),
        )
        self.answers.append(answered)
        return answered

    async def result(self, index: int) -> dict[str, Any]:
        """The result of question ``index``, sent on the scores channel at its reveal."""
        return await self.inboxes["scores"].wait(
            lambda m: m.get("index") == index and m["accepted"] and m["correct"] is not None
        )

    def results(self) -> dict[int, dict[str, Any]]:
        """Every result received so far (all connections), by question index."""
        return {
            r.msg["index"]: r.msg
            for r in self.all_received()
            if r.msg.get("type") == "score" and r.msg["accepted"] and r.msg["correct"] is not None
        }

    async def answer(self, question_id: str, choice: int, **extra: Any) -> Answered:
        return await self.publish_answer(
            {"questionId": question_id, "choice": choice, "sentAt": wall_ms(), **extra}
        )

    def all_received(self) -> list[Received]:
        return [r for inbox in self.history for r in inbox.items]

    async def close(self) -> None:
        if self.client is not None:
            await self.drop()


# -- the presenter -----------------------------------------------------------------------------------


class Presenter:
    """Admin API client plus an IAM WebSocket on the answer stream and the game channel."""

    def __init__(self, game_api: str, http_url: str, auth: IamAuth | None = None) -> None:
        self.auth = auth or presenter_auth()
        self.admin = AdminClient(game_api, self.auth)
        self.http_url = http_url
        self.client: EventsClient | None = None
        self.inboxes: dict[str, Inbox] = {}

    async def watch(self, code: str) -> None:
        self.client = new_events_client(self.http_url, self.auth)
        await self.client.connect()
        for key in ("game", "answer", "leaderboard", "question"):
            channel = f"/{key}/{code}"
            self.inboxes[key] = Inbox(f"presenter {channel}", await self.client.subscribe(channel))

    async def close(self) -> None:
        for inbox in self.inboxes.values():
            await inbox.stop()
        if self.client is not None:
            await self.client.close()
        await self.admin.close()


# -- the rules, recomputed from the results -----------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    score: int
    correct_count: int
    correct_ms: int
    per_answer: tuple[int | None, ...]


def expected_from_results(row: dict[str, Any], points: Sequence[int], limit_ms: int) -> Expected:
    """Replay a results row through :func:`quizwire.scoring.score_answer`.

    The inputs are the server-recorded elapsed times (``ms``) and correctness; the streak is
    rebuilt from the sequence of answers (a skipped question resets it).
    """
    total = correct = correct_ms = 0
    streak = 0
    per: list[int | None] = []
    for i, answer in enumerate(row["answers"]):
        if answer is None:
            streak = 0
            per.append(None)
            continue
        result = score_answer(
            correct=answer["correct"],
            points=points[i],
            elapsed_ms=answer["ms"],
            limit_ms=limit_ms,
            previous_streak=streak,
        )
        streak = result.streak
        total += result.total
        per.append(result.total)
        if result.correct:
            correct += 1
            if points[i] > 0:
                correct_ms += result.elapsed_ms
    return Expected(total, correct, correct_ms, tuple(per))


def competition_ranks(rows: Iterable[tuple[str, int, int]]) -> dict[str, int]:
    """``{player: rank}`` from ``(player, score, correct_ms)``: 1 + number strictly better."""
    rows = list(rows)
    return {
        pid: 1 + sum(1 for _, s2, c2 in rows if s2 > s or (s2 == s and c2 < c))
        for pid, s, c in rows
    }


def deep_keys(value: Any) -> set[str]:
    """Every mapping key anywhere inside ``value``."""
    keys: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            keys.add(k)
            keys |= deep_keys(v)
    elif isinstance(value, list):
        for v in value:
            keys |= deep_keys(v)
    return keys


# -- a stub in a subprocess (for kill -9) --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class StubProcess:
    """``quizwire stub`` as a child process on a fixed port and data dir."""

    def __init__(
        self, data_dir: Path, config_dir: Path, port: int, extra: Sequence[str] = ()
    ) -> None:
        self.data_dir = data_dir
        self.config_dir = config_dir
        self.port = port
        self.extra = list(extra)
        self.popen: subprocess.Popen[bytes] | None = None
        self.info: dict[str, str] = {}
        self.log = data_dir / "stub.log"

    def start(self, timeout: float = 30.0) -> dict[str, str]:
        ready = self.data_dir / "stub.json"
        ready.unlink(missing_ok=True)
        argv = [
            str(VENV_BIN / "quizwire"),
            "stub",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--no-profile",
            *self.extra,
        ]
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "QUIZWIRE_CONFIG_DIR": str(self.config_dir)},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"stub exited with {self.popen.returncode}: {self.tail()}")
            if ready.exists():
                with contextlib.suppress(ValueError):
                    self.info = json.loads(ready.read_text())
                    return self.info
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"stub not ready within {timeout}s: {self.tail()}")

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def kill9(self) -> None:
        assert self.popen is not None
        os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def stop(self) -> None:
        popen = self.popen
        if popen is None or popen.poll() is not None:
            return
        popen.terminate()
        try:
            popen.wait(10)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait(10)

    def tail(self) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])
        return ""


__all__ = [
    "API_KEY",
    "BACKENDS",
    "Answered",
    "Expected",
    "Inbox",
    "Observe",
    "Player",
    "Presenter",
    "Stub",
    "StubProcess",
    "competition_ranks",
    "deep_keys",
    "expected_from_results",
    "free_port",
    "lambda_available",
    "make_quiz",
    "new_events_client",
    "presenter_auth",
    "stub_config",
    "wall_ms",
]
