"""The rules are stdlib-only and never read the clock (they run in the stub and in Lambda)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import quizwire

PKG = Path(quizwire.__file__).parent
# The rule modules (other files in the package belong to the CLI/client and may import more).
RULES = [
    "answers",
    "channels",
    "fields",
    "game",
    "importers",
    "leaderboard",
    "messages",
    "names",
    "players",
    "quiz",
    "refusals",
    "scoring",
    "snapshot",
    "state",
    "tally",
    "text",
    "packs/__init__",
]
RULE_MODULES = [PKG / f"{name}.py" for name in RULES]
CLOCK_CALLS = {
    ("time", "time"),
    ("time", "monotonic"),
    ("time", "time_ns"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("date", "today"),
    ("time", "perf_counter"),
}


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_rule_modules_exist() -> None:
    missing = [str(p) for p in RULE_MODULES if not p.is_file()]
    assert not missing


@pytest.mark.parametrize("path", RULE_MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_only_stdlib_and_quizwire_imports(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    foreign = {
        n
        for n in _imports(tree)
        if n not in sys.stdlib_module_names and n not in {"quizwire", "__future__"}
    }
    assert not foreign, f"{path.name} imports {foreign}"


@pytest.mark.parametrize("path", RULE_MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_no_clock_reads(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = _imports(tree)
    assert "time" not in imported and "datetime" not in imported, (
        f"{path.name} imports a clock module"
    )
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            value = node.func.value
            if isinstance(value, ast.Name):
                assert (value.id, node.func.attr) not in CLOCK_CALLS, f"{path.name} reads the clock"
