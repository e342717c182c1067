"""Which subscriptions match a channel: exact paths in one dict, wildcard prefixes in another.

A publish to ``/a/b/c`` looks up ``/a/b/c`` exactly and the wildcard prefixes ``/a/`` and
``/a/b/`` — O(segments), whatever the number of subscriptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eventapi.protocol import Channel

if TYPE_CHECKING:
    from backend_stub.connection import Connection


@dataclass(eq=False, slots=True)
class Subscription:
    sub_id: str
    channel: Channel
    connection: Connection
    identity: dict[str, Any] | None = None
    sub_id_bytes: bytes = field(init=False)

    def __post_init__(self) -> None:
        self.sub_id_bytes = self.sub_id.encode()


class Registry:
    def __init__(self) -> None:
        self._exact: dict[str, dict[Subscription, None]] = {}
        self._wildcard: dict[str, dict[Subscription, None]] = {}
        self.count = 0

    def add(self, sub: Subscription) -> None:
        table = self._wildcard if sub.channel.wildcard else self._exact
        table.setdefault(sub.channel.prefix, {})[sub] = None
        self.count += 1

    def remove(self, sub: Subscription) -> None:
        table = self._wildcard if sub.channel.wildcard else self._exact
        bucket = table.get(sub.channel.prefix)
        if bucket is not None and bucket.pop(sub, False) is None:
            self.count -= 1
            if not bucket:
                del table[sub.channel.prefix]

    def match(self, channel: Channel) -> list[Subscription]:
        found: list[Subscription] = list(self._exact.get(channel.path, ()))
        if self._wildcard:
            segments = channel.segments
            for depth in range(1, len(segments)):
                bucket = self._wildcard.get("/" + "/".join(segments[:depth]) + "/")
                if bucket:
                    found.extend(bucket)
        return found

    def channels(self) -> int:
        return len(self._exact) + len(self._wildcard)
