"""Events on the way out (encoding, the 5-event limit) and publish results on the way back.

An event is any JSON-serialisable value; it is sent as compact JSON text. To send text you have
already serialised, wrap it in :class:`RawJson` — a plain ``str`` is a JSON *string* event
(``"hi"`` is sent as ``"\\"hi\\""``), never re-interpreted as JSON text.

Values this module serialises have ``<``, ``>``, ``&``, U+2028 and U+2029 escaped as ``\\uXXXX``
inside their JSON strings. The value a subscriber parses is identical, but the text is then the
same whichever JSON library re-serialises it, which an IAM-signed WebSocket publish needs:
AppSync recomputes the signed body and a raw ``<`` or ``>`` makes the signature mismatch
(docs/appsync-events-protocol.md §2.3, aws-appsync-community#400). :class:`RawJson` text is sent untouched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from eventapi.protocol import MAX_EVENTS_PER_PUBLISH

_ESCAPES: Final = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


@dataclass(frozen=True, slots=True)
class RawJson:
    """An event that is already JSON text; sent as is (the server checks it is valid JSON)."""

    text: str


def encode_event(event: object) -> str:
    """One event as the JSON text that goes into the ``events`` array."""
    if isinstance(event, RawJson):
        return event.text
    text = json.dumps(event, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.translate(_ESCAPES)


def encode_events(events: Sequence[object]) -> list[str]:
    """Validate a publish's events (a non-empty list of at most 5) and encode them.

    Raises ``TypeError`` for a ``str``/``bytes``/mapping passed instead of a list, and
    ``ValueError`` for an empty list or more than 5 events (the AppSync limit) — before anything
    is sent.
    """
    if isinstance(events, str | bytes | bytearray | Mapping) or not isinstance(events, Sequence):
        raise TypeError("events must be a list of events, e.g. publish(channel, [event])")
    if not events:
        raise ValueError("a publish needs at least one event")
    if len(events) > MAX_EVENTS_PER_PUBLISH:
        raise ValueError(
            f"at most {MAX_EVENTS_PER_PUBLISH} events per publish (got {len(events)}); "
            "use publish_all() to send them in batches"
        )
    return [encode_event(event) for event in events]


def batches(events: Sequence[object], size: int = MAX_EVENTS_PER_PUBLISH) -> Iterable[list[object]]:
    for start in range(0, len(events), size):
        yield list(events[start : start + size])


@dataclass(frozen=True, slots=True)
class PublishedEvent:
    """An accepted event: ``index`` in the request, server-assigned ``identifier``."""

    identifier: str
    index: int


@dataclass(frozen=True, slots=True)
class FailedEvent:
    """An event the publish handler marked in error (docs/appsync-events-protocol.md §3.5); ``code`` may be a string
    (``"EventTooLargeException"``) or an integer."""

    identifier: str | None
    index: int
    code: str | int | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class PublishResult:
    successful: tuple[PublishedEvent, ...] = ()
    failed: tuple[FailedEvent, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no event failed."""
        return not self.failed

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> PublishResult:
        """From a ``publish_success`` frame or an HTTP 200 body; tolerant of missing fields."""
        successful: list[PublishedEvent] = []
        failed: list[FailedEvent] = []
        for item in _items(body.get("successful")):
            successful.append(PublishedEvent(str(item.get("identifier", "")), _index(item)))
        for item in _items(body.get("failed")):
            code = item.get("code")
            message = item.get("message")
            identifier = item.get("identifier")
            failed.append(
                FailedEvent(
                    str(identifier) if identifier is not None else None,
                    _index(item),
                    code if isinstance(code, str | int) and not isinstance(code, bool) else None,
                    str(message) if message is not None else None,
                )
            )
        return cls(tuple(successful), tuple(failed))

    def offset(self, by: int) -> PublishResult:
        """The same result with every index shifted (for results of later batches)."""
        return PublishResult(
            tuple(PublishedEvent(e.identifier, e.index + by) for e in self.successful),
            tuple(FailedEvent(e.identifier, e.index + by, e.code, e.message) for e in self.failed),
        )

    def __add__(self, other: PublishResult) -> PublishResult:
        return PublishResult(self.successful + other.successful, self.failed + other.failed)


def _items(raw: object) -> list[Mapping[str, Any]]:
    return [item for item in raw if isinstance(item, Mapping)] if isinstance(raw, list) else []


def _index(item: Mapping[str, Any]) -> int:
    index = item.get("index")
    return index if isinstance(index, int) and not isinstance(index, bool) else -1
