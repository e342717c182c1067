"""Strict readers for untrusted JSON objects; every failure is a :class:`MessageError`.

Used by :mod:`quizwire.messages`. Integers must be JSON integers (not booleans, not floats);
strings are length-checked and, where they are shown to people, refused if they contain control
or invisible characters (see :mod:`quizwire.text`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from quizwire.text import describe_char, unsafe_char

__all__ = [
    "MAX_SAFE_INT",
    "MessageError",
    "decode_object",
    "opt_bool",
    "opt_int",
    "opt_str",
    "req_bool",
    "req_int",
    "req_list",
    "req_object",
    "req_str",
]

MAX_SAFE_INT = 2**53 - 1  # largest integer a JavaScript client can hold exactly


class MessageError(ValueError):
    """An incoming message is malformed, oversized or of the wrong type. Safe to show."""


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number with a fraction"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _reject_constant(name: str) -> Any:
    raise MessageError(f"{name} is not valid JSON")


# made once (json.dumps with options builds an encoder per call): measures decoded payloads
_SIZE_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def decode_object(raw: object, *, max_bytes: int, what: str = "message") -> Mapping[str, Any]:
    """Decode ``raw`` (JSON text, UTF-8 bytes, or an already-decoded object) into a dict.

    Refuses payloads over ``max_bytes`` (UTF-8), invalid JSON, NaN/Infinity, deep nesting and
    anything but a JSON object.
    """
    if isinstance(raw, bytes | bytearray | memoryview):
        data = bytes(raw)
        if len(data) > max_bytes:
            raise MessageError(f"{what} is too large ({len(data)} bytes, max {max_bytes})")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MessageError(f"{what} is not valid UTF-8") from exc
    elif isinstance(raw, str):
        text = raw
        if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
            size = len(text.encode("utf-8", "surrogatepass"))
            raise MessageError(f"{what} is too large ({size} bytes, max {max_bytes})")
    elif isinstance(raw, Mapping):
        try:
            size = len(_SIZE_ENCODER.encode(raw).encode("utf-8", "surrogatepass"))
        except (TypeError, ValueError, RecursionError) as exc:
            raise MessageError(f"{what} is not a JSON object") from exc
        if size > max_bytes:
            raise MessageError(f"{what} is too large ({size} bytes, max {max_bytes})")
        return raw
    else:
        raise MessageError(f"{what} must be a JSON object, got {_type_name(raw)}")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except MessageError:
        raise
    except (ValueError, RecursionError) as exc:
        raise MessageError(f"{what} is not valid JSON") from exc
    if not isinstance(value, dict):
        raise MessageError(f"{what} must be a JSON object, got {_type_name(value)}")
    return value


def req_object(data: Mapping[str, Any], key: str, where: str = "") -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise MessageError(f"{where}{key} must be an object, got {_type_name(value)}")
    return value


def req_str(
    data: Mapping[str, Any],
    key: str,
    *,
    max_len: int,
    where: str = "",
    min_len: int = 1,
    shown: bool = True,
) -> str:
    """A string of ``min_len``-``max_len`` characters; if ``shown``, no control characters."""
    value = data.get(key)
    return check_str(value, f"{where}{key}", max_len=max_len, min_len=min_len, shown=shown)


def check_str(
    value: object, name: str, *, max_len: int, min_len: int = 1, shown: bool = True
) -> str:
    if not isinstance(value, str):
        raise MessageError(f"{name} must be a string, got {_type_name(value)}")
    if len(value) < min_len:
        raise MessageError(f"{name} must not be empty")
    if len(value) > max_len:
        raise MessageError(f"{name} is too long ({len(value)} characters, max {max_len})")
    if shown:
        bad = unsafe_char(value)
        if bad is not None:
            raise MessageError(
                f"{name} contains a control or invisible character {describe_char(bad)}"
            )
    return value


def opt_str(
    data: Mapping[str, Any], key: str, *, max_len: int, where: str = "", shown: bool = True
) -> str | None:
    if data.get(key) is None:
        return None
    return req_str(data, key, max_len=max_len, where=where, shown=shown)


def check_int(value: object, name: str, *, lo: int = 0, hi: int = MAX_SAFE_INT) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MessageError(f"{name} must be an integer, got {_type_name(value)}")
    if not lo <= value <= hi:
        raise MessageError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def req_int(
    data: Mapping[str, Any], key: str, *, lo: int = 0, hi: int = MAX_SAFE_INT, where: str = ""
) -> int:
    return check_int(data.get(key), f"{where}{key}", lo=lo, hi=hi)


def opt_int(
    data: Mapping[str, Any], key: str, *, lo: int = 0, hi: int = MAX_SAFE_INT, where: str = ""
) -> int | None:
    if data.get(key) is None:
        return None
    return req_int(data, key, lo=lo, hi=hi, where=where)


def req_bool(data: Mapping[str, Any], key: str, where: str = "") -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise MessageError(f"{where}{key} must be true or false, got {_type_name(value)}")
    return value


def opt_bool(data: Mapping[str, Any], key: str, where: str = "") -> bool | None:
    if data.get(key) is None:
        return None
    return req_bool(data, key, where)


def req_list(
    data: Mapping[str, Any], key: str, *, min_items: int = 0, max_items: int, where: str = ""
) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise MessageError(f"{where}{key} must be a list, got {_type_name(value)}")
    if not min_items <= len(value) <= max_items:
        raise MessageError(
            f"{where}{key} must have {min_items}-{max_items} items, got {len(value)}"
        )
    return value
