"""The question: number/total, countdown, text, choices — then the lock, then the reveal.

One view covers the whole life of a question so the choices stay put on screen: get ready
(the question text alone, with a countdown to the moment its choices open), open
(pick one), locked ("Locked in — wait for the reveal"), and closed (the right answer marked,
your result, total, streak and rank underneath).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from quizwire.messages import PublicQuestion, Reveal, ScoreMsg
from quizwire.play_model import PlayerModel
from quizwire.quiz import MAX_CHOICES
from tui.choices import ChoiceButton
from tui.clock import Clock
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


def result_lines(model: PlayerModel, question: PublicQuestion, reveal: Reveal) -> Text:
    """What the player learns at the close: right or wrong, the answer, points and standing."""
    result: ScoreMsg | None = model.result
    if result is not None and result.question_id != reveal.question_id:
        result = None
    right = reveal.correct
    answer = (
        choice_label(right, question.choices[right]) if right < len(question.choices) else Text()
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


def stand_in(reveal: Reveal) -> PublicQuestion:
    """The closed question as far as a rejoin snapshot knows it (no text, no choice texts)."""
    return PublicQuestion(
        question_id=STAND_IN,
        index=reveal.index,
        total=reveal.total,
        text="You came back after this question closed.",
        choices=("",) * len(reveal.counts),
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
        with Vertical(id="q-choices"):
            for i in range(MAX_CHOICES):
                yield ChoiceButton(i, "", id=f"choice-{i}")
        yield Static(id="q-status")

    @property
    def buttons(self) -> list[ChoiceButton]:
        return list(self.query(ChoiceButton))

    def show(self, model: PlayerModel, local_now_ms: int, *, online: bool = True) -> None:
        """``online``: the connection is up (an answer locked while offline waits to be sent)."""
        question = model.question
        if question is None and model.reveal is not None and model.phase == "question_closed":
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
            status.update(Text(""))
            return
        reveal = model.reveal if model.phase != "question_open" else None
        if reveal is not None and question.question_id not in (reveal.question_id, STAND_IN):
            reveal = None
        self._show_head(question, reveal, model.phase)
        ready_left = model.ready_left_ms(local_now_ms)
        self.set_class(ready_left > 0, "-ready")
        if ready_left > 0:
            countdown.start(question.opens_at, question.ready_ms)
        elif model.phase == "question_open" and not question.timed:
            countdown.untimed()
        elif model.phase == "question_open":
            countdown.start(
                question.deadline_for(model.extra_time), question.duration_for(model.extra_time)
            )
        else:
            countdown.stop()
        self.query_one("#q-text", Static).update(Text(clean(question.text)))
        self._show_choices(model, question, reveal, hidden=ready_left > 0)
        status.set_class(False, "-locked")
        status.set_class(False, "-refused")
        if ready_left > 0:
            status.update(get_ready_text(ready_left))
        elif reveal is not None:
            status.update(result_lines(model, question, reveal))
        elif model.phase != "question_open":
            status.update(Text("The question is closed — waiting for the answer…"))
        elif model.refusal:
            status.update(Text("✘ " + clean(model.refusal)))
            status.set_class(True, "-refused")
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
        else:
            status.update(Text(answer_keys_hint(len(question.choices))))

    def _show_head(self, question: PublicQuestion, reveal: Reveal | None, phase: str) -> None:
        head = Text(f"Question {question.index + 1}/{question.total}")
        if question.question_id != STAND_IN:
            head.append(
                f" · {counted(question.points, 'point')}" if question.points else " · just for fun"
            )
        if reveal is not None:
            head.append(f" · closed: {CLOSE_REASONS.get(reveal.reason, reveal.reason)}")
        elif phase != "question_open":
            head.append(" · closed")
        self.query_one("#q-head", Static).update(head)

    def _show_choices(
        self,
        model: PlayerModel,
        question: PublicQuestion,
        reveal: Reveal | None,
        *,
        hidden: bool = False,
    ) -> None:
        # Five or six choices sit without gaps so question, choices and result fit in 80x24.
        self.query_one("#q-choices").set_class(len(question.choices) > 4, "-many")
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
            else:
                right = i == reveal.correct
                button.dimmed = not right
                button.mark = "correct" if right else ("wrong" if mine else "")
                count = reveal.counts[i] if i < len(reveal.counts) else 0
                button.detail = f"{count} answer" + ("" if count == 1 else "s")
