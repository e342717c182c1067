"""The question: number/total, countdown, text, choices — then the lock, then the reveal.

One view covers the whole life of a question so the choices stay put on screen: get ready
(the question text alone, with a countdown to the moment its choices open), open
(pick one), locked ("Locked in — wait for the reveal"), and closed (the right answer marked,
your result, total, streak and rank underneath).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from quizwire.kinds import CHOICE_KINDS, MAX_TEXT_ANSWER, Kind
from quizwire.messages import PublicQuestion, Reveal, ScoreMsg
from quizwire.play_model import PlayerModel
from quizwire.quiz import MAX_CHOICES
from quizwire.state import Phase
from quizwire.typed_view import number_hint, order_items, solution_line, value_line
from tui.choices import ChoiceButton
from tui.clock import Clock
from tui.code import code_block
from tui.countdown import Countdown
from tui.plural import counted
from tui.safe import clean
from tui.symbols import choice_label, choice_letter, choice_tag

__all__ = ["QuestionView", "answer_keys_hint", "get_ready_text", "result_lines"]

CLOSE_REASONS = {
    "deadline": "time's up",
    "presenter": "closed by the host",
    "all_answered": "everyone answered",
}


def answer_keys_hint(n: int) -> str:
    """``"Press A-D or 1-4 (or click a choice) to answer."`` for ``n`` choices."""
    last = max(1, n)
    return f"Press A-{choice_letter(last - 1)} or 1-{last} (or click a choice) to answer."


def _standing(model: PlayerModel) -> str:
    parts = [f"Total {model.score:,}", f"streak {model.streak}"]
    if model.rank is not None:
        rank = f"rank #{model.rank}"
        if model.ranked_players:
            rank += f" of {model.ranked_players}"
        move = model.move()
        if move is not None and move.arrow:
            rank += f" {move.arrow}"
        parts.append(rank)
    return " · ".join(parts)


def typed_hint(question: PublicQuestion, draft: Sequence[int] = ()) -> Text:
    """What to do for a typed question while it is open."""
    if question.kind is Kind.TEXT:
        return Text(f"Type your answer (up to {MAX_TEXT_ANSWER} characters) and press Enter.")
    if question.kind is Kind.NUMBER:
        return Text(f"Type {number_hint(question)} (↑/↓ to adjust), then press Enter.")
    n = len(question.choices)
    if not draft:
        return Text(f"Press the items in order (A-{choice_letter(n - 1)} or 1-{n}), first first.")
    text = Text("Your order: ", style="bold")
    text.append(order_items(question.choices, draft))
    text.append(
        "   Enter to send" if len(draft) == n else f"   ({n - len(draft)} to go; Backspace undoes)"
    )
    return text


def _typed_result(model: PlayerModel, question: PublicQuestion, reveal: Reveal) -> Text:
    """The close of a typed question: the solution, what you answered and what it earned."""
    result: ScoreMsg | None = model.result
    if result is not None and result.question_id != reveal.question_id:
        result = None
    solution = Text(solution_line(question, reveal))
    text = Text()
    if model.typed is None:
        text.append("· No answer", style="bold")
    elif result is None or result.correct is None:
        text.append("✘ Not counted" if model.refusal else "· Answer sent", style="bold")
    elif result.correct:
        text.append("✔ Correct!", style="bold green")
        text.append(f"  +{counted(result.points, 'point')}")
    elif result.points:
        text.append("≈ Close", style="bold yellow")
        text.append(f"  +{counted(result.points, 'point')}")
    else:
        text.append("✘ Wrong", style="bold red")
        text.append("  +0 points")
    label = {Kind.TEXT: "accepted", Kind.ORDER: "the order", Kind.NUMBER: "the answer"}
    text.append(f" — {label.get(reveal.kind, 'answer')}: ")
    text.append_text(solution)
    if model.typed is not None:
        text.append("\nYou answered: ")
        text.append(clean(value_line(question, model.typed)), style="bold")
    text.append("\n" + _standing(model))
    return text


def _poll_result(model: PlayerModel, reveal: Reveal) -> Text:
    text = Text("Poll — no right answer, no points. ", style="bold")
    text.append(f"{counted(reveal.answered, 'vote')}.")
    if model.choice is not None:
        text.append("  You voted ")
        text.append_text(choice_tag(model.choice))
    text.append("\n" + _standing(model))
    return text


def result_lines(model: PlayerModel, question: PublicQuestion, reveal: Reveal) -> Text:
    """What the player learns at the close: right or wrong, the answer, points and standing."""
    if reveal.kind is Kind.POLL:
        return _poll_result(model, reveal)
    if reveal.kind not in CHOICE_KINDS:
        return _typed_result(model, question, reveal)
    result: ScoreMsg | None = model.result
    if result is not None and result.question_id != reveal.question_id:
        result = None
    right = reveal.correct if reveal.correct is not None else -1
    answer = (
        choice_label(right, question.choices[right])
        if 0 <= right < len(question.choices)
        else Text()
    )
    # The result normally follows the reveal on /scores; after a rejoin it may never come, but
    # the revealed answer and our locked choice still say whether we were right.
    known = result is not None and result.correct is not None
    text = Text()
    if model.choice is None:
        text.append("· No answer", style="bold")
        text.append(" — the answer was ")
        text.append_text(answer)
    elif model.refusal and result is None:
        text.append("✘ Not counted", style="bold red")
        text.append(" — the answer was ")
        text.append_text(answer)
    elif (result.correct if result is not None and known else model.choice == right) is True:
        text.append("✔ Correct!", style="bold green")
        if result is not None and known and question.points == 0 and result.points == 0:
            text.append("  (no points for this one)")
        elif result is not None and known:
            text.append(f"  +{counted(result.points, 'point')}")
            if result.bonus:
                text.append(f" (incl. +{result.bonus:,} streak bonus)")
    else:
        text.append("✘ Wrong", style="bold red")
        text.append(" — the answer was ")
        text.append_text(answer)
        if known:
            text.append("  +0 points")
    text.append("\n" + _standing(model))
    if model.refusal:
        text.append("\nNot counted: ", style="bold red")
        text.append(clean(model.refusal))
    return text


STAND_IN = "stand-in"


def _stand_in_choices(reveal: Reveal) -> int:
    if reveal.kind in (Kind.TEXT, Kind.NUMBER):
        return 0
    return len(reveal.order) if reveal.kind is Kind.ORDER else len(reveal.counts)


def stand_in(reveal: Reveal) -> PublicQuestion:
    """The closed question as far as a rejoin snapshot knows it (no text, no choice texts)."""
    return PublicQuestion(
        question_id=STAND_IN,
        index=reveal.index,
        total=reveal.total,
        text="You came back after this question closed.",
        choices=("",) * _stand_in_choices(reveal),
        kind=reveal.kind,
        points=0,
        duration_ms=0,
        opens_at=0,
        deadline=0,
    )


def get_ready_text(ready_left_ms: int) -> Text:
    """The status line of the get-ready phase: the choices appear when it reaches zero."""
    seconds = (ready_left_ms + 999) // 1000
    text = Text("Get ready…", style="bold")
    text.append(f"  the choices appear in {seconds} s")
    return text


class QuestionView(Vertical):
    DEFAULT_CSS = """
    QuestionView { padding: 0 2; }
    QuestionView #q-head { height: 1; text-style: bold; color: $accent; }
    QuestionView #q-text { height: auto; max-height: 4; margin: 1 0; text-style: bold; }
    QuestionView.-ready #q-text {
        max-height: 8; margin: 2 0; padding: 1 2; text-align: center;
        background: $primary-darken-2; color: $text;
    }
    QuestionView.-ready #q-status { text-align: center; color: $warning; }
    QuestionView #q-choices { height: auto; }
    QuestionView #q-choices.-truefalse { layout: horizontal; }
    QuestionView #q-choices.-truefalse ChoiceButton {
        width: 1fr; height: 3; margin: 0 1 1 0; content-align: center middle;
    }
    QuestionView #q-code {
        height: auto; max-height: 10; margin: 0 0 1 0; padding: 0 1;
        border-left: thick $accent; background: $boost;
    }
    QuestionView #q-input { margin: 0 0 1 0; display: none; }
    QuestionView #q-code.-none { display: none; }
    QuestionView #q-choices.-many ChoiceButton { margin-bottom: 0; }
    QuestionView #q-status { height: auto; }
    QuestionView #q-status.-locked { color: $success; text-style: bold; }
    QuestionView #q-status.-refused { color: $error; text-style: bold; }
    """

    def __init__(self, server_clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._server_clock = server_clock

    def compose(self) -> ComposeResult:
        yield Static(id="q-head")
        yield Countdown(clock=self._server_clock, id="q-countdown")
        yield Static(id="q-text")
        yield Static(id="q-code", classes="-none")
        with Vertical(id="q-choices"):
            for i in range(MAX_CHOICES):
                yield ChoiceButton(i, "", id=f"choice-{i}")
        # disabled while hidden: a hidden input must never take the answer keys
        yield Input(id="q-input", max_length=MAX_TEXT_ANSWER, disabled=True)
        yield Static(id="q-status")

    @property
    def buttons(self) -> list[ChoiceButton]:
        return list(self.query(ChoiceButton))

    def show(
        self,
        model: PlayerModel,
        local_now_ms: int,
        *,
        online: bool = True,
        draft: Sequence[int] = (),
    ) -> None:
        """``online``: the connection is up (an answer locked while offline waits to be sent);
        ``draft``: the order being built (order questions)."""
        question = model.question
        if question is None and model.reveal is not None and model.phase == Phase.QUESTION_CLOSED:
            question = stand_in(model.reveal)  # rejoined after the close: no text, same result
        head = self.query_one("#q-head", Static)
        status = self.query_one("#q-status", Static)
        countdown = self.query_one(Countdown)
        if question is None:
            head.update(Text("Waiting for the next question…"))
            countdown.stop()
            self.query_one("#q-text", Static).update(Text(""))
            for button in self.buttons:
                button.display = False
            self._show_typed(None, model, open_=False)
            self.query_one("#q-code").set_class(True, "-none")
            status.update(Text(""))
            return
        reveal = model.reveal if model.phase != Phase.QUESTION_OPEN else None
        if reveal is not None and question.question_id not in (reveal.question_id, STAND_IN):
            reveal = None
        self._show_head(question, reveal, model.phase)
        ready_left = model.ready_left_ms(local_now_ms)
        self.set_class(ready_left > 0, "-ready")
        if ready_left > 0:
            countdown.start(question.opens_at, question.ready_ms)
        elif model.phase == Phase.QUESTION_OPEN and not question.timed:
            countdown.untimed()
        elif model.phase == Phase.QUESTION_OPEN:
            countdown.start(
                question.deadline_for(model.extra_time), question.duration_for(model.extra_time)
            )
        else:
            countdown.stop()
        self.query_one("#q-text", Static).update(Text(clean(question.text)))
        code = self.query_one("#q-code", Static)
        code.set_class(not question.code, "-none")
        if question.code:
            code.update(code_block(question.code, question.language))
        self._show_choices(model, question, reveal, hidden=ready_left > 0, draft=draft)
        self._show_typed(
            question,
            model,
            open_=ready_left <= 0 and model.can_answer(local_now_ms) and reveal is None,
        )
        status.set_class(False, "-locked")
        status.set_class(False, "-refused")
        if ready_left > 0:
            status.update(get_ready_text(ready_left))
        elif reveal is not None:
            status.update(result_lines(model, question, reveal))
        elif model.phase != Phase.QUESTION_OPEN:
            status.update(Text("The question is closed — waiting for the answer…"))
        elif model.refusal:
            status.update(Text("✘ " + clean(model.refusal)))
            status.set_class(True, "-refused")
        elif model.typed is not None and question.kind not in CHOICE_KINDS:
            locked = Text("✔ Locked in — wait for the reveal  (", style="")
            locked.append(clean(value_line(question, model.typed)), style="bold")
            locked.append(")")
            status.update(locked)
            status.set_class(True, "-locked")
        elif model.choice is not None and model.result is None and not online:
            # No receipt yet and no connection: the server times the answer when it arrives.
            waiting = Text("⧗ Locked in (")
            waiting.append_text(choice_tag(model.choice))
            waiting.append(") — not sent yet: you are offline. It will be sent when reconnected ")
            waiting.append("and timed when it arrives.")
            status.update(waiting)
            status.set_class(True, "-refused")
        elif model.choice is not None:
            locked = Text("✔ Locked in — wait for the reveal  (")
            locked.append_text(choice_tag(model.choice))
            locked.append(")")
            status.update(locked)
            status.set_class(True, "-locked")
        elif model.time_left_ms(local_now_ms) <= 0:
            status.update(Text("Time's up — waiting for the reveal."))
        elif question.kind not in CHOICE_KINDS:
            status.update(typed_hint(question, draft))
        else:
            status.update(Text(answer_keys_hint(len(question.choices))))

    def _show_typed(
        self, question: PublicQuestion | None, model: PlayerModel, *, open_: bool
    ) -> None:
        """The text/number input: shown, focused and empty while the player may type."""
        box = self.query_one("#q-input", Input)
        wanted = open_ and question is not None and question.kind in (Kind.TEXT, Kind.NUMBER)
        if wanted and question is not None:
            kind: Literal["number", "text"] = "number" if question.kind is Kind.NUMBER else "text"
            if box.type != kind:
                box.type = kind
            box.placeholder = (
                number_hint(question) if question.kind is Kind.NUMBER else "your answer"
            )
        if wanted and not box.display:
            box.value = ""
            box.disabled = False
            box.display = True
            box.focus()
        elif not wanted and box.display:
            box.blur()
            box.display = False
            box.disabled = True

    def _show_head(self, question: PublicQuestion, reveal: Reveal | None, phase: str) -> None:
        head = Text(f"Question {question.index + 1}/{question.total}")
        if question.question_id != STAND_IN:
            head.append(
                f" · {counted(question.points, 'point')}" if question.points else " · just for fun"
            )
        if reveal is not None:
            head.append(f" · closed: {CLOSE_REASONS.get(reveal.reason, reveal.reason)}")
        elif phase != Phase.QUESTION_OPEN:
            head.append(" · closed")
        self.query_one("#q-head", Static).update(head)

    def _show_choices(
        self,
        model: PlayerModel,
        question: PublicQuestion,
        reveal: Reveal | None,
        *,
        hidden: bool = False,
        draft: Sequence[int] = (),
    ) -> None:
        # Five or six choices sit without gaps so question, choices and result fit in 80x24.
        box = self.query_one("#q-choices")
        box.set_class(len(question.choices) > 4, "-many")
        box.set_class(question.kind is Kind.TRUEFALSE, "-truefalse")
        if question.kind is Kind.ORDER:
            self._show_order(model, question, reveal, hidden=hidden, draft=draft)
            return
        for i, button in enumerate(self.buttons):
            if hidden or i >= len(question.choices):
                button.display = False
                continue
            button.display = True
            button.set_text(question.choices[i])
            mine = model.choice == i
            button.locked = mine
            if reveal is None:
                button.dimmed = model.choice is not None and not mine
                button.mark = ""
                button.detail = ""
            elif reveal.kind is Kind.POLL:
                # a poll's reveal is its distribution: no right, no wrong
                button.dimmed = False
                button.mark = ""
                button.locked = False
                count = reveal.counts[i] if i < len(reveal.counts) else 0
                share = round(100 * count / reveal.answered) if reveal.answered else 0
                votes = f"{count} vote{'' if count == 1 else 's'} ({share}%)"
                button.detail = votes + ("  ◀ your vote" if mine else "")
            else:
                right = i == reveal.correct
                button.dimmed = not right
                button.mark = "correct" if right else ("wrong" if mine else "")
                count = reveal.counts[i] if i < len(reveal.counts) else 0
                button.detail = f"{count} answer" + ("" if count == 1 else "s")

    def _show_order(
        self,
        model: PlayerModel,
        question: PublicQuestion,
        reveal: Reveal | None,
        *,
        hidden: bool,
        draft: Sequence[int],
    ) -> None:
        """Order items: each shows its place in the draft (or, revealed, its right place)."""
        sent = [int(p) for p in (model.typed or "").split(",") if p.isdigit()]
        for i, button in enumerate(self.buttons):
            if hidden or i >= len(question.choices):
                button.display = False
                continue
            button.display = True
            button.set_text(question.choices[i])
            button.locked = False
            button.mark = ""
            if reveal is not None and i in reveal.order:
                place = reveal.order.index(i) + 1
                yours = sent.index(i) + 1 if i in sent else None
                button.dimmed = False
                button.mark = "correct" if yours == place else ("wrong" if yours else "")
                button.detail = f"#{place}" + (f" (you: #{yours})" if yours else "")
                continue
            order = sent or list(draft)
            button.dimmed = bool(sent) and i not in sent
            button.detail = f"#{order.index(i) + 1}" if i in order else ""
