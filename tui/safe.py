"""Plain text from the network, made safe to show in a terminal.

Names, titles, questions and choices come from other people. They are shown as *plain text*:
never parsed as Rich/Textual markup, and never allowed to carry terminal control sequences.

- :func:`clean` returns a ``str`` in which every control, format or invisible character
  (ESC, NUL, BEL, bidi overrides, zero-width characters, ...) is replaced by a visible stand-in
  (C0 controls by their Unicode "control picture", e.g. ESC -> ``␛``; others by ``�``).
  Newlines and tabs become spaces.
- :func:`safe_text` wraps that in a :class:`rich.text.Text` (which never interprets markup),
  ready for ``Static.update``, ``Label``, ``DataTable`` cells or ``Text.assemble``.
- :func:`safe_content` does the same for Textual's :class:`textual.content.Content`.

Never build markup with an f-string around network text: ``Static(f"[b]{name}[/]")`` lets a
player called ``[blink]x`` style your screen. Use ``Text.assemble((name, "bold"))`` or
``safe_text(name, "bold")`` instead.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from quizwire.text import INVISIBLE

__all__ = ["clean", "safe_content", "safe_text"]

_SPACES = frozenset("\n\r\t\v\f\x85\u2028\u2029")
_REPLACEMENT = "\ufffd"


def _stand_in(ch: str) -> str:
    if ch in _SPACES:
        return " "
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟ (␛ for ESC)
    if code == 0x7F:
        return "\u2421"  # ␡
    return _REPLACEMENT


def clean(value: object, max_len: int | None = None) -> str:
    """``value`` as a string with nothing a terminal could interpret or hide.

    ``max_len`` truncates (with an ellipsis) after cleaning; ``None`` keeps the whole text.
    """
    text = value if isinstance(value, str) else str(value)
    if not all(ch == " " or (ch.isprintable() and ch not in INVISIBLE) for ch in text):
        text = "".join(
            ch if ch == " " or (ch.isprintable() and ch not in INVISIBLE) else _stand_in(ch)
            for ch in text
        )
    if max_len is not None and len(text) > max_len:
        text = text[: max(0, max_len - 1)] + "…"
    return text


def safe_text(value: object, style: str = "", max_len: int | None = None) -> Text:
    """A Rich ``Text`` showing ``value`` literally (no markup, no control characters)."""
    return Text(clean(value, max_len), style=style)


def safe_content(value: object, style: str = "", max_len: int | None = None) -> Content:
    """A Textual ``Content`` showing ``value`` literally (no markup, no control characters)."""
    content = Content(clean(value, max_len))
    return content.stylize(style) if style else content
