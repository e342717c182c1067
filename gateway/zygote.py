"""The zygote: a process that has imported Textual and the player app once, and forks one
child per session. Children share those pages with it copy-on-write (``gc.freeze()`` keeps the
collector from writing to them), so a session costs its own state, not a Python + Textual each.

Protocol (a ``SOCK_SEQPACKET`` socketpair with the gateway, one request at a time): the gateway
sends a :class:`gateway.request.SessionRequest` as JSON with the session's fds attached (the pty
slave; or stdin and stdout pipes for the web driver); the zygote answers ``{"pid": N}`` or
``{"error": "..."}``. When the gateway's end closes, the zygote hangs up its children and exits.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import signal
import socket
import sys
import traceback
from types import FrameType

from gateway.request import SessionRequest

__all__ = ["main", "preload"]

MAX_REQUEST = 64 * 1024
_children: set[int] = set()


def preload() -> None:
    """Import (and warm) everything a session uses, before any fork."""
    import textual.drivers.linux_driver
    import textual.drivers.web_driver
    import textual.widgets

    import gateway.child
    import player.app
    import player.screens.game
    import player.screens.join

    for name in ("Button", "ContentSwitcher", "Footer", "Input", "Label", "Static", "DataTable"):
        getattr(textual.widgets, name)  # textual.widgets imports these lazily
    del textual, gateway, player
    from gateway.shared_tls import share_default_tls_context
    from gateway.warmup import warm_up

    share_default_tls_context()
    warm_up()


def _reap(_sig: int, _frame: FrameType | None) -> None:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _children.discard(pid)


def _run_child(conn: socket.socket, request: SessionRequest, fds: list[int]) -> None:
    code = 1
    try:
        conn.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        log_fd = os.dup(2)
        # pty: the slave is stdin, stdout and stderr (Textual draws on stderr); web: the
        # driver's stdin and stdout pipes, stderr left to the log.
        targets = (fds[0], fds[0], fds[0]) if len(fds) == 1 else (fds[0], fds[1])
        for target, fd in enumerate(targets):
            os.dup2(fd, target)
        for fd in set(fds) - {0, 1, 2}:
            os.close(fd)
        sys.stderr = os.fdopen(log_fd, "w", buffering=1)  # warnings: to the log, not the screen
        from gateway.child import run_session, take_terminal

        take_terminal()
        code = run_session(request)
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
        os._exit(code)


def serve(conn: socket.socket) -> None:
    signal.signal(signal.SIGCHLD, _reap)
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(conn, MAX_REQUEST, 4)
        except OSError:
            break
        if not msg:
            for fd in fds:
                os.close(fd)
            break
        try:
            request = SessionRequest.from_json(msg)
            if not 1 <= len(fds) <= 2:
                raise ValueError(f"expected 1 or 2 fds, got {len(fds)}")
        except (ValueError, TypeError, KeyError) as exc:
            for fd in fds:
                os.close(fd)
            conn.send(json.dumps({"error": str(exc)[:200]}).encode())
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _run_child(conn, request, fds)
        _children.add(pid)
        for fd in fds:
            os.close(fd)
        conn.send(json.dumps({"pid": pid}).encode())
    for pid in list(_children):  # the gateway is gone: so are its clients
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGHUP)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gateway.zygote")
    parser.add_argument("--fd", type=int, required=True, help="the SEQPACKET socket's fd")
    args = parser.parse_args(argv)
    conn = socket.socket(fileno=args.fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C at the gateway's terminal is its own
    preload()
    gc.collect()
    gc.freeze()  # imported objects move to the permanent generation: never written by the GC
    conn.send(b'{"ready": true}')
    serve(conn)


if __name__ == "__main__":
    main()
