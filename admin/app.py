"""``quizwire host``: the presenter console.

The app owns a :class:`admin.source.Source` (injectable), a plain-Python
:class:`admin.model.ConsoleModel`, and three kinds of timers:

- the UI tick (10 Hz): drain every buffered stream event into the model in one go, then
  re-render from the model if it changed — never one UI message per answer;
- the admin-view poll (1 Hz): scores, correct counts, connection states, the join feed;
- the stub-metrics poll (1 Hz), which exists only while the system panel is shown.

Commands (start, next, reveal now, end, kick, ban, readmit, export) run in workers; a refusal
such as ``409 bad_transition`` (someone else moved the game on) is a notification, never a
crash.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input

from admin.confirm import ConfirmScreen
from admin.console import ConsoleScreen
from admin.feed import LatencyRing
from admin.join_panel import JoinPanel, join_lines
from admin.model import ConsoleModel, online_text
from admin.removed import RemovedScreen
from admin.running import reattach_command
from admin.setup import SetupScreen
from admin.source import Source, SourceError
from admin.stage import Stage, stage_of
from admin.stub_metrics import StubMetrics, fit_lines, parse_metrics, summary_parts
from quizwire.channels import is_valid_segment as valid_code
from quizwire.channels import valid_id
from quizwire.join_points import JoinPoints
from quizwire.state import Phase
from tui.clock import Clock, wall_ms
from tui.safe import SafeApp, clean
from tui.theme import apply_theme

TICK_S = 0.1
POLL_S = 1.0
END_CONFIRM_MS = 3000
PLAYER_ACTION_DETAIL = {
    "kick": "Their answers stop counting at once. You can readmit them later (u).",
    "ban": "For good: their credential is refused and cannot be readmitted.",
}

#: the extra time ``t`` steps through for the selected player, in percent
EXTRA_TIME_STEPS = (50, 100)

#: action -> phases in which it applies (elsewhere the footer shows it disabled)
ENABLED = {
    "start": {Phase.LOBBY},
    "next": {Phase.QUESTION_CLOSED},
    "reveal": {Phase.QUESTION_OPEN},
    "end": {Phase.LOBBY, Phase.QUESTION_OPEN, Phase.QUESTION_CLOSED},
    "advance": {Phase.LOBBY, Phase.QUESTION_OPEN, Phase.QUESTION_CLOSED},
    "kick": {Phase.LOBBY, Phase.QUESTION_OPEN, Phase.QUESTION_CLOSED},
    "readmit_selected": {Phase.LOBBY, Phase.QUESTION_OPEN, Phase.QUESTION_CLOSED},
    "ban": {Phase.LOBBY, Phase.QUESTION_OPEN, Phase.QUESTION_CLOSED},
    "extra_time": {Phase.LOBBY, Phase.QUESTION_OPEN, Phase.QUESTION_CLOSED},
    "removed": {Phase.LOBBY, Phase.QUESTION_OPEN, Phase.QUESTION_CLOSED},
    "lock": {Phase.LOBBY, Phase.QUESTION_OPEN, Phase.QUESTION_CLOSED},
    "export": {Phase.LOBBY, Phase.QUESTION_OPEN, Phase.QUESTION_CLOSED, Phase.FINISHED},
    "toggle_system": {Phase.LOBBY, Phase.QUESTION_OPEN, Phase.QUESTION_CLOSED, Phase.FINISHED},
    "toggle_private": {Phase.LOBBY, Phase.QUESTION_OPEN, Phase.QUESTION_CLOSED},
    "toggle_board": {Phase.QUESTION_CLOSED},
}


def default_export_dir() -> tuple[Path, str]:
    """The current directory when writable, else the data dir — and which one it is."""
    import os

    cwd = Path.cwd()
    if os.access(cwd, os.W_OK):
        return cwd, "current directory"
    from quizwire.profiles import data_dir

    return data_dir() / "results", "data directory"


class ConsoleApp(SafeApp[int]):
    TITLE = "Quizwire host"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("g", "start", "Start"),
        Binding("n", "next", "Next"),
        Binding("r", "reveal", "Reveal now"),
        Binding("e", "end", "End"),
        Binding("space", "advance", "Advance", show=False),
        Binding("k", "kick", "Kick"),
        Binding("b", "ban", "Ban"),
        Binding("t", "extra_time", "Extra time", show=False),  # the selected line names it
        Binding("u", "removed", "Removed", show=False),  # the top bar says so when it applies
        Binding("l", "lock", "Lock"),
        Binding("x", "export", "Export"),
        Binding("v", "toggle_board", "Board"),
        Binding("s", "toggle_system", "System"),
        Binding("p", "toggle_private", "Private/projector"),
        Binding("q", "quit", "Quit"),
        Binding("j", "join_panel", "Join/QR", show=False),  # the lobby says so
    ]

    def __init__(
        self,
        source: Source,
        *,
        code: str | None = None,
        quiz: str | None = None,
        clock: Clock = wall_ms,
        export_dir: Path | None = None,
        theme_name: str | None = None,
        tick_s: float = TICK_S,
        poll_s: float = POLL_S,
        auto_export: bool = True,
        private: bool = False,
        profile: str = "local",
        ephemeral: bool = False,
    ) -> None:
        super().__init__()
        self.source = source
        self.initial_code = code.upper() if code else None
        self.quiz = quiz
        self.clock = clock
        self.theme_name = theme_name
        self.tick_s = tick_s
        self.poll_s = poll_s
        self.auto_export = auto_export
        #: the presenter's own screen: choices show while a question is open (else projector-safe)
        self.private = private
        self.profile = profile
        self.ephemeral = ephemeral  # the demo: its stub stops with the console, nothing to resume
        if export_dir is None:
            self.export_dir, self.export_where = default_export_dir()
        else:
            self.export_dir, self.export_where = export_dir, ""  # the paths say where
        self.model = ConsoleModel(self.initial_code or "")
        self.exported: list[Path] = []
        self.tick_lag = LatencyRing(512)  # UI-loop lateness of the tick timer (ms)
        self.renders = 0
        self.stub_metrics: StubMetrics | None = None
        self._previous_metrics: StubMetrics | None = None
        self.stub_metrics_error = ""
        self._metrics_absent = False  # the target answered 403/404: not a stub, stop asking
        self._rendered = -1
        self._link = ""
        self._stage = Stage("other")
        self._join: JoinPoints | None = None  # a running gateway's SSH command and URL
        self._board: bool | None = None  # the presenter's reveal/board choice (None: timed)
        self._phase: Phase | None = None
        self._console: ConsoleScreen | None = None
        self._tick_timer: Timer | None = None
        self._poll_timer: Timer | None = None
        self._metrics_timer: Timer | None = None
        self._polling = False
        self._metrics_busy = False
        self._end_armed_until = 0
        self._next_tick = 0.0
        self._exporting = False

    # -- start-up ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        problem = apply_theme(self, self.theme_name)
        if problem:
            self.notify(problem, severity="warning")
        if self.initial_code:
            self._open_console(self.initial_code, None)
        else:
            self.push_screen(SetupScreen(self.source, self.quiz))

    def on_setup_screen_created(self, message: SetupScreen.Created) -> None:
        code = str(message.view.get("gameId", ""))
        self._open_console(code, message.view)

    def on_setup_screen_resume(self, message: SetupScreen.Resume) -> None:
        self._open_console(message.code, None)

    def _open_console(self, code: str, view: dict[str, Any] | None) -> None:
        self.model.code = code
        if view is not None:
            self.model.apply_view(view, self.clock())
        self._console = ConsoleScreen(lambda: self.model.server_now(self.clock()))
        if isinstance(self.screen, SetupScreen):
            self.switch_screen(self._console)
        else:
            self.push_screen(self._console)
        self.run_worker(self._attach_game(code, view is None), group="attach", exit_on_error=False)

    async def _attach_game(self, code: str, need_view: bool) -> None:
        if need_view:
            try:
                view = await self.source.view(code)
            except SourceError as exc:
                self._fail(f"game {code}: {exc.message}")
                return
            except ValueError as exc:  # --game is not a game id
                self._fail(str(exc))
                return
            except Exception as exc:
                self._fail(f"cannot reach the game server ({exc})")
                return
            self.model.apply_view(view, self.clock())
        # Everything built so far (Textual, widgets, imports) lives as long as the app: move it out
        # of the collector's reach, so a full collection under an answer flood scans only new
        # objects (measured: ~85 ms gen-2 pauses before, see bench.console_load).
        gc.collect()
        gc.freeze()
        self._next_tick = time.monotonic() + self.tick_s
        self._tick_timer = self.set_interval(self.tick_s, self._tick)
        self._poll_timer = self.set_interval(self.poll_s, self._poll)
        self.redraw()
        try:
            await self.source.attach(code)
        except SourceError as exc:
            self.notify(
                f"{exc.message}\nThe console keeps polling the admin view.",
                title="Live streams unavailable",
                severity="error",
                timeout=10,
            )

    def _fail(self, why: str) -> None:
        # Textual prints an exit message with Rich, which would parse a str as markup.
        self.exit(2, return_code=2, message=Text(clean(f"quizwire host: {why}")))

    # -- timers ----------------------------------------------------------------------------------

    def _tick(self) -> None:
        now = time.monotonic()
        self.tick_lag.add(max(0, round((now - self._next_tick) * 1000)))
        self._next_tick = now + self.tick_s
        self.pump()

    def pump(self) -> None:
        """Drain the source into the model; re-render if anything changed."""
        incoming = self.source.drain()
        if incoming:
            answers: list[tuple[object, int]] = []
            model = self.model
            for kind, payload, at in incoming:
                if kind == "answer":
                    answers.append((payload, at))
                else:
                    model.apply_message(kind, payload, at)
            if answers:
                model.apply_answers(answers, self.clock() / 1000)
        self.redraw()

    def _poll(self) -> None:
        if not self._polling and self.model.code:
            self._polling = True
            self.run_worker(self._poll_once(), group="poll", exit_on_error=False)

    async def _poll_once(self) -> None:
        try:
            view = await self.source.view(self.model.code)
            self.model.apply_view(view, self.clock())
        except Exception:  # counted in the link stats; the next poll tries again
            pass
        finally:
            self._polling = False

    def redraw(self) -> None:
        console = self._console
        if console is None or not console.ready:
            return
        model = self.model
        if model.phase != self._phase:
            previous, self._phase = self._phase, model.phase
            self._board = None
            self.refresh_bindings()
            if (
                model.phase == Phase.FINISHED
                and previous
                and self.auto_export
                and not self.exported
            ):
                self.action_export()
        link = link_label(self.source.stats.state)
        local = self.clock()
        stage = stage_of(model, model.server_now(local), local, board=self._board)
        join = self.source.join_points()
        if (model.version, link, stage, join) == (
            self._rendered,
            self._link,
            self._stage,
            self._join,
        ):
            return
        self._rendered, self._link, self._stage, self._join = model.version, link, stage, join
        self.renders += 1
        try:
            console.render_model(
                model,
                self.source.player_command(model.code),
                link,
                stage,
                private=self.private,
                join=join,
            )
        except NoMatches:  # the app is shutting down and the widgets are already gone
            self._rendered = -1

    # -- system panel ----------------------------------------------------------------------------

    @property
    def system_shown(self) -> bool:
        return self._metrics_timer is not None

    def action_toggle_system(self) -> None:
        console = self._console
        if console is None or not console.ready:
            return
        panel = console.query_one("#system")
        if self._metrics_timer is None:
            panel.add_class("-shown")
            self._metrics_timer = self.set_interval(1.0, self._system_tick)
            self._system_tick()
        else:
            panel.remove_class("-shown")
            self._metrics_timer.stop()
            self._metrics_timer = None

    def _system_tick(self) -> None:
        if self.source.has_metrics and not self._metrics_absent and not self._metrics_busy:
            self._metrics_busy = True
            self.run_worker(self._fetch_metrics(), group="metrics", exit_on_error=False)
        self._show_system()

    async def _fetch_metrics(self) -> None:
        try:
            text = await self.source.metrics()
            scraped = parse_metrics(text, time.monotonic(), game=self.model.code or None)
            self._previous_metrics, self.stub_metrics = self.stub_metrics, scraped
            self.stub_metrics_error = ""
        except SourceError as exc:
            self._metrics_absent = exc.status in (403, 404)
            self.stub_metrics_error = str(exc)
        except ValueError as exc:
            self.stub_metrics_error = str(exc)
        finally:
            self._metrics_busy = False

    def _show_system(self) -> None:
        console = self._console
        if console is None or not console.ready:
            return
        model, stats = self.model, self.source.stats
        now_s = self.clock() / 1000
        feed = model.feed
        lines = Text(no_wrap=True, overflow="ellipsis")
        lines.append(f"link {stats.state}", style="bold")
        lines.append(
            f" · online {online_text(model.connected_count, model.active_players())}"
            f" · reconnects {stats.reconnects} · errors {stats.errors}"
            f" · dropped {stats.dropped + model.bad_messages}\n"
        )
        lines.append(f"answers/s {feed.rate.last_rate(now_s)}", style="bold")
        lines.append(f" · received {feed.received} · not counted {feed.rejected}\n")
        lines.append("latency ", style="bold")
        lines.append(
            f"answer p50 {_ms(feed.latency.percentile(50))} p99 {_ms(feed.latency.percentile(99))}"
            f" · question p50 {_ms(model.question_latency.percentile(50))}"
            f" · UI lag p99 {_ms(self.tick_lag.percentile(99))}"
        )
        if stats.last_error:
            lines.append(f"\nlast error: {clean(stats.last_error, 100)}", style="red")
        stub = Text(no_wrap=True, overflow="ellipsis")
        if not self.source.has_metrics or self._metrics_absent:
            stub.append("server metrics: n/a (deployed backend: see CloudWatch)", style="dim")
        elif self.stub_metrics is not None:
            stub.append("stub ", style="bold")
            width = max(20, console.size.width - 2 - len("stub "))  # the panel's padding
            parts = summary_parts(self.stub_metrics, self._previous_metrics)
            stub.append(fit_lines(parts, width).replace("\n", "\n     "))
        elif self.stub_metrics_error:
            stub.append(f"stub metrics: {clean(self.stub_metrics_error, 80)}", style="red")
        console.show_system(lines, feed.rate.series(now_s, 60), stub)

    # -- commands --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (
            action == "quit"
            and isinstance(self.screen, SetupScreen)
            and isinstance(self.focused, Input)
        ):
            return False  # q is typed into the box; the footer shows ctrl+q (SetupScreen)
        phases = ENABLED.get(action)
        if phases is None:
            return True
        if self._console is None or self.screen is not self._console:
            return False
        return self.model.phase in phases

    def _command(self, command: str) -> None:
        self.run_worker(self._send(command), group="command", exit_on_error=False)

    async def _send(self, command: str) -> None:
        try:
            view = await self.source.command(self.model.code, command)
        except SourceError as exc:
            self.notify(
                clean(exc.message),
                title=f"{command} refused",
                severity="warning" if exc.status == 409 else "error",
            )
            return
        except Exception as exc:
            self.notify(clean(exc), title=f"{command} failed", severity="error")
            return
        self.model.apply_view(view, self.clock())
        self.redraw()

    def action_join_panel(self) -> None:
        """The ways to join, with a large QR code (at 80x24 the lobby has no room for it)."""
        code = self.model.code
        if not code or isinstance(self.screen, JoinPanel):
            return
        command = self.source.player_command(code)
        join = self.source.join_points()
        url = join.url_for(code) if join is not None else None
        ssh = join.ssh_for(code) if join is not None else None
        self.push_screen(JoinPanel(code, url or command, join_lines(ssh, url, command)))

    def action_toggle_board(self) -> None:
        """Between questions: the reveal or the leaderboard, whatever the timer would show."""
        if self.model.phase != Phase.QUESTION_CLOSED:
            return
        self._board = self._stage.name != "board"
        self.redraw()

    def action_start(self) -> None:
        self._command("start")

    def action_next(self) -> None:
        self._command("next")

    def action_reveal(self) -> None:
        self._command("reveal")

    def action_end(self) -> None:
        now = self.clock()
        if now > self._end_armed_until:
            self._end_armed_until = now + END_CONFIRM_MS
            self.notify("Press e again to end the game for everyone.", title="End the game?")
            return
        self._end_armed_until = 0
        self.clear_notifications()
        self._command("end")

    def action_advance(self) -> None:
        """One key for the usual flow: start, then reveal / next."""
        step = {
            Phase.LOBBY: "start",
            Phase.QUESTION_OPEN: "reveal",
            Phase.QUESTION_CLOSED: "next",
        }.get(self.model.phase)
        if step:
            self._command(step)

    def _selected(self) -> tuple[str, str, str] | None:
        """``(player id, name, status)`` of the selected row, or a notice to pick one."""
        selected = self._console.selected_player() if self._console is not None else None
        if selected is None:
            self.notify("Select a player in the table first.", severity="warning")
        return selected

    def action_kick(self) -> None:
        self._confirm_player_action("kick")

    def action_ban(self) -> None:
        self._confirm_player_action("ban")

    def _confirm_player_action(self, action: str) -> None:
        """Ask "Kick <name>? y/n" first: the rows re-sort by score, so the row under the
        cursor may not be the player the presenter meant."""
        selected = self._selected()
        if selected is None:
            return
        pid, name, status = selected
        if status != "active":
            self.notify(f"{clean(name)} is already {clean(status)}.", severity="warning")
            return
        question = Text.assemble(
            "Kick " if action == "kick" else "Ban ", (clean(name, 40), "bold"), "? y/n"
        )
        detail = Text(PLAYER_ACTION_DETAIL[action])

        def answered(yes: bool | None) -> None:
            if yes:
                self._send_player_action(action, pid, name)

        self.push_screen(ConfirmScreen(question, detail), answered)

    def action_extra_time(self) -> None:
        """Give the selected player more time on every question: none -> +50% -> +100% -> none
        (shown by ⏱ in the player list)."""
        selected = self._selected()
        if selected is None:
            return
        pid, name, _status = selected
        row = self.model.players.get(pid)
        current = row.extra_time if row is not None else 0
        percent = next((step for step in EXTRA_TIME_STEPS if step > current), 0)
        self.run_worker(self._extra_time(pid, name, percent), group="player", exit_on_error=False)

    async def _extra_time(self, pid: str, name: str, percent: int) -> None:
        try:
            await self.source.extra_time(self.model.code, pid, percent)
        except Exception as exc:
            message = exc.message if isinstance(exc, SourceError) else str(exc)
            self.notify(clean(message), title="extra time failed", severity="error")
            return
        said = f"+{percent}% time on every question" if percent else "no extra time"
        self.notify(f"{clean(name)}: {said}")
        self._poll()

    def action_readmit_selected(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        pid, name, status = selected
        if status == "active":
            self.notify(f"{clean(name)} is in the game.", severity="warning")
            return
        self._readmit(pid, name)

    def action_toggle_private(self) -> None:
        """Projector-safe (who answered) <-> private (which choice, the live histogram)."""
        self.private = not self.private
        self._rendered = -1
        self.redraw()
        if self.private:
            self.notify(
                "Choices and the live histogram show while a question is open. "
                "Not for a projected screen: press p again.",
                title="Private view",
                severity="warning",
            )
        else:
            self.notify("Only who answered shows until the reveal.", title="Projector-safe")

    def action_lock(self) -> None:
        """Close the door to new players (those in may still rejoin), or open it again."""
        self.run_worker(self._toggle_lock(), group="command", exit_on_error=False)

    async def _toggle_lock(self) -> None:
        await self._send("unlock" if self.model.locked else "lock")
        if self.model.locked:
            self.notify(
                "No new players can join; those already in may rejoin. Press l to open it again.",
                title="Game locked",
            )
        else:
            self.notify("New players can join again.", title="Game open")

    def action_removed(self) -> None:
        """The kicked and banned players, to readmit one."""
        self.push_screen(RemovedScreen(self.model, self._readmit))

    def _readmit(self, pid: str, name: str) -> None:
        self._send_player_action("readmit", pid, name)

    def _send_player_action(self, action: str, pid: str, name: str) -> None:
        self.run_worker(self._act(action, pid, name), group="player", exit_on_error=False)

    async def _act(self, action: str, pid: str, name: str) -> None:
        try:
            await self.source.player_action(self.model.code, pid, action)
        except Exception as exc:
            message = exc.message if isinstance(exc, SourceError) else str(exc)
            self.notify(clean(message), title=f"{action} failed", severity="error")
            return
        done = {"kick": "Kicked", "ban": "Banned", "readmit": "Readmitted"}[action]
        self.notify(f"{done} {clean(name)}")
        self._poll()

    def action_export(self) -> None:
        if not self._exporting and self.model.code:
            self._exporting = True
            self.run_worker(self._export(), group="export", exit_on_error=False)

    async def _export(self) -> None:
        code = self.model.code
        try:
            valid_id(code, "game id")  # it names the files: the server sent it
            self.export_dir.mkdir(parents=True, exist_ok=True)
            paths = []
            for fmt in ("csv", "json"):
                body = await self.source.results(code, fmt)
                path = self.export_dir / f"quizwire-{code}-results.{fmt}"
                path.write_text(body, encoding="utf-8")
                paths.append(path)
        except Exception as exc:
            message = exc.message if isinstance(exc, SourceError) else str(exc)
            self.notify(clean(message), title="Export failed", severity="error")
            return
        finally:
            self._exporting = False
        self.exported = paths
        where = f" ({self.export_where})" if self.export_where else ""
        lines = [f"Results saved{where}:"] + [f"  {p}" for p in paths]
        if self._console is not None:
            self._console.show_exports(lines)
        self.notify("\n".join(lines), title="Exported")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if screen is not self._console:
            return
        commands: list[tuple[str, str, Callable[[], None]]] = [
            ("Start the game", "Open the first question (g)", self.action_start),
            (
                "Next question",
                "Open the next question, or finish after the last (n)",
                self.action_next,
            ),
            ("Reveal now", "Close the open question and reveal the answer (r)", self.action_reveal),
            ("End the game", "Finish now for everyone (e twice)", lambda: self._command("end")),
            (
                "Kick the selected player",
                "They can rejoin later only if readmitted (k)",
                self.action_kick,
            ),
            (
                "Ban the selected player",
                "For good: their credential is refused; they could join under a new name (b)",
                self.action_ban,
            ),
            ("Removed players", "Kicked and banned; readmit a kicked one (u)", self.action_removed),
            (
                "Readmit the selected player",
                "A kicked player comes back with their score (or u, then a)",
                self.action_readmit_selected,
            ),
            (
                "Lock or unlock the game",
                "Locked: no new players, those in may rejoin; after a ban, once everyone is in (l)",
                self.action_lock,
            ),
            ("Export results", "CSV and JSON files (x)", self.action_export),
            (
                "Toggle private / projector-safe view",
                "Private shows each answer's choice and the live histogram before the reveal (p)",
                self.action_toggle_private,
            ),
            (
                "Toggle the system panel",
                "Connections, answers/s, latency (s)",
                self.action_toggle_system,
            ),
        ]
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)

    # -- quitting ----------------------------------------------------------------------------------

    @property
    def game_running(self) -> bool:
        """Attached to a game that has not finished (quitting leaves it running)."""
        return self._tick_timer is not None and self.model.phase in (
            Phase.LOBBY,
            Phase.QUESTION_OPEN,
            Phase.QUESTION_CLOSED,
        )

    def reattach_hint(self) -> str | None:
        """What to print on exit when the game goes on without the console."""
        if self.ephemeral or not self.game_running or not valid_code(self.model.code):
            return None
        return (
            f"Game {self.model.code} is still running. Reattach the console with:\n"
            f"  {reattach_command(self.model.code, self.profile)}"
        )

    async def action_quit(self) -> None:
        """Quitting mid-game asks first: the game goes on without its presenter."""
        if not self.game_running:
            self.exit()
            return
        if isinstance(self.screen, ConfirmScreen):
            return
        question = Text.assemble(
            "Quit while game ", (clean(self.model.code), "bold"), " is running? y/n"
        )
        if self.ephemeral:
            detail = Text("This stops the demo.")
        else:
            detail = Text(
                "The game keeps running without you. Come back with "
                f"{reattach_command(clean(self.model.code), self.profile)}, or pick it under "
                "Running games in quizwire host."
            )

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(ConfirmScreen(question, detail), answered)

    async def on_unmount(self) -> None:
        gc.unfreeze()  # hand the objects back to the collector (tests run many apps in a row)
        await self.source.close()


def link_label(state: str) -> str:
    return {
        "connected": "● live",
        "reconnecting": "◐ reconnecting",
        "connecting": "◌ connecting",
    }.get(state, "○ offline")


def _ms(value: int | None) -> str:
    return "-" if value is None else f"{value} ms"


def run(args: argparse.Namespace) -> int:
    """Entry point of ``quizwire host`` (and of ``quizwire demo``'s console)."""
    from admin.source import LiveSource, resolve
    from quizwire.profiles import ProfileError

    try:
        profile = resolve(args)
        source = LiveSource(profile)
    except ProfileError as exc:
        print(f"quizwire host: {exc}", file=sys.stderr)
        return 2
    except SourceError as exc:
        print(f"quizwire host: {clean(exc.message)}", file=sys.stderr)
        return 2
    app = ConsoleApp(
        source,
        code=getattr(args, "game", None),
        quiz=getattr(args, "quiz", None),
        theme_name=getattr(args, "theme", None),
        private=bool(getattr(args, "private", False)),
        profile=profile.name,
        ephemeral=bool(getattr(args, "ephemeral", False)),
        export_dir=getattr(args, "export_dir", None),
    )
    result = app.run()
    hint = app.reattach_hint()
    if hint:
        print(hint)
    return int(result or app.return_code or 0)
