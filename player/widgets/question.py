"""The question: number/total, countdown, text, choices — then the lock, then the reveal.

One view covers the whole life of a question so the choices stay put on screen: open
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
from tui.safe import clean
from tui.symbols import choice_label, choice_letter, choice_tag

__all__ = ["QuestionView", "answer_keys_hint", "result_lines"]

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
        parts.append(rank)
    return " · ".join(parts)


def result_lines(model: PlayerModel, question: PublicQuestion, reveal: Reveal) -> Text:
    """What the player learns at the close: right or wrong, the answer, points and standing."""
    result: ScoreMsg | None = model.result
    if result is not None and result.question_id != question.question_id:
        result = None
    right = reveal.correct
    answer = (
        choice_label(right, question.choices[right]) if right < len(question.choices) else Text()
    )
    text = Text()
    if result is not None and result.correct is True:
        text.append("✔ Correct!", style="bold green")
        text.append(f"  +{result.points:,} points")
        if result.bonus:
            text.append(f" (incl. +{result.bonus:,} streak bonus)")
    elif result is not None and result.correct is False:
        text.append("✘ Wrong", style="bold red")
        text.append(" — the answer was ")
        text.append_text(answer)
        text.append("  +0 points")
    elif model.choice is None:
        text.append("· No answer", style="bold")
        text.append(" — the answer was ")
        text.append_text(answer)
    else:
        text.append("Locked in — waiting for your result…", style="bold")
    text.append("\n" + _standing(model))
    if model.refusal:
        text.append("\nNot counted: ", style="bold red")
        text.append(clean(model.refusal))
    return text


class QuestionView(Vertical):
    DEFAULT_CSS = """
    QuestionView { padding: 0 2; }
    QuestionView #q-head { height: 1; text-style: bold; color: $accent; }
    QuestionView #q-text { height: auto; max-height: 4; margin: 1 0; text-style: bold; }
    QuestionView #q-choices { height: auto; }
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

    def show(self, model: PlayerModel, local_now_ms: int) -> None:
        question = model.question
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
        if reveal is not None and reveal.question_id != question.question_id:
            reveal = None
        self._show_head(question, reveal, model.phase)
        if model.phase == "question_open":
            countdown.start(question.deadline, question.duration_ms)
        else:
            countdown.stop()
        self.query_one("#q-text", Static).update(Text(clean(question.text)))
        self._show_choices(model, question, reveal)
        status.set_class(False, "-locked")
        status.set_class(False, "-refused")
        if reveal is not None:
            status.update(result_lines(model, question, reveal))
        elif model.phase != "question_open":
            status.update(Text("The question is closed — waiting for the answer…"))
        elif model.refusal:
            status.update(Text("✘ " + clean(model.refusal)))
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
        head.append(f" · {question.points:,} points" if question.points else " · just for fun")
        if reveal is not None:
            head.append(f" · closed: {CLOSE_REASONS.get(reveal.reason, reveal.reason)}")
        elif phase != "question_open":
            head.append(" · closed")
        self.query_one("#q-head", Static).update(head)

    def _show_choices(
        self, model: PlayerModel, question: PublicQuestion, reveal: Reveal | None
    ) -> None:
        for i, button in enumerate(self.buttons):
            if i >= len(question.choices):
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
