"""What every function shares: the backend built once per container from its environment,
and Powertools' Logger, Metrics (EMF) and Tracer (X-Ray: the template turns tracing on),
configured by the template's environment (``POWERTOOLS_SERVICE_NAME``,
``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``)."""

from __future__ import annotations

import os
from functools import cache

from aws_lambda_powertools import Logger, Metrics, Tracer

from backend.dynamo_store import DynamoStore
from backend.game_ops import (
    AsyncInvokeFanout,
    DeadlineTimer,
    GameBackend,
    NoTimer,
    ResultsFanout,
    StepFunctionsTimer,
)
from backend.publisher import Publisher

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "quizwire")
logger = Logger(service=SERVICE)
metrics = Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Quizwire"), service=SERVICE
)
tracer = Tracer(service=SERVICE)  # patches boto3 and urllib3 calls into X-Ray subsegments


@cache
def backend() -> GameBackend:
    """Environment: ``TABLE_NAME``, ``EVENT_API_HTTP`` (``https://…/event``), ``AWS_REGION``,
    optional ``DEADLINE_STATE_MACHINE_ARN``, ``RESULTS_FUNCTION`` (without it results are
    published inline), ``DEADLINE_GRACE_MS`` and ``AUTHORIZER_TTL``."""
    import boto3

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    store = DynamoStore(os.environ["TABLE_NAME"], boto3.client("dynamodb", region_name=region))
    publisher = Publisher(os.environ.get("EVENT_API_HTTP", "https://localhost/event"), region)
    timer: DeadlineTimer = NoTimer()
    arn = os.environ.get("DEADLINE_STATE_MACHINE_ARN")
    if arn:
        timer = StepFunctionsTimer(boto3.client("stepfunctions", region_name=region), arn)
    fanout: ResultsFanout | None = None
    results_function = os.environ.get("RESULTS_FUNCTION")
    if results_function:
        fanout = AsyncInvokeFanout(boto3.client("lambda", region_name=region), results_function)
    ttl = int(os.environ.get("AUTHORIZER_TTL", "60"))
    grace = int(os.environ.get("DEADLINE_GRACE_MS", "0"))
    return GameBackend(
        store, publisher, timer, authorizer_ttl=ttl, fanout=fanout, deadline_grace_ms=grace
    )
