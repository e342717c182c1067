"""The game backend of the stub: the same rules as the Lambdas, hosted in-process.

It plugs into the Event API through its hooks — namespaces with the auth of docs/architecture.md, the
player authorizer, the answer ``onPublish`` handler, the scores ``onSubscribe`` check — and
publishes as the backend (in-process, the stub's equivalent of IAM). Every state change is
written to the store before it is announced.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from backend_stub.config import NamespaceConfig
from backend_stub.game.commits import GroupCommit
from backend_stub.game.game_runtime import GameRuntime
from backend_stub.game.sqlite_store import SqliteStore
from backend_stub.hooks import HandlerError, Unauthorized
from backend_stub.logs import LimitedLog, LogLimiter
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
from quizwire.game import Announcement, IllegalTransition, Step
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
from quizwire.leaderboard import TOP_N
from quizwire.messages import (
    AnswerMsg,
    LeaderboardMsg,
    QuestionClosedMsg,
    Reveal,
    ScoreMsg,
    parse_answer,
)
from quizwire.names import NicknameError, check_nickname
from quizwire.player_tokens import (
    PlayerCredential,
    denied,
    hash_secret,
    names_player,
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
from quizwire.snapshot import build_snapshot, player_view, published_teams
from quizwire.state import (
    CloseReason,
    GameOptions,
    Phase,
    PlayerState,
    PlayerStatus,
)
from quizwire.store import NameTaken
from quizwire.tally import Tally, tally_answers
from quizwire.teams import TeamError, TeamStanding, team_board

if TYPE_CHECKING:
    from backend_stub.registry import Subscription
    from backend_stub.server import EventApiServer

log = logging.getLogger("quizwire.stub.game")

PUBLIC_SUBSCRIBE = ("API_KEY", "AWS_LAMBDA", "AWS_IAM")
VERIFIED_TOKENS_MAX = 100_000  # tokens whose secret matched, remembered (then forgotten at once)
LOBBY_DELIVERIES_PER_S = 5000  # at 10,000 players the lobby count is announced every 2 s
BACKEND_ONLY = ("AWS_IAM",)


class GameService:
    def __init__(
        self,
        store: SqliteStore,
        *,
        clock: Callable[[], int] = wall_ms,
        coalesce_interval: float = 0.5,
        authorizer_ttl: int = 60,
    ) -> None:
        self.store = store
        self._commits = GroupCommit(store)  # answers: one transaction per event-loop turn
        self.clock = clock
        self.coalesce_interval = coalesce_interval
        self.authorizer_ttl = authorizer_ttl
        self.games: dict[str, GameRuntime] = {}
        self.answers_accepted = 0
        self.answers_refused: dict[str, int] = {}
        self.leaderboard_publishes = 0
        self._verified: dict[str, tuple[str, str]] = {}  # token -> (game, player): secret matched
        self._refusal_log = LimitedLog(log, LogLimiter(rate=1.0, burst=3.0))
        self._lifecycle_log = LimitedLog(log, LogLimiter(rate=100.0, burst=500.0))
        self._server: EventApiServer | None = None
        self._coalescer: asyncio.Task[None] | None = None
        self._load()

    # -- wiring ---------------------------------------------------------------------------------

    def namespaces(self) -> tuple[NamespaceConfig, ...]:
        """The game namespaces with exactly the auth of the channel table (docs/architecture.md)."""
        return (
            NamespaceConfig(
                "game", BACKEND_ONLY, PUBLIC_SUBSCRIBE, on_subscribe=self._check_game_subscribe
            ),
            NamespaceConfig(
                "question", BACKEND_ONLY, PUBLIC_SUBSCRIBE, on_subscribe=self._check_game_subscribe
            ),
            NamespaceConfig(
                "leaderboard",
                BACKEND_ONLY,
                PUBLIC_SUBSCRIBE,
                on_subscribe=self._check_game_subscribe,
            ),
            NamespaceConfig("answer", ("AWS_LAMBDA",), ("AWS_IAM",), on_publish=self._on_answers),
            NamespaceConfig(
                "scores", BACKEND_ONLY, ("AWS_LAMBDA",), on_subscribe=self._check_scores_subscribe
            ),
        )

    def attach(self, server: EventApiServer) -> None:
        self._server = server
        server.subscription_closed.append(self._on_subscription_closed)

    async def start(self) -> None:
        for runtime in self.games.values():
            self._schedule_deadline(runtime)
        self._coalescer = asyncio.create_task(self._coalesce_loop(), name="game-coalescer")

    async def stop(self) -> None:
        self._commits.flush()
        for runtime in self.games.values():
            if runtime.timer is not None:
                runtime.timer.cancel()
        if self._coalescer is not None:
            self._coalescer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._coalescer

    def _load(self) -> None:
        """Rebuild every game from the store: a restarted stub carries on where it stopped."""
        for game in self.store.list_games():
            runtime = GameRuntime(game)
            for player in self.store.load_players(game.game_id):
                runtime.add_player(
                    player, self.store.secret_hash(game.game_id, player.player_id) or ""
                )
            question = game.question
            if question is not None and game.phase is Phase.QUESTION_OPEN:
                runtime.tally = tally_answers(
                    game.question_index,
                    question.tally_size,
                    self.store.load_answers(game.game_id, game.question_index),
                )
                runtime.freeze()  # the answers already given stay hidden until the reveal
            extras = self.store.load_extras(game.game_id)
            runtime.last_reveal = extras.get("reveal")
            runtime.last_leaderboard = extras.get("leaderboard")
            self.games[game.game_id] = runtime
        if self.games:
            log.info("restored %d game(s) from the store", len(self.games))

    # -- lookups -----------------------------------------------------------------------------------

    def runtime(self, code: str) -> GameRuntime:
        runtime = self.games.get(code.upper()) if isinstance(code, str) else None
        if runtime is None:
            raise not_found(code)
        return runtime

    def entry_info(self, code: str) -> dict[str, Any]:
        runtime = self.runtime(code)
        game = runtime.game
        if game.phase is Phase.FINISHED:
            raise GameError(
                410,
                "finished",
                f"Game {game.game_id} has finished. Ask the host for the next game's code.",
            )
        return {
            "gameId": game.game_id,
            "title": game.quiz.title,
            "phase": game.phase.value,
            "playerCount": runtime.active_count,
            "questionCount": game.total_questions,
            "acceptingPlayers": game.accepting_players,
            "teams": list(game.teams),
        }

    def authenticate_player(self, code: str, token: str | None) -> tuple[GameRuntime, PlayerState]:
        runtime = self.runtime(code)
        credential = parse_token(token or "")
        if credential is None or credential.game_id != runtime.game_id:
            raise bad_credential()
        stored = runtime.secret_hashes.get(credential.player_id)
        player = runtime.players.get(credential.player_id)
        if player is None or not secret_matches(credential.secret, stored):
            raise bad_credential()
        if not player.active:
            raise GameError(403, removed_code(player), removed_text(player))
        return runtime, player

    # -- the authorizer (AWS_LAMBDA mode) and subscription checks --------------------------------

    def authorize(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """The player authorizer: the same contract as the deployed Lambda authorizer."""
        token = str(request.get("authorizationToken") or "")
        owner = self._verified.get(token)  # whose secret this token was found to carry
        if owner is None:
            credential = parse_token(token)
            if credential is None:
                return denied()
            owner = credential.game_id, credential.player_id
            runtime = self.games.get(credential.game_id)
            stored = runtime.secret_hashes.get(credential.player_id) if runtime else None
            if stored is None or not secret_matches(credential.secret, stored):
                return denied()
            if len(self._verified) >= VERIFIED_TOKENS_MAX:
                self._verified.clear()
            self._verified[token] = owner  # a secret never changes: hash it once per token
        runtime = self.games.get(owner[0])
        player = runtime.players.get(owner[1]) if runtime is not None else None
        if runtime is None or player is None or not player.active:  # asked every time
            return denied()
        return {
            "isAuthorized": True,
            "handlerContext": {
                "gameId": runtime.game_id,
                "playerId": player.player_id,
                "name": player.name,
            },
            "ttlOverride": self.authorizer_ttl,
        }

    @staticmethod
    def _player_context(ctx: Mapping[str, Any]) -> dict[str, Any] | None:
        identity = ctx.get("identity")
        if isinstance(identity, Mapping) and isinstance(identity.get("handlerContext"), Mapping):
            return dict(identity["handlerContext"])
        return None

    def _check_game_subscribe(self, ctx: dict[str, Any]) -> None:
        """Public game channels: exactly one game's (no wildcard, for anyone: backend/appsync/
        public.js), and a player token only reaches its own game's."""
        player = self._player_context(ctx)
        segments = ctx["info"]["channel"]["segments"]
        if len(segments) != 2 or segments[1] == "*":
            raise Unauthorized()
        if player is not None and segments[1] != player.get("gameId"):
            raise Unauthorized()

    def _check_scores_subscribe(self, ctx: dict[str, Any]) -> None:
        """``/scores/{gameId}/{playerId}``: only that player, never a wildcard."""
        player = self._player_context(ctx)
        segments = ctx["info"]["channel"]["segments"]
        if (
            player is None
            or len(segments) != 3
            or segments[1] != player.get("gameId")
            or segments[2] != player.get("playerId")
        ):
            raise Unauthorized()
        runtime = self.games.get(segments[1])
        if runtime is not None:
            pid = segments[2]
            runtime.connected[pid] = runtime.connected.get(pid, 0) + 1
            if runtime.game.phase is Phase.QUESTION_OPEN:
                runtime.expect_answer(pid)

    def _on_subscription_closed(self, sub: Subscription) -> None:
        if sub.channel.namespace != "scores" or len(sub.channel.segments) != 3:
            return
        runtime = self.games.get(sub.channel.segments[1])
        if runtime is not None:
            pid = sub.channel.segments[2]
            left = runtime.connected.get(pid, 0) - 1
            if left > 0:
                runtime.connected[pid] = left
            else:
                runtime.connected.pop(pid, None)
            self._maybe_close_all_answered(runtime)

    # -- entry: join and rejoin ----------------------------------------------------------------------

    async def join(
        self, code: str, raw_name: object, raw_team: object = None
    ) -> tuple[PlayerCredential, PlayerState]:
        runtime = self.runtime(code)
        try:
            rules.check_can_join(runtime.game)
        except rules.JoinRefused as exc:
            raise GameError(exc.status, exc.code, exc.message) from None
        try:
            team = assign_team(runtime.game, raw_team, runtime.players.values())
        except TeamError as exc:
            raise GameError(400, exc.code, exc.message) from None
        try:
            name = check_nickname(
                raw_name if isinstance(raw_name, str) else "", runtime.taken_names
            )
        except NicknameError as exc:
            status, code_ = (409, "name_taken") if exc.code == "taken" else (400, "bad_name")
            raise GameError(status, code_, exc.message) from None
        credential = new_credential(runtime.game_id)
        player = PlayerState(
            player_id=credential.player_id,
            name=name,
            join_order=len(runtime.players),
            joined_at=self.clock(),
            team=team,
        )
        secret_hash = hash_secret(credential.secret)
        runtime.add_player(player, secret_hash)  # the name is taken at once, for joins racing in
        try:  # stored with the other joins of this loop turn; the credential only once stored
            await self._commits.stage_write(
                functools.partial(self.store.add_player, runtime.game_id, player, secret_hash)
            )
        except BaseException as exc:
            runtime.remove_player(player)
            if isinstance(exc, NameTaken):
                raise GameError(
                    409,
                    "name_taken",
                    f"Someone in this game is already called {name!r}; pick another.",
                ) from None
            raise
        runtime.lobby_dirty = True
        self._lifecycle_log.info(
            "player_joined",
            "player joined",
            {
                "event": "player_joined",
                "game": runtime.game_id,
                "player": player.player_id,
                "nickname": name,
            },
        )
        return credential, player

    def snapshot(self, code: str, token: str | None) -> dict[str, Any]:
        runtime, player = self.authenticate_player(code, token)
        self._commits.flush()  # nothing leaves the process before it is stored
        game = runtime.game
        public = runtime.public_standing(player)
        you = player_view(
            game,
            player,
            rank=public.rank,
            total=public.score,
            streak=public.streak if runtime.frozen is not None else None,
        )
        last_reveal = runtime.last_reveal
        snap = build_snapshot(
            game,
            self.clock(),
            you=you,
            standings=runtime.public_top(TOP_N),
            players=runtime.active_count,
            reveal=None if last_reveal is None else Reveal.from_dict(last_reveal),
            teams=published_teams(runtime.last_leaderboard),
        )
        return snap.to_dict()

    # -- admin commands ---------------------------------------------------------------------------

    async def create_game(self, quiz: Quiz, options: GameOptions | None = None) -> GameRuntime:
        for _ in range(20):
            code = channels.new_game_id()
            if code not in self.games:
                break
        else:  # pragma: no cover - 30^6 codes
            raise no_code()
        game = rules.new_game(code, quiz, options, now_ms=self.clock())
        self._commits.flush()
        self.store.create_game(game)
        runtime = GameRuntime(game)
        self.games[code] = runtime
        log.info("game %s created: %s (%d questions)", code, quiz.title, game.total_questions)
        await self._announce_lobby(runtime)
        return runtime

    async def set_locked(self, code: str, locked: bool) -> GameRuntime:
        """The host's "no new players" switch; players already in may still rejoin."""
        runtime = self.runtime(code)
        await self._apply(
            runtime, self._transition(lambda: rules.set_locked(runtime.game, locked, self.clock()))
        )
        log.info("game %s %s", runtime.game_id, "locked" if locked else "unlocked")
        return runtime

    async def start_game(self, code: str) -> GameRuntime:
        runtime = self.runtime(code)
        await self._apply(
            runtime, self._transition(lambda: rules.start_game(runtime.game, self.clock()))
        )
        self._question_opened(runtime)
        return runtime

    async def next_question(self, code: str) -> GameRuntime:
        runtime = self.runtime(code)
        game = runtime.game
        podium = runtime.top(TOP_N) if game.is_last_question else None
        teams = self._team_board(runtime) if game.is_last_question else []
        step = self._transition(
            lambda: rules.next_question(game, self.clock(), podium=podium, teams=teams)
        )
        await self._apply(runtime, step)
        if runtime.game.phase is Phase.QUESTION_OPEN:
            self._question_opened(runtime)
        else:
            await self._publish_leaderboard(runtime)
        return runtime

    async def reveal(self, code: str) -> GameRuntime:
        runtime = self.runtime(code)
        await self._close(runtime, CloseReason.PRESENTER)
        return runtime

    async def end_game(self, code: str) -> GameRuntime:
        runtime = self.runtime(code)
        game = runtime.game
        tally = runtime.tally if game.phase is Phase.QUESTION_OPEN else None
        if tally is None and game.phase is Phase.QUESTION_OPEN and game.question is not None:
            tally = Tally.empty(game.question_index, game.question.tally_size)
        podium = runtime.top(TOP_N)
        teams = self._team_board(runtime, live=True)  # as the podium: answers given count
        step = self._transition(
            lambda: rules.end_game(game, self.clock(), podium=podium, tally=tally, teams=teams)
        )
        was_open = game.phase is Phase.QUESTION_OPEN
        await self._apply(runtime, step)
        self._cancel_timer(runtime)
        if was_open:
            await self._reveal_results(runtime, game.question_index)
        runtime.thaw()
        await self._publish_leaderboard(runtime)
        return runtime

    async def set_player_status(
        self, code: str, player_id: str, status: PlayerStatus
    ) -> PlayerState:
        runtime = self.runtime(code)
        player = runtime.players.get(player_id)
        if player is None:
            raise no_player(runtime.game_id, player_id)
        try:
            updated = set_status(player, status)
        except StatusRefused as exc:
            raise GameError(409, exc.code, exc.message) from None
        self._commits.flush()
        if not self.store.save_player(runtime.game_id, updated, player.seq):
            raise player_conflict()
        runtime.put_player(updated)
        notice = removal_notice(runtime.game_id, updated, self.clock())
        if notice is not None and self._server is not None:
            # before forgetting the credential: the player's live subscription still receives it
            await self._server.publish_internal(
                channels.scores_channel(runtime.game_id, player_id), [notice.to_dict()]
            )
        # ``connected`` keeps counting their live subscriptions (it is what the socket layer
        # tells us): a kicked player drops out of the active counts, a readmitted one is back.
        if self._server is not None:
            # Every cached decision on this player's token goes, allow and deny alike: a kick
            # and a readmit both take effect on the next operation, not after a cache TTL.
            game_id = runtime.game_id
            self._server.authn.forget(lambda token: names_player(token, game_id, player_id))
        runtime.lobby_dirty = True
        runtime.leaderboard_dirty = True  # the team board too: a removed player leaves the mean
        log.info("game %s: player %s %s", runtime.game_id, player_id, status.value)
        if updated.extra_time:
            await self._note_extra_time_max(runtime)
        self._maybe_close_all_answered(runtime)
        return updated

    async def set_extra_time(self, code: str, player_id: str, percent: object) -> PlayerState:
        """The host gives a player more time on every question (percent of each limit)."""
        runtime = self.runtime(code)
        player = runtime.players.get(player_id)
        if player is None:
            raise GameError(404, "no_player", f"No player {player_id} in game {runtime.game_id}.")
        if runtime.game.phase is Phase.FINISHED:
            raise GameError(409, "game_over", "The game has finished.")
        try:
            updated = set_extra_time(player, percent)
        except ExtraTimeRefused as exc:
            raise GameError(
                400 if exc.code == "bad_extra_time" else 409, exc.code, exc.message
            ) from None
        self._commits.flush()
        if not self.store.save_player(runtime.game_id, updated, player.seq):
            raise GameError(409, "conflict", "The player changed meanwhile; try again.")
        runtime.put_player(updated)
        await self._note_extra_time_max(runtime)
        if self._server is not None:  # the player's own countdown follows at once
            notice = info_notice(runtime.game_id, updated, self.clock())
            self._server.deliver_internal(
                channels.scores_channel(runtime.game_id, player_id), notice.to_dict()
            )
        log.info("game %s: player %s extra time %s%%", runtime.game_id, player_id, percent)
        return updated

    async def _note_extra_time_max(self, runtime: GameRuntime) -> None:
        longest = extra_time_max(runtime.players.values())
        if longest != runtime.game.extra_time_max:
            await self._apply(
                runtime, rules.set_extra_time_max(runtime.game, longest, self.clock())
            )

    @staticmethod
    def _team_board(runtime: GameRuntime, *, live: bool = False) -> list[TeamStanding]:
        """The team board as the room may see it: frozen at the opening of an open question
        (unless ``live``); empty outside team mode."""
        teams = runtime.game.teams
        if not teams:
            return []
        rows: Sequence[PlayerState] = list(runtime.players.values())
        if runtime.frozen is not None and not live:
            rows = [row_before_answer(p, runtime.game.question_index) for p in rows]
        return team_board(teams, rows)

    def _transition(self, command: Callable[[], Step]) -> Step:
        try:
            return command()
        except IllegalTransition as exc:
            raise bad_transition(exc.message) from None

    # -- applying steps: persist first, then announce -------------------------------------------------

    async def _apply(self, runtime: GameRuntime, step: Step) -> None:
        # Answers judged before this step are stored (and their receipts out) before it is.
        self._commits.flush()
        if not self.store.save_game(step.game, runtime.game.seq):
            raise game_conflict()
        runtime.game = step.game
        for announcement in step.announcements:
            if isinstance(announcement.message, QuestionClosedMsg):
                runtime.last_reveal = announcement.message.reveal.to_dict()
                self.store.save_extra(runtime.game_id, "reveal", runtime.last_reveal)
            await self._publish(announcement)

    async def _publish(self, announcement: Announcement) -> None:
        if self._server is None:
            return
        await self._server.publish_internal(announcement.channel, [announcement.message.to_dict()])

    def _question_opened(self, runtime: GameRuntime) -> None:
        question = runtime.game.question
        assert question is not None
        runtime.tally = Tally.empty(runtime.game.question_index, question.tally_size)
        runtime.freeze()
        runtime.expect_answers()
        self._schedule_deadline(runtime)

    def _schedule_deadline(self, runtime: GameRuntime) -> None:
        self._cancel_timer(runtime)
        game = runtime.game
        if game.phase is not Phase.QUESTION_OPEN:
            return
        delay = max(0.0, (game.deadline - self.clock()) / 1000)
        loop = asyncio.get_running_loop()
        index = game.question_index
        runtime.timer = loop.call_later(
            delay, lambda: loop.create_task(self._deadline_reached(runtime.game_id, index))
        )

    def _cancel_timer(self, runtime: GameRuntime) -> None:
        if runtime.timer is not None:
            runtime.timer.cancel()
            runtime.timer = None

    async def _deadline_reached(self, game_id: str, index: int) -> None:
        runtime = self.games.get(game_id)
        if runtime is None or runtime.game.phase is not Phase.QUESTION_OPEN:
            return
        if runtime.game.question_index != index:
            return
        if self.clock() < runtime.game.deadline:  # the loop's clock ran ahead of the wall clock
            self._schedule_deadline(runtime)
            return
        try:
            await self._close(runtime, CloseReason.DEADLINE)
        except GameError:
            log.exception("closing game %s at its deadline failed", game_id)

    async def _close(self, runtime: GameRuntime, reason: CloseReason) -> None:
        game = runtime.game
        tally = runtime.tally
        if tally is None and game.question is not None:
            tally = Tally.empty(game.question_index, game.question.tally_size)
        if tally is None:
            raise bad_transition("no question is open")
        step = self._transition(
            lambda: rules.close_question(game, self.clock(), reason=reason, tally=tally)
        )
        self._cancel_timer(runtime)
        await self._apply(runtime, step)
        await self._reveal_results(runtime, game.question_index)
        await self._publish_leaderboard(runtime)

    async def _reveal_results(self, runtime: GameRuntime, index: int) -> None:
        """After the reveal: each player who answered gets their result, then the room sees the
        new standings. Results were held back while the question was open."""
        runtime.thaw()
        if self._server is None:
            return
        now = self.clock()
        answered = [p for p in runtime.players.values() if p.answered_index == index]
        for position, player in enumerate(answered):
            rank = runtime.ranks.rank(player.player_id)
            message = result_after_reveal(runtime.game, player, index, now, rank)
            self._deliver_score(runtime, player.player_id, message)
            if position % 500 == 499:
                await asyncio.sleep(0)  # thousands of results: let the loop breathe

    def _maybe_close_all_answered(self, runtime: GameRuntime) -> None:
        game = runtime.game
        if game.phase is not Phase.QUESTION_OPEN or runtime.tally is None:
            return
        # "Every connected player answered" counts the answers of the players connected now:
        # an answer from a player who then dropped (or was kicked) must not stand in for a
        # connected player who has not answered yet. Amortised O(1) per answer: see
        # GameRuntime.first_thinking; the players are counted once, when nobody is left.
        if runtime.closing_index == game.question_index or runtime.first_thinking() is not None:
            return
        connected = runtime.connected_active
        reason = rules.due_close(game, self.clock(), answered=connected, connected=connected)
        if reason is CloseReason.ALL_ANSWERED:
            runtime.closing_index = game.question_index
            asyncio.get_running_loop().create_task(
                self._close_if_open(runtime, game.question_index, reason)
            )

    async def _close_if_open(self, runtime: GameRuntime, index: int, reason: CloseReason) -> None:
        if runtime.game.phase is Phase.QUESTION_OPEN and runtime.game.question_index == index:
            with contextlib.suppress(GameError):
                await self._close(runtime, reason)

    # -- answers: the onPublish handler of /answer/{gameId} -----------------------------------------

    async def _on_answers(self, ctx: dict[str, Any]) -> list[dict[str, Any]]:
        player_ctx = self._player_context(ctx)
        segments = ctx["info"]["channel"]["segments"]
        if player_ctx is None or len(segments) != 2 or segments[1] != player_ctx.get("gameId"):
            raise Unauthorized()  # a player answers only in their own game, as themselves
        runtime = self.games.get(segments[1])
        if runtime is None:
            raise HandlerError("There is no such game.")
        player_id = str(player_ctx.get("playerId"))
        events = ctx["events"] or []
        # Judged at once, in order, from memory (a second answer in one publish sees the
        # first); stored with every other write of this loop turn; told only once stored.
        judged = [self._judge(runtime, player_id, event.get("payload")) for event in events]
        results: list[dict[str, Any]] = []
        accepted_any = False
        for event, pending in zip(events, judged, strict=True):
            if isinstance(pending, AnswerOutcome):
                outcome = pending
            else:
                outcome = await self._stored(runtime, player_id, pending)
            if outcome.accepted and outcome.record is not None:
                accepted_any = True
                message = presenter_answer(runtime.game, outcome)
                results.append({"id": event["id"], "payload": message.to_dict()})
            else:
                assert outcome.refusal is not None
                results.append({"id": event["id"], "error": outcome.refusal.message})
        if accepted_any:
            self._maybe_close_all_answered(runtime)
        return results

    def _judge(
        self, runtime: GameRuntime, player_id: str, payload: object
    ) -> AnswerOutcome | asyncio.Future[AnswerOutcome]:
        """Validate and score one answer against the game in memory and apply it there; stage
        its write. The outcome itself when there is nothing to store (an unknown player)."""
        player = runtime.players.get(player_id)
        now = self.clock()
        answer: AnswerMsg | None = None
        try:
            answer = parse_answer(payload, game_id=runtime.game_id)
        except MessageError as exc:
            outcome = refuse_malformed(player_id, player, exc)
        else:
            outcome = submit_answer(runtime.game, player_id, player, answer, now)
        if player is None or outcome.player is None:
            self._count_refusal(runtime, outcome)
            return outcome
        game_id, row = runtime.game_id, outcome.player
        record = outcome.record
        if outcome.accepted and record is not None and answer is not None:
            tally = runtime.tally
            if tally is not None and tally.question_index == record.question_index:
                runtime.tally = tally.add(record)
            runtime.put_player(row)
            return self._commits.stage(
                functools.partial(self.store.record_answer, game_id, row, player.seq, record),
                functools.partial(
                    self._answer_stored,
                    runtime,
                    player,
                    answer,
                    now,
                    outcome,
                    self._receipt(runtime, outcome),
                ),
            )
        self._count_refusal(runtime, outcome)
        runtime.put_player(row)
        return self._commits.stage(
            functools.partial(self.store.save_player, game_id, row, player.seq),
            functools.partial(
                self._refusal_stored, runtime, outcome, self._receipt(runtime, outcome)
            ),
        )

    async def _stored(
        self, runtime: GameRuntime, player_id: str, pending: asyncio.Future[AnswerOutcome]
    ) -> AnswerOutcome:
        try:
            return await pending
        except Exception:
            log.exception("game %s: storing an answer from %s failed", runtime.game_id, player_id)
            self._resync(runtime, player_id)
            raise HandlerError("There was an error processing the message") from None

    def _answer_stored(
        self,
        runtime: GameRuntime,
        before: PlayerState,
        answer: AnswerMsg,
        now: int,
        outcome: AnswerOutcome,
        receipt: ScoreMsg,
        stored: bool,
    ) -> AnswerOutcome:
        """After the commit: the receipt goes out, or, if the store already held an answer of
        this player to this question (or their row moved), the stored one counts."""
        if stored:
            self.answers_accepted += 1
            self._deliver_score(runtime, outcome.player_id, receipt)
            return outcome
        player_id = outcome.player_id
        runtime.put_player(before)  # unless the store has a row for them
        self._resync(runtime, player_id)
        retry = submit_answer(runtime.game, player_id, runtime.players[player_id], answer, now)
        log.warning(
            "game %s: answer from %s lost a race: %s", runtime.game_id, player_id, retry.refusal
        )
        self._count_refusal(runtime, retry)
        self._deliver_score(runtime, player_id, self._receipt(runtime, retry))
        return retry

    def _refusal_stored(
        self, runtime: GameRuntime, outcome: AnswerOutcome, receipt: ScoreMsg, _stored: bool
    ) -> AnswerOutcome:
        self._deliver_score(runtime, outcome.player_id, receipt)
        return outcome

    def _resync(self, runtime: GameRuntime, player_id: str) -> None:
        """Memory ran ahead of a write the store refused or failed: take the player's row and
        the open question's tally back from the store."""
        self._commits.flush()  # whatever else memory holds is stored first
        stored = {p.player_id: p for p in self.store.load_players(runtime.game_id)}
        if player_id in stored:
            runtime.put_player(stored[player_id])
        game = runtime.game
        if game.phase is Phase.QUESTION_OPEN and game.question is not None:
            runtime.tally = tally_answers(
                game.question_index,
                game.question.tally_size,
                self.store.load_answers(game.game_id, game.question_index),
            )

    def _count_refusal(self, runtime: GameRuntime, outcome: AnswerOutcome) -> None:
        if outcome.refusal is not None:
            code = outcome.refusal.code.value
            self.answers_refused[code] = self.answers_refused.get(code, 0) + 1
            self._refusal_log.info(
                ("answer_refused", code),
                "answer refused",
                {
                    "event": "answer_refused",
                    "game": runtime.game_id,
                    "player": outcome.player_id,
                    "reason": code,
                },
            )

    def _receipt(self, runtime: GameRuntime, outcome: AnswerOutcome) -> ScoreMsg:
        """The player's immediate receipt (quizwire.receipts): while the question is open it
        shows the frozen public standing (refusals too: nothing may hint), and no rank is
        asked of a burst."""
        if runtime.game.phase is not Phase.QUESTION_OPEN or outcome.player is None:
            rank = runtime.ranks.rank(outcome.player_id)
            return receipt(runtime.game, outcome, self.clock(), rank=rank, shown=Shown(0, 0, None))
        public = runtime.public_standing(outcome.player)
        shown = Shown(public.score, public.streak, public.rank)
        return receipt(runtime.game, outcome, self.clock(), rank=None, shown=shown)

    def _deliver_score(self, runtime: GameRuntime, player_id: str, message: ScoreMsg) -> None:
        if self._server is not None:
            self._server.deliver_internal(
                channels.scores_channel(runtime.game_id, player_id), message.to_dict()
            )

    # -- coalesced announcements: lobby count and leaderboard -------------------------------------

    async def _coalesce_loop(self) -> None:
        while True:
            await asyncio.sleep(self.coalesce_interval / 2)
            for runtime in list(self.games.values()):
                try:
                    await self.flush(runtime)
                except Exception:
                    log.exception("coalesced publish for game %s failed", runtime.game_id)

    async def flush(self, runtime: GameRuntime, *, force: bool = False) -> None:
        now = time.monotonic()
        due = force or now - runtime.last_lobby_at >= self._lobby_interval(runtime)
        if runtime.lobby_dirty and due and runtime.game.phase is Phase.LOBBY:
            await self._announce_lobby(runtime)
        due = force or now - runtime.last_leaderboard_at >= self.coalesce_interval
        if runtime.leaderboard_dirty and due and runtime.game.phase is not Phase.QUESTION_OPEN:
            await self._publish_leaderboard(runtime)

    def _lobby_interval(self, runtime: GameRuntime) -> float:
        """The lobby count goes to every player: in a big room it is announced less often, so
        that announcing it costs at most LOBBY_DELIVERIES_PER_S deliveries a second (a join
        storm of 10,000 players would otherwise spend ~20,000 a second on it)."""
        return max(self.coalesce_interval, len(runtime.players) / LOBBY_DELIVERIES_PER_S)

    async def _announce_lobby(self, runtime: GameRuntime) -> None:
        runtime.lobby_dirty = False
        runtime.last_lobby_at = time.monotonic()
        if runtime.game.phase is Phase.LOBBY:
            step = rules.lobby_update(runtime.game, self.clock(), players=runtime.active_count)
            await self._apply(runtime, step)

    async def _publish_leaderboard(self, runtime: GameRuntime) -> None:
        self.leaderboard_publishes += 1
        runtime.leaderboard_dirty = False
        runtime.last_leaderboard_at = time.monotonic()
        step = rules.leaderboard_update(
            runtime.game,
            self.clock(),
            standings=runtime.top(TOP_N),
            players=len(runtime.ranks),
            teams=self._team_board(runtime),
        )
        await self._apply(runtime, step)
        for announcement in step.announcements:
            if isinstance(announcement.message, LeaderboardMsg):
                runtime.last_leaderboard = announcement.message.to_dict()
                self._commits.flush()
                self.store.save_extra(runtime.game_id, "leaderboard", runtime.last_leaderboard)

    # -- presenter view ------------------------------------------------------------------------------

    def presenter_view(self, code: str) -> dict[str, Any]:
        runtime = self.runtime(code)
        self._commits.flush()  # nothing leaves the process before it is stored
        game = runtime.game
        rows = []
        for p in runtime.players.values():
            public = runtime.public_standing(p)
            rows.append(
                presenter_row(
                    game,
                    p,
                    score=public.score,
                    correct_count=public.correct_count,
                    rank=public.rank,
                    connected=runtime.connected.get(p.player_id, 0) > 0,
                )
            )
        return presenter_view(
            game,
            rows,
            reveal=runtime.last_reveal,
            player_count=runtime.active_count,
            connected_count=runtime.connected_active,
            leaderboard=rules.entries(runtime.public_top(TOP_N), TOP_N, game),
            teams=rules.team_entries(self._team_board(runtime)),
            server_time=self.clock(),
        )

    def list_games(self) -> list[dict[str, Any]]:
        return [
            {
                "gameId": r.game_id,
                "title": r.game.quiz.title,
                "phase": r.game.phase.value,
                "playerCount": r.active_count,
                "createdAt": r.game.created_at,
            }
            for r in sorted(self.games.values(), key=lambda r: r.game.created_at)
        ]

    def answers(self, code: str) -> Sequence[Any]:
        self._commits.flush()
        return self.store.load_answers(self.runtime(code).game_id)
