"""Network clients of the game: the entry/admin REST API and a player's session.

Not part of the stdlib-only core: these use httpx, tenacity and the ``eventapi`` client.
"""
