"""SigV4 for AppSync Events, both ways: sign (client) and verify (stub server), via botocore.

The realtime endpoint signs a *virtual* ``POST https://<http-host>/event`` whose body depends on
the operation (docs/appsync-events-protocol.md §2.3); HTTP publishes sign the real request. Verification rebuilds the
canonical request from the headers the client says it signed and compares signatures in
constant time, so the stub checks IAM requests for real instead of trusting them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials

SERVICE: Final = "appsync"
ALGORITHM: Final = "AWS4-HMAC-SHA256"
AMZ_DATE_FORMAT: Final = "%Y%m%dT%H%M%SZ"
MAX_CLOCK_SKEW: Final = timedelta(minutes=15)  # what AWS services tolerate

# The headers every AWS client signs for a realtime operation (docs/appsync-events-protocol.md §2.2, IAM example).
REALTIME_BASE_HEADERS: Final[Mapping[str, str]] = {
    "accept": "application/json, text/javascript",
    "content-encoding": "amz-1.0",
    "content-type": "application/json; charset=UTF-8",
}


def sign(
    credentials: ReadOnlyCredentials | Credentials,
    region: str,
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: str | bytes,
    service: str = SERVICE,
) -> dict[str, str]:
    """Return ``headers`` plus ``X-Amz-Date``, ``Authorization`` (and the session token).

    ``service`` is ``appsync`` for the Event API, ``execute-api`` for API Gateway routes."""
    if isinstance(credentials, ReadOnlyCredentials):
        access_key, secret_key = credentials.access_key, credentials.secret_key
        if not access_key or not secret_key:
            raise ValueError("AWS credentials without an access key or a secret key")
        credentials = Credentials(access_key, secret_key, credentials.token)
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    SigV4Auth(credentials, service, region).add_auth(request)
    return {name: str(value) for name, value in request.headers.items()}


def sign_realtime(
    credentials: ReadOnlyCredentials | Credentials, region: str, host: str, body: str
) -> dict[str, str]:
    """The ``authorization`` object of an IAM realtime operation (connect/subscribe/publish)."""
    headers = {**REALTIME_BASE_HEADERS, "host": host}
    return sign(
        credentials, region, method="POST", url=f"https://{host}/event", headers=headers, body=body
    )


class SignatureError(Exception):
    """Why a SigV4 request was refused; ``message`` is safe to send back to the caller."""


SIGNATURE_MISMATCH: Final = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


class SignatureMismatch(SignatureError):
    """Everything was in order but the signature itself (wrong secret, or a tampered request)."""


@dataclass(frozen=True, slots=True)
class SignedBy:
    access_key_id: str
    region: str
    session_token: str | None


def _lookup(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def _parse_authorization(value: str) -> tuple[str, str, str, str, list[str], str]:
    if not value.startswith(ALGORITHM + " "):
        raise SignatureError("Authorization header is not AWS4-HMAC-SHA256")
    fields: dict[str, str] = {}
    for part in value[len(ALGORITHM) + 1 :].split(","):
        key, sep, val = part.strip().partition("=")
        if sep:
            fields[key] = val
    try:
        access_key, date, region, service, terminator = fields["Credential"].split("/")
        signed = fields["SignedHeaders"].split(";")
        signature = fields["Signature"]
    except (KeyError, ValueError) as exc:
        raise SignatureError("Authorization header is malformed") from exc
    if terminator != "aws4_request":
        raise SignatureError("Credential scope must end in aws4_request")
    return access_key, date, region, service, signed, signature


def verify(
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: str | bytes,
    region: str,
    secret_for: Callable[[str], str | None],
    now: datetime | None = None,
    service: str = SERVICE,
    expected_hosts: Collection[str] | None = None,
    session_token_for: Callable[[str], str | None] | None = None,
) -> SignedBy:
    """Check a SigV4 signature over a request; raise :class:`SignatureError` if it is not valid.

    ``expected_hosts`` are the names (lower case, ``host[:port]``) this API answers to, from its
    own configuration, never from the request: a signature made for another host (another API)
    is refused even if it is otherwise valid. The payload hash is computed from ``body`` here;
    a client's ``X-Amz-Content-SHA256`` is only ever compared with it, never trusted, so a body
    cannot be swapped under a valid signature. ``session_token_for`` gives
    the token issued with an access key (None for a long-term key): the request must carry
    exactly that one.
    """
    authorization = _lookup(headers, "authorization")
    amz_date = _lookup(headers, "x-amz-date")
    if not authorization or not amz_date:
        raise SignatureError("Missing Authorization or X-Amz-Date")
    access_key, scope_date, scope_region, scope_service, signed_headers, signature = (
        _parse_authorization(authorization)
    )
    try:
        stamp = datetime.strptime(amz_date, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError as exc:
        raise SignatureError("X-Amz-Date is not in YYYYMMDD'T'HHMMSS'Z' format") from exc
    if abs((now or datetime.now(UTC)) - stamp) > MAX_CLOCK_SKEW:
        raise SignatureError("Signature expired: X-Amz-Date is too far from the server's time")
    if scope_date != amz_date[:8] or scope_service != service or scope_region != region:
        raise SignatureError("Credential scope does not match this API")
    if "host" not in signed_headers:
        raise SignatureError("The host header must be signed")
    secret = secret_for(access_key)
    if secret is None:
        raise SignatureError("The security token included in the request is invalid")
    signed: dict[str, str] = {}
    for name in signed_headers:
        value = _lookup(headers, name)
        if value is None:
            raise SignatureError(f"Signed header {name} is missing")
        signed[name] = value
    host = signed["host"]
    if expected_hosts is not None and host.strip().lower() not in expected_hosts:
        raise SignatureError(f"The signed host {host[:100]!r} is not this API's host")
    payload_hash = hashlib.sha256(body.encode() if isinstance(body, str) else body).hexdigest()
    for name in list(signed):
        if name.lower() == "x-amz-content-sha256":
            if not hmac.compare_digest(signed[name].strip().lower(), payload_hash):
                raise SignatureMismatch(SIGNATURE_MISMATCH)
            signed[name] = payload_hash
    claimed = _lookup(headers, "x-amz-content-sha256")
    if claimed is not None and not hmac.compare_digest(claimed.strip().lower(), payload_hash):
        raise SignatureMismatch(SIGNATURE_MISMATCH)
    url = f"https://{host}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body, headers=signed)
    request.context["timestamp"] = amz_date
    token = _lookup(headers, "x-amz-security-token")
    signer = SigV4Auth(Credentials(access_key, secret, token), service, region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, signature):
        raise SignatureMismatch(SIGNATURE_MISMATCH)
    if session_token_for is not None and not session_token_matches(
        token, session_token_for(access_key)
    ):
        raise SignatureError("The security token included in the request is invalid")
    return SignedBy(access_key, region, token)


def session_token_matches(sent: str | None, issued: str | None) -> bool:
    """A request's ``X-Amz-Security-Token`` against the credential's: both absent (long-term
    keys) or equal (temporary ones)."""
    if sent is None or issued is None:
        return sent is None and issued is None
    return hmac.compare_digest(sent.encode(), issued.encode())
