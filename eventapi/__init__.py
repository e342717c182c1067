"""Client for AWS AppSync Events (Event APIs): WebSocket subscribe/publish, HTTP publish.

Works against a deployed Event API (API key, IAM, Lambda/OIDC/Cognito tokens) and the offline
stub alike; nothing here assumes the stub.
"""

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
