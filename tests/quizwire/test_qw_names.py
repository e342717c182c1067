"""Nickname validation, uniqueness and the random-name generator."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizwire.names import (
    MAX_NAME_LEN,
    NicknameError,
    check_nickname,
    clean_nickname,
    name_key,
    random_nickname,
    unique_random_nickname,
)


def test_valid_names_are_trimmed_and_spaces_collapsed() -> None:
    assert clean_nickname("  Ada   Lovelace ") == "Ada Lovelace"
    assert clean_nickname("Zoë 🚀") == "Zoë 🚀"
    assert clean_nickname("[bold]me[/]") == "[bold]me[/]"  # markup is text; displays escape it
    assert clean_nickname("a\u00a0b") == "a b"  # NBSP becomes a space


def test_length_limits() -> None:
    assert clean_nickname("x" * MAX_NAME_LEN) == "x" * 24
    with pytest.raises(NicknameError) as info:
        clean_nickname("x" * 25)
    assert info.value.code == "too_long"
    assert "25 characters" in info.value.message and "24" in info.value.message
    assert clean_nickname("  " + "y" * 24 + "  ") == "y" * 24  # counted after strip


@pytest.mark.parametrize("raw", ["", "   ", "\u00a0\u3000"])
def test_empty(raw: str) -> None:
    with pytest.raises(NicknameError) as info:
        clean_nickname(raw)
    assert info.value.code == "empty"


@pytest.mark.parametrize(
    "raw",
    [
        "bad\x1b[31mred",  # ESC
        "nul\x00",
        "c1\x85next",  # C1 NEL
        "c1\x9b",  # C1 CSI
        "del\x7f",
        "bidi\u202eevil",  # RIGHT-TO-LEFT OVERRIDE
        "iso\u2066late",  # LEFT-TO-RIGHT ISOLATE
        "zero\u200bwidth",
        "join\u200dme",
        "bom\ufeff",
        "line\u2028sep",
        "tab\tbed",
        "new\nline",
        "\u3164",  # Hangul filler: renders blank
        "priv\ue000",
    ],
)
def test_control_and_invisible_characters_refused(raw: str) -> None:
    with pytest.raises(NicknameError) as info:
        clean_nickname(raw)
    assert info.value.code == "bad_char"
    assert "U+" in str(info.value)


def test_uniqueness_is_case_insensitive_and_nfkc() -> None:
    taken = {name_key("Bob")}
    for same in ["bob", "BOB", " Bob ", "\uff22\uff4f\uff42", "B o b".replace(" ", "")]:
        with pytest.raises(NicknameError) as info:
            check_nickname(same, taken)
        assert info.value.code == "taken"
    assert check_nickname("Bobby", taken) == "Bobby"
    assert name_key("Straße") == name_key("STRASSE")
    assert name_key("Ann  Lee") == name_key("ann lee")


def test_check_nickname_returns_clean_name() -> None:
    assert check_nickname("  Neo  ", set()) == "Neo"


def test_random_nickname_is_seedable_and_friendly() -> None:
    assert random_nickname(42) == random_nickname(42)
    assert random_nickname(random.Random(1)) == random_nickname(random.Random(1))
    names = {random_nickname(i) for i in range(50)}
    assert len(names) > 20
    for name in names:
        adjective, animal = name.split(" ")
        assert adjective[0].isupper() and animal[0].isupper()
        assert clean_nickname(name) == name


def test_unique_random_nickname_avoids_taken_names() -> None:
    rng = random.Random(3)
    taken: set[str] = set()
    for _ in range(200):
        name = unique_random_nickname(taken, rng)
        assert name_key(name) not in taken
        assert len(name) <= MAX_NAME_LEN
        taken.add(name_key(name))


def test_unique_random_nickname_adds_a_number_when_the_pool_is_exhausted() -> None:
    class Everything:
        def __contains__(self, key: object) -> bool:
            return not str(key)[-1].isdigit() or str(key).endswith(" 2")

    name = unique_random_nickname(Everything(), 5)
    assert name.endswith(" 3")


@given(st.text(max_size=40))
def test_clean_nickname_never_returns_unsafe_names(raw: str) -> None:
    try:
        name = clean_nickname(raw)
    except NicknameError as err:
        assert err.code in {"empty", "too_long", "bad_char"}
        return
    assert 1 <= len(name) <= MAX_NAME_LEN
    assert name == name.strip()
    assert all(ch == " " or ch.isprintable() for ch in name)
