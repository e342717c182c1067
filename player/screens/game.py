"""The game screen: one view per phase, re-rendered from the model on a timer.

Network events never reach the UI one by one: the session buffers them, and :meth:`tick`
(10-20 Hz) calls ``session.pump()`` once and re-renders only when ``model.version`` moved (or
the view, the connection or the "time's up" state changed).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Input

from eventapi import ConnectionState
from player.bells import BellCues
from player.session import Session
from player.widgets.final import FinalView
from player.widgets.lobby import LobbyView
from player.widgets.question import QuestionView
from player.widgets.removed import RemovedView
from player.widgets.standings import StandingsView
from player.widgets.topbar import TopBar
from quizwire.kinds import CHOICE_KINDS, Kind, format_number
from quizwire.play_model import PlayerModel
from quizwire.state import Phase
from quizwire.typed_view import number_hint
from tui.choices import ChoiceButton
from tui.clock import Clock
from tui.theme import next_theme

if TYPE_CHECKING:
    from textual.timer import Timer

__all__ = ["ANSWER_BINDING", "GameScreen", "answer_keys"]

ANSWER_LETTERS = "abcdef"


ANSWER_BINDING = "answer-a"  # the one answer binding the footer shows, for all answer keys


def answer_keys(n: int) -> str:
    """The answer keys for ``n`` choices, as the footer shows them: ``"A-D/1-4"``."""
    last = min(max(n, 1), len(ANSWER_LETTERS))
    if last == 1:
        return "A/1"
    return f"A-{ANSWER_LETTERS[last - 1].upper()}/1-{last}"


def _answer_bindings() -> list[Binding]:
    keys = answer_keys(len(ANSWER_LETTERS))
    bindings = [Binding("a", "answer(0)", "Answer", key_display=keys, id=ANSWER_BINDING)]
    for i, letter in enumerate(ANSWER_LETTERS[1:], 1):
        bindings.append(Binding(letter, f"answer({i})", show=False, id=f"answer-{letter}"))
    for i in range(len(ANSWER_LETTERS)):
        bindings.append(Binding(str(i + 1), f"answer({i})", show=False, id=f"answer-{i + 1}"))
    return bindings


class GameScreen(Screen[None]):
    DEFAULT_CSS = """
    GameScreen #views { align-horizontal: center; }
    GameScreen QuestionView, GameScreen StandingsView { max-width: 110; }
    """

    BINDINGS = [
        *_answer_bindings(),
        # priority: a focused table must not take them; off (check_action) unless ordering
        Binding("enter", "send_order", "Send order", id="send-order", priority=True),
        Binding("backspace", "undo_order", "Undo", id="undo-order", priority=True),
        Binding("up", "nudge(1)", "More", show=False, id="nudge-up"),
        Binding("down", "nudge(-1)", "Less", show=False, id="nudge-down"),
        Binding("l", "toggle_board", "Leaderboard", id="leaderboard"),
        Binding("s", "toggle_bell", "Sound", id="sound"),
        Binding("t", "theme", "Theme", id="theme"),
        Binding("q", "app.leave", "Quit", id="quit"),
    ]

    def __init__(
        self,
        session: Session,
        model: PlayerModel,
        *,
        clock: Clock,
        tick_hz: float = 15.0,
        reveal_hold_ms: int = 8_000,
        bell: bool = False,
    ) -> None:
        super().__init__()
        self.session = session
        self.bell_on = bell  # terminal bell cues (``--bell``; ``s`` toggles)
        self.model = model
        self.clock = clock
        self.tick_hz = tick_hz
        self.reveal_hold_ms = reveal_hold_ms
        self.view = ""
        self.renders = 0  # how many times the views were re-rendered (for tests)
        self._rendered: tuple[object, ...] = ()
        self._closed_key: str | None = "\0"  # the question whose close we last saw (none yet)
        self._closed_at = 0
        self._board: bool | None = None  # the player's own choice of reveal/leaderboard
        self._checked_refusal: str | None = None
        self._timer: Timer | None = None
        self._state: ConnectionState | None = None
        self._bells = BellCues()
        self.order_draft: list[int] = []  # the order being built (order questions)
        self._draft_for: str | None = None

    def compose(self) -> ComposeResult:
        yield TopBar()
        with ContentSwitcher(initial="lobby", id="views"):
            yield LobbyView(id="lobby")
            yield QuestionView(self._server_now, id="question")
            yield StandingsView(id="standings")
            yield FinalView(id="final")
            yield RemovedView(id="removed")
        yield Footer()

    def _server_now(self) -> int:
        return self.model.server_now(self.clock())

    def on_mount(self) -> None:
        self.tick()
        self._timer = self.set_interval(1 / self.tick_hz, self.tick)

    # -- the timer -------------------------------------------------------------------------------

    def tick(self) -> None:
        """Drain the session into the model; re-render only if something visible moved."""
        self.session.pump()
        model = self.model
        state = self.session.state
        self.query_one(TopBar).set_connection(state)
        if state is not self._state:
            self._state = state
            if state is ConnectionState.CLOSED and not self.session.removed:
                # Reconnecting gave up (e.g. the authorizer refused us): find out why.
                self.run_worker(self._check_standing(), group="standing", exclusive=True)
        if model.refusal and model.refusal != self._checked_refusal:
            # A refusal may mean the host removed us: ask the server once per refusal.
            self._checked_refusal = model.refusal
            self.run_worker(self._check_standing(), group="standing", exclusive=True)
        now = self.clock()
        self._ring(now)
        view = self._pick_view(now)
        online = state is ConnectionState.CONNECTED
        key = (
            model.version,
            view,
            self.session.removed,
            model.can_answer(now),
            online,
            tuple(self.order_draft),
            -(-model.ready_left_ms(now) // 1000),  # the get-ready line counts whole seconds
        )
        if key != self._rendered:
            self._rendered = key
            self._show_view(view, now, online=online)

    def _ring(self, now: int) -> None:
        """The bell cues (locked in, time's up, result): one bell each, if sound is on."""
        due = self._bells.due(self.model, now)
        if due and self.bell_on:
            self.app.bell()

    def _pick_view(self, now: int) -> str:
        model = self.model
        if self.session.removed:
            return "removed"
        if model.phase == Phase.FINISHED:
            return "final"
        if model.phase == Phase.QUESTION_OPEN:
            return "question"
        if model.phase == Phase.QUESTION_CLOSED:
            closed = model.reveal.question_id if model.reveal is not None else None
            if closed != self._closed_key:
                self._closed_key, self._closed_at, self._board = closed, now, None
            if self._board is not None:
                return "standings" if self._board else "question"
            return "standings" if now - self._closed_at >= self.reveal_hold_ms else "question"
        return "lobby"

    def _show_view(self, view: str, now: int, *, online: bool = True) -> None:
        self.renders += 1
        model = self.model
        with self.app.batch_update():
            self.query_one(TopBar).show(model)
            if view == "lobby":
                self.query_one(LobbyView).show(model, rejoined=self.session.rejoined)
            elif view == "question":
                self._forget_old_draft()
                self.query_one(QuestionView).show(model, now, online=online, draft=self.order_draft)
            elif view == "standings":
                self.query_one(StandingsView).show(model)
            elif view == "final":
                self.query_one(FinalView).show(model)
            elif view == "removed":
                self.query_one(RemovedView).show(self.session.removed or "")
            if view != self.view:
                self.view = view
                self.query_one(ContentSwitcher).current = view
            self.refresh_bindings()

    def answer_keys_display(self) -> str:
        """The footer's answer keys for the current question's choices."""
        question = self.model.question
        return answer_keys(len(question.choices) if question is not None else len(ANSWER_LETTERS))

    # -- actions ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Keys that do nothing right now are hidden from the footer.
        question = self.model.question
        kind = question.kind if question is not None else Kind.CHOICE
        answering = (
            self.view == "question"
            and self.model.phase == Phase.QUESTION_OPEN
            and self.model.choices_open(self.clock())
        )
        if action == "answer":
            return answering and (kind in CHOICE_KINDS or kind is Kind.ORDER)
        if action in ("send_order", "undo_order"):
            return answering and kind is Kind.ORDER and not self.model.locked
        if action == "nudge":
            return answering and kind is Kind.NUMBER and not self.model.locked
        if action == "toggle_board":
            return self.model.phase == Phase.QUESTION_CLOSED
        return True

    def action_answer(self, index: int) -> None:
        model = self.model
        question = model.question
        if self.view != "question" or question is None or not 0 <= index < len(question.choices):
            return
        if model.locked or not model.can_answer(self.clock()):
            return  # already locked, or too late: the status line says so
        if question.kind is Kind.ORDER:
            self._forget_old_draft()
            if index not in self.order_draft:
                self.order_draft.append(index)
                self.tick()
            return
        self.run_worker(self._send(index), group="answer")

    # -- typed answers ----------------------------------------------------------------------------

    def _forget_old_draft(self) -> None:
        """A draft belongs to one question: a new question starts from nothing."""
        question = self.model.question
        qid = question.question_id if question is not None else None
        if qid != self._draft_for:
            self._draft_for, self.order_draft = qid, []

    def action_undo_order(self) -> None:
        if self.order_draft and not self.model.locked:
            self.order_draft.pop()
            self.tick()

    def action_send_order(self) -> None:
        question = self.model.question
        if question is None or question.kind is not Kind.ORDER or self.model.locked:
            return
        if len(self.order_draft) != len(question.choices):
            self.notify("Put every item in order first.", timeout=2)
            return
        self.run_worker(self._send_fields({"order": list(self.order_draft)}), group="answer")

    def action_nudge(self, direction: int) -> None:
        """↑/↓ on a number question: one step (or 1/100 of the range) up or down, clamped."""
        question = self.model.question
        if question is None or question.kind is not Kind.NUMBER or question.low is None:
            return
        low, high = question.low, question.high if question.high is not None else question.low
        step = question.step or (high - low) / 100
        box = self.query_one("#q-input", Input)
        try:
            current = float(box.value)
        except ValueError:
            current = low + round((high - low) / 2 / step) * step - direction * step
        value = min(high, max(low, current + direction * step))
        box.value = format_number(value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the answer box: send the text, or the number if it is one in range."""
        event.stop()
        question = self.model.question
        if question is None or self.model.locked or not self.model.can_answer(self.clock()):
            return
        raw = event.value
        if question.kind is Kind.TEXT:
            if not raw.strip():
                self.notify("Type an answer first.", timeout=2)
                return
            self.run_worker(self._send_fields({"text": raw}), group="answer")
        elif question.kind is Kind.NUMBER:
            try:
                number = float(raw.replace(",", "."))
            except ValueError:
                self.notify("Type a number.", timeout=2)
                return
            low = question.low if question.low is not None else number
            high = question.high if question.high is not None else number
            if not (math.isfinite(number) and low <= number <= high):
                self.notify(f"Type {number_hint(question)}.", timeout=3)
                return
            self.run_worker(self._send_fields({"number": number}), group="answer")

    def on_choice_button_chosen(self, event: ChoiceButton.Chosen) -> None:
        self.action_answer(event.index)

    def action_toggle_board(self) -> None:
        if self.model.phase != Phase.QUESTION_CLOSED:
            return
        self._board = self.view != "standings"
        self.tick()

    def action_toggle_bell(self) -> None:
        self.bell_on = not self.bell_on
        self.notify(
            "Sound cues on: a bell at lock-in, time's up and the result."
            if self.bell_on
            else "Sound cues off.",
            timeout=2,
        )

    def action_theme(self) -> None:
        name = next_theme(self.app)
        self.notify(f"Theme: {name}", timeout=2)

    # -- workers ---------------------------------------------------------------------------------

    async def _send(self, index: int) -> None:
        refusal = await self.session.answer(index)
        if refusal is not None:
            self._checked_refusal = refusal
            await self._check_standing()
        self.tick()

    async def _send_fields(self, fields: dict[str, object]) -> None:
        refusal = await self.session.send_answer(fields)
        if refusal is not None:
            self._checked_refusal = refusal
            await self._check_standing()
        self.tick()

    async def _check_standing(self) -> None:
        await self.session.check_standing()
        self.tick()
