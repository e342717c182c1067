"""Nicknames: validation, uniqueness key and a friendly random-name generator (stdlib only).

Rules, applied to the name after trimming and collapsing runs of spaces to one:

- 1-24 characters (code points);
- printable only: no C0/C1 control characters (ESC, NUL, newline, tab ...), DEL, bidi
  overrides/isolates, zero-width characters, BOM, line separators, private-use or unassigned
  code points, nor letters that render blank (Hangul fillers, braille blank); Unicode spaces
  such as NBSP become plain spaces first;
- unique within the game, case-insensitively after NFKC normalisation: ``"bob"``, ``"BOB "``
  and a full-width "Bob" are the same name. :func:`name_key` is that comparison key: store it
  with a unique constraint (SQL ``UNIQUE(game_id, name_key)``; DynamoDB conditional put of
  ``NAME#<key>``).

Refusals raise :class:`NicknameError` with a stable ``code`` (``empty``, ``too_long``,
``bad_char``, ``taken``) and a message fit to show the player. Rich markup such as ``[bold]``
is allowed as text: displays must render names as plain text.
"""

from __future__ import annotations

import random
import re
from collections.abc import Container

from quizwire.text import describe_char, fold, normalize_spaces, unsafe_char

__all__ = [
    "ADJECTIVES",
    "ANIMALS",
    "MAX_NAME_LEN",
    "NicknameError",
    "check_nickname",
    "clean_nickname",
    "name_key",
    "random_nickname",
    "unique_random_nickname",
]

MAX_NAME_LEN = 24

ADJECTIVES: tuple[str, ...] = (
    "Agile", "Bold", "Brave", "Bright", "Calm", "Clever", "Cosmic", "Curious", "Daring", "Eager",
    "Fearless", "Fuzzy", "Gentle", "Happy", "Jolly", "Keen", "Lucky", "Lively", "Mighty", "Nimble",
    "Plucky", "Quick", "Quiet", "Rapid", "Sunny", "Swift", "Witty", "Zesty", "Snappy", "Cheery",
)  # fmt: skip

ANIMALS: tuple[str, ...] = (
    "Otter", "Falcon", "Panda", "Koala", "Lynx", "Badger", "Heron", "Gecko", "Puffin", "Walrus",
    "Narwhal", "Beaver", "Alpaca", "Dolphin", "Ferret", "Hedgehog", "Ibis", "Jaguar", "Lemur",
    "Marmot", "Ocelot", "Penguin", "Quokka", "Raccoon", "Salmon", "Tapir", "Wombat", "Yak", "Zebra",
    "Owl",
)  # fmt: skip

_RUNS = re.compile(r" {2,}")


class NicknameError(ValueError):
    """A nickname was refused. ``code`` is stable; ``str(err)`` is the player-facing message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def clean_nickname(raw: str) -> str:
    """Normalise and validate a nickname (not its uniqueness); return the display form.

    Raises :class:`NicknameError` (``empty``, ``too_long`` or ``bad_char``).
    """
    if not isinstance(raw, str):
        raise NicknameError("empty", "Please choose a nickname.")
    name = _RUNS.sub(" ", normalize_spaces(raw).strip())
    if not name:
        raise NicknameError("empty", "Please choose a nickname (1-24 characters).")
    bad = unsafe_char(name)
    if bad is not None:
        raise NicknameError(
            "bad_char",
            f"Nicknames can't contain control or invisible characters ({describe_char(bad)}).",
        )
    if len(name) > MAX_NAME_LEN:
        raise NicknameError(
            "too_long", f"That nickname is {len(name)} characters; the limit is {MAX_NAME_LEN}."
        )
    return name


def name_key(name: str) -> str:
    """Uniqueness key: NFKC-normalised, case-folded, trimmed, spaces collapsed."""
    return fold(name)


def check_nickname(raw: str, taken: Container[str]) -> str:
    """Validate ``raw`` and check it against ``taken`` (a set of :func:`name_key` values).

    Returns the cleaned display name; raises :class:`NicknameError` (``taken`` if in use).
    """
    name = clean_nickname(raw)
    if name_key(name) in taken:
        raise NicknameError(
            "taken", f"Someone in this game is already called {name!r}; pick another."
        )
    return name


def random_nickname(rng: random.Random | int | str | None = None) -> str:
    """A friendly ``"Adjective Animal"`` name; pass a seed or a Random for repeatable results."""
    r = rng if isinstance(rng, random.Random) else random.Random(rng)
    return f"{r.choice(ADJECTIVES)} {r.choice(ANIMALS)}"


def unique_random_nickname(
    taken: Container[str], rng: random.Random | int | str | None = None, attempts: int = 50
) -> str:
    """A random nickname whose key is not in ``taken``; adds a number if the pool runs dry."""
    r = rng if isinstance(rng, random.Random) else random.Random(rng)
    for _ in range(attempts):
        name = random_nickname(r)
        if name_key(name) not in taken:
            return name
    base = random_nickname(r)
    n = 2
    while name_key(f"{base} {n}") in taken:
        n += 1
    return f"{base} {n}"
