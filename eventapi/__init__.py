"""Client for AWS AppSync Events (Event APIs): WebSocket subscribe/publish, HTTP publish.

Works against a deployed Event API (API key, IAM, Lambda/OIDC/Cognito tokens) and the offline
stub alike; nothing here assumes the stub.

The package loads lazily: the stub server imports only ``eventapi.protocol`` and
``eventapi.sigv4`` and never pays for the client's dependencies (httpx, tenacity, websockets).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eventapi.auth import (
        ApiKeyAuth,
        Auth,
        CognitoAuth,
        IamAuth,
        LambdaAuth,
        OidcAuth,
        TokenAuth,
    )
    from eventapi.client import ConnectionState, EventsClient, ReconnectPolicy
    from eventapi.endpoints import Endpoints, region_from_host, resolve_endpoints
    from eventapi.errors import (
        AuthError,
        BroadcastError,
        ClientClosedError,
        ConnectionFailedError,
        ConnectionLostError,
        ConnectionRefusedByServer,
        EventApiError,
        HttpPublishError,
        OperationTimeoutError,
        ProtocolError,
        PublishError,
        SubscribeError,
        UnsubscribeError,
    )
    from eventapi.http import HttpPublisher, publish_http
    from eventapi.payloads import FailedEvent, PublishedEvent, PublishResult, RawJson
    from eventapi.protocol import ErrorInfo
    from eventapi.subscription import Subscription

_EXPORTS: dict[str, str] = {
    "ApiKeyAuth": "eventapi.auth",
    "Auth": "eventapi.auth",
    "AuthError": "eventapi.errors",
    "BroadcastError": "eventapi.errors",
    "ClientClosedError": "eventapi.errors",
    "CognitoAuth": "eventapi.auth",
    "ConnectionFailedError": "eventapi.errors",
    "ConnectionLostError": "eventapi.errors",
    "ConnectionRefusedByServer": "eventapi.errors",
    "ConnectionState": "eventapi.client",
    "Endpoints": "eventapi.endpoints",
    "ErrorInfo": "eventapi.protocol",
    "EventApiError": "eventapi.errors",
    "EventsClient": "eventapi.client",
    "FailedEvent": "eventapi.payloads",
    "HttpPublishError": "eventapi.errors",
    "HttpPublisher": "eventapi.http",
    "IamAuth": "eventapi.auth",
    "LambdaAuth": "eventapi.auth",
    "OidcAuth": "eventapi.auth",
    "OperationTimeoutError": "eventapi.errors",
    "ProtocolError": "eventapi.errors",
    "PublishError": "eventapi.errors",
    "PublishResult": "eventapi.payloads",
    "PublishedEvent": "eventapi.payloads",
    "RawJson": "eventapi.payloads",
    "ReconnectPolicy": "eventapi.client",
    "SubscribeError": "eventapi.errors",
    "Subscription": "eventapi.subscription",
    "TokenAuth": "eventapi.auth",
    "UnsubscribeError": "eventapi.errors",
    "publish_http": "eventapi.http",
    "region_from_host": "eventapi.endpoints",
    "resolve_endpoints": "eventapi.endpoints",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'eventapi' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ApiKeyAuth",
    "Auth",
    "AuthError",
    "BroadcastError",
    "ClientClosedError",
    "CognitoAuth",
    "ConnectionFailedError",
    "ConnectionLostError",
    "ConnectionRefusedByServer",
    "ConnectionState",
    "Endpoints",
    "ErrorInfo",
    "EventApiError",
    "EventsClient",
    "FailedEvent",
    "HttpPublishError",
    "HttpPublisher",
    "IamAuth",
    "LambdaAuth",
    "OidcAuth",
    "OperationTimeoutError",
    "ProtocolError",
    "PublishError",
    "PublishResult",
    "PublishedEvent",
    "RawJson",
    "ReconnectPolicy",
    "SubscribeError",
    "Subscription",
    "TokenAuth",
    "UnsubscribeError",
    "publish_http",
    "region_from_host",
    "resolve_endpoints",
]
