"""``quizwire demo``: the whole thing from one command.

An embedded stub (its own process), a game, N simulated players that join with a spread and
answer with human-like timing and accuracy (``quizwire swarm`` bots), an autopilot that moves
the game along, and the presenter console in the foreground. The presenter can take over at any
time (start, next, reveal now, end); leaving the console stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from commands.demo_leftovers import DEMO_DIR_PREFIX, STUB_PID, clean_stale_demos, mark_demo
from quizwire.state import Phase

DEMO_PROFILE = "demo"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_stub(data_dir: Path, config_dir: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    """Start ``quizwire stub`` on a free port; return the process and its stub.json."""
    port = _free_port()
    log = (data_dir / "stub.log").open("wb")
    env = {**os.environ, "QUIZWIRE_CONFIG_DIR": str(config_dir)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "quizwire",
            "stub",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--no-profile",
        ],
        stdout=log,
        stderr=log,
        env=env,
    )
    info_path = data_dir / "stub.json"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"quizwire demo: the stub exited early; see {data_dir / 'stub.log'}")
        if info_path.exists():
            return proc, json.loads(info_path.read_text())
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("quizwire demo: the stub did not start within 20 s")


STOP_WITHIN_S = 2.0


def stop_everything(
    stub: subprocess.Popen[bytes],
    stops: list[threading.Event],
    threads: list[threading.Thread],
    within_s: float = STOP_WITHIN_S,
) -> None:
    """Ask everything to stop, then wait ``within_s`` at most, in all.

    The bots get the first 60% of the time to close their sockets (a stub gone before them
    makes each bot log its reconnect attempts over the terminal), the stub the rest; a stub
    still running at the deadline is killed (its data is a temp dir about to go), and threads
    still running are daemons that end with the process (the swarm's workers are daemonic).
    """
    start = time.monotonic()
    deadline = start + within_s
    for stop in stops:
        stop.set()
    for thread in threads:
        thread.join(timeout=max(0.0, start + 0.6 * within_s - time.monotonic()))
    if stub.poll() is None:
        stub.send_signal(signal.SIGTERM)
    try:
        stub.wait(timeout=max(0.05, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        stub.kill()
        stub.wait()


def results_dir() -> Path:
    """Where the demo's console saves results: the data dir, never the current directory."""
    from quizwire.profiles import data_dir

    return data_dir() / "results"


def _say_where_results_are(where: Path, code: str) -> None:
    saved = sorted(where.glob(f"quizwire-{code}-results.*"))
    if saved:
        print(f"quizwire demo: results saved in {where}:", flush=True)
        for path in saved:
            print(f"  {path.name}", flush=True)
    else:
        print(f"quizwire demo: no results saved (results go to {where})", flush=True)


class Autopilot:
    """Moves the game along like a host would, unless the presenter already did."""

    def __init__(
        self,
        admin: Any,
        code: str,
        players: int,
        *,
        reveal_pause: float = 10.0,  # the reveal (5 s on the console), then the leaderboard
        lobby_wait: float = 20.0,
        untimed_wait: float = 25.0,  # a question without a timer: revealed after this long
    ) -> None:
        self.admin = admin
        self.code = code
        self.players = players
        self.reveal_pause = reveal_pause
        self.lobby_wait = lobby_wait
        self.untimed_wait = untimed_wait
        self.stop = threading.Event()

    async def run(self) -> None:
        from quizwire.client.game_api import GameApiError

        started = time.monotonic()
        closed_at: float | None = None
        opened_at: float | None = None
        while not self.stop.is_set():
            await asyncio.sleep(0.5)
            try:
                view = await self.admin.view(self.code)
                phase = view["phase"]
                if phase == Phase.LOBBY:
                    enough = view["playerCount"] >= max(1, int(self.players * 0.9))
                    if enough or time.monotonic() - started > self.lobby_wait:
                        await asyncio.sleep(2.0)  # let the room see the full lobby
                        await self.admin.command(self.code, "start")
                elif phase == Phase.QUESTION_CLOSED:
                    closed_at = closed_at or time.monotonic()
                    if time.monotonic() - closed_at >= self.reveal_pause:
                        closed_at = None
                        await self.admin.command(self.code, "next")
                elif phase == Phase.FINISHED:
                    return
                else:
                    closed_at = None
                    opened_at = opened_at or time.monotonic()
                    untimed = (view.get("question") or {}).get("timer") is False
                    if untimed and time.monotonic() - opened_at >= self.untimed_wait:
                        await self.admin.command(self.code, "reveal")  # as a host would
                if phase != "question_open":
                    opened_at = None
            except GameApiError:
                continue  # the presenter moved first (409) or a blip: look again


def _run_autopilot(pilot: Autopilot) -> None:
    asyncio.run(pilot.run())


async def _create_game(
    admin: Any, quiz: str, time_limit: int | None, teams: str | None = None
) -> tuple[str, dict[str, dict[str, Any] | None], tuple[str, ...]]:
    """The game's code, its answer plan per question (for the bots) and its teams (empty: no
    team mode): ``teams`` (comma-separated) if given, else the quiz's own ``teams``."""
    from quizwire.bot_answers import answer_plan
    from quizwire.packs import load_pack_or_file
    from quizwire.quiz import quiz_to_dict

    loaded = load_pack_or_file(quiz)
    options: dict[str, Any] = {"speedScoring": True, "streakBonus": True}
    if time_limit is not None:
        options["timeLimit"] = time_limit
    if teams is not None:
        options["teams"] = [t.strip() for t in teams.split(",") if t.strip()]
    view = await admin.create_game(quiz=quiz_to_dict(loaded), options=options)
    answer_key = {f"q{i + 1}": answer_plan(q) for i, q in enumerate(loaded.questions)}
    return str(view["gameId"]), answer_key, tuple(view.get("teamNames") or ())


def run(args: argparse.Namespace) -> int:
    from commands.swarm import SwarmConfig, run_swarm
    from eventapi.auth import IamAuth
    from quizwire.client.game_api import AdminClient
    from quizwire.profiles import Profile, save_profile

    if not 0 <= args.players <= 2000:
        print("quizwire demo: --players must be between 0 and 2000", file=sys.stderr)
        return 2
    leftovers = clean_stale_demos(Path(tempfile.gettempdir()), DEMO_PROFILE)
    if leftovers:
        print(f"quizwire demo: cleaned up {len(leftovers)} killed demo(s)", flush=True)
    with tempfile.TemporaryDirectory(prefix=DEMO_DIR_PREFIX) as tmp:
        root = Path(tmp)
        mark_demo(root)
        (root / "data").mkdir()
        print("quizwire demo: starting the offline Event API…", flush=True)
        stub, info = start_stub(root / "data", root / "config")
        (root / STUB_PID).write_text(str(stub.pid))
        swarm_stop = threading.Event()
        pilot: Autopilot | None = None
        threads: list[threading.Thread] = []
        code = ""
        try:
            save_profile(
                Profile(
                    name=DEMO_PROFILE,
                    http_endpoint=info["http"],
                    realtime_endpoint=info["realtime"],
                    region=info["region"],
                    api_key=info["api_key"],
                    access_key_id=info["access_key_id"],
                    secret_access_key=info["secret_access_key"],
                    game_api=info["game_api"],
                    source="quizwire demo",
                )
            )
            auth = IamAuth.from_keys(
                info["region"], info["access_key_id"], info["secret_access_key"]
            )

            async def create() -> tuple[str, dict[str, dict[str, Any] | None], tuple[str, ...]]:
                admin = AdminClient(info["game_api"], auth)
                try:
                    return await _create_game(
                        admin, args.quiz, args.time, getattr(args, "teams", None)
                    )
                finally:
                    await admin.close()

            code, answer_key, teams = asyncio.run(create())
            in_teams = f" in teams {', '.join(teams)}" if teams else ""
            print(
                f"quizwire demo: game {code} with {args.players} simulated players{in_teams}",
                flush=True,
            )
            if args.players:
                cfg = SwarmConfig(
                    game=code,
                    players=args.players,
                    http_endpoint=info["http"],
                    game_api=info["game_api"],
                    processes=1 if args.players <= 100 else 2,
                    duration=3600,
                    join_spread=min(12.0, 2.0 + args.players / 10),
                    answer_key=answer_key,
                    teams=teams,
                )
                threads.append(
                    threading.Thread(
                        target=run_swarm,
                        args=(cfg,),
                        kwargs={"show": False, "stop": swarm_stop},
                        daemon=True,
                    )
                )
            if args.autopilot:
                pilot = Autopilot(AdminClient(info["game_api"], auth), code, args.players)
                threads.append(threading.Thread(target=_run_autopilot, args=(pilot,), daemon=True))
            for thread in threads:
                thread.start()
            from admin.app import run as run_console

            console_args = argparse.Namespace(
                profile=DEMO_PROFILE,
                quiz=None,
                game=code,
                theme=args.theme,
                ephemeral=True,
                export_dir=results_dir(),
            )
            return run_console(console_args)
        finally:
            # The console is gone: say so at once, then stop everything within STOP_WITHIN_S.
            print("quizwire demo: stopping…", flush=True)
            stops = [swarm_stop] + ([pilot.stop] if pilot is not None else [])
            stop_everything(stub, stops, threads)
            with contextlib.suppress(Exception):
                from quizwire.profiles import delete_profile

                delete_profile(DEMO_PROFILE)
            if code:
                _say_where_results_are(results_dir(), code)
            print("quizwire demo: stopped", flush=True)
