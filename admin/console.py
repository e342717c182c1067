"""The running console: one screen whose panes follow the game's phase.

It only *renders* from :class:`admin.model.ConsoleModel` (and the link stats); the app owns the
timers, the source and the commands. ``render_model`` is called at most 10 times a second and
each widget repaints only what changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Footer, Static

from admin.bigfont import big_lines
from admin.board import board_text, team_board_text
from admin.join_panel import join_lines
from admin.kinds_view import append_fastest, bars, prompt_text, typed_reveal_text
from admin.model import ConsoleModel
from admin.namegrid import NameGrid
from admin.podium import Podium, podium_places
from admin.stage import Stage
from admin.widgets import AnswerStream, BigCode, JoinFeed, PlayerTable, Readout
from quizwire.join_points import JoinPoints
from quizwire.kinds import Kind
from quizwire.messages import PublicQuestion, TeamEntry
from quizwire.state import Phase
from tui.clock import Clock
from tui.code import code_block
from tui.countdown import Countdown
from tui.histogram import Histogram
from tui.leaderboard import LeaderboardTable
from tui.names import fit_name
from tui.plural import players
from tui.qr import QRCode
from tui.safe import clean
from tui.sparkline import Sparkline
from tui.symbols import choice_color, choice_letter, choice_symbol

PHASE_LABEL = {
    Phase.LOBBY: "LOBBY",
    Phase.QUESTION_OPEN: "QUESTION OPEN",
    Phase.QUESTION_CLOSED: "REVEALED",
    Phase.FINISHED: "FINISHED",
}
#: the top bar's fairness mode: private (the presenter's own screen) -> label, style
MODE_LABEL = {
    False: ("projector-safe (p)", ""),
    True: ("private: choices visible (p)", "bold reverse"),
}
STREAM_TITLE = {
    False: Text("Who answered · choices hidden (p)"),
    True: Text.assemble("Answers · ", ("PRIVATE: choices shown", "bold reverse"), " (p)"),
}


class ConsoleScreen(Screen[None]):
    """``clock`` returns the server's "now" in epoch ms (the countdown's timebase)."""

    DEFAULT_CSS = """
    ConsoleScreen { layout: vertical; }
    #topbar {
        height: 1; background: $primary; color: $text; padding: 0 1;
        text-wrap: nowrap; text-overflow: ellipsis;  /* a cut mode label still shows its start */
    }
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
    #q-code {
        height: auto; max-height: 10; padding: 0 1; margin-bottom: 1;
        border-left: thick $accent; background: $boost;
    }
    #q-code.-none { display: none; }
    #q-answered { height: 1; text-style: bold; }
    #reveal-box { height: auto; border: round $success; padding: 0 1; }
    #reveal-box.-hidden { display: none; }
    #stream-title { height: 1; color: $text-muted; }
    #end { layout: vertical; }
    #board-title { height: auto; text-style: bold; color: $accent; margin: 1 0; }
    #board-rows { height: auto; }
    #team-rows { height: auto; margin-top: 1; }
    #team-rows.-hidden { display: none; }
    #team-podium { height: auto; text-align: center; }
    #board-hint { height: auto; color: $text-muted; margin-top: 1; }
    #end-title { height: auto; margin: 1 0; text-align: center; }
    #winner { height: auto; margin: 1 0; text-align: center; text-style: bold; color: $accent; }
    #exports { height: auto; color: $text-muted; }
    .section { height: 1; color: $accent; text-style: bold; }
    #leaders { height: auto; max-height: 13; }
    #players { height: 1fr; }
    #selected { height: 1; padding: 0 1; color: $text-muted; }
    #system { height: auto; border-top: solid $accent; padding: 0 1; display: none; }
    #system.-shown { display: block; }
    #sys-spark { height: 1; }
    """

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock
        self.ready = False  # set once the widgets exist (the app may tick before that)
        self.model: ConsoleModel | None = None  # the last one rendered
        self._choices_shown: tuple[Sequence[str], int | None] | None = None
        self._code_shown: tuple[str, str] | None = None

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
                    yield Readout("", id="q-code")
                    yield Readout("", id="get-ready")
                    yield Countdown(clock=self.clock, id="countdown")
                    yield Readout("", id="q-choices")
                    yield Histogram(id="histogram")
                    yield Readout("", id="q-answered")
                    yield Readout("", id="reveal-box", classes="-hidden")
                    yield Readout("", id="stream-title")
                    yield AnswerStream(id="stream")
                with Vertical(id="board"):
                    yield Readout("", id="board-title")
                    yield Readout("", id="board-rows")
                    yield Readout("", id="team-rows", classes="-hidden")
                    yield Readout("", id="board-hint")
                with Vertical(id="end"):
                    yield Readout("", id="end-title")
                    yield Podium(id="podium")
                    yield Readout("", id="winner")
                    yield Readout("", id="team-podium")
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
        yield Readout("", id="selected")
        yield Footer()

    # -- rendering ------------------------------------------------------------------------------

    def pane_for(self, phase: Phase, stage: Stage | None = None) -> str:
        if phase == Phase.QUESTION_CLOSED and stage is not None and stage.name == "board":
            return "board"
        return {
            Phase.LOBBY: "lobby",
            Phase.QUESTION_OPEN: "question",
            Phase.QUESTION_CLOSED: "question",
        }.get(phase, "end")

    def render_model(
        self,
        model: ConsoleModel,
        command: str,
        link: str,
        stage: Stage | None = None,
        *,
        private: bool = False,
        join: JoinPoints | None = None,
    ) -> None:
        """``stage``: what the clock says of the phase (get-ready, the board, the podium's
        reveal). ``private``: the presenter's own screen — choices show while a question is
        open. Otherwise (projector-safe) only *who* answered shows until the reveal.
        ``join``: a running ``quizwire gateway``'s SSH command and URL, shown in the lobby."""
        stage = stage or Stage("other")
        app = self.app
        choices_visible = private or model.phase != Phase.QUESTION_OPEN
        self.model = model
        with app.batch_update():
            self._topbar(model, link, private)
            pane = self.pane_for(model.phase, stage)
            switcher = self.query_one("#main", ContentSwitcher)
            if switcher.current != pane:
                switcher.current = pane
            # the leaderboard fills the screen between questions: no side panel to repeat it
            self.query_one("#side").set_class(pane in ("lobby", "board", "end"), "-hidden")
            if pane not in ("board", "end") and self.focused is not self.player_table():
                # ↑↓ move the selection k and b act on: the table on screen has the focus
                self.call_after_refresh(self.player_table().focus)
            if pane == "lobby":
                self._lobby(model, command, join)
            else:
                self.query_one("#leaders", LeaderboardTable).update_entries(model.top(10))
                self.query_one("#players", PlayerTable).update_players(
                    model.players.values(), choices_visible
                )
            if pane == "question":
                self._question(model, stage, private)
            elif pane == "board":
                self._board(model)
            elif pane == "end":
                self._end(model, stage)
            self.show_selected()

    # -- the selected player (what k and b act on) -------------------------------------------------

    def player_table(self) -> PlayerTable:
        """The table k and b act on: the lobby's, or the side panel's once the game runs."""
        phase = self.model.phase if self.model is not None else Phase.LOBBY
        return self.query_one("#lobby-players" if phase == Phase.LOBBY else "#players", PlayerTable)

    def selected_player(self) -> tuple[str, str, str] | None:
        """``(player id, name, status)`` of the row under the table's cursor."""
        pid = self.player_table().selected_player()
        row = self.model.players.get(pid) if self.model is not None and pid else None
        return None if row is None else (row.player_id, row.name, row.status)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.ready:
            self.show_selected()

    def show_selected(self) -> None:
        """The footer line naming the player k and b would act on (rows re-sort by score)."""
        selected = self.selected_player() if self.model is not None else None
        text = Text()
        if selected is not None and self.model is not None and self.model.phase != Phase.FINISHED:
            pid, name, status = selected
            row = self.model.players.get(pid)
            text.append("Selected: ")
            text.append(clean(name, 24), style="bold")
            if row is not None and (row.team or row.extra_time):
                about = [f"team {clean(row.team, 20)}"] if row.team else []
                about += [f"+{row.extra_time}% time"] if row.extra_time else []
                text.append(f" ({' · '.join(about)})")
            if status == "active":
                text.append("  k kick · b ban · t time · ↑↓")
            else:
                text.append(f" ({clean(status)})  readmit: u, or ctrl+p")
        self.query_one("#selected", Static).update(text)

    def _topbar(self, model: ConsoleModel, link: str, private: bool) -> None:
        text = Text.assemble(
            (clean(model.title, 24) or "Quizwire", "bold"),
            " · ",
            (PHASE_LABEL.get(model.phase, model.phase.upper()), "bold"),
        )
        if model.phase in (Phase.QUESTION_OPEN, Phase.QUESTION_CLOSED) and model.total:
            text.append(f" · Q{model.index + 1}/{model.total}")
        text.append(f" · {clean(model.code)}", style="bold")
        text.append(f" · {players(model.active_players())}")
        removed = len(model.players) - model.active_players()
        if removed and model.phase != Phase.FINISHED:
            text.append(f" · {removed} removed (u)", style="bold")
        if model.locked and model.phase != Phase.FINISHED:
            text.append(" · locked: no new players (l)", style="bold reverse")
        text.append(f" · {link}")
        if model.phase != Phase.FINISHED:  # last: on a narrow screen the stream title says it too
            text.append(" · ")
            text.append(*MODE_LABEL[private])
        self.query_one("#topbar", Static).update(text)

    def _lobby(self, model: ConsoleModel, command: str, join: JoinPoints | None) -> None:
        self.query_one("#big-code", BigCode).set_code(model.code)
        url = join.url_for(model.code) if join is not None else None
        ssh = join.ssh_for(model.code) if join is not None else None
        self.query_one("#qr", QRCode).set_data(url or command)  # a phone opens a URL
        first, *more = join_lines(ssh, url, command)
        title = "Join with (j: large QR code):\n" if join is not None else "Join with:\n"
        text = Text.assemble((title, "dim"), (clean(first), "bold"))
        for line in more:
            text.append("\n" + clean(line), style="bold")
        self.query_one("#join-command", Static).update(text)
        joined = Text(f"{players(model.active_players())} joined")
        if model.connected_count is not None:
            online = sum(1 for p in model.players.values() if p.connected and p.status == "active")
            joined.append(f" · {online} online")
        for team, count in model.team_members().items():
            joined.append(" · ")
            joined.append(clean(team, 20))
            joined.append(f" {count}")
        self.query_one("#lobby-count", Static).update(joined)
        self.query_one("#join-feed", JoinFeed).show(model.joins)
        self.query_one("#name-grid", NameGrid).set_names(
            [p.name for p in model.players.values() if p.status == "active"]
        )
        self.query_one("#lobby-players", PlayerTable).update_players(model.players.values())

    def _question(self, model: ConsoleModel, stage: Stage, private: bool) -> None:
        choices_visible = private or model.phase != Phase.QUESTION_OPEN
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
        self._code(question)
        revealed = model.phase != Phase.QUESTION_OPEN and model.reveal is not None
        reveal = model.reveal if revealed else None
        counts, correct, labels = bars(model, question, reveal)
        if ready:
            countdown.start(question.opens_at, question.ready_ms)
            self.query_one("#get-ready", Static).update(get_ready_text(stage.count))
        elif model.phase == Phase.QUESTION_OPEN and not question.timed:
            countdown.untimed()
        elif model.phase == Phase.QUESTION_OPEN:
            # until the question closes for everyone: later than the deadline when a player
            # has extra time
            closes = max(question.closes_at, question.deadline)
            countdown.start(closes, closes - question.opens_at)
        else:
            countdown.stop()
        mark = correct if question.kind in (Kind.CHOICE, Kind.TRUEFALSE) else None
        shown = (question.choices, mark)
        if shown != self._choices_shown:  # a grid is laid out again on every update: only on change
            self._choices_shown = shown
            prompt = prompt_text(question)
            self.query_one("#q-choices", Static).update(
                prompt if prompt is not None else choices_text(*shown)
            )
        histogram = self.query_one("#histogram", Histogram)
        histogram.display = choices_visible  # bars per choice would show the room's answer
        histogram.set_data(counts, correct, labels)
        total = max(model.active_players(), model.answered())
        self.query_one("#q-answered", Static).update(f"answered {model.answered()}/{total}")
        box = self.query_one("#reveal-box", Static)
        box.set_class(not revealed, "-hidden")
        if reveal is not None and reveal.kind not in (Kind.CHOICE, Kind.TRUEFALSE):
            box.update(typed_reveal_text(model, question, reveal))
        elif reveal is not None:
            box.update(reveal_text(model, question.choices))
        title = STREAM_TITLE[private] if model.phase == Phase.QUESTION_OPEN else Text("Answers")
        self.query_one("#stream-title", Static).update(title)
        snap = model.feed.snapshot(recent=40)
        self.query_one("#stream", AnswerStream).show(snap.recent, snap.version, choices_visible)

    def _code(self, question: PublicQuestion) -> None:
        """The question's code block, highlighted (shown only when there is one)."""
        box = self.query_one("#q-code", Static)
        box.set_class(not question.code, "-none")
        key = (question.question_id, question.code)
        if question.code and key != self._code_shown:
            self._code_shown = key
            box.update(code_block(question.code, question.language))

    def _board(self, model: ConsoleModel) -> None:
        title = Text("Leaderboard")
        if model.question is not None:
            title.append(f" after question {model.question.index + 1} of {model.total}")
        self.query_one("#board-title", Static).update(title)
        width = self.query_one("#board").size.width or self.size.width
        self.query_one("#board-rows", Static).update(
            board_text(model.leaderboard, model.board_before, width=width - 2)
        )
        teams = self.query_one("#team-rows", Static)
        teams.set_class(not model.teams, "-hidden")
        teams.update(team_board_text(model.teams, width=width - 2))
        self.query_one("#board-hint", Static).update(
            Text("v: back to the reveal · n: next question")
        )

    def _end(self, model: ConsoleModel, stage: Stage) -> None:
        self.query_one("#end-title", Static).update(
            Text.assemble(("Final podium — ", "bold"), clean(model.title))
        )
        revealed = stage.count if stage.name == "podium" else 3
        self.query_one("#podium", Podium).show(model.podium, revealed)
        winners = podium_places(model.podium).get(1, [])
        line = Text()
        if revealed >= 3 and winners:
            line.append("🏆 ")
            for i, winner in enumerate(winners[:3]):
                if i:
                    line.append(" and " if i == len(winners[:3]) - 1 else ", ")
                line.append(fit_name(winner.name, 40), style="bold")
            if len(winners) > 3:
                line.append(f" (+{len(winners) - 3} tied)")
            verb = " win" if len(winners) > 1 else " wins"
            line.append(f"{verb} with {winners[0].score:,} points!")
        elif not model.podium:
            line = Text(
                "No podium: nobody scored any points."
                if model.phase == Phase.FINISHED
                else "No scores yet.",
                style="dim",
            )
        self.query_one("#winner", Static).update(line)
        self.query_one("#team-podium", Static).update(
            team_podium_text(model.teams) if revealed >= 3 else Text("")
        )

    def show_exports(self, lines: Sequence[str]) -> None:
        self.query_one("#exports", Static).update(Text("\n".join(lines)))

    def show_system(self, lines: Text, series: Sequence[int], stub: Text) -> None:
        self.query_one("#sys-text", Static).update(lines)
        self.query_one("#sys-spark", Sparkline).set_series(series)
        self.query_one("#sys-stub", Static).update(stub)


