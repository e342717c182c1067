"""Quizwire's Textual themes, shared by the player app and the presenter console.

Usage in an App::

    from tui.theme import DEFAULT_THEME, apply_theme, register_themes

    def on_mount(self) -> None:
        register_themes(self)
        apply_theme(self, requested_name)  # None -> DEFAULT_THEME; unknown -> error string

Every built-in Textual theme stays available (command palette → "Change theme"); widgets in
``tui`` only use the standard variables (``$primary``, ``$success``, ``$error``, ...), so they
look right under any of them. :func:`next_theme` cycles through :data:`THEME_CYCLE`.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.theme import Theme

__all__ = [
    "DEFAULT_THEME",
    "QUIZWIRE_DARK",
    "QUIZWIRE_LIGHT",
    "THEME_CYCLE",
    "apply_theme",
    "next_theme",
    "register_themes",
]

QUIZWIRE_DARK = Theme(
    name="quizwire",
    primary="#7c4dff",
    secondary="#00b8d4",
    accent="#ffab00",
    warning="#ffb300",
    error="#ef5350",
    success="#66bb6a",
    foreground="#eceff1",
    background="#12101c",
    surface="#1d1a2b",
    panel="#2a2540",
    dark=True,
)

QUIZWIRE_LIGHT = Theme(
    name="quizwire-light",
    primary="#5e35b1",
    secondary="#00838f",
    accent="#e65100",
    warning="#ef6c00",
    error="#c62828",
    success="#2e7d32",
    foreground="#1a1a1a",
    background="#f7f5fb",
    surface="#ffffff",
    panel="#e9e4f5",
    dark=False,
)

DEFAULT_THEME = QUIZWIRE_DARK.name

#: The themes ``next_theme`` cycles through (a few readable ones; the palette has them all).
THEME_CYCLE: tuple[str, ...] = (
    QUIZWIRE_DARK.name,
    QUIZWIRE_LIGHT.name,
    "textual-dark",
    "textual-light",
    "nord",
    "gruvbox",
    "ansi-dark",
)


def register_themes(app: App[Any]) -> None:
    """Register the Quizwire themes on ``app`` (idempotent)."""
    for theme in (QUIZWIRE_DARK, QUIZWIRE_LIGHT):
        app.register_theme(theme)


def apply_theme(app: App[Any], name: str | None) -> str | None:
    """Set ``app.theme`` to ``name`` (``None``: the default). Returns an error message for an
    unknown theme (the default is applied instead), else ``None``."""
    register_themes(app)
    wanted = name or DEFAULT_THEME
    if wanted not in app.available_themes:
        app.theme = DEFAULT_THEME
        known = ", ".join(sorted(app.available_themes))
        return f"Unknown theme {wanted!r}; using {DEFAULT_THEME!r}. Themes: {known}."
    app.theme = wanted
    return None


def next_theme(app: App[Any]) -> str:
    """Switch ``app`` to the next theme of :data:`THEME_CYCLE`; returns its name."""
    cycle = [t for t in THEME_CYCLE if t in app.available_themes] or [DEFAULT_THEME]
    try:
        position = cycle.index(app.theme)
    except ValueError:
        position = -1
    app.theme = cycle[(position + 1) % len(cycle)]
    return app.theme
