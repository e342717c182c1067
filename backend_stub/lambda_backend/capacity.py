"""DynamoDB's capacity arithmetic, read off a request (the JSON body, which is also a boto3
client's keyword arguments): which partition keys an operation writes or reads and how many
units it costs, and a per-key meter that says when a key goes over DynamoDB's per-partition
limits (1,000 write units and 3,000 read units a second)."""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

WRITE_UNITS_PER_S = 1000
READ_UNITS_PER_S = 3000
_KEY_CONDITION = re.compile(r"#?(\w+)\s*=\s*(:\w+)")


def value_size(value: Mapping[str, Any]) -> int:
    """Bytes of one AttributeValue, as DynamoDB sizes it (close enough for capacity)."""
    (kind, inner), *_ = value.items()
    if kind in ("S", "B"):
        return len(str(inner).encode())
    if kind == "N":
        return len(str(inner)) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) for k, v in inner.items())
    if kind == "L":
        return 3 + sum(value_size(v) for v in inner)
    return sum(len(str(v).encode()) for v in inner)  # sets


def item_size(item: Mapping[str, Any]) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def _pk(key: Mapping[str, Any], attribute: str = "pk") -> str:
    value = key.get(attribute) or {}
    return str(value.get("S", value.get("N", "")))


def _units(size: int, unit: int) -> int:
    return max(1, math.ceil(size / unit))


def write_units(operation: str, request: Mapping[str, Any]) -> Iterator[tuple[str, int]]:
    """``(partition key, write units)`` of a write request; transactions count double."""
    if operation == "PutItem":
        yield _pk(request["Item"]), _units(item_size(request["Item"]), 1024)
    elif operation in ("UpdateItem", "DeleteItem"):
        values = request.get("ExpressionAttributeValues") or {}
        yield _pk(request["Key"]), _units(item_size(values), 1024)
    elif operation == "BatchWriteItem":
        for requests in (request.get("RequestItems") or {}).values():
            for r in requests:
                if "PutRequest" in r:
                    item = r["PutRequest"]["Item"]
                    yield _pk(item), _units(item_size(item), 1024)
                elif "DeleteRequest" in r:
                    yield _pk(r["DeleteRequest"]["Key"]), 1
    elif operation == "TransactWriteItems":
        for entry in request.get("TransactItems") or []:
            (kind, op), *_ = entry.items()
            if kind == "Put":
                yield _pk(op["Item"]), 2 * _units(item_size(op["Item"]), 1024)
            else:
                values = op.get("ExpressionAttributeValues") or {}
                yield _pk(op["Key"]), 2 * _units(item_size(values), 1024)


def read_key(operation: str, request: Mapping[str, Any]) -> str | None:
    """The partition a read targets (``index:value`` for an index query), if one."""
    if operation == "GetItem":
        return _pk(request["Key"])
    if operation == "Query":
        match = _KEY_CONDITION.search(str(request.get("KeyConditionExpression", "")))
        if not match:
            return None
        values = request.get("ExpressionAttributeValues") or {}
        value = _pk({"v": values.get(match[2]) or {}}, "v")
        index = request.get("IndexName")
        return f"{index}:{value}" if index else value
    return None


def read_units(request: Mapping[str, Any], response: Mapping[str, Any]) -> int:
    """Read units of a GetItem or Query from what it returned (4 KB units, half if eventual)."""
    items = [response["Item"]] if "Item" in response else list(response.get("Items") or [])
    units = _units(sum(item_size(i) for i in items), 4096)
    return units if request.get("ConsistentRead") else max(1, units // 2)


class PartitionMeter:
    """Units per partition key in the current one-second window; ``take`` says whether a key
    may have more this second (DynamoDB throttles a key over its limit, whatever the table)."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._second = -1
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()
        self.throttled = 0
        self.peak: dict[str, int] = {}  # the most units any second gave each key

    def over(self, units: Mapping[str, int]) -> set[str]:
        """The keys these units would take past the limit this second (nothing charged)."""
        with self._lock:
            used = self._used if int(self._clock()) == self._second else {}
            return {k for k, u in units.items() if used.get(k, 0) + u > self.limit}

    def take(self, units: Mapping[str, int]) -> bool:
        """Charge every key its units, all or nothing; False (nothing charged) if one would
        pass the limit this second."""
        with self._lock:
            second = int(self._clock())
            if second != self._second:
                self._second, self._used = second, {}
            if any(self._used.get(k, 0) + u > self.limit for k, u in units.items()):
                self.throttled += 1
                return False
            for key, u in units.items():
                used = self._used[key] = self._used.get(key, 0) + u
                if used > self.peak.get(key, 0):
                    self.peak[key] = used
            return True


def merge(pairs: Iterator[tuple[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for key, units in pairs:
        total[key] = total.get(key, 0) + units
    return total
