"""Widgets of the player app: the top bar and one view per phase of the game."""
