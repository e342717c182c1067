"""Configuration of the offline Event API: keys, IAM credentials, namespaces and their auth."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Final

from backend_stub.budget import DeliveryBudget

DEFAULT_NAMESPACE_MODES: Final = ("limited", "open", "off")
AUTH_MODES: Final = (
    "API_KEY",
    "AWS_IAM",
    "AWS_LAMBDA",
    "OPENID_CONNECT",
    "AMAZON_COGNITO_USER_POOLS",
)

Handler = Callable[[dict[str, Any]], Any | Awaitable[Any]]
Authorizer = Callable[[dict[str, Any]], dict[str, Any] | Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class IamCredential:
    """An access key the stub issues and verifies SigV4 signatures against."""

    access_key_id: str
    secret_access_key: str
    account_id: str = "000000000000"
    user_name: str = "quizwire-presenter"
    #: set for temporary credentials (a role's): requests must then carry exactly this token;
    #: for long-term keys (what ``quizwire stub`` issues) any token is refused
    session_token: str | None = None

    @property
    def user_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:user/{self.user_name}"

    def __repr__(self) -> str:
        return f"IamCredential(access_key_id={self.access_key_id!r})"


@dataclass(frozen=True, slots=True)
class NamespaceConfig:
    """A channel namespace with its publish/subscribe auth modes and optional handlers.

    ``on_publish(ctx)`` returns the events to broadcast (``{"id", "payload"}``) or failures
    (``{"id", "error"}``); ``on_subscribe(ctx)`` returns normally to allow. Either may be async
    and may raise :class:`backend_stub.hooks.HandlerError` / ``Unauthorized``.
    """

    name: str
    publish_auth: tuple[str, ...] = ("API_KEY",)
    subscribe_auth: tuple[str, ...] = ("API_KEY",)
    on_publish: Handler | None = None
    on_subscribe: Handler | None = None
    #: what client publishes may deliver (None: no limit beyond the per-connection quota)
    budget: DeliveryBudget | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for mode in (*self.publish_auth, *self.subscribe_auth):
            if mode not in AUTH_MODES:
                raise ValueError(f"namespace {self.name}: unknown auth mode {mode!r}")

    @classmethod
    def parse(cls, spec: str) -> NamespaceConfig:
        """``NAME[:PUBLISH_MODES[:SUBSCRIBE_MODES]]``, modes comma-separated."""
        name, _, rest = spec.partition(":")
        publish, _, subscribe = rest.partition(":")
        pub = tuple(m.strip() for m in publish.split(",") if m.strip()) or ("API_KEY",)
        sub = tuple(m.strip() for m in subscribe.split(",") if m.strip()) or pub
        return cls(name.strip(), pub, sub)


@dataclass(frozen=True, slots=True)
class StubConfig:
    host: str = "127.0.0.1"
    port: int = 0
    api_keys: tuple[str, ...] = ()
    iam_credentials: tuple[IamCredential, ...] = ()
    region: str = "us-east-1"
    api_id: str = "quizwirelocalstub000000000"  # 26 word characters, like a real API id
    account_id: str = "000000000000"
    connection_auth: tuple[str, ...] = ("API_KEY", "AWS_IAM", "AWS_LAMBDA")
    namespaces: tuple[NamespaceConfig, ...] = ()
    keepalive_interval: float = 60.0
    connection_timeout_ms: int = 300_000
    max_message_bytes: int = 2 * 1024 * 1024
    # Bytes queued for one subscriber before it counts as a laggard and is dropped.
    write_buffer_limit: int = 4 * 1024 * 1024
    publish_rate_per_connection: float = 25.0  # WS publishes per second (AppSync's quota)
    # Frames of any kind read from one socket per second past a burst (0: unpaced).
    frame_rate_per_connection: float = 100.0
    frame_burst_per_connection: float = 400.0
    authorizer_cache_ttl: float = 300.0
    # How long a socket whose connect auth failed may wait for its first frame before the stub
    # sends connection_error and closes it anyway.
    refused_connection_grace: float = 10.0
    # Connection caps and timeouts against a client that hoards sockets (docs/stub-behaviour.md).
    max_connections_per_address: int = 500  # open TCP connections per source address; 0: none
    max_connections: int | None = None  # all together; None: the open-files limit minus a reserve
    http_idle_timeout: float = 10.0  # a connection without a whole request (or body) is closed
    init_timeout: float = 10.0  # a WebSocket that sends neither connection_init nor an operation
    # "limited": the default namespace on a delivery budget; "open": none; "off": not defined
    default_namespace: str = "limited"
    # other names clients reach the stub by (IAM signatures for them are accepted)
    public_hosts: tuple[str, ...] = ()
    fanout_chunk: int = 1000
    backlog: int = 4096
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False)

    def namespace_map(self) -> dict[str, NamespaceConfig]:
        spaces = {ns.name: ns for ns in self.namespaces}
        if self.default_namespace != "off" and "default" not in spaces:
            # Every new AppSync Event API has it; here it is on a delivery budget unless opened
            # up: every player holds the API key (docs/stub-behaviour.md).
            budget = DeliveryBudget() if self.default_namespace == "limited" else None
            spaces["default"] = NamespaceConfig("default", budget=budget)
        return spaces

    def secret_for(self, access_key_id: str) -> str | None:
        cred = self.credential(access_key_id)
        return None if cred is None else cred.secret_access_key

    def session_token_for(self, access_key_id: str) -> str | None:
        cred = self.credential(access_key_id)
        return None if cred is None else cred.session_token

    def credential(self, access_key_id: str) -> IamCredential | None:
        return next((c for c in self.iam_credentials if c.access_key_id == access_key_id), None)
