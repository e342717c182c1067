"""``quizwire host``: the presenter console (Textual).

Modules, one job each:

- ``app``      — the App: timers (10 Hz drain+render, 1 Hz admin-view poll, 1 Hz stub metrics only
                 while the system panel is shown), commands, export; ``run(args)`` for the CLI.
- ``source``   — ``Source`` protocol (injectable) and ``LiveSource`` (admin API + IAM WebSocket).
- ``model``    — ``ConsoleModel``: what the console knows, from the view and the streams.
- ``feed``     — ``AnswerFeed``: exact per-choice counts, answered set, bounded stream window.
- ``metrics``  — the stub's Prometheus ``/metrics`` reduced to the system panel's figures.
- ``setup``    — the setup screen (pack or quiz file, options, create).
- ``console``  — the running screen (lobby, question/reveal, end) rendered from the model.
- ``widgets``/``bigfont`` — player table (diffed), answer stream, join feed, big join code.

Keys: ``g`` start · ``r`` reveal now · ``n`` next · ``space`` the next usual step · ``e e`` end ·
``k``/``b`` kick/ban the selected player · ``x`` export · ``s`` system panel · ``ctrl+p`` palette.
"""
