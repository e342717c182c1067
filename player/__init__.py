"""``quizwire play``: the player app (Textual).

- ``app.py``: :class:`~player.app.PlayerApp` and ``run(args)`` for the CLI.
- ``screens/join.py``: code + nickname, random name, rejoin offer, 429-aware joining.
- ``screens/game.py``: one screen with a view per phase, re-rendered from the model on a timer.
- ``widgets/``: the top bar and the lobby, question (open/locked/reveal), leaderboard, end and
  removed views.
- ``session.py``: the ``Session`` protocol the app talks to and the real factory.
- ``credentials.py``: credentials per game and nickname; ``explain.py``: failures in plain words.
"""
