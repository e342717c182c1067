"""``quizwire stub --backend lambda``: the deployable backend, whole, on one machine.

=========================  ===============================================================
AWS                        here
=========================  ===============================================================
AppSync Event API          the stub's Event API, with the template's namespaces, auth modes,
                           APPSYNC_JS handlers (Node) and Lambda authorizer
Lambda                     the template's functions, each in its own worker processes, with
                           the template's environment; async invocations queued and retried
DynamoDB (+ stream)        moto's server, with DynamoDB's per-partition limits; the stream
                           polled into the stream function as an event source mapping would
API Gateway                the OpenAPI body's routes: Lambda proxy, direct DynamoDB GetItem
                           (Velocity templates), SigV4 on admin routes, stage throttling
Step Functions, Invoke     the deadline state machine and Lambda's Invoke API, on the stub
=========================  ===============================================================

The clients cannot tell: the same ``local`` profile, endpoints and credentials as the SQLite
stub. State lives in moto's memory: a restart starts empty (the SQLite stub keeps its games).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import secrets
import socket
from pathlib import Path
from types import TracebackType
from typing import Any

from backend_stub.config import IamCredential, StubConfig
from backend_stub.lambda_backend.dynamodb import DynamoServer
from backend_stub.lambda_backend.edge import Edge, NodeHandlers
from backend_stub.lambda_backend.gateway import Gateway
from backend_stub.lambda_backend.lambdas import Lambdas
from backend_stub.lambda_backend.local_aws import (
    LAMBDA_PREFIX,
    STATES_PREFIX,
    LocalAws,
    state_machine_arn,
)
from backend_stub.lambda_backend.streams import StreamPoller
from backend_stub.lambda_backend.template import Template
from backend_stub.server import EventApiServer
from eventapi import protocol as p

STACK = "quizwire-local"
TABLE = f"{STACK}-GameTable"
#: functions a game needs from its first request on (the rest start on first use)
WARM = ("AuthorizerFunction", "AnswersFunction", "EntryFunction", "AdminFunction")


def _role_credential(account: str) -> IamCredential:
    """The functions' role: temporary credentials (a session token rides along, as in Lambda);
    the Event API verifies their SigV4 publishes like any other IAM caller's."""
    return IamCredential(
        "ASIA" + secrets.token_hex(8).upper(),
        secrets.token_urlsafe(30),
        account_id=account,
        user_name="quizwire-function-role",
        session_token=secrets.token_urlsafe(48),
    )


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class LambdaStub:
    """Same surface as :class:`backend_stub.app.Stub` once started: ``events``, ``config``,
    ``game_api``."""

    def __init__(
        self,
        config: StubConfig,
        data_dir: Path,
        *,
        partition_write_units: int = 1000,
        partition_read_units: int = 3000,
        parameters: dict[str, Any] | None = None,
        concurrency: dict[str, int] | None = None,
    ) -> None:
        self.data_dir = data_dir
        # local runs are for debugging too: the template's `default` namespace is on
        self.template = Template.load(overrides={"DebugNamespace": "true", **(parameters or {})})
        self.role = _role_credential(config.account_id)
        port = config.port or _free_port(config.host)
        self._config = dataclasses.replace(
            config, port=port, iam_credentials=(*config.iam_credentials, self.role)
        )
        self._concurrency = concurrency
        self.dynamo = DynamoServer(
            data_dir, write_units=partition_write_units, read_units=partition_read_units
        )
        self._events: EventApiServer | None = None
        self._lambdas: Lambdas | None = None
        self._node: NodeHandlers | None = None
        self._local_aws: LocalAws | None = None
        self._streams: StreamPoller | None = None
        self.edge: Edge | None = None
        self.api: Gateway | None = None

    # -- what the template's references mean here ----------------------------------------------

    def _bind(self, dynamodb_url: str) -> None:
        cfg = self._config
        host = f"{cfg.host}:{cfg.port}"
        region, account = cfg.region, cfg.account_id
        api_arn = f"arn:aws:appsync:{region}:{account}:apis/{cfg.api_id}"
        values: dict[str, Any] = {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": "aws",
            "AWS::StackName": STACK,
            "AWS::URLSuffix": "amazonaws.com",
            "GameTable": TABLE,
            "EventApi.ApiId": cfg.api_id,
            "EventApi.ApiArn": api_arn,
            "EventApi.Dns.Http": host,
            "EventApi.Dns.Realtime": host,
        }
        for logical in self.template.resources("AWS::Serverless::Function"):
            values[logical] = logical  # !Ref gives the function name; locally its logical id
            values[f"{logical}.Arn"] = f"arn:aws:lambda:{region}:{account}:function:{logical}"
        for logical in self.template.resources("AWS::Serverless::StateMachine"):
            values[logical] = state_machine_arn(region, logical)
        self.template.bind(**values)
        self._env = {
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_ACCESS_KEY_ID": self.role.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.role.secret_access_key,
            "AWS_SESSION_TOKEN": self.role.session_token or "",
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_url,
            "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": dynamodb_url,
            "AWS_ENDPOINT_URL_LAMBDA": f"http://{host}{LAMBDA_PREFIX}",
            "AWS_ENDPOINT_URL_SFN": f"http://{host}{STATES_PREFIX}",
            # the template says https://…/event; locally the Event API speaks plain http
            "EVENT_API_HTTP": f"{'https' if cfg.ssl_context else 'http'}://{host}{p.HTTP_PATH}",
        }

    def client(self, service: str, *, retries: bool = True) -> Any:
        """A boto3 client of the local DynamoDB (the stub's own reads: the entry check, the
        stream poller, tests and the bench). ``retries=False``: one attempt, as API Gateway's
        service integrations make (a throttled GetItem is its error, not a wait)."""
        import boto3
        from botocore.config import Config

        return boto3.client(  # type: ignore[call-overload]
            service,
            config=None if retries else Config(retries={"total_max_attempts": 1}),
            region_name=self._config.region,
            endpoint_url=self.dynamo.url,
            aws_access_key_id=self.role.access_key_id,
            aws_secret_access_key=self.role.secret_access_key,
            aws_session_token=self.role.session_token,
        )

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        url = await asyncio.to_thread(self.dynamo.start)
        try:
            await self._start(url)
        except BaseException:
            await self.stop()
            raise

    async def _start(self, url: str) -> None:
        self._bind(url)
        _, schema = self.template.table()
        dynamodb = self.client("dynamodb")
        await asyncio.to_thread(dynamodb.create_table, TableName=TABLE, **schema)
        self._lambdas = Lambdas(
            self.template.functions(),
            self.data_dir,
            concurrency=self._concurrency,
            extra_env=self._env,
        )
        self._lambdas.warm(*(f for f in WARM if f in self._lambdas.functions))
        await self._lambdas.start()
        self._node = NodeHandlers(Edge.sources(self.template), self.data_dir)
        await self._node.start()
        self.edge = Edge(self.template, self._lambdas, self._node)
        gateway_dynamodb = self.client("dynamodb", retries=False)
        self.api = Gateway(self.template, self._lambdas, self._config, lambda: gateway_dynamodb)
        self._local_aws = LocalAws(self.template, self._lambdas, self._config.region)
        config = dataclasses.replace(self._config, namespaces=self.edge.namespaces())
        self._events = EventApiServer(
            config, self.edge.authorizer(), routes=[*self.api.routes(), *self._local_aws.routes()]
        )
        await self._events.start()
        self.api.expected_hosts = self._events.api_hosts()
        consumer = self.template.stream_consumer()
        if consumer is not None:
            stream_arn = dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
            self._streams = StreamPoller(
                self._lambdas,
                consumer[0],
                consumer[1],
                self.client("dynamodbstreams"),
                stream_arn,
                self._lambdas.failed_path,
            )
            self._streams.start()

    async def stop(self) -> None:
        if self._streams is not None:
            await self._streams.stop()
        if self._events is not None:
            await self._events.stop()
        if self._local_aws is not None:
            await self._local_aws.stop()
        if self._node is not None:
            await self._node.stop()
        if self._lambdas is not None:
            await self._lambdas.stop()
        await asyncio.to_thread(self.dynamo.stop)

    async def __aenter__(self) -> LambdaStub:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- the Stub surface -----------------------------------------------------------------------

    @property
    def events(self) -> EventApiServer:
        assert self._events is not None, "start() first"
        return self._events

    @property
    def lambdas(self) -> Lambdas:
        assert self._lambdas is not None, "start() first"
        return self._lambdas

    @property
    def config(self) -> StubConfig:
        return self.events.config

    @property
    def game_api(self) -> str:
        return self.events.http_url.rsplit("/event", 1)[0]

    def table_name(self) -> str:
        return TABLE

    def metric_totals(self) -> dict[str, float]:
        """The functions' CloudWatch metrics (EMF lines in ``lambda.log``), summed: ``Name``,
        or ``Name{dimension=value}`` for a metric with a dimension besides the service."""
        totals: dict[str, float] = {}
        log = self.lambdas.log_path
        lines = (
            log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []
        )
        for line in lines:
            if '"_aws"' not in line:
                continue
            try:
                record = json.loads(line)
                (directive,) = record["_aws"]["CloudWatchMetrics"]
            except (ValueError, KeyError, TypeError):
                continue
            extra = sorted({d for dims in directive["Dimensions"] for d in dims} - {"service"})
            label = ",".join(f"{d}={record.get(d)}" for d in extra)
            for metric in directive["Metrics"]:
                name = metric["Name"]
                values = record.get(name)
                total = sum(values) if isinstance(values, list) else float(values or 0)
                key = f"{name}{{{label}}}" if label else name
                totals[key] = totals.get(key, 0.0) + total
        return totals


__all__ = ["LambdaStub"]
