"""``j`` in the console: how to join, large — the QR code of the join URL (or of the
``quizwire play`` command when no gateway runs), the SSH command and the URL, readable at
80x24 where the lobby has no room for the QR code."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.qr import QRCode
from tui.safe import clean

__all__ = ["JoinPanel", "join_lines"]


def join_lines(ssh: str | None, url: str | None, command: str) -> list[str]:
    """The ways in, most universal first: a browser, SSH, then the installed app."""
    return [line for line in (url, ssh, command) if line]


class JoinPanel(ModalScreen[None]):
    DEFAULT_CSS = """
    JoinPanel { align: center middle; }
    JoinPanel #join-panel { width: auto; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1; }
    JoinPanel #join-panel-body { height: auto; width: auto; }
    JoinPanel QRCode { margin-right: 2; }
    JoinPanel #join-panel-text { width: auto; max-width: 60; height: auto; }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("j", "dismiss", "Close", show=False),
    ]

    def __init__(self, code: str, qr_data: str, lines: Sequence[str]) -> None:
        super().__init__()
        self.code = code
        self.qr_data = qr_data
        self.lines = list(lines)

    def compose(self) -> ComposeResult:
        text = Text()
        text.append("Join game ", style="bold")
        text.append(clean(self.code), style="bold reverse")
        text.append("\n\nScan the code, or type one of:\n", style="dim")
        for line in self.lines:
            text.append("\n")
            text.append(clean(line), style="bold")
            text.append("\n")
        text.append("\nEsc or j closes this.", style="dim")
        with Vertical(id="join-panel"), Horizontal(id="join-panel-body"):
            yield QRCode(self.qr_data)
            yield Static(text, id="join-panel-text")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
