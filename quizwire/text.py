"""Text safety helpers shared by quizzes, nicknames and message parsing (stdlib only).

"Unsafe" means anything a terminal could interpret or that renders invisibly: C0/C1 control
characters (ESC, NUL, newline, tab ...), DEL, format characters (bidi overrides and isolates,
zero-width space/joiners, BOM), line/paragraph separators, surrogates, private-use and
unassigned code points, and a few letters that render as blanks (Hangul fillers, braille blank).
Ordinary spaces other than U+0020 are not unsafe but are normalised to U+0020 by
:func:`normalize_spaces` before checking.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "INVISIBLE",
    "clean",
    "clean_lines",
    "describe_char",
    "fold",
    "normalize_spaces",
    "unsafe_char",
]

#: Letters/marks that are printable per Unicode but render as nothing or as a blank.
INVISIBLE: frozenset[str] = frozenset(
    {
        "\u034f",  # COMBINING GRAPHEME JOINER
        "\u115f",  # HANGUL CHOSEONG FILLER
        "\u1160",  # HANGUL JUNGSEONG FILLER
        "\u17b4",  # KHMER VOWEL INHERENT AQ
        "\u17b5",  # KHMER VOWEL INHERENT AA
        "\u180e",  # MONGOLIAN VOWEL SEPARATOR
        "\u2800",  # BRAILLE PATTERN BLANK
        "\u3164",  # HANGUL FILLER
        "\uffa0",  # HALFWIDTH HANGUL FILLER
    }
)

_SPACES = re.compile(r"[^\S\n\r\t\f\v\x1c-\x1f\x85\u2028\u2029]+")
_LINE_BREAKS = frozenset("\n\r\t\v\f\x85\u2028\u2029")
_REPLACEMENT = "\ufffd"
_RUNS = re.compile(r" {2,}")


def normalize_spaces(text: str) -> str:
    """Turn every Unicode space separator (NBSP, ideographic space ...) into U+0020.

    Line breaks, tabs and other control whitespace are left alone so that validation can
    still reject them.
    """
    return _SPACES.sub(lambda m: " " * len(m.group()), text)


def unsafe_char(text: str) -> str | None:
    """Return the first character of ``text`` that must not be shown to a terminal, or None."""
    for ch in text:
        if ch == " ":
            continue
        if not ch.isprintable() or ch in INVISIBLE:
            return ch
    return None


def describe_char(ch: str) -> str:
    """Human description of one character, e.g. ``U+202E (RIGHT-TO-LEFT OVERRIDE)``."""
    code = f"U+{ord(ch):04X}"
    name = unicodedata.name(ch, "")
    if not name:
        category = unicodedata.category(ch)
        name = {
            "Cc": "control character",
            "Cf": "format character",
            "Cs": "surrogate",
            "Co": "private-use character",
            "Cn": "unassigned character",
        }.get(category, "character")
    return f"{code} ({name})"


def fold(text: str) -> str:
    """Comparison key: NFKC-normalised, case-folded, trimmed, inner whitespace runs collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    # NFKC can map compatibility spaces to U+0020; casefold can expand (ß -> ss).
    folded = unicodedata.normalize("NFKC", folded)
    return _RUNS.sub(" ", normalize_spaces(folded).strip())


def _stand_in(ch: str) -> str:
    if ch in _LINE_BREAKS:
        return " "
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟ (␛ for ESC)
    if code == 0x7F:
        return "\u2421"  # ␡
    return _REPLACEMENT


def clean(value: object, max_len: int | None = None) -> str:
    """``value`` as one line with nothing a terminal could interpret or hide.

    Every control, format or invisible character (ESC, NUL, BEL, C1 controls, bidi overrides,
    zero-width characters, ...) is replaced by a visible stand-in: C0 controls by their Unicode
    "control picture" (ESC -> ``␛``), others by ``�``; line breaks and tabs become spaces.
    ``max_len`` truncates (with an ellipsis) after cleaning; ``None`` keeps the whole text.
    Rich markup is left as it is: it is only text until something parses it.
    """
    text = value if isinstance(value, str) else str(value)
    if unsafe_char(text) is not None:
        text = "".join(
            ch if ch == " " or (ch.isprintable() and ch not in INVISIBLE) else _stand_in(ch)
            for ch in text
        )
    if max_len is not None and len(text) > max_len:
        text = text[: max(0, max_len - 1)] + "…"
    return text


def clean_lines(value: object) -> str:
    """:func:`clean` for each line of ``value``, keeping its ``\\n`` and ``\\r\\n`` line ends."""
    text = value if isinstance(value, str) else str(value)
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        crlf = line.endswith("\r") and i < len(lines) - 1
        out.append(clean(line[:-1]) + "\r" if crlf else clean(line))
    return "\n".join(out)
