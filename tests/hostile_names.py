"""A hostile room: names, quiz text and a lax server, for the tests that walk every screen.

The real stub refuses control characters in nicknames, so tests that need them play a server
that does not (a buggy or malicious backend): :func:`lax_names` lets the stub take any
nickname. Such names reach the console through the admin view; game messages carrying them
are refused by the clients' message parser, so the quiz text here is markup only.
"""

from __future__ import annotations

from typing import Any

import pytest

#: nickname -> what a person must read on screen: markup literally, controls as visible stand-ins
HOSTILE_NAMES: dict[str, str] = {
    "[/]": "[/]",
    "[/b]x": "[/b]x",
    "[@click=app.quit]Q[/]": "[@click=app.quit]Q[/]",
    "\x1b[31mred": "␛[31mred",
    "\x1b]0;pwned\x07": "␛]0;pwned␇",
    "\u202eevil": "\ufffdevil",
}

#: what must never reach the terminal from network text
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")

TITLE = "[/] quiz [@click=app.quit]Q[/]"
QUESTION = "[/b]x [@click=app.quit]which[/]?"
CHOICES = ("[@click=app.quit]Q[/]", "[/b]x", "[link=http://evil]y[/link]", "[/]")


def hostile_quiz(seconds: int = 120) -> dict[str, Any]:
    """Two questions; the first's right answer is A, the second's is B. No get-ready phase: the
    choices (hostile too) are on screen as soon as a question opens."""
    return {
        "title": TITLE,
        "defaults": {"ready_seconds": 0},
        "questions": [
            {"text": QUESTION, "choices": list(CHOICES), "answer": "A", "time_limit": seconds},
            {"text": "second [/]", "choices": ["[/]", "[b]"], "answer": "B", "time_limit": seconds},
        ],
    }


def lax_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process stub takes any nickname (control characters included) from now on."""
    monkeypatch.setattr("backend_stub.game.service.check_nickname", lambda raw, taken: str(raw))


def assert_no_raw_controls(text: str) -> None:
    found = [repr(c) for c in RAW_CONTROLS if c in text]
    assert not found, f"raw control characters reached the screen: {found}"
