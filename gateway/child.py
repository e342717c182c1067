"""One player session's process: the real player app on the terminal it was handed.

Runs after the zygote forked (or, for the fork-exec baseline, as ``python -m gateway.child``):
fds 0, 1 and 2 are the pty slave (SSH) or the web driver's pipes (browser). The app is
:class:`player.app.PlayerApp` itself — rejoin, reconnect and every screen work as in
``quizwire play`` — plus what a shared machine needs: a hang-up ends it cleanly (the session is
closed, so the server sees the player leave), and it closes itself a while after the game.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import sys
import termios
import time
from pathlib import Path

from textual import events

from gateway.request import SessionRequest
from player.app import PlayerApp
from player.screens.join import JoinScreen
from player.session import real_sessions
from player.target import Target

__all__ = ["GatewayPlayerApp", "main", "run_session", "take_terminal"]

HANGUP_GRACE_S = 5  # a hung-up session that cannot close in time is ended by SIGALRM


class GatewayPlayerApp(PlayerApp):
    """The player app, as served by the gateway (Textual calls each class's handlers)."""

    def __init__(self, *args: object, request: SessionRequest, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.request = request
        self.last_input = time.monotonic()
        self.finished_at: float | None = None

    def on_mount(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            loop.add_signal_handler(sig, self._hang_up)
        self.set_interval(1.0, self._close_after_game)

    def _hang_up(self) -> None:
        """The client went away (the gateway closed the pty): leave as ``q`` would."""
        signal.alarm(HANGUP_GRACE_S)
        self.exit(0)  # unmounting closes the player's session

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self.last_input = time.monotonic()
        await super().on_event(event)

    def on_join_screen_joined(self, event: JoinScreen.Joined) -> None:
        saved = getattr(event.session, "saved", None)
        if self.request.come_back and saved is not None:
            line = self.request.come_back.format(game=saved.game_id)
            self.notify(line, title="Dropped? Come back with", timeout=20, markup=False)

    def _close_after_game(self) -> None:
        """A finished game's session closes after ``after_game_s`` without a key press: the
        room's sessions do not linger on the gateway (and keep its per-address slots)."""
        model = self.session.model if self.session is not None else None
        if model is None or model.phase != "finished":
            return
        now = time.monotonic()
        if self.finished_at is None:
            self.finished_at = now
        if now - max(self.finished_at, self.last_input) >= self.request.after_game_s:
            self.exit(0)  # unmounting closes the player's session


def take_terminal() -> None:
    """Make fd 0 this session's controlling terminal (a pty): its size changes then reach
    the app as SIGWINCH straight from the kernel, and its hang-up as SIGHUP."""
    if os.isatty(0):
        if os.getsid(0) != os.getpid():
            with contextlib.suppress(PermissionError):  # already a session leader
                os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def run_session(request: SessionRequest) -> int:
    """Run the player app for ``request`` on fds 0-2; returns the exit code."""
    for name in ("COLUMNS", "LINES", "ROWS", "TEXTUAL_DRIVER"):
        os.environ.pop(name, None)  # the zygote's own terminal says nothing of this one
    os.environ.update(request.env)
    target = Target(
        http_endpoint=request.http_endpoint,
        game_api=request.game_api,
        realtime_endpoint=request.realtime_endpoint,
        label=request.target_label,
    )
    app = GatewayPlayerApp(
        real_sessions(target, credentials_root=Path(request.credentials_root)),
        game=request.game,
        target_label=request.target_label,
        request=request,
    )
    if request.kind == "web":
        from textual.drivers.web_driver import WebDriver

        app.driver_class = WebDriver
    result = app.run()
    return int(result or 0)


def main() -> None:
    """``python -m gateway.child`` (the fork-exec baseline): the request on stdin's env."""
    request = SessionRequest.from_json(os.environ.pop("QUIZWIRE_GATEWAY_REQUEST"))
    log = os.environ.pop("QUIZWIRE_GATEWAY_LOG", os.devnull)
    sys.stderr = open(log, "a", buffering=1)  # noqa: SIM115  warnings: not on the screen
    take_terminal()
    sys.exit(run_session(request))


if __name__ == "__main__":
    main()
