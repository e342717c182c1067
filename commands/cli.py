"""The ``quizwire`` command. Subcommands import what they need lazily, so ``quizwire --help``
stays fast and the core never drags in the TUI."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _add_stub(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stub = sub.add_parser(
        "stub",
        help="run the offline, wire-compatible AppSync Events API (and the game backend)",
        description="Run the offline AppSync Events API. Writes a 'local' profile for the apps.",
    )
    stub.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 for a LAN)",
    )
    stub.add_argument(
        "--port", type=int, default=8787, help="port (default 8787; 0 picks a free one)"
    )
    stub.add_argument(
        "--api-key", help="API key to accept (default: generated once, kept in the data dir)"
    )
    stub.add_argument("--data-dir", type=Path, help="where state and credentials live")
    stub.add_argument("--tls-cert", type=Path, help="PEM certificate: serve https/wss")
    stub.add_argument("--tls-key", type=Path, help="PEM private key for --tls-cert")
    stub.add_argument(
        "--keepalive-interval",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="ka frame interval (default 60)",
    )
    stub.add_argument(
        "--namespace",
        action="append",
        default=[],
        metavar="NAME[:PUB[:SUB]]",
        help="extra namespace with comma-separated auth modes, e.g. secure:AWS_IAM:AWS_IAM",
    )
    stub.add_argument("--no-profile", action="store_true", help="do not write the 'local' profile")
    stub.add_argument(
        "--entry-rate",
        type=float,
        default=2000.0,
        metavar="RPS",
        help="entry API rate limit (default 2000/s; 429 beyond)",
    )
    stub.add_argument(
        "--max-connections-per-address",
        type=int,
        default=500,
        metavar="N",
        help="open connections one source address may hold (default 500; 0: no cap)",
    )
    stub.add_argument(
        "--max-connections",
        type=int,
        default=None,
        metavar="N",
        help="open connections in all (default: the open-files limit minus 256)",
    )
    stub.add_argument(
        "--idle-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="close a connection that sends no whole request, or a WebSocket that sends neither "
        "connection_init nor an operation, within this time (default 10)",
    )
    stub.add_argument(
        "--default-namespace",
        choices=("limited", "open", "off"),
        default="limited",
        help="the API-key 'default' namespace: on a delivery budget (default), unlimited, or "
        "not defined at all",
    )
    stub.add_argument(
        "--public-host",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="another name clients reach the stub by (a proxy, a DNS name): IAM signatures "
        "made for it are accepted; repeatable",
    )
    stub.add_argument(
        "--backend",
        choices=("sqlite", "lambda"),
        default="sqlite",
        help="the game backend: sqlite (default: in-process, SQLite) or lambda (backend/'s "
        "Lambda functions, handlers and template, DynamoDB in moto; needs the test extras and node)",
    )
    stub.add_argument(
        "--partition-write-units",
        type=int,
        default=1000,
        metavar="WCU",
        help="--backend lambda: DynamoDB write units a second per partition key before it "
        "throttles (default 1000, DynamoDB's own limit)",
    )
    stub.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="--backend lambda: a template parameter, e.g. AuthorizerTtl=900 (repeatable)",
    )
    stub.add_argument(
        "--log-format", choices=("text", "json"), default="text", help="log lines as text or JSON"
    )
    stub.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default="info",
        help="log level (default info)",
    )


def _run_stub(args: argparse.Namespace) -> int:
    from backend_stub.main import StubOptions, main
    from quizwire.profiles import data_dir

    if (args.tls_cert is None) != (args.tls_key is None):
        print("quizwire stub: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    if args.keepalive_interval <= 0:
        print("quizwire stub: --keepalive-interval must be positive", file=sys.stderr)
        return 2
    if args.idle_timeout <= 0:
        print("quizwire stub: --idle-timeout must be positive", file=sys.stderr)
        return 2
    if args.max_connections_per_address < 0 or (args.max_connections or 0) < 0:
        print("quizwire stub: connection caps must be 0 or more", file=sys.stderr)
        return 2
    if args.backend == "lambda" and args.namespace:
        print("quizwire stub: --backend lambda serves the template's namespaces", file=sys.stderr)
        return 2
    if args.partition_write_units < 1:
        print("quizwire stub: --partition-write-units must be positive", file=sys.stderr)
        return 2
    parameters = dict(p.split("=", 1) for p in args.parameter if "=" in p)
    if len(parameters) != len(args.parameter) or (parameters and args.backend != "lambda"):
        print("quizwire stub: --parameter NAME=VALUE goes with --backend lambda", file=sys.stderr)
        return 2
    options = StubOptions(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir or data_dir() / "stub",
        api_key=args.api_key,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        keepalive_interval=args.keepalive_interval,
        namespaces=tuple(args.namespace),
        write_profile=not args.no_profile,
        entry_rate=args.entry_rate,
        max_connections_per_address=args.max_connections_per_address,
        max_connections=args.max_connections,
        idle_timeout=args.idle_timeout,
        default_namespace=args.default_namespace,
        public_hosts=tuple(args.public_host),
        backend=args.backend,
        partition_write_units=args.partition_write_units,
        parameters=parameters,
        log_format=args.log_format,
        log_level=args.log_level,
    )
    return main(options)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizwire", description="Live trivia in the terminal, on AWS AppSync Events."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_stub(sub)
    from commands.game import add_game_commands

    add_game_commands(sub)
    _add_play(sub)
    _add_host(sub)
    _add_swarm(sub)
    from gateway.cli import add_gateway_command

    add_gateway_command(sub)
    demo = sub.add_parser(
        "demo",
        help="a whole game from one command: stub, console and simulated players",
        description=(
            "Play a whole game on this machine, no AWS needed: starts an offline stub, creates a"
            " game, lets N simulated players join and answer, and opens the presenter console;"
            " the autopilot moves the game along unless you do. q stops everything within about"
            " 2 s. Results are saved in the data dir, and the path is printed."
        ),
    )
    demo.add_argument(
        "--players", type=int, default=50, metavar="N", help="simulated players (default 50)"
    )
    demo.add_argument(
        "--quiz",
        default="aws-serverless",
        metavar="PACK_OR_FILE",
        help="quiz (default aws-serverless)",
    )
    demo.add_argument(
        "--time", type=int, default=15, metavar="SECONDS", help="seconds per question (default 15)"
    )
    demo.add_argument(
        "--no-autopilot", dest="autopilot", action="store_false", help="you drive the game yourself"
    )
    demo.add_argument(
        "--teams",
        nargs="?",
        const="Owls,Foxes,Otters",
        metavar="NAMES",
        help="team mode: comma-separated team names (default if given alone: Owls,Foxes,Otters);"
        " a quiz with `teams = [...]` plays in teams without it",
    )
    demo.add_argument("--theme", help="Textual theme name")
    return parser


def _add_swarm(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    swarm = sub.add_parser(
        "swarm",
        help="headless bot players against a game (load generator)",
        description=(
            "Headless bot players join a game and answer every question with human-like timing"
            " and accuracy, against any target (the local stub or a deployed stack), with a live"
            " progress display. They leave when the game ends, after --duration, or on Ctrl-C."
        ),
    )
    swarm.add_argument(
        "--game", required=True, metavar="CODE", help="the game code the bots join (required)"
    )
    swarm.add_argument(
        "--players", type=int, required=True, metavar="N", help="number of bots (1-20000)"
    )
    swarm.add_argument("--profile", default="local", help="target profile (default: local)")
    swarm.add_argument(
        "--endpoint", metavar="URL", help="Event API HTTP endpoint instead of a profile"
    )
    swarm.add_argument(
        "--game-api", metavar="URL", help="game API base URL (default: derived from --endpoint)"
    )
    swarm.add_argument(
        "--processes",
        type=int,
        default=2,
        metavar="N",
        help="worker processes the bots are shared over (default 2)",
    )
    swarm.add_argument(
        "--duration",
        type=float,
        default=600.0,
        metavar="S",
        help="bots leave after S seconds (default 600)",
    )
    swarm.add_argument(
        "--join-spread",
        type=float,
        default=5.0,
        metavar="S",
        help="spread the joins over S seconds (default 5)",
    )
    swarm.add_argument(
        "--teams",
        metavar="NAMES",
        default="",
        help="team mode: comma-separated team names; every other bot picks one of them, the"
        " rest are put in the smallest team",
    )


def _run_swarm(args: argparse.Namespace) -> int:
    from commands.swarm import SwarmConfig, run_swarm, summary
    from quizwire.profiles import ProfileError, get_profile

    if not 1 <= args.players <= 20_000:
        print("quizwire swarm: --players must be between 1 and 20000", file=sys.stderr)
        return 2
    if args.duration <= 0 or args.processes < 1:
        print(
            "quizwire swarm: --duration must be positive and --processes at least 1",
            file=sys.stderr,
        )
        return 2
    if args.endpoint:
        http, realtime = args.endpoint, None
        game_api = args.game_api or args.endpoint.rsplit("/event", 1)[0]
    else:
        try:
            profile = get_profile(args.profile)
        except ProfileError as exc:
            print(f"quizwire swarm: {exc}", file=sys.stderr)
            return 2
        http, realtime, game_api = (
            profile.http_endpoint,
            profile.realtime_endpoint,
            profile.game_api or "",
        )
    cfg = SwarmConfig(
        game=args.game.upper(),
        players=args.players,
        http_endpoint=http,
        realtime_endpoint=realtime,
        game_api=game_api,
        processes=args.processes,
        duration=args.duration,
        join_spread=args.join_spread,
        teams=tuple(t.strip() for t in args.teams.split(",") if t.strip()),
    )
    stats = run_swarm(cfg)
    print(summary(cfg, stats), flush=True)
    if stats.stopped_by:  # the summary all the same, and the status a stopped command has
        return 143 if stats.stopped_by == "SIGTERM" else 130
    return 0 if stats.errors == 0 else 1


def _add_play(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    play = sub.add_parser(
        "play",
        help="join a game as a player (Textual app)",
        description=(
            "Join a game as a player: type the code on the host's screen and a nickname (or pass"
            " --game and --name to join at once), then answer with the letter or number keys or"
            " the mouse. Your credential is kept, so running it again rejoins the same game with"
            " your score."
        ),
    )
    play.add_argument("--game", metavar="CODE", help="the game code shown by the host")
    play.add_argument("--name", help="your nickname (default: the last one you used)")
    play.add_argument("--random-name", action="store_true", help="pick a friendly random nickname")
    play.add_argument("--profile", default="local", help="target profile (default: local)")
    play.add_argument(
        "--endpoint",
        metavar="URL",
        help="the Event API's HTTP endpoint, e.g. http://10.0.0.5:8787/event",
    )
    play.add_argument(
        "--game-api", metavar="URL", help="the game API base URL (default: derived from --endpoint)"
    )
    play.add_argument(
        "--api-key",
        help="accepted for symmetry with other clients; players authenticate with their own credential",
    )
    play.add_argument("--theme", help="Textual theme name")
    play.add_argument(
        "--team",
        metavar="NAME",
        help="in a game with teams: join this team (default: you choose, or the smallest team)",
    )
    play.add_argument(
        "--plain",
        action="store_true",
        help="screen-reader mode: no full-screen UI, every change as one line of plain text; "
        "type 1-6 and Enter to answer",
    )
    play.add_argument(
        "--bell",
        action="store_true",
        help="ring the terminal bell when you lock in, at time's up and at the result (s toggles)",
    )


def _add_host(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    host = sub.add_parser(
        "host",
        help="the presenter console (Textual app)",
        description=(
            "The presenter console: pick a quiz and create a game (or attach to one with --game),"
            " show the join code and QR to the room, then start, reveal, move on and end it while"
            " watching answers, the leaderboard and the players. Results are exported at the end."
        ),
    )
    host.add_argument("--profile", default="local", help="target profile (default: local)")
    host.add_argument(
        "--quiz",
        metavar="PACK_OR_FILE",
        help="preselect your quiz file, or a bundled pack (practice only: their answers ship)",
    )
    host.add_argument(
        "--game", metavar="CODE", help="attach to an existing game instead of creating one"
    )
    host.add_argument("--theme", help="Textual theme name")
    host.add_argument(
        "--private",
        action="store_true",
        help="show each answer's choice and the live histogram while a question is open "
        "(your own screen; the default is projector-safe: only who answered)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "stub":
        return _run_stub(args)
    if args.command == "demo":
        from commands.demo import run as run_demo

        return run_demo(args)
    if args.command == "swarm":
        return _run_swarm(args)
    if args.command == "gateway":
        from gateway.cli import run_gateway_command

        return run_gateway_command(args)
    if args.command == "play":
        from player.app import run as run_player

        return run_player(args)
    if args.command == "host":
        from admin.app import run as run_host

        return run_host(args)
    if args.command in ("game", "quiz", "profile"):
        from commands import game as cli_game

        runner = {
            "game": cli_game.run_game,
            "quiz": cli_game.run_quiz,
            "profile": cli_game.run_profile,
        }
        try:
            return runner[args.command](args)
        except BrokenPipeError:
            # the reader left early (`quizwire game show CODE | head`): stop quietly, as Unix
            # tools do; stdout goes to /dev/null so the interpreter's final flush cannot fail
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 141  # 128 + SIGPIPE
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
