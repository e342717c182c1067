"""``quizwire play``: the player app (Textual).

:func:`run` resolves the target from the CLI arguments and runs :class:`PlayerApp`, which shows
the join screen, then the game screen driven by a :class:`player.session.Session`. Tests build
the app with :func:`make_app`-style arguments directly: a real stub through
:class:`player.session.RealSessions`, or a scripted fake session with a frozen clock.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys

from textual.binding import Binding

from player.screens.game import ANSWER_BINDING, GameScreen
from player.screens.join import JoinScreen
from player.session import Session, SessionFactory, real_sessions
from player.target import TargetError, resolve_target
from tui.clock import Clock, wall_ms
from tui.safe import SafeApp
from tui.theme import apply_theme

__all__ = ["PlayerApp", "run"]


class PlayerApp(SafeApp[int]):
    TITLE = "Quizwire"
    BINDINGS = [
        Binding("ctrl+c", "leave", "Quit", priority=True, show=False),
        Binding("ctrl+q", "leave", "Quit", priority=True, show=False),
    ]

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        game: str | None = None,
        name: str | None = None,
        random_name: bool = False,
        theme: str | None = None,
        clock: Clock = wall_ms,
        rng: random.Random | None = None,
        target_label: str = "",
        tick_hz: float = 15.0,
        reveal_hold_ms: int = 8_000,
        bell: bool = False,
        team: str | None = None,
    ) -> None:
        super().__init__()
        self.sessions = sessions
        self.bell_cues = bell  # the game screen rings the terminal bell (``--bell``)
        self.clock = clock
        self.tick_hz = tick_hz
        self.reveal_hold_ms = reveal_hold_ms
        self.session: Session | None = None
        self._theme_name = theme
        self._join = JoinScreen(
            sessions,
            code=game,
            name=name,
            random_name=random_name,
            rng=rng,
            target_label=target_label,
            team=team,
        )
        self._closed = False

    def on_mount(self) -> None:
        problem = apply_theme(self, self._theme_name)
        if problem:
            self.notify(problem, severity="warning", timeout=6)
        self.push_screen(self._join)

    def on_join_screen_joined(self, event: JoinScreen.Joined) -> None:
        self.session = event.session
        self.switch_screen(
            GameScreen(
                event.session,
                event.model,
                clock=self.clock,
                tick_hz=self.tick_hz,
                reveal_hold_ms=self.reveal_hold_ms,
                bell=self.bell_cues,
            )
        )

    async def close_sessions(self) -> None:
        """Close whatever session is open or being set up (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for session in (self._join.pending, self.session):
            if session is not None:
                with contextlib.suppress(Exception):  # leaving must always work
                    await session.close()

    async def on_unmount(self) -> None:
        await self.close_sessions()  # however the app ends, the connection is closed

    def get_key_display(self, binding: Binding) -> str:
        # One footer entry stands for every answer key: name the ones this question has.
        if binding.id == ANSWER_BINDING and isinstance(self.screen, GameScreen):
            return self.screen.answer_keys_display()
        return super().get_key_display(binding)

    async def action_leave(self) -> None:
        await self.close_sessions()
        self.exit(0)

    async def action_quit(self) -> None:
        await self.action_leave()


def run(args: argparse.Namespace) -> int:
    """Run the player app for ``quizwire play``; returns the exit code."""
    if getattr(args, "plain", False):
        from player.plain import run_plain

        return run_plain(args)
    try:
        target = resolve_target(args)
    except TargetError as exc:
        print(f"quizwire play: {exc}", file=sys.stderr)
        return 2
    app = PlayerApp(
        real_sessions(target),
        game=getattr(args, "game", None),
        name=getattr(args, "name", None),
        random_name=bool(getattr(args, "random_name", False)),
        theme=getattr(args, "theme", None),
        target_label=target.label,
        bell=bool(getattr(args, "bell", False)),
        team=getattr(args, "team", None),
    )
    result = app.run()
    return int(result or 0)
