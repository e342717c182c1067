"""The presenter-console scenario of the suite: ``python -m bench.console_load`` as a subprocess.

``bench.console_load`` belongs to the presenter-console work; the suite only runs it with the
flags it offers (read from its ``--help``), bounded in time, in its own process group, and reads
its ``--json`` output. If the module is missing the scenario is "not available"; if it fails or
times out, that is reported as the scenario's failure — never an exception out of the suite.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODULE = "bench.console_load"
HELP_TIMEOUT_S = 30.0
MAX_ROWS = 30


@dataclass
class ConsoleOutcome:
    status: str  # "ok", "failed" or "not available"
    detail: str = ""
    figures: list[tuple[str, float, float | None]] = field(default_factory=list)
    raw: Any = None


def available() -> bool:
    try:
        return importlib.util.find_spec(MODULE) is not None
    except (ImportError, ValueError):
        return False


def argv_for(help_text: str, json_path: Path, quick: bool, rate: int) -> list[str]:
    """Only the flags ``console_load`` says it has."""
    argv = [sys.executable, "-m", MODULE]
    if "--json" in help_text:
        argv += ["--json", str(json_path)]
    if quick and "--quick" in help_text:
        argv.append("--quick")
    if "--rate" in help_text:
        argv += ["--rate", str(rate)]
    return argv


async def run_bounded(argv: list[str], timeout_s: float) -> tuple[int | None, str]:
    """Run ``argv`` in its own session; SIGTERM then SIGKILL its group past ``timeout_s``."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout_s)
        return proc.returncode, out.decode(errors="replace")
    except TimeoutError:
        return None, f"timed out after {timeout_s:.0f}s"
    finally:
        if proc.returncode is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, sig)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(proc.wait(), 5)
                    break


def figures_of(data: Any) -> list[tuple[str, float, float | None]]:
    """(metric, value, reference) from console_load's JSON.

    Understands ``{"rows": [{"metric", "value", "reference"}]}``; otherwise every numeric leaf
    is a figure named by its key path, and a ``{"value", "reference"}`` object is one figure."""
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        out = []
        for row in data["rows"]:
            if isinstance(row, dict) and isinstance(row.get("value"), int | float):
                ref = row.get("reference")
                out.append(
                    (
                        str(row.get("metric", "?")),
                        float(row["value"]),
                        float(ref) if isinstance(ref, int | float) else None,
                    )
                )
        return out[:MAX_ROWS]
    out = []

    def walk(node: Any, path: str) -> None:
        if len(out) >= MAX_ROWS:
            return
        if isinstance(node, bool):
            return
        if isinstance(node, int | float):
            out.append((path, float(node), None))
        elif isinstance(node, dict):
            value, ref = node.get("value"), node.get("reference")
            if isinstance(value, int | float) and not isinstance(value, bool):
                out.append(
                    (path, float(value), float(ref) if isinstance(ref, int | float) else None)
                )
                return
            for key, child in node.items():
                walk(child, f"{path}.{key}" if path else str(key))

    walk(data, "")
    return out


async def run_console(quick: bool, rate: int, timeout_s: float) -> ConsoleOutcome:
    if not available():
        return ConsoleOutcome("not available", f"{MODULE} does not exist")
    code, help_text = await run_bounded([sys.executable, "-m", MODULE, "--help"], HELP_TIMEOUT_S)
    if code != 0:
        return ConsoleOutcome("failed", f"--help exited {code}: {help_text.strip()[-200:]}")
    with tempfile.TemporaryDirectory(prefix="bench-console-") as tmp:
        json_path = Path(tmp) / "console.json"
        code, output = await run_bounded(argv_for(help_text, json_path, quick, rate), timeout_s)
        try:
            data = json.loads(json_path.read_text())
        except (OSError, ValueError) as exc:
            why = f"exit {code}: {output.strip()[-300:]}" if code != 0 else "no JSON results"
            return ConsoleOutcome("failed", f"{why} ({exc})" if code == 0 else why)
    if code != 0:  # it ran and measured, but one of its own checks failed
        return ConsoleOutcome(
            "failed", f"exit {code}: {output.strip()[-200:]}", figures_of(data), data
        )
    return ConsoleOutcome("ok", "", figures_of(data), data)
