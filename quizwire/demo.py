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


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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
    ) -> None:
        self.admin = admin
        self.code = code
        self.players = players
        self.reveal_pause = reveal_pause
        self.lobby_wait = lobby_wait
        self.stop = threading.Event()

    async def run(self) -> None:
        from quizwire.client.game_api import GameApiError

        started = time.monotonic()
        closed_at: float | None = None
        while not self.stop.is_set():
            await asyncio.sleep(0.5)
            try:
                view = await self.admin.view(self.code)
                phase = view["phase"]
                if phase == "lobby":
                    enough = view["playerCount"] >= max(1, int(self.players * 0.9))
                    if enough or time.monotonic() - started > self.lobby_wait:
                        await asyncio.sleep(2.0)  # let the room see the full lobby
                        await self.admin.command(self.code, "start")
                elif phase == "question_closed":
                    closed_at = closed_at or time.monotonic()
                    if time.monotonic() - closed_at >= self.reveal_pause:
                        closed_at = None
                        await self.admin.command(self.code, "next")
                elif phase == "finished":
                    return
                else:
                    closed_at = None
            except GameApiError:
                continue  # the presenter moved first (409) or a blip: look again


def _run_autopilot(pilot: Autopilot) -> None:
    asyncio.run(pilot.run())


async def _create_game(admin: Any, quiz: str, time_limit: int | None) -> tuple[str, dict[str, int]]:
    from quizwire.packs import load_pack_or_file
    from quizwire.quiz import quiz_to_dict

    loaded = load_pack_or_file(quiz)
    options: dict[str, Any] = {"speedScoring": True, "streakBonus": True}
    if time_limit is not None:
        options["timeLimit"] = time_limit
    view = await admin.create_game(quiz=quiz_to_dict(loaded), options=options)
    answer_key = {f"q{i + 1}": q.answer for i, q in enumerate(loaded.questions)}
    return str(view["gameId"]), answer_key


def run(args: argparse.Namespace) -> int:
    from bench.swarm import SwarmConfig, run_swarm
    from eventapi.auth import IamAuth
    from quizwire.client.game_api import AdminClient
    from quizwire.profiles import Profile, save_profile

    if not 0 <= args.players <= 2000:
        print("quizwire demo: --players must be between 0 and 2000", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="quizwire-demo-") as tmp:
        root = Path(tmp)
        (root / "data").mkdir()
        print("quizwire demo: starting the offline Event API…", flush=True)
        stub, info = start_stub(root / "data", root / "config")
        swarm_thread: threading.Thread | None = None
        swarm_stop = threading.Event()
        pilot: Autopilot | None = None
        pilot_thread: threading.Thread | None = None
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

            async def create() -> tuple[str, dict[str, int]]:
                admin = AdminClient(info["game_api"], auth)
                try:
                    return await _create_game(admin, args.quiz, args.time)
                finally:
                    await admin.close()

            code, answer_key = asyncio.run(create())
            print(f"quizwire demo: game {code} with {args.players} simulated players", flush=True)
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
                )
                swarm_thread = threading.Thread(
                    target=run_swarm,
                    args=(cfg,),
                    kwargs={"show": False, "stop": swarm_stop},
                    daemon=True,
                )
                swarm_thread.start()
            if args.autopilot:
                pilot = Autopilot(AdminClient(info["game_api"], auth), code, args.players)
                pilot_thread = threading.Thread(target=_run_autopilot, args=(pilot,), daemon=True)
                pilot_thread.start()
            from admin.app import run as run_console

            console_args = argparse.Namespace(
                profile=DEMO_PROFILE, quiz=None, game=code, theme=args.theme
            )
            return run_console(console_args)
        finally:
            if pilot is not None:
                pilot.stop.set()
            swarm_stop.set()
            if swarm_thread is not None:
                swarm_thread.join(timeout=15)
            stop_process(stub)
            with contextlib.suppress(Exception):
                from quizwire.profiles import delete_profile

                delete_profile(DEMO_PROFILE)
            if pilot_thread is not None:
                pilot_thread.join(timeout=5)
            print("quizwire demo: stopped", flush=True)
