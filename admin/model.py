"""What the presenter console knows about the game, fed by the admin view and the streams.

Plain Python (no Textual): the app applies the 1 Hz admin view and every drained stream message
here, then renders from it on a timer. Messages are parsed strictly (``quizwire.messages``) and
stale ones (seq not newer on their channel, or older than the view already applied) are dropped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from admin.feed import AnswerFeed, LatencyRing, answers_from_view
from quizwire.fields import MessageError
from quizwire.kinds import NUMBER_BUCKETS, Kind
from quizwire.leaderboard import podium
from quizwire.messages import (
    FinishedMsg,
    LeaderboardEntry,
    LeaderboardMsg,
    LobbyMsg,
    PublicQuestion,
    QuestionClosedMsg,
    QuestionMsg,
    Reveal,
    SeqTracker,
    StartedMsg,
    TeamEntry,
    parse_message,
    parse_teams,
)
from quizwire.state import Phase


@dataclass(slots=True)
class PlayerRow:
    player_id: str
    name: str
    score: int = 0
    correct: int = 0
    rank: int | None = None
    last_answer: int | None = None
    connected: bool | None = False  # None: the backend cannot tell (AppSync on AWS)
    status: str = "active"
    team: str = ""  # team mode: the player's team
    extra_time: int = 0  # percent of every time limit the host added (accessibility)


@dataclass(frozen=True, slots=True)
class JoinEvent:
    at_ms: int
    name: str
    kind: str  # "joined", "left", "back", "kicked", "banned"


def _int(value: object, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _phase(value: object, default: Phase) -> Phase:
    try:
        return Phase(str(value))
    except ValueError:  # not a phase this console knows (or none): keep the one it had
        return default


def _str(value: object, default: str = "") -> str:
    return value if isinstance(value, str) else default


class ConsoleModel:
    def __init__(self, code: str = "", *, feed_window: int = 200, joins: int = 100) -> None:
        self.code = code
        self.title = ""
        self.phase = Phase.LOBBY
        self.phase_seen_ms = 0  # local time the current phase was first seen (the show's timers)
        self.index = -1
        self.total = 0
        self.options: dict[str, Any] = {}
        self.question: PublicQuestion | None = None
        self.reveal: Reveal | None = None
        self.podium: tuple[LeaderboardEntry, ...] = ()
        self.leaderboard: tuple[LeaderboardEntry, ...] = ()
        # the leaderboard as the current question opened: the rank arrows after its reveal
        self.board_before: tuple[LeaderboardEntry, ...] = ()
        self.players: dict[str, PlayerRow] = {}
        self.team_names: tuple[str, ...] = ()  # team mode when not empty
        self.teams: tuple[TeamEntry, ...] = ()  # the team board, best first
        self.player_count = 0
        self.connected_count: int | None = 0
        self.locked = False  # the host's "no new players"
        self.joins: deque[JoinEvent] = deque(maxlen=joins)
        self.feed = AnswerFeed(feed_window)
        self.seqs = SeqTracker()
        self.seq = -1  # newest game seq applied (view or message)
        self.server_offset_ms = 0  # server clock - local clock, from the view's serverTime
        self.question_latency = LatencyRing(256)  # question ts -> local receive (ms)
        self.bad_messages = 0
        self.version = 0  # bumped on every change the screen should show
        self._seen_view = False
        self._was_online: set[str] = set()

    # -- clock -------------------------------------------------------------------------------

    def server_now(self, local_ms: int) -> int:
        return local_ms + self.server_offset_ms

    # -- admin view (1 Hz poll, and the answer of every command) ------------------------------

    def apply_view(self, view: Mapping[str, Any], local_ms: int) -> None:
        server_time = view.get("serverTime")
        if isinstance(server_time, int) and not isinstance(server_time, bool):
            self.server_offset_ms = server_time - local_ms
        self.code = _str(view.get("gameId"), self.code)
        self.title = _str(view.get("title"), self.title)
        self.total = _int(view.get("total"), self.total)
        options = view.get("options")
        if isinstance(options, Mapping):
            self.options = dict(options)
        self.player_count = _int(view.get("playerCount"), self.player_count)
        locked = view.get("locked")
        if isinstance(locked, bool):
            self.locked = locked
        count = view.get("connectedCount")
        # None: presence unknown (backend/ on AWS: AppSync does not tell who is connected)
        self.connected_count = count if isinstance(count, int) and count >= 0 else None
        self._apply_players(view.get("players"), local_ms)
        names = view.get("teamNames")
        if isinstance(names, list):
            self.team_names = tuple(n for n in names if isinstance(n, str))[:8]
        self._apply_teams(view)
        seq = _int(view.get("seq"), -1)
        if seq >= self.seq:  # the streams may already be ahead of this poll
            self.seq = seq
            self._apply_phase_from_view(view, local_ms)
        board = view.get("leaderboard")
        if isinstance(board, list):  # public standings: frozen while a question is open
            self._set_leaderboard(board)
        if self.phase == Phase.QUESTION_OPEN and self.question is not None:
            self.feed.reconcile(self.question.question_id, answers_from_view(view))
        self._seen_view = True
        self.version += 1

    def _enter(self, phase: Phase, local_ms: int) -> None:
        if phase != self.phase:
            self.phase, self.phase_seen_ms = phase, local_ms

    def _apply_phase_from_view(self, view: Mapping[str, Any], local_ms: int) -> None:
        phase = _phase(view.get("phase"), self.phase)
        self._enter(phase, local_ms)
        self.index = _int(view.get("index"), self.index)
        raw_q = view.get("question")
        if isinstance(raw_q, Mapping):
            try:
                self._set_question(PublicQuestion.from_dict(raw_q))
            except MessageError:
                self.bad_messages += 1
        raw_r = view.get("reveal")
        if isinstance(raw_r, Mapping) and phase in (Phase.QUESTION_CLOSED, Phase.FINISHED):
            try:
                self.reveal = Reveal.from_dict(raw_r)
            except MessageError:
                self.bad_messages += 1
        elif phase == Phase.QUESTION_OPEN:
            self.reveal = None
        if phase == Phase.FINISHED and not self.podium:
            board = view.get("leaderboard")
            if isinstance(board, list):
                self.podium = tuple(podium(self._entries(board)))

    def _apply_players(self, rows: object, local_ms: int) -> None:
        if not isinstance(rows, list):
            return
        seen: set[str] = set()
        for raw in rows:
            if not isinstance(raw, Mapping) or not isinstance(raw.get("playerId"), str):
                continue
            pid = raw["playerId"]
            seen.add(pid)
            row = self.players.get(pid)
            name = _str(raw.get("name"), pid)
            raw_connected = raw.get("connected")
            connected = raw_connected if isinstance(raw_connected, bool) else None
            status = _str(raw.get("status"), "active")
            if row is None:
                row = self.players[pid] = PlayerRow(pid, name)
                if self._seen_view:
                    self.joins.append(JoinEvent(local_ms, name, "joined"))
            elif self._seen_view:
                if status != row.status and status in ("kicked", "banned"):
                    self.joins.append(JoinEvent(local_ms, name, status))
                elif (
                    connected is not None
                    and row.connected is not None
                    and connected != row.connected
                    and status == "active"
                ):
                    if not connected:
                        self.joins.append(JoinEvent(local_ms, name, "left"))
                    elif pid in self._was_online:  # a first connection is not a comeback
                        self.joins.append(JoinEvent(local_ms, name, "back"))
            if connected:
                self._was_online.add(pid)
            row.name = name
            row.connected = connected
            row.status = status
            row.team = _str(raw.get("team"), row.team)
            row.extra_time = _int(raw.get("extraTime"), row.extra_time)
            row.score = _int(raw.get("score"), row.score)
            row.correct = _int(raw.get("correctCount"), row.correct)
            rank = raw.get("rank")
            row.rank = rank if isinstance(rank, int) and not isinstance(rank, bool) else None
            last = raw.get("lastAnswer")
            if self.phase == Phase.LOBBY:
                row.last_answer = None
            elif isinstance(last, int) and not isinstance(last, bool) and 0 <= last < 6:
                row.last_answer = last
            elif self.phase == Phase.QUESTION_OPEN and row.player_id not in self.feed.choice_of:
                row.last_answer = None  # keep a stream-seen answer the poll has not caught up with
        for pid in [p for p in self.players if p not in seen]:
            del self.players[pid]

    # -- streams ---------------------------------------------------------------------------

    def apply_message(self, channel: str, payload: object, local_ms: int) -> None:
        """One drained event from ``/game``, ``/question`` or ``/leaderboard``."""
        try:
            msg = parse_message(payload)
        except MessageError:
            self.bad_messages += 1
            return
        if msg.game_id != self.code or not self.seqs.accept(msg.game_id, channel, msg.seq):
            return
        if msg.seq < self.seq and not isinstance(msg, LeaderboardMsg):
            return  # the view already showed something newer
        self.seq = max(self.seq, msg.seq)
        if isinstance(msg, LobbyMsg):
            self.title, self.total, self.player_count = msg.title, msg.total, msg.players
        elif isinstance(msg, StartedMsg):
            self.title, self.total = msg.title, msg.total
        elif isinstance(msg, QuestionMsg):
            self.question_latency.add(local_ms - msg.ts)
            self._enter(Phase.QUESTION_OPEN, local_ms)
            self.reveal = None
            self._set_question(msg.question)
        elif isinstance(msg, QuestionClosedMsg):
            self._enter(Phase.QUESTION_CLOSED, local_ms)
            self.reveal = msg.reveal
            self.index = msg.reveal.index
        elif isinstance(msg, FinishedMsg):
            self._enter(Phase.FINISHED, local_ms)
            self.podium = msg.podium
            self.teams = msg.teams or self.teams
        elif isinstance(msg, LeaderboardMsg):
            self.leaderboard = msg.entries
            self.player_count = max(self.player_count, msg.players)
            self.teams = msg.teams or self.teams
        self.version += 1

    def apply_answers(self, answers: list[tuple[object, int]], now_s: float) -> None:
        """Drained ``(answer event, local receive ms)`` pairs: counted in the feed; the player's
        last answer updated."""
        feed = self.feed
        players = self.players
        for payload, received_ms in answers:
            if feed.add(payload, received_ms, now_s):
                item = feed.recent[-1]
                row = players.get(item.player_id)
                if row is not None:
                    row.last_answer = item.choice
        if answers:
            self.version += 1

    # -- helpers -----------------------------------------------------------------------------

    def _set_question(self, question: PublicQuestion) -> None:
        if self.question is None or question.question_id != self.question.question_id:
            for row in self.players.values():
                row.last_answer = None
            self.board_before = self.leaderboard
        self.question = question
        self.index = question.index
        self.total = question.total
        self.feed.reset(question.question_id, public_buckets(question))
        self.feed.show_value = order_letters if question.kind is Kind.ORDER else None

    @staticmethod
    def _entries(board: list[Any]) -> tuple[LeaderboardEntry, ...]:
        out = []
        for i, raw in enumerate(board):
            try:
                out.append(LeaderboardEntry.from_dict(raw, f"leaderboard[{i}]"))
            except MessageError:
                continue
        return tuple(sorted(out, key=lambda e: e.rank))

    def _apply_teams(self, view: Mapping[str, Any]) -> None:
        """The view's team board (public: frozen while a question is open, like the board)."""
        try:
            self.teams = parse_teams(view)
        except MessageError:
            self.bad_messages += 1

    def team_members(self) -> dict[str, int]:
        """Active players per team, every team listed (the lobby's count)."""
        counts = dict.fromkeys(self.team_names, 0)
        for p in self.players.values():
            if p.status == "active" and p.team in counts:
                counts[p.team] += 1
        return counts

    def _set_leaderboard(self, board: list[Any]) -> None:
        self.leaderboard = self._entries(board)

    def top(self, n: int = 10) -> tuple[LeaderboardEntry, ...]:
        return self.leaderboard[:n]

    def counts(self) -> tuple[int, ...]:
        """The histogram: the live feed while open, the server's final counts after a reveal."""
        if self.phase in (Phase.QUESTION_CLOSED, Phase.FINISHED) and self.reveal is not None:
            return self.reveal.counts
        return tuple(self.feed.counts)

    def answered(self) -> int:
        if self.phase in (Phase.QUESTION_CLOSED, Phase.FINISHED) and self.reveal is not None:
            return self.reveal.answered
        return self.feed.answered

    def active_players(self) -> int:
        return sum(1 for p in self.players.values() if p.status == "active")


def online_text(connected: int | None, active: int) -> str:
    """``12/14``, or ``?/14`` when the backend cannot tell who is connected."""
    return f"{'?' if connected is None else connected}/{active}"


def order_letters(value: str) -> str:
    """An order's screen positions as the letters the room sees: ``"1,0,2"`` -> ``"B A C"``."""
    try:
        return " ".join("ABCDEF"[int(p)] for p in value.split(","))
    except (ValueError, IndexError):
        return value


def public_buckets(question: PublicQuestion) -> int:
    """How many buckets the live feed counts: the choices, the number ranges; none for text and
    order, whose buckets (right/wrong, exact/partial) would tell the room who is right."""
    if question.kind in (Kind.TEXT, Kind.ORDER):
        return 0
    return NUMBER_BUCKETS if question.kind is Kind.NUMBER else len(question.choices)
