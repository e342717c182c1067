"""What a killed ``quizwire demo`` leaves behind, and cleaning it up on the next run.

Each demo works in a temp dir ``quizwire-demo-*`` holding ``demo.pid`` (the demo's pid) and
``stub.pid`` (its stub's). A demo killed with SIGKILL runs no ``finally``: its dir stays, its
stub keeps running, and the ``demo`` profile points at that stub. The next demo finds the dirs
whose demo pid is dead, stops their stub, removes the dir, and drops the ``demo`` profile if it
points at one of them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
from pathlib import Path

__all__ = ["DEMO_DIR_PREFIX", "DEMO_PID", "STUB_PID", "clean_stale_demos", "mark_demo"]

DEMO_DIR_PREFIX = "quizwire-demo-"
DEMO_PID = "demo.pid"
STUB_PID = "stub.pid"


def mark_demo(root: Path) -> None:
    """Record this process as the owner of the demo dir ``root``."""
    (root / DEMO_PID).write_text(str(os.getpid()))


def _pid_in(path: Path) -> int | None:
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid > 0 else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and not ours to touch
    return True


def _runs_from(pid: int, root: Path) -> bool:
    """True if ``pid`` is a process started with ``root`` in its command line (our stub, not a
    process that took over a recycled pid). Without /proc we cannot tell: leave it alone."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return str(root).encode() in cmdline


def _endpoint(root: Path) -> str | None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        info = json.loads((root / "data" / "stub.json").read_text())
        http = info.get("http")
        return http if isinstance(http, str) else None
    return None


def clean_stale_demos(parent: Path, profile: str) -> list[Path]:
    """Remove the demo dirs under ``parent`` whose demo is dead; returns the dirs removed."""
    from quizwire.profiles import ProfileError, delete_profile, get_profile

    removed: list[Path] = []
    endpoints: set[str] = set()
    for root in sorted(parent.glob(DEMO_DIR_PREFIX + "*")):
        demo = _pid_in(root / DEMO_PID)
        if demo is None or _alive(demo) or not root.is_dir():
            continue  # running, or not one of ours (no pid file)
        stub = _pid_in(root / STUB_PID)
        if stub is not None and _alive(stub) and _runs_from(stub, root):
            with contextlib.suppress(OSError):
                os.kill(stub, signal.SIGKILL)  # its data is about to go: no need to be gentle
        endpoint = _endpoint(root)
        if endpoint is not None:
            endpoints.add(endpoint)
        shutil.rmtree(root, ignore_errors=True)
        removed.append(root)
    with contextlib.suppress(ProfileError, OSError):
        if get_profile(profile).http_endpoint in endpoints:
            delete_profile(profile)
    return removed
