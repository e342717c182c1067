"""Who is calling: API keys, real SigV4 verification, and the Lambda-authorizer hook.

An operation is authenticated from its authorization object (or HTTP headers), then the mode it
used is checked against what the connection or namespace allows (docs/appsync-events-protocol.md §7).
"""

from __future__ import annotations

import inspect
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from backend_stub.config import Authorizer, StubConfig
from backend_stub.logs import LimitedLog, LogLimiter
from eventapi import sigv4
from eventapi.protocol import auth_lookup

log = logging.getLogger("quizwire.stub.auth")

_CACHE_MAX: Final = 50_000


class NotAuthenticated(Exception):
    """Credentials missing or invalid (HTTP 401; ``UnauthorizedException`` on the socket).

    ``bad_signature``: an IAM signature that does not verify, which the real service reports
    at connect time as a ``BadRequestException`` with the signature-mismatch text.
    """

    def __init__(self, message: str, *, bad_signature: bool = False) -> None:
        super().__init__(message)
        self.bad_signature = bad_signature


@dataclass(frozen=True, slots=True)
class Identity:
    mode: str
    handler_identity: dict[str, Any] | None  # what handlers see as ``ctx.identity``


class Authenticator:
    def __init__(self, config: StubConfig, authorizer: Authorizer | None) -> None:
        self._config = config
        self._authorizer = authorizer
        self._api_keys = frozenset(config.api_keys)
        #: the ``host[:port]`` names IAM signatures must be made for (None: not checked)
        self.expected_hosts: frozenset[str] | None = None
        self._log = LimitedLog(log, LogLimiter(rate=1.0, burst=3.0))
        # (token, operation, channel) -> (expires_at, identity | None); the channel is part of
        # the key because an authorizer may decide per channel.
        self._cache: dict[tuple[str, str, str | None], tuple[float, Identity | None]] = {}

    async def authenticate(
        self,
        auth: Mapping[str, Any],
        *,
        operation: str,
        namespace: str | None,
        channel: str | None,
        signed_body: str | bytes | Callable[[], str | bytes],
        method: str = "POST",
        path: str = "/event",
        query: str = "",
        source_ip: str | None = None,
    ) -> Identity:
        """An IAM signature must be made for one of :attr:`expected_hosts` (the stub's own
        names, set when it starts listening; never the request's Host header)."""
        api_key = auth_lookup(auth, "x-api-key")
        token = auth_lookup(auth, "authorization")
        if api_key is not None:
            if api_key in self._api_keys:
                return Identity("API_KEY", None)
            raise NotAuthenticated("unknown API key")
        if token is None:
            raise NotAuthenticated("no credentials")
        if token.startswith(sigv4.ALGORITHM):
            # the body is serialised only for a signature: a publish of five 240 KB events
            # under an API key or a player token never pays for it
            body = signed_body() if callable(signed_body) else signed_body
            return self._verify_iam(auth, body, method, path, query, source_ip)
        return await self._lambda(token, auth, operation, namespace, channel)

    def _verify_iam(
        self,
        auth: Mapping[str, Any],
        body: str | bytes,
        method: str,
        path: str,
        query: str,
        source_ip: str | None,
    ) -> Identity:
        headers = {k: v for k, v in auth.items() if isinstance(v, str)}
        try:
            signed_by = sigv4.verify(
                method=method,
                path=path,
                query=query,
                headers=headers,
                body=body,
                region=self._config.region,
                secret_for=self._config.secret_for,
                session_token_for=self._config.session_token_for,
                expected_hosts=self.expected_hosts,
            )
        except sigv4.SignatureError as exc:
            self._log.info(
                ("iam_refused", type(exc).__name__),
                "IAM signature refused",
                {"event": "iam_refused", "reason": str(exc)[:200], "remote": source_ip},
            )
            raise NotAuthenticated(
                str(exc), bad_signature=isinstance(exc, sigv4.SignatureMismatch)
            ) from exc
        cred = self._config.credential(signed_by.access_key_id)
        assert cred is not None  # verify() found its secret
        return Identity(
            "AWS_IAM",
            {
                "accountId": cred.account_id,
                "cognitoIdentityPoolId": None,
                "cognitoIdentityId": None,
                "sourceIp": [source_ip] if source_ip else [],
                "username": cred.user_name,
                "userArn": cred.user_arn,
                "cognitoIdentityAuthType": None,
                "cognitoIdentityAuthProvider": None,
            },
        )

    async def _lambda(
        self,
        token: str,
        auth: Mapping[str, Any],
        operation: str,
        namespace: str | None,
        channel: str | None,
    ) -> Identity:
        if self._authorizer is None:
            # The stub hosts no OIDC/Cognito issuer: a bearer token needs the Lambda authorizer.
            raise NotAuthenticated("no authorizer for token auth")
        key = (token, operation, channel)
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            if cached[1] is None:
                raise NotAuthenticated("authorizer denied (cached)")
            return cached[1]
        request = {
            "authorizationToken": token,
            "requestContext": {
                "apiId": self._config.api_id,
                "accountId": self._config.account_id,
                "requestId": str(uuid.uuid4()),
                "operation": operation,
                "channelNamespaceName": namespace,
                "channel": channel,
            },
            "requestHeaders": {
                k.lower(): v
                for k, v in auth.items()
                if isinstance(v, str) and k.lower() != "authorization"
            },
        }
        try:
            response = self._authorizer(request)
            if inspect.isawaitable(response):
                response = await response
        except Exception:  # a crashing authorizer denies, as a failed Lambda would
            self._log.exception("authorizer_failed", "Lambda authorizer raised; denying")
            raise NotAuthenticated("authorizer failed") from None
        allowed = isinstance(response, Mapping) and response.get("isAuthorized") is True
        identity = (
            Identity("AWS_LAMBDA", {"handlerContext": dict(response.get("handlerContext") or {})})
            if allowed
            else None
        )
        ttl = response.get("ttlOverride") if isinstance(response, Mapping) else None
        ttl_s = float(ttl) if isinstance(ttl, int | float) and not isinstance(ttl, bool) else None
        self._remember(
            key, identity, now + (ttl_s if ttl_s is not None else self._config.authorizer_cache_ttl)
        )
        if identity is None:
            raise NotAuthenticated("authorizer denied")
        return identity

    def _remember(
        self, key: tuple[str, str, str | None], identity: Identity | None, expires: float
    ) -> None:
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()  # simple bound; authorizers are cheap to re-ask
        self._cache[key] = (expires, identity)

    def forget(self, predicate: Callable[[str], bool]) -> None:
        """Drop every cached authorizer decision, allow or deny, on a token ``predicate`` picks
        (a kicked or readmitted player's)."""
        for key in [key for key in self._cache if predicate(key[0])]:
            del self._cache[key]
