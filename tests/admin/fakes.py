"""A scripted :class:`admin.source.Source` for snapshot and behaviour tests without a network:
the test sets the admin view and queues stream events; every call is recorded."""

from __future__ import annotations

import copy
from typing import Any

from admin.source import Incoming, LinkStats, SourceError
from quizwire.join_points import JoinPoints
from quizwire.messages import PresenterAnswerMsg

T0 = 1_767_225_600_000
CODE = "K7QX2M"
EVIL = "[red]Mal\x1b[31mlory"

PLAYERS = [
    ("p-ann", "Ann", 2400, 2, True),
    ("p-bob", "Bob", 1800, 1, True),
    ("p-cat", "Cat", 950, 1, True),
    ("p-dan", "Dan", 0, 0, False),
    ("p-eve", "Eve", 500, 1, True),
    ("p-mal", EVIL, 700, 1, True),
]
QUESTION = {
    "questionId": "q2",
    "index": 1,
    "total": 3,
    "text": "Which protocol does [bold]AppSync Events[/] speak to browsers?",
    "choices": ["WebSocket", "SMTP", "Gopher", "FTP"],
    "points": 1000,
    "durationMs": 20000,
    "opensAt": T0 - 5000,
    "deadline": T0 + 15000,
}
REVEAL: dict[str, Any] = {
    "questionId": "q2",
    "index": 1,
    "total": 3,
    "reason": "presenter",
    "correct": 0,
    "counts": [3, 1, 0, 1],
    "answered": 5,
    "fastest": [
        {"playerId": "p-cat", "name": "Cat", "ms": 1230},
        {"playerId": "p-ann", "name": "Ann", "ms": 2410},
        {"playerId": "p-bob", "name": "Bob", "ms": 3100},
    ],
}
ANSWERS = [
    ("p-cat", 0, 1230),
    ("p-ann", 0, 2410),
    ("p-bob", 1, 3100),
    ("p-mal", 0, 3900),
    ("p-eve", 3, 6000),
]


def player_rows(last: dict[str, int] | None = None) -> list[dict[str, Any]]:
    ranked = sorted(PLAYERS, key=lambda p: -p[2])
    return [
        {
            "playerId": pid,
            "name": name,
            "score": score,
            "correctCount": correct,
            "rank": ranked.index((pid, name, score, correct, online)) + 1,
            "lastAnswer": (last or {}).get(pid),
            "connected": online,
            "status": "active",
        }
        for pid, name, score, correct, online in PLAYERS
    ]


def leaderboard() -> list[dict[str, Any]]:
    """Broadcast names never carry control characters (the backend refuses them at join);
    markup does reach here and must show literally."""
    ranked = sorted(PLAYERS, key=lambda p: -p[2])
    return [
        {"playerId": pid, "name": name.replace("\x1b", ""), "score": score, "rank": i + 1}
        for i, (pid, name, score, _c, _o) in enumerate(ranked)
    ]


def view(phase: str, *, players: int = len(PLAYERS), seq: int = 10) -> dict[str, Any]:
    return {
        "gameId": CODE,
        "title": "Snapshot Quiz",
        "phase": phase,
        "seq": seq,
        "index": -1 if phase == "lobby" else 1,
        "total": 3,
        "options": {"speedScoring": True, "streakBonus": True, "points": None, "timeLimit": None},
        "question": None if phase == "lobby" else dict(QUESTION),
        "reveal": dict(REVEAL) if phase in ("question_closed", "finished") else None,
        "answered": 0,
        "playerCount": players,
        "connectedCount": players - 1,
        "players": player_rows()[:players],
        "leaderboard": [] if phase == "lobby" else leaderboard(),
        "serverTime": T0,
    }


def answer_event(pid: str, choice: int, elapsed: int, qid: str = "q2") -> dict[str, Any]:
    name = next(p[1] for p in PLAYERS if p[0] == pid)
    return PresenterAnswerMsg(
        game_id=CODE,
        player_id=pid,
        name=name,
        question_id=qid,
        index=1,
        choice=choice,
        value=None,
        elapsed_ms=elapsed,
        received_at=T0 - 5000 + elapsed,
        sent_at=T0 - 5000 + elapsed - 20,
    ).to_dict()


