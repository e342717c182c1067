"""Shown when the host removed (kicked or banned) this player."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.safe import clean

__all__ = ["RemovedView"]


class RemovedView(Vertical):
    DEFAULT_CSS = """
    RemovedView { align: center middle; padding: 1 2; }
    RemovedView Static { width: 100%; text-align: center; height: auto; }
    RemovedView #removed-head { text-style: bold; color: $error; margin-bottom: 1; }
    RemovedView #removed-note { color: $text-muted; margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Text("You are out of this game"), id="removed-head")
        yield Static(id="removed-why")
        yield Static(Text("Your answers no longer count. Press q to leave."), id="removed-note")

    def show(self, reason: str) -> None:
        self.query_one("#removed-why", Static).update(Text(clean(reason)))
