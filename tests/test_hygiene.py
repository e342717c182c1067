"""Import boundaries (docs/architecture.md) and lint/type checks, enforced as tests."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    # The layers and boundaries of docs/architecture.md, declared in pyproject.toml
    # [tool.importlinter]: every import statement of every package, lazy ones included.
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout and "Contracts: 6 kept" in result.stdout


def test_cli_help_does_not_import_the_tui() -> None:
    code = "import sys; from commands.cli import build_parser; build_parser(); print(any(m.startswith('textual') for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "False"


def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean() -> None:
    # [tool.mypy] names what `python -m mypy` checks: the code and the tests alike.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert "tests" in config["packages"], config["packages"]
    assert config["strict"] is True and config["warn_unused_ignores"] is True
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # ... and it really found them: every module of those packages was a source (a folder
    # without an __init__.py counts too, so the count may be higher, never lower).
    found = re.search(r"no issues found in (\d+) source files", result.stdout)
    assert found is not None, result.stdout
    modules = sum(
        1
        for package in config["packages"]
        for path in (ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    )
    assert int(found[1]) >= modules, (found[1], modules)
