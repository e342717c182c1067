"""``quizwire gateway``'s flags (kept here so ``commands/cli.py`` only wires it in)."""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

__all__ = ["add_gateway_command", "run_gateway_command"]


def add_gateway_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    gw = sub.add_parser(
        "gateway",
        help="let players join with only ssh or a browser (SSH server + web front)",
        description=(
            "Serve the player app over SSH (`ssh -p 2222 K7QX2M@HOST`: any user name, no"
            " password) and in a browser (http://HOST:8788/play/K7QX2M), against a stub or a"
            " deployed stack. Each session is `quizwire play` in a process forked from a"
            " preloaded zygote. The presenter console shows the SSH command, the URL and a QR"
            " code of it."
        ),
    )
    gw.add_argument("--profile", default="local", help="target profile (default: local)")
    gw.add_argument("--endpoint", metavar="URL", help="Event API HTTP endpoint instead")
    gw.add_argument("--game-api", metavar="URL", help="game API base URL (default: derived)")
    gw.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for a LAN)")
    gw.add_argument("--ssh-port", type=int, default=2222, help="SSH port (default 2222; 0: free)")
    gw.add_argument(
        "--web-port", type=int, default=8788, help="browser port (default 8788; 0: free)"
    )
    gw.add_argument("--no-web", action="store_true", help="SSH only")
    gw.add_argument(
        "--public-host",
        metavar="HOST",
        help="the name or address players use (default: --host, or this machine's LAN address)",
    )
    gw.add_argument("--data-dir", type=Path, help="host key and players' credentials")
    gw.add_argument(
        "--max-sessions-per-address",
        type=int,
        default=20,
        metavar="N",
        help="sessions one address may hold (default 20; 0: no cap)",
    )
    gw.add_argument(
        "--max-sessions", type=int, default=500, metavar="N", help="sessions in all (default 500)"
    )
    gw.add_argument(
        "--idle-timeout",
        type=float,
        default=1800.0,
        metavar="S",
        help="close an SSH session with no input for S seconds (default 1800)",
    )
    gw.add_argument(
        "--after-game",
        type=float,
        default=120.0,
        metavar="S",
        help="close a session S seconds after its game ended without a key press (default 120)",
    )
    gw.add_argument(
        "--login-timeout",
        type=float,
        default=20.0,
        metavar="S",
        help="SSH handshake and login deadline (default 20)",
    )
    gw.add_argument(
        "--no-zygote",
        action="store_true",
        help="start a new interpreter per session (costs more memory; for comparison)",
    )
    gw.add_argument("--ready-file", type=Path, help=argparse.SUPPRESS)
    gw.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default="info",
        help="log level (default info)",
    )


def _advertised_host(bind_host: str) -> str:
    """What players type to reach a gateway listening on ``bind_host`` (as the stub does)."""
    if bind_host in ("0.0.0.0", "::", ""):
        try:
            return socket.gethostbyname(socket.gethostname())
        except OSError:
            return "127.0.0.1"
    return bind_host


def _fail(message: str) -> int:
    print(f"quizwire gateway: {message}", file=sys.stderr)
    return 2


def run_gateway_command(args: argparse.Namespace) -> int:
    from gateway.main import main
    from gateway.options import GatewayOptions
    from player.target import TargetError, resolve_target
    from quizwire.profiles import data_dir

    if min(args.max_sessions_per_address, args.max_sessions - 1) < 0:
        return _fail("--max-sessions must be at least 1, --max-sessions-per-address 0 or more")
    if min(args.idle_timeout, args.after_game, args.login_timeout) <= 0:
        return _fail("--idle-timeout, --after-game and --login-timeout must be positive")
    if not (0 <= args.ssh_port < 65536 and 0 <= args.web_port < 65536):
        return _fail("ports are 0-65535")
    try:
        target = resolve_target(args)
    except TargetError as exc:
        return _fail(str(exc))
    options = GatewayOptions(
        data_dir=args.data_dir or data_dir() / "gateway",
        http_endpoint=target.http_endpoint,
        game_api=target.game_api,
        realtime_endpoint=target.realtime_endpoint,
        host=args.host,
        ssh_port=args.ssh_port,
        web_port=None if args.no_web else args.web_port,
        advertised_host=args.public_host or _advertised_host(args.host),
        max_sessions_per_address=args.max_sessions_per_address,
        max_sessions=args.max_sessions,
        idle_timeout=args.idle_timeout,
        after_game_s=args.after_game,
        login_timeout=args.login_timeout,
        zygote=not args.no_zygote,
    )
    return main(options, args.ready_file, args.log_level)