def choices_text(choices: Sequence[str], correct: int | None) -> Table:
    """One row per choice: the mark and label, then the whole choice text, wrapped under itself
    (a choice may be 76 characters: cut, the room could not read it)."""
    grid = Table.grid()
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for i, choice in enumerate(choices):
        label = Text("✔ " if correct == i else "  ", style="bold green")
        label.append(f"{choice_symbol(i)} {choice_letter(i)}  ", style=f"bold {choice_color(i)}")
        style = "bold" if correct == i else ("dim" if correct is not None else "")
        grid.add_row(label, Text(clean(choice), style=style))
    return grid


def reveal_text(model: ConsoleModel, choices: Sequence[str]) -> Text:
    reveal = model.reveal
    assert reveal is not None
    correct = reveal.correct if reveal.correct is not None else 0
    right = choices[correct] if correct < len(choices) else "?"
    text = Text.assemble(
        ("Right answer: ", "bold"),
        (f"{choice_symbol(correct)} {choice_letter(correct)} ", "bold green"),
        (clean(right), "bold"),
    )
    n_right = reveal.counts[correct] if correct < len(reveal.counts) else 0
    text.append(f"   {n_right}/{reveal.answered} right\n")
    append_fastest(text, reveal, nobody="Nobody got it right.")
    return text


def team_podium_text(teams: Sequence[TeamEntry]) -> Text:
    """``"Teams: 🥇 Owls 1,850 · 🥈 Foxes 1,700 · 🥉 Otters 900"`` (ties share a medal)."""
    if not teams:
        return Text("")
    medals = {1: "1st", 2: "2nd", 3: "3rd"}
    text = Text("Teams: ", style="bold")
    for i, team in enumerate(teams):
        if i:
            text.append(" · ")
        text.append(f"{medals.get(team.rank, f'{team.rank}th')} ", style="bold")
        text.append(clean(team.name, 20), style="bold" if team.rank == 1 else "")
        text.append(f" {team.score:,}")
    return text


def get_ready_text(seconds: int) -> Text:
    """ "Get ready" and the seconds before the choices open, the number in block digits."""
    text = Text("Get ready — the choices appear in\n\n")
    text.append("\n".join(big_lines(str(max(0, seconds)))))
    return text
