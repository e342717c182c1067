"""Answer choices: a letter, a distinct symbol and a colour for each, so the game plays in
colour-blind and monochrome terminals alike (the shape and the letter carry the meaning; the
colour only helps).

=====  ======  ========  ====================
index  letter  symbol    colour (CSS class)
=====  ======  ========  ====================
0      A       ▲         red     ``choice-0``
1      B       ◆         blue    ``choice-1``
2      C       ●         amber   ``choice-2``
3      D       ■         green   ``choice-3``
4      E       ★         purple  ``choice-4``
5      F       ✚         teal    ``choice-5``
=====  ======  ========  ====================

``CHOICE_COLORS`` are fixed (not theme variables) so any Textual theme can be used; text on
them is white. ``choice_css()`` returns the matching CSS rules for a widget's ``DEFAULT_CSS``.
"""

from __future__ import annotations

from rich.text import Text

from quizwire.quiz import LETTERS
from tui.safe import clean

__all__ = [
    "CHOICE_COLORS",
    "CHOICE_SYMBOLS",
    "choice_class",
    "choice_color",
    "choice_css",
    "choice_label",
    "choice_letter",
    "choice_symbol",
    "choice_tag",
]

CHOICE_SYMBOLS: tuple[str, ...] = ("▲", "◆", "●", "■", "★", "✚")
CHOICE_COLORS: tuple[str, ...] = ("#c62828", "#1565c0", "#b26a00", "#2e7d32", "#6a1b9a", "#00695c")


def choice_letter(index: int) -> str:
    """``"A"`` for 0 ... ``"F"`` for 5; ``"?"`` outside that range."""
    return LETTERS[index] if 0 <= index < len(LETTERS) else "?"


def choice_symbol(index: int) -> str:
    """``"▲"`` for 0 ... ``"✚"`` for 5; ``"?"`` outside that range."""
    return CHOICE_SYMBOLS[index] if 0 <= index < len(CHOICE_SYMBOLS) else "?"


def choice_color(index: int) -> str:
    """The fixed colour of choice ``index`` (it cycles if a caller ever passes more)."""
    return CHOICE_COLORS[index % len(CHOICE_COLORS)]


def choice_class(index: int) -> str:
    """The CSS class that colours choice ``index`` (``"choice-0"`` ...)."""
    return f"choice-{index}"


def choice_tag(index: int, style: str = "bold") -> Text:
    """The symbol and letter, e.g. ``"▲ A"``."""
    return Text(f"{choice_symbol(index)} {choice_letter(index)}", style=style)


def choice_label(index: int, text: str, *, style: str = "", tag_style: str = "bold") -> Text:
    """``"▲ A  <text>"`` with ``text`` shown literally (cleaned, never parsed as markup)."""
    label = choice_tag(index, tag_style)
    label.append("  ")
    label.append(clean(text), style=style)
    return label


def choice_css(selector: str = "") -> str:
    """CSS rules ``{selector}.choice-N { background: ...; color: white; }`` for every choice."""
    return "\n".join(
        f"{selector}.{choice_class(i)} {{ background: {color}; color: #ffffff; }}"
        for i, color in enumerate(CHOICE_COLORS)
    )
