"""Setup: pick a bundled pack or a quiz file (validated, every problem shown), set the options,
create the game — or resume a game still running on this profile. Posts
:class:`SetupScreen.Created` with the new game's view, or :class:`SetupScreen.Resume`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, OptionList, Select, Static, Switch
from textual.widgets.option_list import Option

from admin.running import RunningGame, running_games
from admin.source import Source, SourceError
from quizwire.packs import PRACTICE_NOTE
from quizwire.quiz import Quiz, QuizError, quiz_to_dict
from quizwire.teams import TeamError, clean_team_names
from tui.plural import counted, players
from tui.safe import clean

POINTS = [("quiz default", -1), ("0 (practice)", 0), ("1000", 1000), ("2000 (double)", 2000)]
TIMES = [("quiz default", -1), ("10 s", 10), ("20 s", 20), ("30 s", 30), ("45 s", 45), ("60 s", 60)]


def switch_state(on: bool) -> Text:
    return Text("on", style="green") if on else Text("off", style="dim")


@dataclass(frozen=True, slots=True)
class Choice:
    """The quiz to create: a bundled pack by name or a loaded file."""

    label: str
    quiz: Quiz
    pack: str | None = None


def load_choice(name_or_path: str) -> Choice:
    """A pack name or a file path, loaded and validated (raises :class:`QuizError`)."""
    from quizwire.packs import load_pack_or_file, pack_names

    quiz = load_pack_or_file(name_or_path)
    pack = name_or_path if name_or_path in pack_names() else None
    return Choice(name_or_path, quiz, pack)


class SetupScreen(Screen[None]):
    DEFAULT_CSS = """
    SetupScreen { layout: vertical; }
    SetupScreen #setup-title { height: 1; background: $primary; color: $text; text-style: bold; padding: 0 1; }
    SetupScreen #setup-body { height: 1fr; padding: 0 1; }
    SetupScreen #packs { height: auto; max-height: 8; }
    SetupScreen #running { height: auto; max-height: 6; }
    SetupScreen .-none { display: none; }
    SetupScreen .heading { margin: 0; }
    SetupScreen #practice-note { height: auto; color: $warning; }
    SetupScreen #quiz-status { height: auto; margin: 0 0 1 0; }
    SetupScreen #quiz-status.-error { color: $error; }
    SetupScreen .opt { height: 3; }
    SetupScreen .opt Label { padding: 1 1 0 0; width: auto; min-width: 7; }
    SetupScreen .opt Select { width: 22; }
    SetupScreen .opt Switch { margin: 0 0 0 0; }
    SetupScreen .opt .switch-state { min-width: 5; padding: 1 2 0 1; text-style: bold; }
    SetupScreen #create-row { height: auto; }
    SetupScreen #teams { width: 1fr; }
    SetupScreen .heading { text-style: bold; color: $accent; }
    """
    BINDINGS = [
        Binding("ctrl+g", "create", "Create game", priority=True),
        # q types a "q" in the path box: the footer offers ctrl+q there instead (check_action)
        Binding("ctrl+q", "quit_typing", "Quit", priority=True),
    ]

    class Created(Message):
        def __init__(self, view: dict[str, Any]) -> None:
            super().__init__()
            self.view = view

    class Resume(Message):
        """Attach the console to a game already running (the host quit, or it crashed)."""

        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    def __init__(self, source: Source, preset: str | None = None) -> None:
        super().__init__()
        self.source = source
        self.preset = preset
        self.choice: Choice | None = None
        self.packs: list[tuple[str, str, int]] = []

    def compose(self) -> ComposeResult:
        from admin.source import pack_choices

        self.packs = list(pack_choices())
        yield Static(
            Text(f"Quizwire · new game · {clean(self.source.describe())}"), id="setup-title"
        )
        with VerticalScroll(id="setup-body"):
            yield Static(
                "Running games on this profile (Enter resumes one)",
                id="running-heading",
                classes="heading -none",
            )
            yield OptionList(id="running", classes="-none")
            yield Static("Quiz: a bundled pack (for practice)…", classes="heading")
            yield OptionList(
                *[
                    Option(Text(f"{name:<16} {clean(title)} ({counted(n, 'question')})"), id=name)
                    for name, title, n in self.packs
                ],
                id="packs",
            )
            yield Static(Text(PRACTICE_NOTE), id="practice-note")
            yield Input(
                placeholder="…or a quiz file (.toml, .json, .csv): type the path, Enter",
                id="quiz-file",
            )
            yield Static("", id="quiz-status")
            with Horizontal(classes="opt"):
                yield Label("Speed scoring")
                yield Switch(True, id="speed")
                yield Label(switch_state(True), id="speed-state", classes="switch-state")
                yield Label("Streak bonus")
                yield Switch(True, id="streak")
                yield Label(switch_state(True), id="streak-state", classes="switch-state")
            with Horizontal(classes="opt"):
                yield Label("Points")
                yield Select(POINTS, value=-1, allow_blank=False, id="points")
                yield Label("Time")
                yield Select(TIMES, value=-1, allow_blank=False, id="time")
                # team mode: 2-8 comma-separated names (the quiz file's own teams otherwise)
                yield Label("Teams")
                yield Input(placeholder="Red, Blue, …", id="teams")
            with Vertical(id="create-row"):
                yield Button("Create game  (ctrl+g)", variant="primary", id="create")
        yield Footer()

    def on_mount(self) -> None:
        self._list_running()
        packs = self.query_one("#packs", OptionList)
        names = [p[0] for p in self.packs]
        if self.preset and self.preset not in names:
            # A file: show it (and every problem in it); the pack list stays untouched.
            field = self.query_one("#quiz-file", Input)
            field.value = self.preset
            self._load(self.preset)
            field.focus()
            return
        preset = self.preset or (names[0] if names else None)
        if preset is not None:
            self._load(preset)
            packs.highlighted = names.index(preset)
        packs.focus()

    def _status(self, text: Text, error: bool = False) -> None:
        status = self.query_one("#quiz-status", Static)
        status.set_class(error, "-error")
        status.update(text)

    def _load(self, name_or_path: str) -> None:
        try:
            self.choice = load_choice(name_or_path)
        except QuizError as exc:
            self.choice = None
            lines = Text(f"Cannot use {clean(name_or_path)}:\n", style="bold")
            for problem in exc.problems[:40]:
                lines.append(f"  • {clean(problem)}\n")
            self._status(lines, error=True)
            return
        quiz = self.choice.quiz
        self._status(
            Text.assemble(
                ("Selected: ", "bold"),
                clean(quiz.title),
                f" — {counted(len(quiz.questions), 'question')}, {quiz.time_limit} s and "
                f"{counted(quiz.points, 'point')} each by default",
            )
        )
        self.query_one("#practice-note").display = self.choice.pack is not None

    @work(exclusive=True, group="running")
    async def _list_running(self) -> None:
        try:
            games = running_games(await self.source.list_games())
        except Exception:  # no list is better than no setup screen; creating still works
            return
        if games:
            self._show_running(games)

    def _show_running(self, games: list[RunningGame]) -> None:
        listing = self.query_one("#running", OptionList)
        listing.clear_options()
        listing.add_options(
            Option(
                Text.assemble(
                    (f"{game.code}  ", "bold"),
                    f"{game.phase.replace('_', ' '):<15} {players(game.players):>11}  ",
                    clean(game.title, 40),
                ),
                id=game.code,
            )
            for game in games
        )
        listing.highlighted = 0  # Enter resumes the newest at once
        listing.remove_class("-none")
        self.query_one("#running-heading").remove_class("-none")

    @on(OptionList.OptionSelected, "#running")
    def _resume_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.post_message(self.Resume(event.option.id))

    @on(OptionList.OptionHighlighted, "#packs")
    def _pack_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # Only the presenter moving through the list picks a pack (not a focus change that
        # would silently replace a quiz file chosen on the command line).
        if event.option.id and event.option_list.has_focus:
            self._load(event.option.id)

    @on(Input.Submitted, "#quiz-file")
    def _file_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._load(event.value.strip())

    @on(Switch.Changed)
    def _switch_changed(self, event: Switch.Changed) -> None:
        """A switch's on/off in words: the knob's side alone is easy to misread."""
        if event.switch.id:
            self.query_one(f"#{event.switch.id}-state", Label).update(switch_state(event.value))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quit_typing":  # shown, and bound, only while typing in a box
            return isinstance(self.focused, Input)
        return True

    async def action_quit_typing(self) -> None:
        await self.app.action_quit()

    @on(Button.Pressed, "#create")
    def _create_pressed(self) -> None:
        self.action_create()

    def options(self) -> dict[str, Any]:
        """The game options; raises :class:`TeamError` for team names that cannot be used."""
        points = self.query_one("#points", Select).value
        time_limit = self.query_one("#time", Select).value
        options: dict[str, Any] = {
            "speedScoring": self.query_one("#speed", Switch).value,
            "streakBonus": self.query_one("#streak", Switch).value,
            "points": None if points == -1 else points,
            "timeLimit": None if time_limit == -1 else time_limit,
        }
        typed = [t for t in self.query_one("#teams", Input).value.split(",") if t.strip()]
        if typed:  # else the quiz's own teams, if it has any
            options["teams"] = list(clean_team_names(typed))
        return options

    def action_create(self) -> None:
        if self.choice is None:
            self.notify("Pick a pack or load a valid quiz file first.", severity="warning")
            return
        try:
            options = self.options()
        except TeamError as exc:
            self._status(Text(f"Teams: {clean(exc.message)}"), error=True)
            return
        self.query_one("#create", Button).disabled = True
        self._create(self.choice, options)

    @work(exclusive=True, group="create")
    async def _create(self, choice: Choice, options: dict[str, Any]) -> None:
        try:
            if choice.pack is not None:
                view = await self.source.create_game(pack=choice.pack, quiz=None, options=options)
            else:
                view = await self.source.create_game(
                    pack=None, quiz=quiz_to_dict(choice.quiz), options=options
                )
        except SourceError as exc:
            self._status(Text(f"The server refused the game: {clean(exc.message)}"), error=True)
            self.query_one("#create", Button).disabled = False
            return
        except Exception as exc:  # network: tell the presenter, keep the screen usable
            self._status(Text(f"Cannot create the game: {clean(exc)}"), error=True)
            self.query_one("#create", Button).disabled = False
            return
        self.post_message(self.Created(view))
