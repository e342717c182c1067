"""Called by the deadline state machine (``Wait`` until the deadline, then this) to close a
question whose time is up. Idempotent: a question already closed, or a later one, is left alone."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from backend.functions.lambda_env import backend, logger, metrics, tracer
from quizwire.game_errors import GameError
from quizwire.state import Phase

MAX_EARLY_MS = 5_000


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metrics.add_metric(name="DeadlineChecks", unit=MetricUnit.Count, value=1)
    b = backend()
    try:
        game = b.game(event.get("gameId"))
    except GameError:
        return {"closed": False, "reason": "no such game"}
    index = event.get("index")
    was_open = game.phase is Phase.QUESTION_OPEN and game.question_index == index
    early = b.closes_at(game) - b.clock()
    if was_open and 0 < early <= MAX_EARLY_MS:  # the timer's clock ran ahead of ours
        time.sleep(early / 1000)
    after = b.close_if_due(game, index if isinstance(index, int) else None)
    closed = was_open and after.phase is not Phase.QUESTION_OPEN
    if closed:
        metrics.add_metric(name="QuestionsClosedAtDeadline", unit=MetricUnit.Count, value=1)
    return {"closed": closed, "phase": after.phase.value}
