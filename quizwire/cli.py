"""The ``quizwire`` command. Subcommands import what they need lazily, so ``quizwire --help``
stays fast and the core never drags in the TUI."""

from __future__ import annotations

import argparse
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
    stub.add_argument("--log-format", choices=("text", "json"), default="text", help="log lines as text or JSON")
    stub.add_argument(
        "--log-level", choices=("debug", "info", "warning", "error"), default="info", help="log level (default info)"
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
    from quizwire.cli_game import add_game_commands

    add_game_commands(sub)
    _add_play(sub)
    _add_host(sub)
    return parser


def _add_play(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    play = sub.add_parser("play", help="join a game as a player (Textual app)")
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


def _add_host(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    host = sub.add_parser("host", help="the presenter console (Textual app)")
    host.add_argument("--profile", default="local", help="target profile (default: local)")
    host.add_argument(
        "--quiz", metavar="PACK_OR_FILE", help="preselect a bundled pack or a quiz file"
    )
    host.add_argument(
        "--game", metavar="CODE", help="attach to an existing game instead of creating one"
    )
    host.add_argument("--theme", help="Textual theme name")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "stub":
        return _run_stub(args)
    if args.command == "play":
        from player.app import run as run_player

        return run_player(args)
    if args.command == "host":
        from admin.app import run as run_host

        return run_host(args)
    if args.command in ("game", "quiz", "profile"):
        from quizwire import cli_game

        runner = {
            "game": cli_game.run_game,
            "quiz": cli_game.run_quiz,
            "profile": cli_game.run_profile,
        }
        return runner[args.command](args)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
