"""Authorization objects for the modes an Event API accepts (docs/appsync-events-protocol.md §2.2).

Each one produces the ``authorization`` object of a realtime operation (and of the connection's
``header-`` subprotocol) for a given body, and the headers of an HTTP publish.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from botocore.credentials import Credentials, ReadOnlyCredentials

from eventapi import sigv4
from eventapi.protocol import CONNECT_SIGNED_BODY


@runtime_checkable
class Auth(Protocol):
    @property
    def mode(self) -> str:
        """The AppSync auth mode (``API_KEY``, ``AWS_IAM``…); read-only so frozen classes fit."""
        ...

    def realtime(self, host: str, body: str = CONNECT_SIGNED_BODY) -> dict[str, str]:
        """The ``authorization`` object for an operation whose signed body is ``body``."""

    def http(self, url: str, host: str, body: bytes) -> dict[str, str]:
        """Headers for ``POST url`` with ``body``."""


@dataclass(frozen=True, slots=True)
class ApiKeyAuth:
    api_key: str
    mode: str = "API_KEY"

    def realtime(self, host: str, body: str = CONNECT_SIGNED_BODY) -> dict[str, str]:
        return {"host": host, "x-api-key": self.api_key}

    def http(self, url: str, host: str, body: bytes) -> dict[str, str]:
        return {"content-type": "application/json", "x-api-key": self.api_key}

    def __repr__(self) -> str:  # keys stay out of logs and tracebacks
        return f"ApiKeyAuth(api_key='{self.api_key[:6]}…')"


@dataclass(frozen=True, slots=True)
class TokenAuth:
    """``AWS_LAMBDA``, ``OPENID_CONNECT`` and ``AMAZON_COGNITO_USER_POOLS``: a token in
    ``Authorization`` (a JWT for the latter two, anything the authorizer accepts for Lambda)."""

    token: str
    mode: str = "AWS_LAMBDA"

    def realtime(self, host: str, body: str = CONNECT_SIGNED_BODY) -> dict[str, str]:
        return {"Authorization": self.token, "host": host}

    def http(self, url: str, host: str, body: bytes) -> dict[str, str]:
        return {"Authorization": self.token, "content-type": "application/json"}

    def __repr__(self) -> str:
        return f"TokenAuth(mode={self.mode!r})"


def LambdaAuth(token: str) -> TokenAuth:
    return TokenAuth(token, "AWS_LAMBDA")


def OidcAuth(token: str) -> TokenAuth:
    return TokenAuth(token, "OPENID_CONNECT")


def CognitoAuth(token: str) -> TokenAuth:
    return TokenAuth(token, "AMAZON_COGNITO_USER_POOLS")


@dataclass(slots=True)
class IamAuth:
    """SigV4 with credentials given explicitly or found by botocore's standard chain."""

    region: str
    credentials: Credentials | None = None
    mode: str = field(default="AWS_IAM")

    @classmethod
    def from_keys(
        cls, region: str, access_key_id: str, secret_access_key: str, token: str | None = None
    ) -> IamAuth:
        return cls(region, Credentials(access_key_id, secret_access_key, token))

    @classmethod
    def from_environment(cls, region: str, profile: str | None = None) -> IamAuth:
        """Credentials from the standard AWS chain (env, shared files, SSO, instance role)."""
        import botocore.session

        session = botocore.session.Session(profile=profile)
        credentials = session.get_credentials()
        if credentials is None:
            raise LookupError("No AWS credentials found in the standard credential chain")
        return cls(region, credentials)

    def frozen(self) -> ReadOnlyCredentials:
        """The current credentials (refreshable ones rotate; freeze once per signature)."""
        return self._frozen()

    def _frozen(self) -> ReadOnlyCredentials:
        if self.credentials is None:
            raise LookupError("IamAuth has no credentials")
        # Refreshable credentials rotate; freeze once per signature.
        frozen: ReadOnlyCredentials = self.credentials.get_frozen_credentials()
        return frozen

    def realtime(self, host: str, body: str = CONNECT_SIGNED_BODY) -> dict[str, str]:
        return sigv4.sign_realtime(self._frozen(), self.region, host, body)

    def http(self, url: str, host: str, body: bytes) -> dict[str, str]:
        headers = {"content-type": "application/json", "host": host}
        return sigv4.sign(
            self._frozen(), self.region, method="POST", url=url, headers=headers, body=body
        )

    def __repr__(self) -> str:
        return f"IamAuth(region={self.region!r})"


def describe(auth: Mapping[str, str]) -> str:
    """A log-safe summary of an authorization object (never the secret parts)."""
    keys = sorted(k.lower() for k in auth)
    return "auth(" + ",".join(keys) + ")"
