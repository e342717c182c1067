"""Import boundaries (docs/architecture.md) and lint/type checks, enforced as tests."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEADLESS_PACKAGES = ("quizwire", "eventapi", "backend_stub")


@pytest.mark.parametrize("package", HEADLESS_PACKAGES)
def test_headless_packages_never_import_textual_or_rich(package: str) -> None:
    # Import every module of the package in a fresh interpreter where textual and rich cannot
    # be imported at all: any module of ours that needs them fails. (Libraries that merely
    # *try* them -- httpx's optional CLI does when click is installed -- carry on without.)
    code = f"""
import importlib, importlib.abc, pkgutil, sys

class NoTui(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("textual", "rich"):
            raise ImportError(f"{{name}} is off limits here")
        return None

sys.meta_path.insert(0, NoTui())
import {package} as pkg
skip = {{"quizwire.cli", "quizwire.__main__"}}
for info in pkgutil.walk_packages(pkg.__path__, prefix="{package}."):
    if info.name not in skip:
        importlib.import_module(info.name)
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich"))
print(",".join(bad))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "", f"{package} pulled in {result.stdout.strip()}"


def test_cli_help_does_not_import_the_tui() -> None:
    code = "import sys; from quizwire.cli import build_parser; build_parser(); print(any(m.startswith('textual') for m in sys.modules))"
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
