"""Screens of the player app: joining, then the game."""