class FakeSource:
    def __init__(self, current: dict[str, Any] | None = None) -> None:
        self.current = current or view("lobby")
        self.gateway: JoinPoints | None = None
        self.pending: list[Incoming] = []
        self.calls: list[tuple[Any, ...]] = []
        self.refuse: dict[str, SourceError] = {}
        self.metrics_scrapes = 0
        self.games: list[dict[str, Any]] = []  # what GET /admin/games lists
        self.results_body = {"csv": "name,score\nAnn,2400\n", "json": '{"players": []}'}
        self._stats = LinkStats(state="connected")

    @property
    def stats(self) -> LinkStats:
        return self._stats

    def describe(self) -> str:
        return "profile local · http://10.0.0.5:8787/event"

    def player_command(self, code: str) -> str:
        return f"quizwire play --game {code} --endpoint http://10.0.0.5:8787/event"

    def join_points(self) -> JoinPoints | None:
        return self.gateway  # a test sets it: a running ``quizwire gateway``

    @property
    def has_metrics(self) -> bool:
        return True

    def push(self, kind: str, payload: Any, at: int = T0) -> None:
        self.pending.append((kind, payload, at))

    def _maybe_refuse(self, what: str) -> None:
        if what in self.refuse:
            raise self.refuse[what]

    async def create_game(
        self, *, pack: str | None, quiz: dict[str, Any] | None, options: dict[str, Any]
    ) -> dict[str, Any]:
        self.calls.append(("create", pack, quiz, options))
        self._maybe_refuse("create")
        return copy.deepcopy(self.current)

    async def view(self, code: str) -> dict[str, Any]:
        self.calls.append(("view", code))
        self._maybe_refuse("view")
        return copy.deepcopy(self.current)

    async def list_games(self) -> dict[str, Any]:
        self.calls.append(("list",))
        self._maybe_refuse("list")
        return {"games": copy.deepcopy(self.games), "packs": []}

    async def command(self, code: str, command: str) -> dict[str, Any]:
        self.calls.append(("command", code, command))
        self._maybe_refuse(command)
        return copy.deepcopy(self.current)

    async def player_action(self, code: str, player_id: str, action: str) -> dict[str, Any]:
        self.calls.append(("player", code, player_id, action))
        return {"playerId": player_id, "status": action}

    async def extra_time(self, code: str, player_id: str, percent: int) -> dict[str, Any]:
        self.calls.append(("extra_time", code, player_id, percent))
        return {"playerId": player_id, "extraTime": percent}

    async def results(self, code: str, fmt: str) -> str:
        self.calls.append(("results", code, fmt))
        return self.results_body[fmt]

    async def metrics(self) -> str:
        """Like the stub's: 7 connections, 5 players of this game online (2 of another game),
        deliveries growing by 1,000 per scrape."""
        self.calls.append(("metrics",))
        self._maybe_refuse("metrics")
        self.metrics_scrapes += 1
        return (
            "# TYPE quizwire_connections_active gauge\nquizwire_connections_active 7.0\n"
            "# TYPE quizwire_players_connected gauge\nquizwire_players_connected 7.0\n"
            "# TYPE quizwire_game_players_connected gauge\n"
            f'quizwire_game_players_connected{{game="{CODE}"}} 5.0\n'
            'quizwire_game_players_connected{game="OTHER1"} 2.0\n'
            "# TYPE quizwire_events_delivered counter\n"
            f"quizwire_events_delivered_total {1000.0 * self.metrics_scrapes}\n"
        )

    async def attach(self, code: str) -> None:
        self.calls.append(("attach", code))

    def drain(self) -> list[Incoming]:
        out, self.pending = self.pending, []
        return out

    async def close(self) -> None:
        self.calls.append(("close",))
