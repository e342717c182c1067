"""The answers function: judge, store and acknowledge each answer with the rules of
:mod:`quizwire.answers`.

The ``answer`` namespace's ``onPublish`` (``backend/appsync/answer.js``) invokes it
asynchronously with the publish's context and ``receivedAt``, the time the Event API received
the answers; they are timed from that stamp. AppSync does not wait for this function: the player
learns the outcome from the receipt on ``/scores/{gameId}/{playerId}``, the presenter from the
judged answer this function publishes to ``/answer/{gameId}``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aws_lambda_powertools.event_handler import AppSyncEventsResolver
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from backend.functions.lambda_env import SERVICE, backend, logger, metrics, tracer

app = AppSyncEventsResolver()  # type: ignore[no-untyped-call]

#: an error of this invocation that Powertools turned into an ``error`` result; re-raised by
#: :func:`handler` so the invocation fails and Lambda's async retry runs it again
_failures: list[Exception] = []


@app.on_publish("/answer/*", aggregate=True)
def on_answers(payload: list[dict[str, Any]]) -> list[dict[str, Any]]:
    event = app.current_event
    reasons: Counter[str] = Counter()
    stamp = event.raw_event.get("receivedAt")
    try:
        results = backend().on_answers(
            event.identity,
            event.info.channel_segments,
            payload,
            lambda code: reasons.update([code]),
            received_at=stamp if isinstance(stamp, int) and not isinstance(stamp, bool) else None,
        )
    except Exception as exc:
        # The table throttled, the Event API was unreachable...: nothing here is a verdict on
        # the answers. Retrying is safe: an answer already stored comes back as a duplicate,
        # which repeats its receipt.
        _failures.append(exc)
        metrics.add_metric(name="AnswerInvocationsFailed", unit=MetricUnit.Count, value=1)
        raise
    accepted = sum(1 for r in results if "error" not in r)
    metrics.add_metric(name="AnswersAccepted", unit=MetricUnit.Count, value=accepted)
    metrics.add_metric(name="AnswersRefused", unit=MetricUnit.Count, value=len(results) - accepted)
    for reason, count in reasons.items():  # one EMF line per reason: its own dimension
        with single_metric(
            name="AnswersRefusedByReason",
            unit=MetricUnit.Count,
            value=count,
            namespace=metrics.namespace,
            default_dimensions={"service": SERVICE},
        ) as by_reason:
            by_reason.add_dimension(name="reason", value=reason)
    return results


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _failures.clear()
    result: dict[str, Any] = app.resolve(event, context)
    if _failures:
        logger.error(
            "answers not processed; failing the invocation for a retry", exc_info=_failures[0]
        )
        raise _failures[0]
    return result
