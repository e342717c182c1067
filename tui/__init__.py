"""Shared Textual kit for the player app and the presenter console.

Stable API (import from the submodules):

- ``tui.safe``: ``clean(value)``, ``safe_text(value, style)``, ``safe_content(value, style)`` —
  show network text literally (no markup, no control sequences).
- ``tui.symbols``: ``CHOICE_SYMBOLS`` (▲ ◆ ● ■ ★ ✚), ``CHOICE_COLORS``, ``choice_letter(i)``,
  ``choice_symbol(i)``, ``choice_tag(i)``, ``choice_label(i, text)``, ``choice_class(i)``,
  ``choice_css(selector)``.
- ``tui.theme``: ``register_themes(app)``, ``apply_theme(app, name)``, ``next_theme(app)``,
  ``DEFAULT_THEME``.
- ``tui.clock``: ``Clock``, ``wall_ms()``, ``FrozenClock`` (epoch ms; inject into widgets).
- ``tui.countdown``: ``Countdown(clock=...)`` with ``start(deadline_ms, duration_ms)``/``stop()``.
- ``tui.badge``: ``ConnectionBadge`` with ``set_state(ConnectionState | str)``.
- ``tui.leaderboard``: ``LeaderboardTable(limit=10)`` with
  ``update_entries(entries, highlight=player_id)`` (diffed by row key).
- ``tui.choices``: ``ChoiceButton(index, text)`` — a clickable, coloured answer choice with
  ``locked``/``dimmed``/``correct``/``wrong`` states; posts ``ChoiceButton.Chosen(index)``.

Other helpers may add modules here (histogram, QR); these names do not change.
"""
