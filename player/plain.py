"""``quizwire play --plain``: the player app as lines of text, for screen readers and braille.

No full-screen UI, no colour, no animation: each change in the game is printed as one line
(:class:`player.narrator.Narrator`), and the player types a line: ``1``-``6`` (or ``a``-``f``)
answers, ``r`` repeats where the game is, ``h`` lists the commands, ``q`` leaves. Missing
``--game``/``--name`` are asked for on stdin; in a game with teams, so is the team (unless
``--team`` names one). Every server text is cleaned before it is printed (no control
sequences reach the terminal), stdin is read a bounded line at a time, and network events are
applied on a 10 Hz tick, never one print per event.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from eventapi import ConnectionState
from eventapi.errors import EventApiError
from player.explain import explain_connect_error, explain_entry_error, explain_garbled
from player.narrator import Narrator, choices_line
from player.session import Session, SessionFactory, real_sessions
from player.target import TargetError, resolve_target
from quizwire.client.game_api import GameApiError
from quizwire.clock import wall_ms
from quizwire.names import NicknameError, clean_nickname
from quizwire.play_model import PlayerModel
from quizwire.state import Phase
from quizwire.text import clean

__all__ = ["PlainPlayer", "run_plain"]

ANSWER_KEYS = "abcdef"
MAX_LINE = 200  # characters of one typed line that are looked at
TICK_S = 0.1
HELP = (
    "Commands: 1-6 or a-f answer; r repeats where the game is; h this help; q leaves. "
    "Press Enter after each."
)


class LineReader:
    """Lines typed on ``stream``, read by a daemon thread (stdin has no portable async read)
    into a bounded queue; None once the stream ends."""

    def __init__(self, stream: TextIO, loop: asyncio.AbstractEventLoop) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=100)
        self._stream, self._loop = stream, loop
        threading.Thread(target=self._read, name="plain-stdin", daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                line: str | None = self._stream.readline()
            except (OSError, ValueError):
                line = ""
            line = line[:MAX_LINE] if line else None
            with contextlib.suppress(RuntimeError):  # the loop closed: we are leaving
                self._loop.call_soon_threadsafe(self._put, line)
            if line is None:
                return

    def _put(self, line: str | None) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # a paste flood: the rest is dropped
            self.queue.put_nowait(line)

    async def next(self, prompt: str, say: Callable[[str], None]) -> str | None:
        say(prompt)
        return await self.queue.get()


class PlainPlayer:
    """One player session driven by typed lines; ``say`` prints one line."""

    def __init__(
        self,
        sessions: SessionFactory,
        reader: LineReader,
        say: Callable[[str], None],
        *,
        clock: Callable[[], int] = wall_ms,
    ) -> None:
        self.sessions, self.reader, self.say, self.clock = sessions, reader, say, clock
        self.narrator = Narrator()
        self.session: Session | None = None
        self._state: ConnectionState | None = None
        self._input_closed = False

    async def run(self, code: str | None, name: str | None, team: str | None) -> int:
        code = code or await self._ask("Game code (on the host's screen):")
        name = name or await self._ask("Your nickname:")
        if not code or not name:
            self.say("A game code and a nickname are needed. Bye.")
            return 2
        code = code.strip().upper()
        try:
            name = clean_nickname(name)
        except NicknameError as exc:
            self.say(exc.message)
            return 2
        if team is None:
            team = await self._pick_team(code)
        session = self.sessions(self._on_state, self._on_retry)
        self.session = session
        try:
            self.say(f"Joining game {code}…")
            await session.join(code, name, team)
            model = await session.connect()
        except GameApiError as exc:
            self.say(clean(explain_entry_error(exc, code)))
            return 1
        except ValueError as exc:
            self.say(explain_garbled(exc))
            return 1
        except (EventApiError, OSError, TimeoutError) as exc:
            self.say(clean(explain_connect_error(exc)))
            return 1
        return await self._play(session, model)

    async def close(self) -> None:
        if self.session is not None:
            with contextlib.suppress(Exception):
                await self.session.close()

    async def _ask(self, prompt: str) -> str | None:
        line = await self.reader.next(prompt, self.say)
        return None if line is None else line.strip()

    async def _pick_team(self, code: str) -> str | None:
        try:
            teams = await self.sessions.game_teams(code)
        except (GameApiError, OSError, ValueError):
            return None  # the join explains what is wrong
        if not teams:
            return None
        listed = ", ".join(f"{i + 1} {name}" for i, name in enumerate(teams))
        while True:
            line = await self._ask(
                f"This game plays in teams: {listed}. Type a team's number, or just Enter to "
                "be put in the smallest team."
            )
            if not line:
                return None
            if line.isdigit() and 1 <= int(line) <= len(teams):
                return teams[int(line) - 1]
            self.say(f"{clean(line, 20)!r} is not one of 1-{len(teams)}.")

    async def _play(self, session: Session, model: PlayerModel) -> int:
        self._tell(session, model)
        self.say(HELP)  # after "Joined game …": what can be typed
        while True:
            self._tell(session, model)
            if model.phase == Phase.FINISHED:
                return 0
            if session.removed:
                return 1
            line = await self._line_or_tick()
            if line is not None and not await self._command(session, model, line):
                return 0

    def _tell(self, session: Session, model: PlayerModel) -> None:
        session.pump()
        for line in self.narrator.lines(model, self.clock()):
            self.say(line)
        if session.removed:
            self.say(clean(session.removed))

    async def _line_or_tick(self) -> str | None:
        if self._input_closed:
            await asyncio.sleep(TICK_S)
            return None
        try:
            line = await asyncio.wait_for(self.reader.queue.get(), TICK_S)
        except TimeoutError:
            return None
        if line is None:
            self._input_closed = True  # keep playing along: the lines still come
            return None
        return line

    async def _command(self, session: Session, model: PlayerModel, line: str) -> bool:
        """Run one typed line; False to leave."""
        word = line.strip().lower()
        if not word:
            return True
        if word in ("q", "quit", "exit"):
            self.say("Leaving the game. Bye.")
            return False
        if word in ("h", "help", "?"):
            self.say(HELP)
        elif word in ("r", "repeat"):
            self.say(self._where(model))
        elif (len(word) == 1 and word in ANSWER_KEYS) or word.isdigit():
            index = ANSWER_KEYS.index(word) if word in ANSWER_KEYS else int(word[:3]) - 1
            await self._answer(session, model, index)
        else:
            self.say(f"Unknown command {clean(word, 20)!r}. {HELP}")
        return True

    async def _answer(self, session: Session, model: PlayerModel, index: int) -> None:
        q = model.question
        now = self.clock()
        if model.phase != Phase.QUESTION_OPEN or q is None:
            self.say("No question is open.")
        elif not model.choices_open(now):
            self.say("Wait: the choices are not open yet.")
        elif model.choice is not None:
            self.say(f"You already answered {model.choice + 1}: only your first answer counts.")
        elif not 0 <= index < len(q.choices):
            self.say(f"This question has choices 1-{len(q.choices)}.")
        elif not model.can_answer(now):
            self.say("Time's up for this question.")
        else:
            await session.answer(index)  # the narrator says "locked in" or the refusal

    def _where(self, model: PlayerModel) -> str:
        q = model.question
        if model.phase == Phase.QUESTION_OPEN and q is not None:
            where = f"Question {q.index + 1} of {q.total}: {clean(q.text)} {choices_line(q)}"
            if model.choice is not None:
                where += f" You answered {model.choice + 1}."
            elif q.timed:
                where += f" {(model.time_left_ms(self.clock()) + 999) // 1000} seconds left."
            return where
        standing = f"You have {model.score:,} points"
        if model.rank is not None and model.phase != Phase.LOBBY:
            standing += f", rank {model.rank}"
        if model.team:
            standing += f", team {clean(model.team)}"
        phases = {
            Phase.LOBBY: "Waiting for the host to start.",
            Phase.QUESTION_CLOSED: "Waiting for the next question.",
            Phase.FINISHED: "The game is over.",
        }
        return f"{standing}. {phases.get(model.phase, 'Waiting.')}"

    def _on_state(self, state: ConnectionState) -> None:
        if state is self._state:
            return
        previous, self._state = self._state, state
        if state is ConnectionState.RECONNECTING:
            self.say("Connection lost: reconnecting…")
        elif state is ConnectionState.CONNECTED and previous is ConnectionState.RECONNECTING:
            self.say("Reconnected.")

    def _on_retry(self, attempt: int, exc: GameApiError, wait_s: float) -> None:
        if attempt == 1:
            self.say(f"The server is busy; retrying in {wait_s:.0f} s.")


def _print(line: str) -> None:
    print(clean(line), flush=True)


def run_plain(args: argparse.Namespace) -> int:
    """``quizwire play --plain``; returns the exit code."""
    try:
        target = resolve_target(args)
    except TargetError as exc:
        print(f"quizwire play: {exc}", file=sys.stderr)
        return 2

    async def main() -> int:
        reader = LineReader(sys.stdin, asyncio.get_running_loop())
        player = PlainPlayer(real_sessions(target), reader, _print)
        try:
            return await player.run(
                getattr(args, "game", None),
                getattr(args, "name", None),
                getattr(args, "team", None),
            )
        finally:
            await player.close()

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return 130
