"""A one-line countdown derived from a deadline — it never counts ticks, so it never drifts.

::

    countdown = Countdown(clock=lambda: model.server_now(wall_ms()))
    countdown.start(deadline_ms=question.deadline, duration_ms=question.duration_ms)
    countdown.stop()          # blank it (e.g. when the question closes)
    countdown.untimed()       # a question without a timer: "no time limit", no bar

``clock`` returns "now" in the same timebase as ``deadline_ms`` (epoch ms; the default is the
local wall clock — pass the estimated server clock for server deadlines). On each tick
(``interval`` seconds, default 0.1) the widget recomputes ``deadline - clock()`` and repaints
only when the shown text or bar length changes. It renders as ``" 12s ██████████░░░░░"``; the
bar fills the widget's width. From 5 s left it gets the CSS class ``-urgent`` (``$error``
colour); at zero it shows "time's up" and gets ``-done``. It posts :class:`Countdown.Expired`
once when it reaches zero.
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

from tui.clock import Clock, wall_ms

__all__ = ["Countdown"]

URGENT_MS = 5_000


class Countdown(Widget):
    DEFAULT_CSS = """
    Countdown {
        height: 1;
        width: 1fr;
        color: $success;
    }
    Countdown.-urgent { color: $error; text-style: bold; }
    Countdown.-done { color: $text-muted; }
    """

    class Expired(Message):
        """Posted once when the countdown reaches zero."""

    _shown: reactive[tuple[int, int, bool]] = reactive((0, 0, False), layout=False)

    def __init__(
        self,
        clock: Clock = wall_ms,
        *,
        interval: float = 0.1,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.clock = clock
        self.interval = interval
        self.deadline_ms: int | None = None
        self.duration_ms = 0
        self._timer: Timer | None = None
        self._expired_sent = False
        self._untimed = False

    # -- public API ---------------------------------------------------------------------------

    def start(self, deadline_ms: int, duration_ms: int) -> None:
        """Count down to ``deadline_ms`` (a question ``duration_ms`` long). Idempotent."""
        self._set_untimed(False)
        if deadline_ms != self.deadline_ms:
            self._expired_sent = False
        self.deadline_ms, self.duration_ms = deadline_ms, max(1, duration_ms)
        if self._timer is not None:
            self._timer.resume()
        self.tick()

    def untimed(self) -> None:
        """A question without a time limit: say so, in words, instead of a countdown."""
        self._set_untimed(True)
        self.deadline_ms = None
        if self._timer is not None:
            self._timer.pause()
        self.tick()

    def _set_untimed(self, untimed: bool) -> None:
        if untimed != self._untimed:
            self._untimed = untimed
            self.refresh()

    def stop(self) -> None:
        """Stop and blank the countdown."""
        self._set_untimed(False)
        self.deadline_ms = None
        if self._timer is not None:
            self._timer.pause()
        self.tick()

    @property
    def remaining_ms(self) -> int:
        """Milliseconds left (0 when stopped or past the deadline)."""
        if self.deadline_ms is None:
            return 0
        return max(0, self.deadline_ms - self.clock())

    @property
    def running(self) -> bool:
        return self.deadline_ms is not None

    # -- internals ----------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._timer = self.set_interval(self.interval, self.tick, pause=self.deadline_ms is None)
        self.tick()

    def on_resize(self) -> None:
        self.tick()

    def _bar_cells(self) -> int:
        return max(0, self.size.width - 6)

    def tick(self) -> None:
        """Recompute from the deadline; repaints only if what is shown changed."""
        if self.deadline_ms is None:
            self._shown = (0, 0, False)
            self.set_class(False, "-urgent")
            self.set_class(False, "-done")
            return
        left = self.remaining_ms
        seconds = (left + 999) // 1000
        cells = self._bar_cells()
        filled = round(cells * min(1.0, left / self.duration_ms)) if cells else 0
        self._shown = (seconds, filled, True)
        self.set_class(0 < left <= URGENT_MS, "-urgent")
        self.set_class(left == 0, "-done")
        if left == 0:
            if self._timer is not None:
                self._timer.pause()
            if not self._expired_sent:
                self._expired_sent = True
                self.post_message(self.Expired())

    def render(self) -> Text:
        seconds, filled, active = self._shown
        if self._untimed:
            return Text("  no time limit", style="bold")
        if not active:
            return Text("")
        if seconds == 0:
            return Text("  0s  time's up", style="bold")
        cells = self._bar_cells()
        text = Text(f"{seconds:>3}s ", style="bold")
        text.append("█" * filled)
        text.append("░" * (cells - filled), style="dim")
        return text
