"""What namespace handlers see and may raise: the AppSync handler context (docs/appsync-events-protocol.md §8)."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from eventapi.protocol import Channel


class HandlerError(Exception):
    """``util.error(msg)``: reject the whole publish (WS ``publish_error``, HTTP 403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthorized(Exception):
    """``util.unauthorized()``: reject the operation as unauthorized."""


def build_context(
    *,
    operation: str,
    channel: Channel,
    identity: dict[str, Any] | None,
    headers: Mapping[str, str],
    events: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """The context object AppSync passes to handlers and direct-Lambda integrations (§8.1, §8.4)."""
    return {
        "identity": identity,
        "result": None,
        "request": {"headers": dict(headers), "domainName": None},
        "info": {
            "channel": {"path": channel.path, "segments": list(channel.segments)},
            "channelNamespace": {"name": channel.namespace},
            "operation": operation,
        },
        "error": None,
        "prev": None,
        "stash": {},
        "outErrors": [],
        "events": events,
    }


async def call(handler: Any, ctx: dict[str, Any]) -> Any:
    result = handler(ctx)
    if inspect.isawaitable(result):
        result = await result
    return result
