"""The running console: one screen whose panes follow the game's phase.

It only *renders* from :class:`admin.model.ConsoleModel` (and the link stats); the app owns the
timers, the source and the commands. ``render_model`` is called at most 10 times a second and
each widget repaints only what changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Static

from admin.bigfont import big_lines
from admin.board import board_text
from admin.model import CLOSED, FINISHED, LOBBY, OPEN, ConsoleModel
from admin.namegrid import NameGrid
from admin.podium import Podium, podium_places
from admin.stage import Stage
from admin.widgets import AnswerStream, BigCode, JoinFeed, PlayerTable, Readout
from tui.clock import Clock
from tui.countdown import Countdown
from tui.histogram import Histogram
from tui.leaderboard import LeaderboardTable
from tui.names import fit_name
from tui.qr import QRCode
from tui.safe import clean
from tui.sparkline import Sparkline
from tui.symbols import CHOICE_COLORS, choice_letter, choice_symbol

PHASE_LABEL = {
    LOBBY: "LOBBY",
    OPEN: "QUESTION OPEN",
    CLOSED: "REVEALED",
    FINISHED: "FINISHED",
}


def players(n: int) -> str:
    return "1 player" if n == 1 else f"{n:,} players"


class ConsoleScreen(Screen[None]):
    """``clock`` returns the server's "now" in epoch ms (the countdown's timebase)."""

    DEFAULT_CSS = """
    ConsoleScreen { layout: vertical; }
    #topbar { height: 1; background: $primary; color: $text; padding: 0 1; }
    #body { height: 1fr; }
    #main { width: 1fr; padding: 0 1; }
    #side { width: 50; border-left: solid $primary; }
    ConsoleScreen.-narrow #side { width: 40; }
    #side.-hidden { display: none; }
    #lobby { layout: vertical; }
    #lobby-top { height: auto; }
    #qr-col { width: auto; height: auto; padding: 0 1 0 0; }
    ConsoleScreen.-narrow #qr-col { display: none; }  /* 80x24: the names need the room */
    #lobby-info { width: 1fr; height: auto; }
    #join-command { height: auto; margin: 1 0; color: $text; }
    #lobby-count { height: 1; text-style: bold; }
    #join-feed { height: 4; }
    ConsoleScreen.-narrow #join-feed { display: none; }  /* the grid highlights the newest */
    #lobby-split { height: 1fr; margin-top: 1; }
    #name-grid { width: 1fr; }
    #lobby-players { width: 42; }
    ConsoleScreen.-narrow #lobby-players { width: 40; }
    #q-text { height: auto; max-height: 4; text-style: bold; }
    #question.-ready #q-text {
        max-height: 8; padding: 1 2; margin: 1 0; text-align: center;
        background: $primary-darken-2; color: $text;
    }
    #question.-ready #q-choices, #question.-ready #histogram, #question.-ready #q-answered,
    #question.-ready #stream-title, #question.-ready #stream { display: none; }
    #get-ready { height: auto; text-align: center; color: $warning; text-style: bold; }
    #question.-open #get-ready { display: none; }
    #q-choices { height: auto; }
    #q-answered { height: 1; text-style: bold; }
    #reveal-box { height: auto; border: round $success; padding: 0 1; }
    #reveal-box.-hidden { display: none; }
    #stream-title { height: 1; color: $text-muted; }
    #end { layout: vertical; }
    #board-title { height: auto; text-style: bold; color: $accent; margin: 1 0; }
    #board-rows { height: auto; }
    #board-hint { height: auto; color: $text-muted; margin-top: 1; }
    #end-title { height: auto; margin: 1 0; text-align: center; }
    #winner { height: auto; margin: 1 0; text-align: center; text-style: bold; color: $accent; }
    #exports { height: auto; color: $text-muted; }
    .section { height: 1; color: $accent; text-style: bold; }
    #leaders { height: auto; max-height: 13; }
    #players { height: 1fr; }
    #system { dock: bottom; height: 7; border-top: solid $accent; padding: 0 1; display: none; }
    #system.-shown { display: block; }
    #sys-spark { height: 1; }
    """

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock
        self.ready = False  # set once the widgets exist (the app may tick before that)

    def on_mount(self) -> None:
        self.ready = True

    def on_unmount(self) -> None:
        self.ready = False

    def compose(self) -> ComposeResult:
        yield Readout("", id="topbar")
        with Horizontal(id="body"):
            with ContentSwitcher(initial="lobby", id="main"):
                with Vertical(id="lobby"):
                    with Horizontal(id="lobby-top"):
                        with Vertical(id="qr-col"):
                            yield QRCode(id="qr")
                        with Vertical(id="lobby-info"):
                            yield BigCode(id="big-code")
                            yield Readout("", id="join-command")
                            yield Readout("", id="lobby-count")
                            yield JoinFeed(id="join-feed")
                    with Horizontal(id="lobby-split"):
                        yield NameGrid(id="name-grid")
                        yield PlayerTable(name_width=13, id="lobby-players")
                with Vertical(id="question"):
                    yield Readout("", id="q-text")
                    yield Readout("", id="get-ready")
                    yield Countdown(clock=self.clock, id="countdown")
                    yield Readout("", id="q-choices")
                    yield Histogram(id="histogram")
                    yield Readout("", id="q-answered")
                    yield Readout("", id="reveal-box", classes="-hidden")
                    yield Static("Live answers (newest first)", id="stream-title")
                    yield AnswerStream(id="stream")
                with Vertical(id="board"):
                    yield Readout("", id="board-title")
                    yield Readout("", id="board-rows")
                    yield Readout("", id="board-hint")
                with Vertical(id="end"):
                    yield Readout("", id="end-title")
                    yield Podium(id="podium")
                    yield Readout("", id="winner")
                    yield Readout("Press x to export the results (CSV and JSON).", id="exports")
            with Vertical(id="side", classes="-hidden"):
                yield Static("Top 10", classes="section")
                yield LeaderboardTable(limit=10, name_width=16, id="leaders")
                yield Static("Players", classes="section")
                yield PlayerTable(id="players")
        with Vertical(id="system"):
            yield Readout("", id="sys-text")
            yield Sparkline(id="sys-spark")
            yield Readout("", id="sys-stub")
        yield Footer()

    # -- rendering ------------------------------------------------------------------------------

    def pane_for(self, phase: str, stage: Stage | None = None) -> str:
        if phase == CLOSED and stage is not None and stage.name == "board":
            return "board"
        return {LOBBY: "lobby", OPEN: "question", CLOSED: "question"}.get(phase, "end")

    def render_model(
        self, model: ConsoleModel, command: str, link: str, stage: Stage | None = None
    ) -> None:
        stage = stage or Stage("other")
        app = self.app
        with app.batch_update():
            self._topbar(model, link)
            pane = self.pane_for(model.phase, stage)
            switcher = self.query_one("#main", ContentSwitcher)
            if switcher.current != pane:
                switcher.current = pane
            # the leaderboard fills the screen between questions: no side panel to repeat it
            self.query_one("#side").set_class(pane in ("lobby", "board", "end"), "-hidden")
            if pane == "lobby":
                self._lobby(model, command)
            else:
                self.query_one("#leaders", LeaderboardTable).update_entries(model.top(10))
                self.query_one("#players", PlayerTable).update_players(model.players.values())
            if pane == "question":
                self._question(model, stage)
            elif pane == "board":
                self._board(model)
            elif pane == "end":
                self._end(model, stage)

    def _topbar(self, model: ConsoleModel, link: str) -> None:
        text = Text.assemble(
            (clean(model.title, 24) or "Quizwire", "bold"),
            " · ",
            (PHASE_LABEL.get(model.phase, model.phase.upper()), "bold"),
        )
        if model.phase in (OPEN, CLOSED) and model.total:
            text.append(f" · Q{model.index + 1}/{model.total}")
        text.append(f" · {clean(model.code)}", style="bold")
        text.append(f" · {players(model.active_players())}")
        removed = len(model.players) - model.active_players()
        if removed and model.phase != FINISHED:
            text.append(f" · {removed} removed (u)", style="bold")
        if model.locked and model.phase != FINISHED:
            text.append(" · locked: no new players (l)", style="bold reverse")
        text.append(f" · {link}")
        self.query_one("#topbar", Static).update(text)

    def _lobby(self, model: ConsoleModel, command: str) -> None:
        self.query_one("#big-code", BigCode).set_code(model.code)
        self.query_one("#qr", QRCode).set_data(command)
        self.query_one("#join-command", Static).update(
            Text.assemble(("Join with:\n", "dim"), (clean(command), "bold"))
        )
        joined = f"{players(model.active_players())} joined"
        if model.connected_count is not None:
            online = sum(1 for p in model.players.values() if p.connected and p.status == "active")
            joined += f" · {online} online"
        self.query_one("#lobby-count", Static).update(joined)
        self.query_one("#join-feed", JoinFeed).show(model.joins)
        self.query_one("#name-grid", NameGrid).set_names(
            [p.name for p in model.players.values() if p.status == "active"]
        )
        self.query_one("#lobby-players", PlayerTable).update_players(model.players.values())

    def _question(self, model: ConsoleModel, stage: Stage) -> None:
        question = model.question
        countdown = self.query_one("#countdown", Countdown)
        pane = self.query_one("#question")
        ready = stage.name == "ready"
        pane.set_class(ready, "-ready")
        pane.set_class(not ready, "-open")
        if question is None:
            self.query_one("#q-text", Static).update("")
            countdown.stop()
            return
        self.query_one("#q-text", Static).update(
            Text(f"Q{question.index + 1}. {clean(question.text)}")
        )
        revealed = model.phase != OPEN and model.reveal is not None
        correct = model.reveal.correct if revealed and model.reveal is not None else None
        if ready:
            countdown.start(question.opens_at, question.ready_ms)
            self.query_one("#get-ready", Static).update(get_ready_text(stage.count))
        elif model.phase == OPEN:
            countdown.start(question.deadline, question.duration_ms)
        elif countdown.running:
            countdown.stop()
        self.query_one("#q-choices", Static).update(choices_text(question.choices, correct))
        self.query_one("#histogram", Histogram).set_data(model.counts(), correct)
        total = max(model.active_players(), model.answered())
        self.query_one("#q-answered", Static).update(f"answered {model.answered()}/{total}")
        box = self.query_one("#reveal-box", Static)
        box.set_class(not revealed, "-hidden")
        if revealed and model.reveal is not None:
            box.update(reveal_text(model, question.choices))
        snap = model.feed.snapshot(recent=40)
        self.query_one("#stream", AnswerStream).show(snap.recent, snap.version)

    def _board(self, model: ConsoleModel) -> None:
        title = Text("Leaderboard")
        if model.question is not None:
            title.append(f" after question {model.question.index + 1} of {model.total}")
        self.query_one("#board-title", Static).update(title)
        width = self.query_one("#board").size.width or self.size.width
        self.query_one("#board-rows", Static).update(
            board_text(model.leaderboard, model.board_before, width=width - 2)
        )
        self.query_one("#board-hint", Static).update(
            Text("v: back to the reveal · n: next question")
        )

    def _end(self, model: ConsoleModel, stage: Stage) -> None:
        self.query_one("#end-title", Static).update(
            Text.assemble(("Final podium — ", "bold"), clean(model.title))
        )
        revealed = stage.count if stage.name == "podium" else 3
        self.query_one("#podium", Podium).show(model.podium, revealed)
        winner = podium_places(model.podium).get(1)
        line = Text()
        if revealed >= 3 and winner is not None:
            line.append("🏆 ")
            line.append(fit_name(winner.name, 40))
            line.append(f" wins with {winner.score:,} points!")
        elif not model.podium:
            line = Text("No scores yet.", style="dim")
        self.query_one("#winner", Static).update(line)

    def show_exports(self, lines: Sequence[str]) -> None:
        self.query_one("#exports", Static).update(Text("\n".join(lines)))

    def show_system(self, lines: Text, series: Sequence[int], stub: Text) -> None:
        self.query_one("#sys-text", Static).update(lines)
        self.query_one("#sys-spark", Sparkline).set_series(series)
        self.query_one("#sys-stub", Static).update(stub)


def choices_text(choices: Sequence[str], correct: int | None) -> Text:
    text = Text()
    for i, choice in enumerate(choices):
        mark = "✔ " if correct == i else "  "
        text.append(mark, style="bold green")
        text.append(
            f"{choice_symbol(i)} {choice_letter(i)}  ", style=f"bold {CHOICE_COLORS[i % 6]}"
        )
        style = "bold" if correct == i else ("dim" if correct is not None else "")
        text.append(clean(choice, 60), style=style)
        if i < len(choices) - 1:
            text.append("\n")
    return text


def reveal_text(model: ConsoleModel, choices: Sequence[str]) -> Text:
    reveal = model.reveal
    assert reveal is not None
    right = choices[reveal.correct] if reveal.correct < len(choices) else "?"
    text = Text.assemble(
        ("Right answer: ", "bold"),
        (f"{choice_symbol(reveal.correct)} {choice_letter(reveal.correct)} ", "bold green"),
        (clean(right, 60), "bold"),
    )
    n_right = reveal.counts[reveal.correct] if reveal.correct < len(reveal.counts) else 0
    text.append(f"   {n_right}/{reveal.answered} right\n")
    if reveal.fastest:
        text.append("Fastest: ", style="bold")
        for i, entry in enumerate(reveal.fastest[:3]):
            if i:
                text.append(" · ")
            text.append(clean(entry.name, 18))
            text.append(f" {entry.ms / 1000:.2f}s", style="dim")
    else:
        text.append("Nobody got it right.", style="dim")
    return text


def get_ready_text(seconds: int) -> Text:
    """ "Get ready" and the seconds before the choices open, the number in block digits."""
    text = Text("Get ready — the choices appear in\n\n")
    text.append("\n".join(big_lines(str(max(0, seconds)))))
    return text


def big_code_text(code: str) -> str:
    return "\n".join(big_lines(code))
