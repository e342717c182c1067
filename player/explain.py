"""Entry and connection failures in plain words for the join screen.

The server's ``message`` is already written for people; this adds what to do next and covers
failures that never reached the server (busy, unreachable, connection refused).
"""

from __future__ import annotations

from quizwire.client.game_api import GameApiError

__all__ = ["explain_connect_error", "explain_entry_error", "explain_garbled"]


def explain_entry_error(exc: GameApiError, code: str) -> str:
    """What went wrong when joining game ``code``, for the person at the keyboard."""
    server = exc.message.strip()
    if exc.status == 404 or exc.code == "not_found":
        return f"There is no game with code {code}. Check the code on the host's screen."
    if exc.status == 410 or exc.code in ("finished", "game_over"):
        return f"Game {code} has already finished. Ask the host for the next game's code."
    if exc.code == "name_taken":
        return f"{server} Choose another nickname (or press Ctrl+R for a random one)."
    if exc.code == "bad_name":
        return f"That nickname is not allowed: {server}"
    if exc.code == "banned" or (exc.status == 403 and "ban" in server.lower()):
        return "You are banned from this game."
    if exc.code == "locked":
        return (
            f"The host has locked game {code}: it is not taking new players. "
            "Ask the host to unlock it (l on the console), then press Enter."
        )
    if exc.status == 403:
        return (
            f"You can't rejoin game {code}: the host removed you from it. "
            "If the host readmits you, press Enter to rejoin with your score."
        )
    if exc.code in ("started", "late_join_closed"):
        return f"Game {code} has already started and is not taking new players."
    if exc.status == 429:
        return "The game server is very busy right now. Wait a moment and press Enter to retry."
    if exc.code == "unreachable":
        return (
            f"{server} Gave up. Is the server running, and is the address right? "
            "Enter tries again, Esc quits."
        )
    return server or f"The game server refused ({exc.status} {exc.code})."


def explain_connect_error(exc: BaseException) -> str:
    """A failed WebSocket connection, for the person at the keyboard."""
    detail = str(exc).strip() or exc.__class__.__name__
    return f"Joined, but the live connection failed ({detail}). Press Enter to try again."


def explain_garbled(exc: BaseException) -> str:
    """The server answered something that is not the game API (wrong address?)."""
    return (
        "The server answered something this app cannot read "
        f"({exc.__class__.__name__}). Is --endpoint the game's address?"
    )
