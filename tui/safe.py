"""Plain text from the network, made safe to show in a terminal.

Names, titles, questions and choices come from other people. They are shown as *plain text*:
never parsed as Rich/Textual markup, and never allowed to carry terminal control sequences.

- :func:`clean` (from :mod:`quizwire.text`, shared with the CLI) returns a ``str`` in which
  every control, format or invisible character (ESC, NUL, BEL, C1 controls, bidi overrides,
  zero-width characters, ...) is replaced by a visible stand-in (C0 controls by their Unicode
  "control picture", e.g. ESC -> ``␛``; others by ``�``). Newlines and tabs become spaces.
- :func:`safe_text` wraps that in a :class:`rich.text.Text` (which never interprets markup),
  ready for ``Static.update``, ``Label``, ``DataTable`` cells or ``Text.assemble``.
- :func:`safe_content` does the same for Textual's :class:`textual.content.Content`.
- :class:`SafeApp` is the base of both apps: its toasts (``notify``, from any screen or
  widget) show message and title literally, never as markup, whatever the caller passed.

Never build markup with an f-string around network text: ``Static(f"[b]{name}[/]")`` lets a
player called ``[blink]x`` style your screen. Use ``Text.assemble((name, "bold"))`` or
``safe_text(name, "bold")`` instead.
"""

from __future__ import annotations

from typing import TypeVar

from rich.text import Text
from textual.app import App
from textual.content import Content
from textual.notifications import SeverityLevel

from quizwire.text import clean, clean_lines

__all__ = ["SafeApp", "clean", "safe_content", "safe_text"]

ReturnType = TypeVar("ReturnType")


def safe_text(value: object, style: str = "", max_len: int | None = None) -> Text:
    """A Rich ``Text`` showing ``value`` literally (no markup, no control characters)."""
    return Text(clean(value, max_len), style=style)


def safe_content(value: object, style: str = "", max_len: int | None = None) -> Content:
    """A Textual ``Content`` showing ``value`` literally (no markup, no control characters)."""
    content = Content(clean(value, max_len))
    return content.stylize(style) if style else content


class SafeApp(App[ReturnType]):
    """An app whose notifications are plain text.

    Textual parses a toast's message as markup by default: a toast naming a player called
    ``[/]`` raises ``MarkupError`` (and the app exits), ``[@click=app.quit]Q[/]`` becomes a live
    action. Toasts here name players and quote servers, so every one is cleaned and literal.
    """

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        super().notify(
            clean_lines(message),
            title=clean(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )
