"""The join screen: game code and nickname, a random name on request, rejoin of the last game.

In team mode (the game has teams) the first Join shows the teams as a choice list: the player
picks one, or keeps "Any team" and is put in the smallest; the next Join joins. ``--team``
picks one from the command line.

Joining runs in a worker: the entry call (429s retried with backoff while the status line says
so), then the live connection. Failures are explained in plain words and the form stays usable.
"""

from __future__ import annotations

import random

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from eventapi import ConnectionState
from eventapi.errors import EventApiError
from player.explain import explain_connect_error, explain_entry_error, explain_garbled
from player.session import Session, SessionFactory
from quizwire.channels import is_valid_segment
from quizwire.client.game_api import GameApiError
from quizwire.client.player import SavedPlayer
from quizwire.names import MAX_NAME_LEN, NicknameError, clean_nickname, random_nickname
from quizwire.play_model import PlayerModel
from tui.safe import clean

__all__ = ["JoinScreen"]


class JoinScreen(Screen[None]):
    DEFAULT_CSS = """
    JoinScreen { align: center middle; }
    JoinScreen #join-box {
        width: 64; max-width: 100%;  /* a phone's browser: narrower than 64 columns */
        height: auto; padding: 0 2; border: round $primary;
    }
    JoinScreen #join-title { text-style: bold; color: $accent; width: 100%; text-align: center; }
    JoinScreen #join-target { color: $text-muted; width: 100%; text-align: center; }
    JoinScreen Label { margin-top: 1; }
    JoinScreen #name-row, JoinScreen #buttons { height: auto; }
    JoinScreen #name { width: 1fr; }
    JoinScreen #buttons Button { margin-right: 1; }
    JoinScreen #rejoin { display: none; }
    JoinScreen #rejoin.-offered { display: block; }
    JoinScreen #join-status { height: auto; min-height: 2; }
    JoinScreen #join-status.-error { color: $error; text-style: bold; }
    JoinScreen #join-status.-busy { color: $warning; }
    JoinScreen #team-label, JoinScreen #team { display: none; }
    JoinScreen.-teams #team-label, JoinScreen.-teams #team { display: block; }
    JoinScreen #team { height: auto; max-height: 8; border: none; padding: 0 1; }
    /* team mode adds a list: the form closes up so it still fits 80x24 */
    JoinScreen.-teams Label { margin-top: 0; }
    JoinScreen.-teams #join-target { display: none; }
    """

    BINDINGS = [
        Binding("ctrl+r", "random_name", "Random name", id="random-name"),
        Binding("ctrl+g", "rejoin", "Rejoin last game", id="rejoin"),
        Binding("escape", "app.leave", "Quit", id="quit"),
    ]

    class Joined(Message):
        """Joined and connected: the app takes the session over."""

        def __init__(self, session: Session, model: PlayerModel) -> None:
            super().__init__()
            self.session = session
            self.model = model

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        code: str | None = None,
        name: str | None = None,
        random_name: bool = False,
        rng: random.Random | None = None,
        target_label: str = "",
        team: str | None = None,
    ) -> None:
        super().__init__()
        self.preset_team = (team or "").strip() or None
        self.teams_of: str | None = None  # the game code whose teams the list shows
        self.team_names: list[str] = []
        self.sessions = sessions
        self.rng = rng or random.Random()
        self.target_label = target_label
        self.preset_code = (code or "").strip().upper()
        self.preset_name = name
        self.random_name = random_name
        self.offer: SavedPlayer | None = None
        self.retries = 0  # entry 429 retries seen during the current join (shown, and for tests)
        self.joining = False
        self.pending: Session | None = None  # a session being set up (closed if we quit now)

    def compose(self) -> ComposeResult:
        with Vertical(id="join-box"):
            yield Static(Text("QUIZWIRE — live trivia"), id="join-title")
            yield Static(Text(f"server: {clean(self.target_label)}"), id="join-target")
            yield Label("Game code")
            yield Input(
                placeholder="the code on the host's screen, e.g. K7QX2M",
                max_length=12,
                restrict=r"[A-Za-z0-9]*",
                id="code",
            )
            yield Label("Nickname")
            with Horizontal(id="name-row"):
                yield Input(
                    placeholder=f"1-{MAX_NAME_LEN} characters", max_length=MAX_NAME_LEN, id="name"
                )
                yield Button("Random", id="random")
            yield Label("Team", id="team-label")
            yield OptionList(id="team")
            with Horizontal(id="buttons"):
                yield Button("Join", id="join", variant="primary")
                yield Button("Rejoin", id="rejoin", variant="success")
            yield Static(id="join-status")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "rejoin":
            return self.offer is not None  # shown in the footer only when there is one
        return True

    def on_mount(self) -> None:
        code = self.query_one("#code", Input)
        name = self.query_one("#name", Input)
        code.value = self.preset_code
        if self.random_name:
            wanted = random_nickname(self.rng)
        else:
            wanted = self.preset_name or self.sessions.credentials.last_name() or ""
        # The field refuses every edit while it holds more than its max_length: cut, and say so.
        name.value = wanted[:MAX_NAME_LEN]
        cut = len(wanted) > MAX_NAME_LEN
        if cut:
            self.set_status(
                f"That nickname is {len(wanted)} characters; it was cut to the "
                f"{MAX_NAME_LEN}-character limit. Edit it, or press Enter to join.",
                "error",
            )
        elif self.preset_code and (self.preset_name or self.random_name):
            self.start_join(self.preset_code, name.value)
            return
        (name if self.preset_code or cut else code).focus()
        if not cut:
            self.look_for_running_game()

    # -- status ----------------------------------------------------------------------------------

    def set_status(self, text: str, kind: str = "") -> None:
        """``text`` may quote the server or the command line: shown literally."""
        status = self.query_one("#join-status", Static)
        status.update(Text(clean(text)))
        status.set_class(kind == "error", "-error")
        status.set_class(kind == "busy", "-busy")

    @property
    def status_text(self) -> str:
        return str(self.query_one("#join-status", Static).render())

    def _busy(self, busy: bool) -> None:
        self.joining = busy
        for button in self.query(Button):
            button.disabled = busy

    # -- rejoin offer ----------------------------------------------------------------------------

    @work(exclusive=True, group="running-game")
    async def look_for_running_game(self) -> None:
        try:
            saved = await self.sessions.running_game()
        except (GameApiError, OSError, ValueError):
            saved = None  # no offer is better than a crash over a bad answer
        if saved is None or self.joining:
            return
        if self.preset_code and saved.game_id == self.preset_code:
            self.start_join(saved.game_id, saved.name)  # same game asked for: rejoin at once
            return
        self.offer = saved
        code = self.query_one("#code", Input)
        if not code.value:
            code.value = saved.game_id  # Enter rejoins too
        button = self.query_one("#rejoin", Button)
        # a Button parses a str label as markup: the name goes in as Text
        button.label = Text(f"Rejoin {clean(saved.game_id)} as {clean(saved.name, 24)}")
        button.add_class("-offered")
        self.refresh_bindings()
        self.set_status(
            f"You are still in game {saved.game_id} as {clean(saved.name)}: "
            "Ctrl+G (or the button) rejoins it with your score."
        )

    def action_rejoin(self) -> None:
        if self.offer is not None and not self.joining:
            self.start_join(self.offer.game_id, self.offer.name, validate=False)

    def action_random_name(self) -> None:
        self.query_one("#name", Input).value = random_nickname(self.rng)

    # -- the form --------------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "code" and event.value != event.value.upper():
            event.input.value = event.value.upper()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "code" and not self.query_one("#name", Input).value.strip():
            self.query_one("#name", Input).focus()
            return
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "join":
            self.submit()
        elif event.button.id == "random":
            self.action_random_name()
        elif event.button.id == "rejoin":
            self.action_rejoin()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.submit()  # Enter on a team joins it

    def submit(self) -> None:
        if self.joining:
            return
        code = self.query_one("#code", Input).value.strip().upper()
        name = self.query_one("#name", Input).value
        if self.preset_team is None and self.teams_of != code and is_valid_segment(code):
            try:
                clean_nickname(name)
            except NicknameError:
                pass  # start_join explains it
            else:
                self._busy(True)
                self.offer_teams(code, name)
                return
        self.start_join(code, name)

    @property
    def chosen_team(self) -> str | None:
        """The team picked in the list (None: "Any team", or no team mode)."""
        if self.preset_team is not None:
            return self.preset_team
        teams = self.query_one("#team", OptionList)
        index = teams.highlighted
        if not self.team_names or index is None or index == 0:
            return None
        return self.team_names[index - 1]

    @work(exclusive=True, group="join")
    async def offer_teams(self, code: str, name: str) -> None:
        """Team mode? Then show the teams and let the player choose before joining."""
        try:
            teams = await self.sessions.game_teams(code)
        except (GameApiError, OSError, ValueError):
            teams = []  # the join that follows explains what is wrong
        self.teams_of, self.team_names = code, teams
        self._busy(False)
        if not teams:
            self.start_join(code, name)
            return
        options = self.query_one("#team", OptionList)
        options.clear_options()
        options.add_options(
            [Option(Text("Any team (you go to the smallest)"))]
            + [Option(Text(f"Team {team}")) for team in teams]
        )
        options.highlighted = 0
        self.add_class("-teams")
        options.focus()
        self.set_status(
            f"Game {code} plays in teams: pick yours (↑/↓) and press Enter, or keep 'Any team'."
        )

    def start_join(self, code: str, name: str, *, validate: bool = True) -> None:
        if not code:
            self.set_status("Type the game code shown on the host's screen.", "error")
            self.query_one("#code", Input).focus()
            return
        if not is_valid_segment(code):  # --game is not held to the input's restriction
            self.set_status(
                f"{code!r} is not a game code: a code is letters and digits, e.g. K7QX2M.", "error"
            )
            self.query_one("#code", Input).focus()
            return
        if validate:
            try:
                name = clean_nickname(name)
            except NicknameError as exc:
                self.set_status(exc.message, "error")
                self.query_one("#name", Input).focus()
                return
        self._busy(True)
        self.join(code, name)

    @work(exclusive=True, group="join")
    async def join(self, code: str, name: str) -> None:
        self.retries = 0
        self.set_status(f"Joining game {code}…", "busy")
        session = self.sessions(self._on_state, self._on_retry)
        self.pending = session
        try:
            await session.join(code, name, self.chosen_team)
            self.set_status(f"Joined game {code}. Connecting…", "busy")
            model = await session.connect()
        except GameApiError as exc:
            await self._abandon(session, explain_entry_error(exc, code))
            return
        except ValueError as exc:  # e.g. a 200 that is not JSON: the address is not a game API
            await self._abandon(session, explain_garbled(exc))
            return
        except (EventApiError, OSError, TimeoutError) as exc:
            await self._abandon(session, explain_connect_error(exc))
            return
        self.pending = None
        self.post_message(self.Joined(session, model))

    async def _abandon(self, session: Session, message: str) -> None:
        self.pending = None
        await session.close()
        self.set_status(message, "error")
        self._busy(False)

    def _on_retry(self, attempt: int, exc: GameApiError, wait_s: float) -> None:
        self.retries = attempt
        next_try = f"attempt {attempt + 1} in {wait_s:.1f} s"
        if exc.status == 429:
            self.set_status(f"Joining… the server is busy, retrying ({next_try}).", "busy")
        else:
            # exc.message names the address tried: a typo in --endpoint shows at once
            self.set_status(f"{exc.message} Retrying ({next_try}); Esc quits.", "busy")

    def _on_state(self, state: ConnectionState) -> None:
        """Connection changes are read by the game screen's timer; nothing to do per event."""
