"""What every function shares: the backend built once per container from its environment,
and Powertools' Logger and Metrics (EMF), configured by the template's environment
(``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``)."""

from __future__ import annotations

import os
from functools import cache

from aws_lambda_powertools import Logger, Metrics

from backend.dynamo_store import DynamoStore
from backend.game_ops import DeadlineTimer, GameBackend, NoTimer, StepFunctionsTimer
from backend.publisher import Publisher

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "quizwire")
logger = Logger(service=SERVICE)
metrics = Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Quizwire"), service=SERVICE
)


@cache
def backend() -> GameBackend:
    """Environment: ``TABLE_NAME``, ``EVENT_API_HTTP`` (``https://…/event``), ``AWS_REGION``,
    optional ``DEADLINE_STATE_MACHINE_ARN`` and ``AUTHORIZER_TTL``."""
    import boto3

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    store = DynamoStore(os.environ["TABLE_NAME"], boto3.client("dynamodb", region_name=region))
    publisher = Publisher(os.environ.get("EVENT_API_HTTP", "https://localhost/event"), region)
    timer: DeadlineTimer = NoTimer()
    arn = os.environ.get("DEADLINE_STATE_MACHINE_ARN")
    if arn:
        timer = StepFunctionsTimer(boto3.client("stepfunctions", region_name=region), arn)
    ttl = int(os.environ.get("AUTHORIZER_TTL", "60"))
    return GameBackend(store, publisher, timer, authorizer_ttl=ttl)
