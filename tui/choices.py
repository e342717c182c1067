"""A clickable answer choice: symbol, letter and text on the choice's colour.

::

    button = ChoiceButton(0, "Paris")          # "▲ A  Paris" on red
    button.locked = True                       # ▶ ... ◀ locked in
    button.dimmed = True                       # greyed out (another choice was locked)
    button.mark = "correct" | "wrong" | ""     # after the reveal: ✔ correct / ✘ your answer
    button.detail = "12 answers"               # optional trailing text

Clicking posts :class:`ChoiceButton.Chosen` (``index``). The widget does not take focus: keys
are handled by the screen (``a``-``f`` / ``1``-``6``). Every state is shown by a word or a
symbol as well as by colour, so it reads in monochrome terminals. Choice text is shown
literally (``tui.safe``).
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from tui.safe import clean
from tui.symbols import choice_class, choice_css, choice_letter, choice_symbol

__all__ = ["ChoiceButton", "HangingIndent"]

MARKS = {"correct": "✔ correct", "wrong": "✘ your answer", "": ""}


class ChoiceButton(Widget):
    DEFAULT_CSS = (
        """
    ChoiceButton {
        height: auto;
        width: 1fr;
        padding: 0 1;
        margin: 0 0 1 0;
    }
    ChoiceButton:hover { text-style: bold; }
    ChoiceButton.-locked { text-style: bold; outline-left: thick $foreground; }
    ChoiceButton.-dimmed { background: $panel; color: $text-muted; }
    ChoiceButton.-correct { text-style: bold; outline-left: thick $success; }
    ChoiceButton.-wrong { outline-left: thick $error; }
    """
        + choice_css("ChoiceButton")
        + """
    ChoiceButton.-dimmed.-correct { background: $success-darken-2; color: #ffffff; }
    """
    )

    class Chosen(Message):
        """The player clicked choice ``index``."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    locked: reactive[bool] = reactive(False)
    dimmed: reactive[bool] = reactive(False)
    mark: reactive[str] = reactive("")
    detail: reactive[str] = reactive("")

    def __init__(
        self,
        index: int,
        text: str,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.index = index
        self.text = text
        self.add_class(choice_class(index))

    def set_text(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.refresh(layout=True)

    def watch_locked(self, value: bool) -> None:
        self.set_class(value, "-locked")

    def watch_dimmed(self, value: bool) -> None:
        self.set_class(value, "-dimmed")

    def watch_mark(self, value: str) -> None:
        self.set_class(value == "correct", "-correct")
        self.set_class(value == "wrong", "-wrong")

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Chosen(self.index))

    def render(self) -> HangingIndent:
        lead = "▶ " if self.locked else "  "
        badge = Text(f"{lead}{choice_symbol(self.index)} {choice_letter(self.index)}", style="bold")
        badge.append("  ")
        body = Text(clean(self.text))
        suffix = " ◀ locked in" if self.locked and not self.mark else ""
        mark = MARKS.get(self.mark, "")
        for part, style in ((suffix, "bold"), (mark, "bold"), (self.detail, "")):
            if part:
                body.append("   ")
                body.append(clean(part), style=style)
        return HangingIndent(badge, body)


class HangingIndent:
    """``badge`` then ``body``, the body's wrapped lines indented under its first line (not under
    the badge), so a long choice reads as one block. ``str()`` is the plain one-line text."""

    MIN_BODY = 12  # narrower than this, the indent costs more than it helps: wrap flush left

    def __init__(self, badge: Text, body: Text) -> None:
        self.badge = badge
        self.body = body

    def __str__(self) -> str:
        return self.badge.plain + self.body.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        indent = self.badge.cell_len
        room = options.max_width - indent
        if room < self.MIN_BODY:
            yield Text.assemble(self.badge, self.body)
            return
        text = self.badge.copy()
        for i, line in enumerate(self.body.wrap(console, room)):
            if i:
                text.append("\n" + " " * indent)
            text.append_text(line)
        yield text

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        whole = self.badge.cell_len + self.body.cell_len
        return Measurement(min(whole, self.badge.cell_len + self.MIN_BODY), whole)
