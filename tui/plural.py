"""Counts in words: "1 player", "2 players" — never "1 players"."""

from __future__ import annotations

__all__ = ["counted", "players"]


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``counted(1, "player")`` → ``1 player``; ``counted(1200, "player")`` → ``1,200 players``."""
    word = singular if n == 1 else (plural or f"{singular}s")
    return f"{n:,} {word}"


def players(n: int) -> str:
    return counted(n, "player")
