"""A player's session: join (or rejoin with a saved credential), subscribe, answer, recover.

The session never touches a UI. Network events land in bounded subscription buffers; the UI
calls :meth:`PlayerSession.pump` on a timer, which drains them into the :class:`PlayerModel`
in one go — never one UI update per network event.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eventapi import ConnectionState, EventsClient, LambdaAuth, PublishError, Subscription
from eventapi.errors import EventApiError
from quizwire import channels
from quizwire.client.game_api import EntryClient, GameApiError
from quizwire.clock import wall_ms
from quizwire.fields import MessageError
from quizwire.judge import answer_value
from quizwire.messages import AnswerMsg, SnapshotMsg, parse_message
from quizwire.names import clean_nickname
from quizwire.play_model import PlayerModel
from quizwire.profiles import data_dir, write_private

log = logging.getLogger("quizwire.player")



@dataclass(frozen=True, slots=True)
class SavedPlayer:
    game_id: str
    player_id: str
    name: str
    token: str
    http_endpoint: str

    def checked(self) -> SavedPlayer:
        """Itself, if its ids are ids and its name a nickname (else ValueError): whatever a
        server sent or a file holds, it is checked before it names a file or a channel."""
        channels.valid_id(self.game_id, "game id")
        channels.valid_id(self.player_id, "player id")
        if clean_nickname(self.name) != self.name:
            raise ValueError(f"{self.name!r} is not a nickname")
        return self


def _text(answer: dict[str, Any], key: str) -> str:
    value = answer.get(key)
    if not isinstance(value, str):
        raise ValueError(f"the server's answer has no {key}")
    return value


def read_saved(path: Path) -> SavedPlayer | None:
    """The credential saved in ``path``, or None if missing, unreadable or tampered with."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return SavedPlayer(**{k: str(raw[k]) for k in SavedPlayer.__dataclass_fields__}).checked()
    except (OSError, ValueError, KeyError, TypeError):
        return None


