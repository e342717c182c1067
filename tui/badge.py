"""Connection badge: ``● connected`` / ``◐ reconnecting…`` / ``○ offline`` (shape, word and
colour, so it reads in monochrome too).

::

    badge = ConnectionBadge()
    badge.set_state(ConnectionState.RECONNECTING)   # an eventapi ConnectionState, or its value
    badge.set_state("offline")

Accepted states: ``connecting``, ``connected``, ``reconnecting``, ``offline`` (``closed`` is an
alias of offline). The current one is :attr:`ConnectionBadge.state`, and the widget carries the
CSS class ``-<state>``.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

__all__ = ["BADGE_STATES", "ConnectionBadge", "badge_state"]

#: state -> (symbol, label)
BADGE_STATES: dict[str, tuple[str, str]] = {
    "connecting": ("◌", "connecting…"),
    "connected": ("●", "connected"),
    "reconnecting": ("◐", "reconnecting…"),
    "offline": ("○", "offline"),
}


def badge_state(state: object) -> str:
    """Normalise an ``eventapi.ConnectionState`` (or its string value) to a badge state."""
    value = str(getattr(state, "value", state)).lower()
    if value == "closed":
        return "offline"
    return value if value in BADGE_STATES else "offline"


class ConnectionBadge(Widget):
    DEFAULT_CSS = """
    ConnectionBadge {
        width: auto;
        height: 1;
        padding: 0 1;
    }
    ConnectionBadge.-connected { color: $success; }
    ConnectionBadge.-connecting { color: $warning; }
    ConnectionBadge.-reconnecting { color: $warning; text-style: bold; }
    ConnectionBadge.-offline { color: $error; text-style: bold reverse; }
    """

    state: reactive[str] = reactive("connecting", layout=True)

    def __init__(
        self,
        state: object = "connecting",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.set_reactive(ConnectionBadge.state, badge_state(state))
        self.add_class(f"-{self.state}")

    def set_state(self, state: object) -> None:
        """Show ``state`` (an ``eventapi.ConnectionState`` or a string)."""
        self.state = badge_state(state)

    def watch_state(self, old: str, new: str) -> None:
        self.remove_class(f"-{old}")
        self.add_class(f"-{new}")

    def render(self) -> Text:
        symbol, label = BADGE_STATES[self.state]
        return Text(f"{symbol} {label}")
