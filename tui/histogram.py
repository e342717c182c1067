"""Per-choice answer counts as horizontal bars: ``▲ A ██████░░░░  12  40%``.

::

    hist = Histogram()
    hist.set_data(counts=(3, 9, 0, 1), correct=None)   # while the question is open
    hist.set_data(counts=final_counts, correct=2)       # after the reveal: ✔ marks the answer

It repaints only when the data changed. The correct mark is drawn only when ``correct`` is given,
so a caller that never has the answer before the reveal cannot leak it here.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

from tui.safe import clean
from tui.symbols import choice_color, choice_letter, choice_symbol

__all__ = ["Histogram", "histogram_lines"]

CORRECT_MARK = "✔"


LABEL_WIDTH = 18


def histogram_lines(
    counts: Sequence[int],
    width: int,
    correct: int | None = None,
    labels: Sequence[str] | None = None,
) -> list[Text]:
    """One ``Text`` per choice, bars scaled to the largest count, fitting ``width`` cells.
    ``labels`` (typed answers, number ranges) replace the choice letters, shown literally."""
    total = sum(counts)
    top = max(counts, default=0)
    bar_cells = max(1, width - 18 - (LABEL_WIDTH - 3 if labels is not None else 0))
    lines = []
    for i, n in enumerate(counts):
        mark = f"{CORRECT_MARK} " if correct == i else "  "
        line = Text(mark, style="bold green" if correct == i else "")
        if labels is not None:
            label = clean(labels[i] if i < len(labels) else "", LABEL_WIDTH - 1)
            line.append(label.ljust(LABEL_WIDTH), style="bold")
        else:
            line.append(f"{choice_symbol(i)} {choice_letter(i)} ", style=f"bold {choice_color(i)}")
        filled = round(bar_cells * n / top) if top else 0
        faded = correct is not None and correct != i
        line.append("█" * filled, style="dim" if faded else choice_color(i))
        line.append("░" * (bar_cells - filled), style="dim")
        pct = f"{round(100 * n / total):>3}%" if total else "   -"
        line.append(f" {n:>5} {pct}", style="bold" if correct == i else "")
        lines.append(line)
    return lines


class Histogram(Widget):
    DEFAULT_CSS = """
    Histogram { height: auto; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.counts: tuple[int, ...] = ()
        self.correct: int | None = None
        self.labels: tuple[str, ...] | None = None

    def set_data(
        self,
        counts: Sequence[int],
        correct: int | None = None,
        labels: Sequence[str] | None = None,
    ) -> None:
        data = tuple(counts)
        names = tuple(labels) if labels is not None else None
        if (data, correct, names) != (self.counts, self.correct, self.labels):
            resized = len(data) != len(self.counts)
            self.counts, self.correct, self.labels = data, correct, names
            self.refresh(layout=resized)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return max(1, len(self.counts))

    def render(self) -> Text:
        if not self.counts:
            return Text("")
        return Text("\n", no_wrap=True).join(
            histogram_lines(self.counts, self.size.width or 40, self.correct, self.labels)
        )
