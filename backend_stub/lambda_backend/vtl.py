"""API Gateway's mapping templates (Velocity) for the local Lambda mode and the tests: airspeed
(a Python Velocity) with the parts of ``$input``, ``$util`` and ``$context`` API Gateway gives
a template, and Java's rendering of strings and booleans."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


class JStr(str):
    """A Java String as VTL sees it."""

    def toUpperCase(self) -> JStr:
        return JStr(self.upper())

    def replaceAll(self, regex: str, replacement: str) -> JStr:
        return JStr(re.sub(regex, replacement, self))


class JBool:
    """Java renders booleans as true/false."""

    def __init__(self, value: bool) -> None:
        self.value = value

    def __str__(self) -> str:
        return "true" if self.value else "false"


class Util:
    @staticmethod
    def escapeJavaScript(value: str) -> JStr:
        # API Gateway escapes quotes (single ones too), backslashes and control characters.
        out = value.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'")
        return JStr(out.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t"))


def java(value: Any) -> Any:
    """JSON (as parsed) -> what a template sees: Java strings and booleans, same nesting."""
    if isinstance(value, bool):
        return JBool(value)
    if isinstance(value, str):
        return JStr(value)
    if isinstance(value, Mapping):
        return {k: java(v) for k, v in value.items()}
    if isinstance(value, list):
        return [java(v) for v in value]
    return value


class Input:
    """``$input``: the method request's path parameters and the integration's response body."""

    def __init__(self, params: Mapping[str, str], body: Mapping[str, Any]) -> None:
        self._params = params
        self._body = java(body)

    def params(self, name: str) -> JStr:
        return JStr(self._params.get(name, ""))

    def path(self, expr: str) -> Any:
        node: Any = self._body
        for part in expr.removeprefix("$").split(".")[1:]:
            node = node.get(part) if isinstance(node, Mapping) else None
        return node


def render(
    source: str, params: Mapping[str, str], body: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The template's output and ``$context`` after it ran (``responseOverride`` et al.)."""
    import airspeed

    context: dict[str, Any] = {"responseOverride": {}}
    out = airspeed.Template(source).merge(
        {"input": Input(params, body), "util": Util(), "context": context}
    )
    return str(out), context


__all__ = ["Input", "JBool", "JStr", "Util", "java", "render"]
