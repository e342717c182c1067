"""A question's code block: syntax-highlighted with the terminal's own palette, shown literally.

Rich's ``ansi_dark`` theme colours tokens with the terminal's 16 ANSI colours, so the block
follows whatever theme the terminal (and the app's light/dark switch) uses. Each line is cleaned
first (``tui.safe``): a code block from a server never reaches the terminal as control sequences.
"""

from __future__ import annotations

from rich.syntax import Syntax

from quizwire.text import clean_lines

__all__ = ["CODE_THEME", "code_block"]

CODE_THEME = "ansi_dark"


def code_block(code: str, language: str) -> Syntax:
    """The block as a Rich renderable (an unknown language is shown as plain text)."""
    return Syntax(
        clean_lines(code).replace("\r", ""),
        language or "text",
        theme=CODE_THEME,
        word_wrap=True,
        background_color="default",
        line_numbers=False,
    )
