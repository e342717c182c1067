"""The game backend for Lambda: the stub's service logic, stateless.

Every call reads what it needs from DynamoDB, decides with the rules of :mod:`quizwire` (the same
functions the stub uses), writes conditionally (a lost race is a 409 or a re-judge, never a
double count) and then publishes over HTTP as IAM, so any number of concurrent Lambdas can
serve one game. The one thing kept between invocations is the open question's state for the
answer path (the game row is read once per container and question, not once per answer): what
an open question is cannot change while it is open, and whether it is still open is decided by
the answer's own transaction (the store's answer gate), never by the cache.

Answers are judged at the time the Event API received them (``receivedAt``, stamped by the
namespace's ``onPublish`` handler), not when the asynchronous invocation runs: queueing, a cold
start or Lambda's retry do not count against the player.

Per-player results after a reveal go out from their own invocation (:class:`ResultsFanout`),
not from the API Gateway request that closed the question.

Question deadlines: opening a question starts a Step Functions execution that waits until the
deadline and then calls :meth:`GameBackend.close_if_due` (``backend/functions/deadline.py``).
Every admin command and every rejoin snapshot also closes a question whose deadline passed
(lazily), so a late or lost timer never leaves a question open; the stream consumer closes it
early when every active player has answered.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from backend.dynamo_store import AnswersClosed, DynamoStore, StoreBusy
from backend.publisher import Publisher, PublishFailed
from quizwire import channels
from quizwire import game as rules
from quizwire.answers import (
    AnswerOutcome,
    presenter_answer,
    refuse_malformed,
    submit_answer,
)
from quizwire.clock import wall_ms
from quizwire.fields import MessageError
from quizwire.game import IllegalTransition, Step
from quizwire.game_errors import (
    GameError,
    bad_credential,
    bad_transition,
    game_conflict,
    no_code,
    no_player,
    not_found,
    player_conflict,
)
from quizwire.leaderboard import TOP_N, Standing, rank_players
from quizwire.messages import (
    LeaderboardMsg,
    QuestionClosedMsg,
    Reveal,
    parse_answer,
)
from quizwire.names import NicknameError, check_nickname
from quizwire.player_tokens import (
    PlayerCredential,
    denied,
    hash_secret,
    new_credential,
    parse_token,
    secret_matches,
)
from quizwire.players import (
    ExtraTimeRefused,
    StatusRefused,
    assign_team,
    extra_time_max,
    info_notice,
    removal_notice,
    removed_code,
    removed_text,
    row_before_answer,
    set_extra_time,
    set_status,
)
from quizwire.presenter_view import presenter_row, presenter_view
from quizwire.quiz import Quiz
from quizwire.receipts import Shown, receipt, result_after_reveal
from quizwire.results import build_results
from quizwire.snapshot import build_snapshot, player_view, published_teams
from quizwire.state import (
    CloseReason,
    GameOptions,
    GameState,
    Phase,
    PlayerState,
    PlayerStatus,
)
from quizwire.store import NameTaken
from quizwire.tally import Tally, tally_answers
from quizwire.teams import TeamError, TeamStanding, team_board

log = logging.getLogger("quizwire.backend")

#: judging one answer again after lost races (a resend or kick racing it) before giving up
JUDGE_ATTEMPTS = 4
#: open questions remembered per container (one per game being answered)
CACHED_GAMES = 32
#: a presenter's command, read again after losing the game row to another writer
COMMAND_ATTEMPTS = 5


class DeadlineTimer(Protocol):
    def schedule(self, game_id: str, index: int, deadline_ms: int) -> None: ...


class NoTimer:
    """No timer: deadlines close lazily (next admin call, rejoin, or the stream consumer)."""

    def schedule(self, game_id: str, index: int, deadline_ms: int) -> None:
        return None


@dataclass
class StepFunctionsTimer:
    """One Standard-workflow execution per question: ``Wait`` until the deadline, then invoke
    the deadline function. Named after game and question so a retried ``next`` cannot start
    a second one (``ExecutionAlreadyExists`` is ignored)."""

    client: Any
    state_machine_arn: str

    def schedule(self, game_id: str, index: int, deadline_ms: int) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(-(-deadline_ms // 1000)))
        with contextlib.suppress(self.client.exceptions.ExecutionAlreadyExists):
            self.client.start_execution(
                stateMachineArn=self.state_machine_arn,
                name=f"{game_id}-q{index + 1}-{deadline_ms}",
                input=json.dumps({"gameId": game_id, "index": index, "deadline": stamp}),
            )


class ResultsFanout(Protocol):
    """Sends each player's result of a closed question (thousands of publishes)."""

    def schedule(self, game_id: str, index: int) -> None: ...


@dataclass
class AsyncInvokeFanout:
    """The results function, invoked asynchronously (``InvocationType: Event``): the request
    that closed the question returns at once; Lambda retries a failed fan-out and hands it to
    the OnFailure queue after that. Repeats are harmless: a result's ``seq`` is fixed."""

    client: Any
    function_name: str

    def schedule(self, game_id: str, index: int) -> None:
        self.client.invoke(
            FunctionName=self.function_name,
            InvocationType="Event",
            Payload=json.dumps({"gameId": game_id, "index": index}).encode(),
        )


def public_rows(game: GameState, players: Sequence[PlayerState]) -> list[PlayerState]:
    """What the room may see: the rows as at the opening of a question that is still open."""
    if game.phase is Phase.QUESTION_OPEN:
        return [row_before_answer(p, game.question_index) for p in players]
    return list(players)


@dataclass
class GameBackend:
    store: DynamoStore
    publisher: Publisher
    timer: DeadlineTimer
    clock: Callable[[], int] = wall_ms
    authorizer_ttl: int = 60
    #: None: results are published inline (tests, tools); else scheduled there
    fanout: ResultsFanout | None = None
    #: a question closes this long after its deadline: answers the Event API received in time
    #: are still being judged (invoked asynchronously) when the deadline passes
    deadline_grace_ms: int = 0
    _open_games: dict[str, GameState] = field(default_factory=dict, repr=False)

    # -- reading -----------------------------------------------------------------------------------

    def game(self, code: object) -> GameState:
        if not isinstance(code, str) or not channels.is_valid_segment(code.upper()):
            raise not_found(str(code)[:20])
        game = self.store.load_game(code.upper())
        if game is None:
            raise not_found(code)
        return game

    def authenticate(self, code: str, token: str | None) -> tuple[GameState, PlayerState]:
        game = self.game(code)
        credential = parse_token(token or "")
        if credential is None or credential.game_id != game.game_id:
            raise bad_credential()
        found = self.store.load_player(game.game_id, credential.player_id)
        if found is None or not secret_matches(credential.secret, found[1]):
            raise bad_credential()
        if not found[0].active:
            raise GameError(403, removed_code(found[0]), removed_text(found[0]))
        return game, found[0]

    # -- the Event API's Lambda authorizer ------------------------------------------------------------

    def authorize(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """``AWS_LAMBDA`` auth: the player token → ``handlerContext`` {gameId, playerId, name}."""
        credential = parse_token(str(request.get("authorizationToken") or ""))
        if credential is None or not channels.is_valid_segment(credential.game_id):
            return denied()
        found = self.store.load_player(credential.game_id, credential.player_id)
        player = found[0] if found else None
        if not secret_matches(credential.secret, found[1] if found else None):
            return denied()
        if player is None or not player.active:
            return denied()
        return {
            "isAuthorized": True,
            "handlerContext": {
                "gameId": credential.game_id,
                "playerId": player.player_id,
                "name": player.name,
            },
            "ttlOverride": self.authorizer_ttl,
        }

    # -- entry: join and rejoin ------------------------------------------------------------------

    def join(
        self, code: str, raw_name: object, raw_team: object = None
    ) -> tuple[PlayerCredential, PlayerState]:
        game = self.game(code)
        try:
            rules.check_can_join(
                game
            )  # finished, locked by the host, or started without late joins
        except rules.JoinRefused as exc:
            raise GameError(exc.status, exc.code, exc.message) from None
        try:
            # Uniqueness is the store's conditional put; here only the form of the name.
            name = check_nickname(raw_name if isinstance(raw_name, str) else "", ())
        except NicknameError as exc:
            raise GameError(400, "bad_name", exc.message) from None
        try:
            # the smallest team is counted from the player rows: team mode only (a read of
            # every player per join, for the exact rule the stub applies)
            players = self.store.load_players(game.game_id) if game.teams and not raw_team else ()
            team = assign_team(game, raw_team, players)
        except TeamError as exc:
            raise GameError(400, exc.code, exc.message) from None
        credential = new_credential(game.game_id)
        now = self.clock()
        player = PlayerState(
            player_id=credential.player_id, name=name, join_order=now, joined_at=now, team=team
        )
        try:
            self.store.add_player(game.game_id, player, hash_secret(credential.secret))
        except NameTaken:
            raise GameError(
                409, "name_taken", f"Someone in this game is already called {name!r}; pick another."
            ) from None
        log.info("player joined", extra={"gameId": game.game_id, "playerId": player.player_id})
        return credential, player

    def snapshot(self, code: str, token: str | None) -> dict[str, Any]:
        """The rejoin snapshot, from a handful of reads whatever the number of players (every
        player fetches one on joining and on every reconnect: reading every player row each
        time would be O(players²) for a game): the player's own row, the counter, the top-10
        of the Rank index and one count of who is ahead."""
        game, me = self.authenticate(code, token)
        game = self.close_if_due(game)
        extras = self.store.load_extras(game.game_id)
        standings: list[Standing] = []
        rank: int | None = 1  # in the lobby nobody has a point: everyone shares first place
        if game.phase is Phase.QUESTION_OPEN:
            # The room's standings as at the question's opening: the last leaderboard
            # announced (nothing public moves while a question is open).
            me = row_before_answer(me, game.question_index)
            standings = _standings(extras.get("leaderboard"))
            rank = next((s.rank for s in standings if s.player_id == me.player_id), None)
        elif game.phase is not Phase.LOBBY:
            standings = rank_players(self.store.top_players(game.game_id, TOP_N))
            rank = self.store.rank_of(game.game_id, me)
        last = (
            extras.get("reveal") if game.phase in (Phase.QUESTION_CLOSED, Phase.FINISHED) else None
        )
        snap = build_snapshot(
            game,
            self.clock(),
            you=player_view(game, me, rank=rank),
            standings=standings[:TOP_N],
            players=self.store.player_count(game.game_id),
            reveal=None if last is None else Reveal.from_dict(last),
            teams=published_teams(extras.get("leaderboard")),
        )
        return snap.to_dict()

    # -- admin commands -------------------------------------------------------------------------------

    def create_game(self, quiz: Quiz, options: GameOptions | None = None) -> GameState:
        for _ in range(20):
            game = rules.new_game(channels.new_game_id(), quiz, options, now_ms=self.clock())
            try:
                self.store.create_game(game)
            except KeyError:
                continue
            return self._apply(game, rules.lobby_update(game, self.clock(), players=0))
        raise no_code()

    def start(self, code: str) -> GameState:
        return self._command(lambda: self._start(code))

    def next(self, code: str) -> GameState:
        return self._command(lambda: self._next(code))

    def reveal(self, code: str) -> GameState:
        return self._command(
            lambda: self._close(self.close_if_due(self.game(code)), CloseReason.PRESENTER)
        )

    def end(self, code: str) -> GameState:
        return self._command(lambda: self._end(code))

    def set_locked(self, code: str, locked: bool) -> GameState:
        """The host's lock: no new players (those in keep playing and may rejoin), or open again."""

        def run() -> GameState:
            game = self.game(code)
            return self._apply(
                game, self._transition(lambda: rules.set_locked(game, locked, self.clock()))
            )

        game = self._command(run)
        log.info("game lock", extra={"gameId": game.game_id, "locked": locked})
        return game

    @staticmethod
    def _command(run: Callable[[], GameState]) -> GameState:
        """A presenter's command, read again and retried when it lost the game row to another
        writer (the stream consumer announcing the lobby count, say): the presenter pressed
        *start*, not "start unless someone joined meanwhile". Refusals are not retried."""
        for attempt in range(COMMAND_ATTEMPTS):
            try:
                return run()
            except GameError as exc:
                if exc.code != "conflict" or attempt == COMMAND_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _start(self, code: str) -> GameState:
        game = self.game(code)
        game = self._apply(game, self._transition(lambda: rules.start_game(game, self.clock())))
        self.timer.schedule(game.game_id, game.question_index, self.closes_at(game))
        return game

    def _next(self, code: str) -> GameState:
        game = self.close_if_due(self.game(code))
        podium = teams = None
        if game.is_last_question:
            players = self.store.load_players(game.game_id)
            podium = rank_players(players)[:TOP_N]
            teams = team_board(game.teams, players)
        step = self._transition(
            lambda: rules.next_question(game, self.clock(), podium=podium, teams=teams or ())
        )
        game = self._apply(game, step)
        if game.phase is Phase.QUESTION_OPEN:
            self.timer.schedule(game.game_id, game.question_index, self.closes_at(game))
        return game

    def _end(self, code: str) -> GameState:
        game = self.game(code)
        was_open = game.phase is Phase.QUESTION_OPEN
        if was_open:
            self.store.close_answers(game.game_id)
        tally = self._tally(game) if was_open else None
        players = self.store.load_players(game.game_id)
        podium = rank_players(players)[:TOP_N]
        teams = team_board(game.teams, players)
        step = self._transition(
            lambda: rules.end_game(game, self.clock(), podium=podium, tally=tally, teams=teams)
        )
        after = self._apply(game, step)
        if was_open:
            self._send_results(after.game_id, game.question_index)
        return after

    def set_player_status(self, code: str, player_id: str, status: PlayerStatus) -> PlayerState:
        game = self.game(code)
        found = self.store.load_player(game.game_id, player_id)
        if found is None:
            raise no_player(game.game_id, player_id)
        player = found[0]
        try:
            updated = set_status(player, status)
        except StatusRefused as exc:
            raise GameError(409, exc.code, exc.message) from None
        if not self.store.save_player(game.game_id, updated, player.seq):
            raise player_conflict()
        notice = removal_notice(game.game_id, updated, self.clock())
        if notice is not None:
            self.publisher.publish(
                channels.scores_channel(game.game_id, player_id), [notice.to_dict()]
            )
        log.info("player status", extra={"gameId": game.game_id, "status": status.value})
        if updated.extra_time:  # a removed player's extra time no longer holds questions open
            self._note_extra_time_max(game.game_id)
        return updated

    def set_extra_time(self, code: str, player_id: str, percent: object) -> PlayerState:
        """The host gives a player more time on every question (percent of each limit)."""
        game = self.game(code)
        if game.phase is Phase.FINISHED:
            raise GameError(409, "game_over", "The game has finished.")
        found = self.store.load_player(game.game_id, player_id)
        if found is None:
            raise GameError(404, "no_player", f"No player {player_id} in game {game.game_id}.")
        player = found[0]
        try:
            updated = set_extra_time(player, percent)
        except ExtraTimeRefused as exc:
            status = 400 if exc.code == "bad_extra_time" else 409
            raise GameError(status, exc.code, exc.message) from None
        if not self.store.save_player(game.game_id, updated, player.seq):
            raise GameError(409, "conflict", "The player changed meanwhile; try again.")
        self._note_extra_time_max(game.game_id)
        notice = info_notice(game.game_id, updated, self.clock())
        self.publisher.publish(channels.scores_channel(game.game_id, player_id), [notice.to_dict()])
        log.info("extra time", extra={"gameId": game.game_id, "percent": updated.extra_time})
        return updated

    def _note_extra_time_max(self, game_id: str) -> None:
        """Keep the game row's largest extra time in step with the players' (an admin op:
        it reads every player row)."""

        def run() -> GameState:
            game = self.game(game_id)
            longest = extra_time_max(self.store.load_players(game_id))
            if longest == game.extra_time_max or game.phase is Phase.FINISHED:
                return game
            return self._apply(game, rules.set_extra_time_max(game, longest, self.clock()))

        self._command(run)

    # -- closing a question ------------------------------------------------------------------------

    def closes_at(self, game: GameState) -> int:
        """When the open question closes by itself: its deadline, plus the grace in which the
        answers received before it are still judged (they are refused ``too_late`` after a
        close, however early they were stamped)."""
        return game.deadline + self.deadline_grace_ms

    def close_if_due(self, game: GameState, index: int | None = None) -> GameState:
        """Close the open question if its deadline (and grace) passed: the timer, and lazily
        everywhere."""
        if game.phase is not Phase.QUESTION_OPEN or self.clock() < self.closes_at(game):
            return game
        if index is not None and index != game.question_index:
            return game
        try:
            return self._close(game, CloseReason.DEADLINE)
        except GameError:  # someone else closed it first: read what they wrote
            return self.store.load_game(game.game_id) or game

    def close_if_all_answered(
        self,
        game_id: str,
        active_players: int,
        index: int | None = None,
        seen: int | None = None,
    ) -> GameState | None:
        """The stream consumer's check after a batch of answers to question ``index``, of which
        it has ``seen`` so far: the exact count only once there can be enough of them."""
        if seen is not None and seen < active_players:
            return None
        game = self.store.load_game(game_id)
        if game is None or game.phase is not Phase.QUESTION_OPEN:
            return None
        if index is not None and index != game.question_index:
            return None
        answered = self.store.count_answers(game_id, game.question_index)
        reason = rules.due_close(game, self.clock(), answered=answered, connected=active_players)
        if reason is None:
            return None
        try:
            return self._close(game, reason)
        except GameError:
            return None

    def _close(self, game: GameState, reason: CloseReason) -> GameState:
        if game.phase is not Phase.QUESTION_OPEN or game.question is None:
            raise bad_transition("no question is open")
        self.store.close_answers(game.game_id)  # first: the tally is then final
        tally = self._tally(game)
        step = self._transition(
            lambda: rules.close_question(game, self.clock(), reason=reason, tally=tally)
        )
        after = self._apply(game, step)
        self._send_results(after.game_id, game.question_index)
        return after

    def _send_results(self, game_id: str, index: int) -> None:
        if self.fanout is None:
            self.publish_results(game_id, index)
            return
        try:
            self.fanout.schedule(game_id, index)
        except Exception:  # the reveal is saved and out; a rejoin snapshot has each result
            log.exception("results fan-out not started", extra={"gameId": game_id})

    def publish_results(self, game_id: str, index: int) -> int:
        """Each player who answered question ``index`` gets their result after the reveal (held
        back until now); returns how many were not delivered. The room's new leaderboard
        follows from the stream consumer."""
        game = self.store.load_game(game_id)
        if game is None:
            return 0
        players = self.store.load_players(game.game_id)
        ranks = {s.player_id: s.rank for s in rank_players(players)}
        now = self.clock()
        work: list[tuple[str, Sequence[Mapping[str, Any]]]] = []
        for p in players:
            if p.answered_index != index:
                continue
            message = result_after_reveal(game, p, index, now, ranks.get(p.player_id))
            work.append((channels.scores_channel(game.game_id, p.player_id), [message.to_dict()]))
        failed = self.publisher.publish_each(work)
        if failed:
            log.error("results not delivered", extra={"gameId": game.game_id, "failed": failed})
        return failed

    # -- answers: the onPublish handler of /answer/{gameId} ----------------------------------------

    def on_answers(
        self,
        identity: Mapping[str, Any] | None,
        segments: Sequence[str],
        events: Sequence[Any],
        refused: Callable[[str], None] | None = None,
        received_at: int | None = None,
    ) -> list[dict[str, Any]]:
        """Judge, store and acknowledge a batch of answers published by one player.

        ``received_at``: when the Event API received the publish (the ``onPublish`` handler's
        stamp); the answers are timed from it. Returns one result per event (accepted events
        carry the judged answer, refusals ``error``). ``refused`` hears the code of every
        refusal of the rules (for metrics by reason). DynamoDB that keeps throttling raises
        :class:`StoreBusy` before anything is acknowledged, so the invocation is retried."""
        context = identity.get("handlerContext") if isinstance(identity, Mapping) else None
        if not isinstance(context, Mapping) or len(segments) != 2:
            return [{"id": _event_id(e), "error": "Unauthorized"} for e in events]
        if segments[1] != context.get("gameId"):
            return [{"id": _event_id(e), "error": "Unauthorized"} for e in events]
        game_id = segments[1]
        if self._answer_game(game_id)[0] is None:
            return [{"id": _event_id(e), "error": "There is no such game."} for e in events]
        player_id = str(context.get("playerId"))
        now = received_at if received_at is not None else self.clock()
        results: list[dict[str, Any]] = []
        feed: list[dict[str, Any]] = []
        for event in events:
            payload = event.get("payload") if isinstance(event, Mapping) else None
            game, outcome = self._judge(game_id, player_id, payload, now)
            self._acknowledge(game, outcome)
            if outcome.accepted and outcome.record is not None:
                feed.append(presenter_answer(game, outcome).to_dict())
                results.append({"id": _event_id(event), "payload": feed[-1]})
            else:
                assert outcome.refusal is not None
                results.append({"id": _event_id(event), "error": outcome.refusal.message})
                if refused is not None:
                    refused(outcome.refusal.code.value)
        if feed:
            self._feed_presenter(game_id, feed)
        return results

    def _feed_presenter(self, game_id: str, feed: list[dict[str, Any]]) -> None:
        """The presenter's live answer stream, as the stub sends it (who, what, when; never
        whether it was right). The namespace's ``onPublish`` handler does not broadcast what
        players publish; it broadcasts this IAM publish as it is, without invoking anything."""
        try:
            self.publisher.publish(channels.answer_channel(game_id), feed)
        except PublishFailed:
            log.warning("answer feed not delivered", extra={"gameId": game_id, "n": len(feed)})

    def _answer_game(self, game_id: str, *, fresh: bool = False) -> tuple[GameState | None, bool]:
        """The game as the answer path sees it, and whether it was just read: an open question
        is remembered (it cannot change while open; its closing is caught by the answer's
        transaction)."""
        cached = None if fresh else self._open_games.get(game_id)
        if cached is not None:
            return cached, False
        game = self.store.load_game(game_id)
        self._open_games.pop(game_id, None)
        if game is not None and game.phase is Phase.QUESTION_OPEN:
            if len(self._open_games) >= CACHED_GAMES:
                self._open_games.pop(next(iter(self._open_games)))
            self._open_games[game_id] = game
        return game, True

    def _fresh_game(self, game_id: str, fallback: GameState) -> GameState:
        return self._answer_game(game_id, fresh=True)[0] or fallback

    def _judge(
        self, game_id: str, player_id: str, payload: object, now: int
    ) -> tuple[GameState, AnswerOutcome]:
        """Judge one answer received at ``now`` and store it if accepted; the game it was
        judged on, with the outcome. Acknowledged only after this returns: stored, or refused."""
        found_game, fresh = self._answer_game(game_id)
        assert found_game is not None
        game = found_game
        try:
            answer = parse_answer(payload, game_id=game_id)
        except MessageError as exc:
            found = self.store.load_player(game_id, player_id)
            return game, refuse_malformed(player_id, found[0] if found else None, exc)
        for _ in range(JUDGE_ATTEMPTS):
            found = self.store.load_player(game_id, player_id)
            player = found[0] if found else None
            outcome = submit_answer(game, player_id, player, answer, now)
            if not fresh and not outcome.accepted:
                # A refusal judged on the remembered question may be wrong (it may be an old
                # one, or the game may be over): refusals are rare, ask the table.
                game, fresh = self._fresh_game(game_id, game), True
                outcome = submit_answer(game, player_id, player, answer, now)
            if player is None or outcome.player is None:
                return game, outcome
            if not outcome.accepted or outcome.record is None:
                self.store.save_player(game_id, outcome.player, player.seq)  # fresh receipt seq
                return game, outcome
            try:
                if self.store.record_answer(game_id, outcome.player, player.seq, outcome.record):
                    return game, outcome
            except AnswersClosed:
                # Closed after the answer was judged: judge it on the game as it is now (a
                # question being closed right now counts as closed: its gates are shut).
                game, fresh = self._fresh_game(game_id, game), True
                if game.phase is Phase.QUESTION_OPEN:
                    game = replace(game, phase=Phase.QUESTION_CLOSED)
            # else a lost race (a resend processed concurrently, or a kick): the stored row
            # decides on the next round
        raise StoreBusy(f"answer of {player_id} in {game_id}: still racing after retries")

    def _acknowledge(self, game: GameState, outcome: AnswerOutcome) -> None:
        """The player's receipt on their scores channel: "locked in" or the refusal's reason.
        While the question is open it carries the standings as at its opening, nothing more."""
        if outcome.player is None:
            return
        before = row_before_answer(outcome.player, game.question_index)
        shown = Shown(before.score, before.streak, None)  # no rank: it would cost a query
        message = receipt(game, outcome, self.clock(), rank=None, shown=shown)
        self.publisher.publish(
            channels.scores_channel(game.game_id, outcome.player_id), [message.to_dict()]
        )

    # -- announcements made by the stream consumer ---------------------------------------------------

    def announce_lobby(self, game_id: str, players: int) -> None:
        self._announce(
            game_id,
            lambda g: rules.lobby_update(g, self.clock(), players=players),
            skip=lambda g: g.phase is not Phase.LOBBY,
        )

    def publish_leaderboard(self, game_id: str) -> None:
        """Top-10 from the Rank index; never while a question is open (nothing public moves)."""
        top = rank_players(self.store.top_players(game_id, TOP_N))
        count = self.store.player_count(game_id)
        teams = self._team_board(game_id)
        self._announce(
            game_id,
            lambda g: rules.leaderboard_update(
                g, self.clock(), standings=top, players=count, teams=teams
            ),
            skip=lambda g: g.phase is Phase.QUESTION_OPEN,
            extra="leaderboard",
        )

    def _announce(
        self,
        game_id: str,
        make: Callable[[GameState], Step],
        *,
        skip: Callable[[GameState], bool],
        extra: str | None = None,
    ) -> None:
        """Announcements take the next seq, so they race with admin commands: reload, retry."""
        for _ in range(5):
            game = self.store.load_game(game_id)
            if game is None or skip(game):
                return
            step = make(game)
            try:
                self._apply(game, step)
            except GameError:
                continue
            if extra is not None:
                for a in step.announcements:
                    self.store.save_extra(game_id, extra, a.message.to_dict())
            return
        log.warning("announcement gave up after conflicts", extra={"gameId": game_id})

    def _team_board(self, game_id: str) -> list[TeamStanding]:
        """The team board (team mode only: it reads every player row)."""
        game = self.store.load_game(game_id)
        if game is None or not game.teams:
            return []
        return team_board(game.teams, self.store.load_players(game_id))

    # -- presenter views ---------------------------------------------------------------------------

    def presenter_view(self, game: GameState) -> dict[str, Any]:
        players = self.store.load_players(game.game_id)
        public = {p.player_id: p for p in public_rows(game, players)}
        standings = rank_players(public.values())
        ranks = {s.player_id: s.rank for s in standings}
        reveal = None
        if game.phase in (Phase.QUESTION_CLOSED, Phase.FINISHED):
            reveal = self.store.load_extras(game.game_id).get("reveal")
        rows = [
            presenter_row(
                game,
                p,
                score=public[p.player_id].score,
                correct_count=public[p.player_id].correct_count,
                rank=ranks.get(p.player_id),
                connected=None,  # AppSync does not tell: see docs/deploy.md
            )
            for p in players
        ]
        return presenter_view(
            game,
            rows,
            reveal=reveal,
            player_count=sum(1 for p in players if p.active),
            connected_count=None,
            leaderboard=rules.entries(standings, TOP_N, game),
            teams=rules.team_entries(team_board(game.teams, list(public.values()))),
            server_time=self.clock(),
        )

    def list_games(self) -> list[dict[str, Any]]:
        return [
            {
                "gameId": g.game_id,
                "title": g.quiz.title,
                "phase": g.phase.value,
                "playerCount": self.store.player_count(g.game_id),
                "createdAt": g.created_at,
            }
            for g in self.store.list_games()
        ]

    def results(self, code: str) -> dict[str, Any]:
        game = self.game(code)
        return build_results(
            game, self.store.load_players(game.game_id), self.store.load_answers(game.game_id)
        )

    # -- plumbing ---------------------------------------------------------------------------------

    def _tally(self, game: GameState) -> Tally:
        question = game.question
        assert question is not None
        answers = self.store.load_answers(game.game_id, game.question_index)
        return tally_answers(game.question_index, question.tally_size, answers)

    @staticmethod
    def _transition(command: Callable[[], Step]) -> Step:
        try:
            return command()
        except IllegalTransition as exc:
            raise bad_transition(exc.message) from None

    def _apply(self, game: GameState, step: Step) -> GameState:
        """Persist first (conditional on the seq we read), then announce."""
        if not self.store.save_game(step.game, game.seq):
            raise game_conflict()
        for announcement in step.announcements:
            if isinstance(announcement.message, QuestionClosedMsg):
                self.store.save_extra(game.game_id, "reveal", announcement.message.reveal.to_dict())
            self.publisher.publish(announcement.channel, [announcement.message.to_dict()])
        return step.game


def _event_id(event: object) -> str:
    return str(event.get("id", "")) if isinstance(event, Mapping) else ""


def _standings(leaderboard: Mapping[str, Any] | None) -> list[Standing]:
    """A published leaderboard's entries as standings (what a snapshot shows of them)."""
    if leaderboard is None:
        return []
    try:
        message = LeaderboardMsg.from_dict(leaderboard)
    except MessageError:
        return []
    return [
        Standing(
            rank=e.rank,
            player_id=e.player_id,
            name=e.name,
            score=e.score,
            correct_ms=0,
            correct_count=0,
        )
        for e in message.entries
    ]
