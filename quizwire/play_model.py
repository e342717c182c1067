"""What a player sees, as plain data: fed by messages and snapshots, read by the UI on a timer.

Pure and stdlib-only, so the Textual app, the headless bots and the tests share it. Messages
that arrive twice or out of order are dropped per channel by ``seq``; a rejoin snapshot replaces
everything and seeds the trackers so nothing older than it is applied afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from quizwire.leaderboard import podium
from quizwire.messages import (
    FinishedMsg,
    LeaderboardEntry,
    LeaderboardMsg,
    LobbyMsg,
    PlayerInfoMsg,
    PublicQuestion,
    QuestionClosedMsg,
    QuestionMsg,
    Reveal,
    ScoreMsg,
    SeqTracker,
    ServerMessage,
    SnapshotMsg,
    StartedMsg,
    TeamEntry,
)
from quizwire.movement import Move, move_of
from quizwire.state import Phase

BROADCAST_KINDS = ("game", "question", "leaderboard")


@dataclass
class PlayerModel:
    game_id: str
    player_id: str
    name: str
    title: str = ""
    total_questions: int = 0
    phase: Phase = Phase.LOBBY
    #: the host has started the game (still in the lobby until the first question opens)
    started: bool = False
    lobby_players: int = 0
    question: PublicQuestion | None = None
    choice: int | None = None  # the locked choice for the open question
    #: the locked typed answer (text, order "2,0,1", number "42.5") of a typed question
    typed: str | None = None
    # The current question's score message: ``correct is None`` means "locked in" (the server
    # holds results back until the reveal); then it is replaced by the result.
    result: ScoreMsg | None = None
    refusal: str | None = None  # the last refusal, shown to the player
    reveal: Reveal | None = None
    score: int = 0
    streak: int = 0
    rank: int | None = None
    rank_before: int | None = None  # the rank as the current question opened (None: unknown)
    leaderboard: tuple[LeaderboardEntry, ...] = ()
    ranked_players: int = 0
    podium: tuple[LeaderboardEntry, ...] = ()
    finish_reason: str = ""
    team: str = ""  # team mode: the player's team
    teams: tuple[TeamEntry, ...] = ()  # team mode: the team board, best first
    extra_time: int = 0  # percent of every time limit the host added for this player
    clock_offset_ms: int = 0  # server clock minus local clock
    version: int = 0  # bumped on every change: the UI re-renders when it moves
    _seen: SeqTracker = field(default_factory=SeqTracker)

    # -- feeding ----------------------------------------------------------------------------------

    def apply(self, kind: str, message: ServerMessage, local_now_ms: int) -> bool:
        """Apply a message that arrived on channel ``kind`` (game/question/leaderboard/scores)."""
        if message.game_id != self.game_id:
            return False
        if not self._seen.accept(self.game_id, kind, message.seq):
            return False  # duplicate or stale
        self.clock_offset_ms = message.ts - local_now_ms
        changed = self._apply(message)
        if changed:
            self.version += 1
        return changed

    def _apply(self, message: ServerMessage) -> bool:
        if isinstance(message, LobbyMsg):
            self.title, self.total_questions, self.lobby_players = (
                message.title,
                message.total,
                message.players,
            )
        elif isinstance(message, StartedMsg):
            self.title, self.total_questions = message.title, message.total
            self.started = True
        elif isinstance(message, QuestionMsg):
            if self.question is None or self.question.question_id != message.question.question_id:
                self.choice, self.result, self.refusal = None, None, None
                self.typed = None
                # before the first question everyone shares first place: nothing to move from
                self.rank_before = self.rank if message.question.index > 0 else None
            self.question = message.question
            self.total_questions = message.question.total
            self.reveal = None
            self.phase = Phase.QUESTION_OPEN
        elif isinstance(message, QuestionClosedMsg):
            self.reveal = message.reveal
            self.phase = Phase.QUESTION_CLOSED
            if not self.locked:
                # No answer: the backend has reset the streak (quizwire.players.current_streak)
                # but sends a result only to players who answered.
                self.streak = 0
        elif isinstance(message, FinishedMsg):
            self.phase = Phase.FINISHED
            self.podium = message.podium
            self.finish_reason = message.reason
            self.teams = message.teams or self.teams
        elif isinstance(message, LeaderboardMsg):
            self.leaderboard = message.entries
            self.ranked_players = message.players
            self.teams = message.teams
            mine = next((e for e in message.entries if e.player_id == self.player_id), None)
            if mine is not None:
                self.rank, self.score = mine.rank, mine.score
        elif isinstance(message, ScoreMsg):
            return self._apply_score(message)
        elif isinstance(message, PlayerInfoMsg):
            if message.player_id != self.player_id:
                return False
            self.team, self.extra_time = message.team, message.extra_time
        else:
            return False
        return True

    def _apply_score(self, message: ScoreMsg) -> bool:
        if message.player_id != self.player_id:
            return False
        current = self.question.question_id if self.question is not None else None
        if message.accepted or message.refusal_code == "duplicate":
            self.score, self.streak = message.total, message.streak
            if message.rank is not None:
                self.rank = message.rank
            if message.question_id == current:
                self.result = message
                if message.choice is not None:
                    self.choice = message.choice
                if message.value is not None:
                    self.typed = message.value
        if not message.accepted and message.refusal_code != "duplicate":
            self.refusal = message.refusal_message
            if message.refusal_code == "too_early" and message.question_id == current:
                self.choice = None  # not counted: the player may answer once the choices open
                self.typed = None
        return True

    def apply_snapshot(self, snap: SnapshotMsg, local_now_ms: int) -> None:
        """Replace the state with a rejoin snapshot; older broadcasts are ignored afterwards."""
        self.clock_offset_ms = snap.ts - local_now_ms
        self.title, self.total_questions, self.phase = snap.title, snap.total, snap.phase
        if snap.players:
            self.lobby_players = snap.players
        if snap.question is not None and (
            self.question is None or self.question.question_id != snap.question.question_id
        ):
            self.result, self.refusal = None, None
            # a rejoin while the question is open knows the rank at its opening
            opened = snap.phase == Phase.QUESTION_OPEN and snap.question.index > 0
            self.rank_before = snap.you.rank if opened and snap.you is not None else None
        self.question = snap.question
        self.reveal = snap.reveal
        self.leaderboard = snap.leaderboard
        self.teams = snap.teams or self.teams
        you = snap.you
        if you is not None:
            self.score, self.streak, self.rank = you.total, you.streak, you.rank
            self.team, self.extra_time = you.team, you.extra_time
            self.choice = you.choice if you.answered else None
            self.typed = you.value if you.answered else None
            self._result_from_snapshot(snap)
        for kind in BROADCAST_KINDS:
            self._seen.seed(self.game_id, kind, snap.seq)
        if snap.phase == Phase.FINISHED:
            self.podium = tuple(podium(snap.leaderboard))
        self.version += 1

    def _result_from_snapshot(self, snap: SnapshotMsg) -> None:
        """Back after a reveal whose result we missed: the snapshot carries it (points too)."""
        you = snap.you
        closed = snap.reveal.question_id if snap.reveal is not None else None
        if you is None or you.correct is None or closed is None:
            return
        mine = self.result
        if mine is not None and mine.question_id == closed and mine.correct is not None:
            return  # the result message came first: it says the same
        self.result = ScoreMsg(
            game_id=snap.game_id,
            seq=snap.seq,
            ts=snap.ts,
            player_id=you.player_id,
            question_id=closed,
            index=snap.reveal.index if snap.reveal is not None else None,
            accepted=True,
            correct=you.correct,
            choice=you.choice,
            points=you.points or 0,
            bonus=you.bonus or 0,
            total=you.total,
            streak=you.streak,
            rank=you.rank,
        )

    # -- the player's own actions ------------------------------------------------------------------

    def can_answer(self, local_now_ms: int) -> bool:
        return (
            self.phase == Phase.QUESTION_OPEN
            and not self.locked
            and self.choices_open(local_now_ms)
            and self.time_left_ms(local_now_ms) > 0
        )

    def lock(self, choice: int, local_now_ms: int) -> bool:
        """Lock a choice locally (the UI shows it at once); False if not allowed now."""
        if not self.can_answer(local_now_ms) or self.question is None:
            return False
        if not 0 <= choice < len(self.question.choices):
            return False
        self.choice = choice
        self.refusal = None
        self.version += 1
        return True

    def lock_typed(self, value: str, local_now_ms: int) -> bool:
        """Lock a typed answer (its literal value) locally; False if not allowed now."""
        if not self.can_answer(local_now_ms) or self.question is None:
            return False
        self.typed = value
        self.refusal = None
        self.version += 1
        return True

    @property
    def locked(self) -> bool:
        """An answer (a choice or a typed one) is locked for the current question."""
        return self.choice is not None or self.typed is not None

    def refused(self, message: str, *, unlock: bool) -> None:
        self.refusal = message
        if unlock:
            self.choice = None
            self.typed = None
        self.version += 1

    # -- derived ------------------------------------------------------------------------------------

    def move(self) -> Move | None:
        """How the player's rank moved over the revealed question (None: nothing to show)."""
        if self.phase not in (Phase.QUESTION_CLOSED, Phase.FINISHED) or self.rank is None:
            return None
        return move_of(self.rank_before, self.rank, known=self.rank_before is not None)

    def last_gain(self) -> int | None:
        """What the revealed question earned the player (0 if unanswered; None: not known)."""
        reveal = self.reveal
        if reveal is None or self.phase not in (Phase.QUESTION_CLOSED, Phase.FINISHED):
            return None
        result = self.result
        if result is not None and result.question_id == reveal.question_id:
            return result.points if result.correct is not None else None
        return 0 if not self.locked else None

    def server_now(self, local_now_ms: int) -> int:
        return local_now_ms + self.clock_offset_ms

    def ready_left_ms(self, local_now_ms: int) -> int:
        """The get-ready time left before the choices open (0 once they are open)."""
        if self.question is None or self.phase != Phase.QUESTION_OPEN:
            return 0
        return max(0, self.question.opens_at - self.server_now(local_now_ms))

    def choices_open(self, local_now_ms: int) -> bool:
        """Whether the open question's choices are shown and answerable (server clock)."""
        return self.ready_left_ms(local_now_ms) == 0

    def time_left_ms(self, local_now_ms: int) -> int:
        """From the server's deadline and the estimated server clock: no drift across questions.
        The player's own deadline: with their extra time, if the host gave them some."""
        if self.question is None or self.phase != Phase.QUESTION_OPEN:
            return 0
        deadline = self.question.deadline_for(self.extra_time)
        return max(0, deadline - self.server_now(local_now_ms))

    @property
    def timed(self) -> bool:
        """Whether the open question has a time limit (False: no countdown to show)."""
        return self.question is None or self.question.timed

    def my_team(self) -> TeamEntry | None:
        """The player's team's row on the team board (None outside team mode or unknown)."""
        return next((t for t in self.teams if t.name == self.team), None) if self.team else None
