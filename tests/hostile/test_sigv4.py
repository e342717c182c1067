"""The stub verifies SigV4 for real: the payload hash is its own, and the host a request was
signed for must be one of the stub's own names -- never what the request says about itself."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.conformance.conftest import launch
from tests.conformance.wire import IAM_BASE_HEADERS, Endpoint, unique_channel


@pytest.fixture
def iam_stub(tmp_path: Path) -> Iterator[Endpoint]:
    yield from launch(tmp_path, "--namespace", "secure:AWS_IAM:AWS_IAM")


def _signed(
    ep: Endpoint, url: str, body: bytes, *, host: str, service: str, extra: dict[str, str]
) -> dict[str, str]:
    request = AWSRequest(
        method="POST", url=url, data=body, headers={**IAM_BASE_HEADERS, "host": host, **extra}
    )
    SigV4Auth(Credentials(ep.access_key_id, ep.secret_access_key), service, ep.region).add_auth(
        request
    )
    return dict(request.headers.items())


def _publish_body(channel: str, event: dict[str, object]) -> bytes:
    return json.dumps({"channel": channel, "events": [json.dumps(event)]}).encode()


async def test_a_body_swapped_under_a_signed_payload_hash_is_refused(
    iam_stub: Endpoint, http: httpx.AsyncClient
) -> None:
    """A request that signs ``X-Amz-Content-SHA256`` (as S3-style clients do) names its body by
    hash; sending another body with the same headers must not verify."""
    channel = unique_channel("secure")
    genuine = _publish_body(channel, {"amount": 1})
    headers = _signed(
        iam_stub,
        iam_stub.http,
        genuine,
        host=iam_stub.host,
        service="appsync",
        extra={"X-Amz-Content-SHA256": hashlib.sha256(genuine).hexdigest()},
    )
    sent = {k: v for k, v in headers.items() if k.lower() != "host"}
    assert (await http.post(iam_stub.http, content=genuine, headers=sent)).status_code == 200
    swapped = _publish_body(channel, {"amount": 1_000_000})
    refused = await http.post(iam_stub.http, content=swapped, headers=sent)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["errorType"] == "UnauthorizedException"


async def test_a_signature_for_another_host_is_refused_whatever_host_header_comes_with_it(
    iam_stub: Endpoint, http: httpx.AsyncClient
) -> None:
    """Signed for ``other-api.example``: sending ``Host: other-api.example`` along with it
    used to pass, since the expected host was taken from the request itself."""
    channel = unique_channel("secure")
    body = _publish_body(channel, {"n": 1})
    foreign = "other-api.example"
    headers = _signed(
        iam_stub, f"https://{foreign}/event", body, host=foreign, service="appsync", extra={}
    )
    response = await http.post(iam_stub.http, content=body, headers=headers)
    assert response.status_code == 401

    game_api = iam_stub.http.rsplit("/event", 1)[0]
    create = json.dumps({"pack": "general"}).encode()
    admin = _signed(
        iam_stub,
        f"https://{foreign}/admin/games",
        create,
        host=foreign,
        service="execute-api",
        extra={},
    )
    answer = await http.post(f"{game_api}/admin/games", content=create, headers=admin)
    assert answer.status_code == 401


async def test_the_stubs_own_names_are_accepted(
    iam_stub: Endpoint, http: httpx.AsyncClient
) -> None:
    """``localhost`` and the listen address both name the stub: a signature for either passes."""
    port = iam_stub.host.rpartition(":")[2]
    for host in (iam_stub.host, f"localhost:{port}"):
        channel = unique_channel("secure")
        body = _publish_body(channel, {"n": 1})
        headers = _signed(
            iam_stub, f"https://{host}/event", body, host=host, service="appsync", extra={}
        )
        response = await http.post(iam_stub.http, content=body, headers=headers)
        assert response.status_code == 200, (host, response.text)
