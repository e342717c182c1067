"""The rules never read the clock (they run in the stub and in Lambda); that they import only\nthe standard library is an import contract (tests/test_hygiene.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import quizwire

PKG = Path(quizwire.__file__).parent
# Everything in the package is a rule module except these, which exist to do I/O: the network
# client, the wall clock itself, the profile and join-point files and the module entry point. What the rule
# modules may import is declared in pyproject.toml [tool.importlinter] (stdlib only).
NOT_RULES = {
    "client",
    "clock.py",
    "profiles.py",
    "profiles_stack.py",
    "join_points.py",
    "__main__.py",
}
RULE_MODULES = sorted(
    path for path in PKG.rglob("*.py") if path.relative_to(PKG).parts[0] not in NOT_RULES
)
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


def test_the_rules_are_most_of_the_package() -> None:
    names = {str(p.relative_to(PKG)) for p in RULE_MODULES}
    assert {"game.py", "scoring.py", "answers.py", "messages.py", "packs/__init__.py"} <= names
    assert not any(name.startswith("client") for name in names)


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
