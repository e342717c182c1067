"""Handler tests: DynamoDB is moto (``mock_aws``); every publish goes over real HTTP, SigV4-signed
with the "function role" credentials, to a real local Event API (the stub's EventApiServer),
where an API-key WebSocket client records what players would receive."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")
pytest.importorskip("aws_lambda_powertools")

from backend.dynamo_store import DynamoStore, create_table  # noqa: E402
from backend_stub.config import IamCredential, NamespaceConfig, StubConfig  # noqa: E402
from backend_stub.server import EventApiServer  # noqa: E402
from eventapi import ApiKeyAuth, EventsClient, ReconnectPolicy  # noqa: E402
from eventapi.subscription import Subscription  # noqa: E402

API_KEY = "da2-" + "b" * 26
KEY_ID = "AKIDLAMBDAROLE000000"
SECRET = "lambda-role-secret-000000000000000000000"
TABLE = "quizwire-test"
REGION = "us-east-1"
SESSION_TOKEN = "role-session-token"  # a role's credentials are temporary
ACCOUNT = "123456789012"  # moto's
WAIT_S = 5.0


class FakeContext:
    function_name = "quizwire-test"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:quizwire-test"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/quizwire-test"
    log_stream_name = "test"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def template_publish_modes() -> dict[str, tuple[str, ...]]:
    """Each namespace's publish auth modes, read from backend/template.yaml itself."""
    from cfnlint.decode import cfn_yaml

    template = cfn_yaml.load(str(Path(__file__).resolve().parents[2] / "backend/template.yaml"))
    return {
        r["Properties"]["Name"]: tuple(m["AuthType"] for m in r["Properties"]["PublishAuthModes"])
        for r in template["Resources"].values()
        if r["Type"] == "AWS::AppSync::ChannelNamespace"
    }


def event_api_config() -> StubConfig:
    """The deployed namespaces' publish side, exactly as the template sets it; subscribing with
    the API key everywhere so the test can watch every channel."""
    return StubConfig(
        host="127.0.0.1",
        port=0,
        api_keys=(API_KEY,),
        iam_credentials=(IamCredential(KEY_ID, SECRET, session_token=SESSION_TOKEN),),
        region=REGION,
        namespaces=tuple(
            NamespaceConfig(name, modes, ("API_KEY",))
            for name, modes in template_publish_modes().items()
            if name != "default"
        ),
    )


@dataclass
class Watch:
    """Every message received on one subscription, in order."""

    sub: Subscription
    got: list[Any] = field(default_factory=list)

    async def next(self) -> Any:
        async with asyncio.timeout(WAIT_S):
            message = await anext(self.sub)
        self.got.append(message)
        return message

    async def until(self, kind: str) -> Any:
        while True:
            message = await self.next()
            if isinstance(message, dict) and message.get("type") == kind:
                return message

    async def nothing(self, seconds: float = 0.3) -> None:
        """Nothing more arrives (a short wait for a message that must not come)."""
        try:
            async with asyncio.timeout(seconds):
                extra = await anext(self.sub)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected message {extra!r}")


@dataclass
class Env:
    server: EventApiServer
    client: EventsClient
    store: DynamoStore
    dynamodb: Any
    _shard_iterators: dict[str, str] = field(default_factory=dict)

    async def watch(self, channel: str) -> Watch:
        return Watch(await self.client.subscribe(channel))

    def stream_event(self) -> dict[str, Any]:
        """The table's new stream records since the last call, as Lambda gets them.

        Read from moto's DynamoDB Streams backend directly: its HTTP front answers
        DescribeStream with 404 in moto 5.2.5, the records themselves are moto's."""
        from moto.dynamodbstreams.models import dynamodbstreams_backends

        streams = dynamodbstreams_backends[ACCOUNT][REGION]
        arn = self.dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
        records: list[dict[str, Any]] = []
        for shard in streams.describe_stream(arn)["Shards"]:
            sid = shard["ShardId"]
            iterator = self._shard_iterators.get(sid) or (
                streams.get_shard_iterator(arn, sid, "TRIM_HORIZON", None).arn
            )
            page = streams.get_records(iterator, 1000)
            self._shard_iterators[sid] = page["NextShardIterator"]
            for r in page["Records"]:
                r = json.loads(json.dumps(r, default=str))
                r["eventSourceARN"] = arn
                records.append(r)
        return {"Records": records}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "DEADLINE_STATE_MACHINE_ARN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "quizwire-test")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "QuizwireTest")
    # moto copies a whole table per transaction; the local Lambda mode's O(items) version
    from moto.dynamodb.models import DynamoDBBackend

    from backend_stub.lambda_backend.dynamodb import transact_write_items

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", transact_write_items)
    with moto.mock_aws():
        # The function role's temporary credentials (after moto installed its own): the
        # publisher finds them in the standard chain, the local Event API verifies them.
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
        client = boto3.client("dynamodb", region_name=REGION)
        create_table(client, TABLE)
        yield client


@pytest.fixture
async def env(aws: Any, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Env]:
    from backend.functions import lambda_env

    async with EventApiServer(event_api_config()) as server:
        monkeypatch.setenv("EVENT_API_HTTP", server.http_url)
        lambda_env.backend.cache_clear()
        client = EventsClient(
            server.http_url,
            ApiKeyAuth(API_KEY),
            connect_timeout=3.0,
            operation_timeout=3.0,
            reconnect=ReconnectPolicy.immediate(),
        )
        await client.connect()
        try:
            yield Env(server, client, lambda_env.backend().store, aws)
        finally:
            await client.close()
            lambda_env.backend.cache_clear()


def rest_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event (what API Gateway sends the entry/admin functions)."""
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers or {},
        "multiValueHeaders": {k: [v] for k, v in (headers or {}).items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "stage": "prod",
            "requestId": "req-1",
            "path": f"/prod{path}",
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


def publish_event(
    channel: str, events: list[Any], identity: Any, received_at: int | None = None
) -> dict[str, Any]:
    """What the answer namespace's onPublish (answer.js) sends the answers function: the
    direct-Lambda context, plus ``receivedAt`` (the Event API's clock) when given."""
    segments = [s for s in channel.split("/") if s]
    stamp = {} if received_at is None else {"receivedAt": received_at}
    return {
        **stamp,
        "identity": identity,
        "result": None,
        "request": {"headers": {"x-forwarded-for": "203.0.113.9"}, "domainName": None},
        "info": {
            "channel": {"path": channel, "segments": segments},
            "channelNamespace": {"name": segments[0]},
            "operation": "PUBLISH",
        },
        "error": None,
        "prev": None,
        "stash": {},
        "outErrors": [],
        "events": [{"id": str(i), "payload": e} for i, e in enumerate(events)],
    }


async def call(handler: Any, event: dict[str, Any]) -> Any:
    """Run a (blocking) Lambda handler off the event loop, as Lambda would: the stub keeps
    serving the publishes it makes meanwhile."""
    return await asyncio.to_thread(handler, event, FakeContext())


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])