class CredentialStore:
    """Player credentials on disk (mode 0600), one file per game and endpoint, for rejoining."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or data_dir() / "players"

    def _path(self, http_endpoint: str, game_id: str) -> Path:
        site = hashlib.sha256(http_endpoint.encode()).hexdigest()[:12]
        return self.root / site / f"{channels.valid_id(game_id.upper(), 'game id')}.json"

    def load(self, http_endpoint: str, game_id: str) -> SavedPlayer | None:
        try:
            path = self._path(http_endpoint, game_id)
        except ValueError:
            return None
        return read_saved(path)

    def save(self, saved: SavedPlayer) -> None:
        path = self._path(saved.http_endpoint, saved.checked().game_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, json.dumps(asdict(saved), indent=2))

    def latest(self, http_endpoint: str) -> SavedPlayer | None:
        """The most recently saved credential for ``http_endpoint`` (to rejoin after a restart)."""
        site = self._path(http_endpoint, "X").parent
        try:
            files = sorted(site.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return None
        for path in files:
            saved = self.load(http_endpoint, path.stem)
            if saved is not None:
                return saved
        return None

    def forget(self, http_endpoint: str, game_id: str) -> None:
        self._path(http_endpoint, game_id).unlink(missing_ok=True)

    def last_name(self) -> str | None:
        try:
            value = json.loads((self.root / "last.json").read_text(encoding="utf-8")).get("name")
            return clean_nickname(value) if isinstance(value, str) else None
        except (OSError, ValueError, AttributeError):
            return None

    def remember_name(self, name: str) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        write_private(self.root / "last.json", json.dumps({"name": name}))


class PlayerSession:
    def __init__(
        self,
        *,
        http_endpoint: str,
        game_api: str,
        realtime_endpoint: str | None = None,
        credentials: CredentialStore | None = None,
        entry: EntryClient | None = None,
        on_state: Callable[[ConnectionState], None] | None = None,
        reconnect: Any = None,
        source_address: str | None = None,
    ) -> None:
        self.http_endpoint = http_endpoint
        self.realtime_endpoint = realtime_endpoint
        self.entry = entry or EntryClient(game_api)
        self.credentials = credentials or CredentialStore()
        self.on_state = on_state
        self.reconnect = reconnect
        self.source_address = source_address
        self.model: PlayerModel | None = None
        self.saved: SavedPlayer | None = None
        self.state = ConnectionState.CLOSED
        self.rejoined = False
        self._client: EventsClient | None = None
        self._subs: dict[str, Subscription] = {}
        self._resync: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- joining ------------------------------------------------------------------------------------

    async def join(self, code: str, name: str, team: str | None = None) -> SavedPlayer:
        """Join ``code`` as ``name`` (in ``team``, in team mode), or rejoin with the credential
        saved for this game (the team stays the one joined).

        Raises ValueError for a code that is not a game id, and for a server answer that is
        not this game, a player id and a nickname: a malicious server cannot name the files.
        """
        code = channels.valid_id(code.strip().upper(), "game code")
        saved = self.credentials.load(self.http_endpoint, code)
        if saved is not None:
            try:
                await self.entry.state(code, saved.token)
            except GameApiError as exc:
                if exc.status not in (401, 403, 404):
                    raise
                # Kicked (403 "kicked") is not final: keep the credential for a readmit.
                if exc.status != 403 or exc.code == "banned":
                    self.credentials.forget(self.http_endpoint, code)
                if exc.status == 403:
                    raise
            else:
                self.saved, self.rejoined = saved, True
                return saved
        await self.entry.get_game(code)  # 404 / 410 explained before asking for a name
        joined = await self.entry.join(code, name, team)
        if not isinstance(joined, dict):
            raise ValueError("the server's answer to a join is not a JSON object")
        gid, pid, got, token = (_text(joined, k) for k in ("gameId", "playerId", "name", "token"))
        saved = SavedPlayer(gid, pid, got, token, self.http_endpoint).checked()
        if saved.game_id.upper() != code:
            raise ValueError(f"asked to join game {code}, the server answered {saved.game_id!r}")
        self.credentials.save(saved)
        self.credentials.remember_name(saved.name)
        self.saved, self.rejoined = saved, False
        return saved

    # -- connecting --------------------------------------------------------------------------------

    async def connect(self) -> PlayerModel:
        saved = self._require_saved()
        self.model = PlayerModel(saved.game_id, saved.player_id, saved.name)
        kwargs: dict[str, Any] = {}
        if self.reconnect is not None:
            kwargs["reconnect"] = self.reconnect
        self._client = EventsClient(
            self.http_endpoint,
            LambdaAuth(saved.token),
            realtime_endpoint=self.realtime_endpoint,
            on_state=self._state_changed,
            source_address=self.source_address,
            **kwargs,
        )
        await self._client.connect()
        code, pid = saved.game_id, saved.player_id
        wanted = {
            "game": channels.game_channel(code),
            "question": channels.question_channel(code),
            "leaderboard": channels.leaderboard_channel(code),
            "scores": channels.scores_channel(code, pid),
        }
        for kind, channel in wanted.items():
            self._subs[kind] = await self._client.subscribe(channel, max_pending=1000)
        await self.resync()
        return self.model

    def _require_saved(self) -> SavedPlayer:
        if self.saved is None:
            raise RuntimeError("join first")
        return self.saved

    def _state_changed(self, state: ConnectionState) -> None:
        previous, self.state = self.state, state
        if state is ConnectionState.CONNECTED and previous is ConnectionState.RECONNECTING:
            # Events published while we were away are lost: rehydrate from the snapshot.
            self._spawn(self.resync())
        if self.on_state is not None:
            self.on_state(state)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def resync(self) -> None:
        """Fetch the snapshot and apply it (on connect and after every reconnect)."""
        saved = self._require_saved()
        raw = await self.entry.state(saved.game_id, saved.token)
        try:
            snapshot = parse_message(raw)
        except MessageError:
            log.warning("the server sent an unreadable snapshot")
            return
        if isinstance(snapshot, SnapshotMsg) and self.model is not None:
            self.pump()  # apply what is buffered first: the snapshot then wins
            self.model.apply_snapshot(snapshot, wall_ms())

    # -- the UI's tick ------------------------------------------------------------------------------

    def pump(self) -> bool:
        """Drain every subscription into the model; True if anything changed."""
        if self.model is None:
            return False
        changed = False
        now = wall_ms()
        for kind, sub in self._subs.items():
            for event in sub.drain():
                try:
                    message = parse_message(event)
                except MessageError as exc:
                    log.debug("ignored a malformed %s message: %s", kind, exc)
                    continue
                changed = self.model.apply(kind, message, now) or changed
        return changed

    async def wait_for_events(self, wait_s: float) -> bool:
        """Wait (at most ``wait_s``) until an event waits on one of the subscriptions, or one
        of them ended; True if :meth:`pump` has something to do. A headless player naps with
        this, so that a question closing or the game ending wakes it at once."""
        subs = list(self._subs.values())
        if any(sub.pending or sub.closed for sub in subs):
            return True
        if not subs:
            await asyncio.sleep(wait_s)
            return False
        waiters = [asyncio.ensure_future(sub.wait_pending()) for sub in subs]
        try:
            done, _ = await asyncio.wait(
                waiters, timeout=wait_s, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()
        return bool(done)

    # -- answering ----------------------------------------------------------------------------------

    async def answer(self, choice: int) -> str | None:
        """Lock and send ``choice``; None if accepted, else the reason it was refused."""
        return await self.send_answer({"choice": choice})

    async def send_answer(self, fields: Mapping[str, Any]) -> str | None:
        """Lock and send one answer: ``{"choice": 1}``, ``{"text": "Paris"}``,
        ``{"order": [2, 0, 1]}`` or ``{"number": 42}``; None if accepted, else why not."""
        model = self.model
        if model is None or self._client is None:
            return "Not connected."
        now = wall_ms()
        question_id = model.question.question_id if model.question is not None else ""
        answer = AnswerMsg(question_id=question_id, sent_at=now, game_id=model.game_id, **fields)
        if answer.choice is not None:
            locked = model.lock(answer.choice, now)
        else:
            locked = model.lock_typed(answer_value(answer), now)
        if not locked:
            return None if model.locked else "No question is open."
        payload = answer.to_dict()  # the one schema of an answer (quizwire.messages.AnswerMsg)
        try:
            result = await self._client.publish(channels.answer_channel(model.game_id), [payload])
        except PublishError as exc:
            model.refused(str(exc), unlock=False)
            return str(exc)
        except EventApiError as exc:
            # The answer may not have arrived; unlock so the player can try again (a resend
            # of the same choice is recognised as a duplicate by the server).
            message = f"Your answer could not be sent ({exc.__class__.__name__}); try again."
            model.refused(message, unlock=True)
            return message
        if result.failed:
            message = str(result.failed[0].message or "Your answer was refused.")
            model.refused(message, unlock=False)
            return message
        return None

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._client is not None:
            await self._client.close()
        await self.entry.close()
