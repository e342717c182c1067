"""The DynamoDB stream consumer: one pass per batch, one action per game.

- players joined or left (kick/ban/readmit) → ``playerCount`` on the game row (one ``ADD`` per
  game per batch, so joins never contend on the game item) and, in the lobby, one ``lobby``
  message with the new count;
- a question closed or the game finished, or a player left or came back → the top-10 from the
  Rank index, published once to ``/leaderboard/{gameId}`` (never while a question is open);
- answers arrived → their number is added to the question's tally of answers seen (one ``ADD``
  per game per batch); once it reaches the number of active players, the answers are counted
  exactly (a query per shard) and the question is closed if every active player has answered.
  The seen tally is only a hint (a retried batch may count twice): it saves the exact count in
  every batch of a 10,000-answer burst, never decides a close.

A failed ``playerCount`` update fails that game's records (``ReportBatchItemFailures``: they come
back in the next batch); announcements are logged and skipped, the next one supersedes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from backend.dynamo_store import GAME_SK, game_of
from backend.functions.lambda_env import backend, logger, metrics, tracer
from backend.game_ops import GameBackend
from quizwire.state import Phase

ANNOUNCE_PHASES = (Phase.QUESTION_CLOSED.value, Phase.FINISHED.value)


@dataclass
class GamePlan:
    player_delta: int = 0
    lobby: bool = False
    leaderboard: bool = False
    answers: dict[int, int] = field(default_factory=dict)  # question index -> answers inserted
    records: list[str] = field(default_factory=list)  # sequence numbers, for partial failure


def _attr(image: dict[str, Any], name: str) -> str | None:
    value = image.get(name)
    return value.get("S") if isinstance(value, dict) else None


def plan_batch(records: list[dict[str, Any]]) -> dict[str, GamePlan]:
    plans: dict[str, GamePlan] = {}
    for record in records:
        change = record.get("dynamodb") or {}
        keys = change.get("Keys") or {}
        pk, sk = _attr(keys, "pk"), _attr(keys, "sk")
        if not pk or not sk:
            continue
        game_id = game_of(pk)  # players and answers live in the game's shards
        plan = plans.setdefault(game_id, GamePlan())
        plan.records.append(str(change.get("SequenceNumber", "")))
        new, old = change.get("NewImage") or {}, change.get("OldImage") or {}
        if sk == GAME_SK:
            phase = _attr(new, "phase")
            if phase in ANNOUNCE_PHASES and phase != _attr(old, "phase"):
                plan.leaderboard = True
        elif sk.startswith("P#"):
            # Active players carry rank_pk (the sparse Rank index): its coming and going is a join/leave.
            delta = int("rank_pk" in new) - int("rank_pk" in old)
            if delta:
                plan.player_delta += delta
                plan.lobby = True
                plan.leaderboard = plan.leaderboard or record.get("eventName") == "MODIFY"
        elif sk.startswith("A#") and record.get("eventName") == "INSERT":
            index = int(sk.split("#")[1])
            plan.answers[index] = plan.answers.get(index, 0) + 1
    return plans


def run_plan(b: GameBackend, game_id: str, plan: GamePlan) -> bool:
    """Carry out one game's plan; False if its records must be retried."""
    try:
        count = (
            b.store.add_to_player_count(game_id, plan.player_delta) if plan.player_delta else None
        )
    except Exception:
        logger.exception("player count update failed", extra={"gameId": game_id})
        return False
    try:
        if plan.lobby:
            b.announce_lobby(game_id, count if count is not None else b.store.player_count(game_id))
        if plan.leaderboard:
            b.publish_leaderboard(game_id)
            metrics.add_metric(name="LeaderboardPublishes", unit=MetricUnit.Count, value=1)
        for index, count in plan.answers.items():
            seen = b.store.note_answers(game_id, index, count)
            if b.close_if_all_answered(game_id, b.store.player_count(game_id), index, seen):
                metrics.add_metric(
                    name="QuestionsClosedAllAnswered", unit=MetricUnit.Count, value=1
                )
    except Exception:
        logger.exception("announcement failed", extra={"gameId": game_id})
    return True


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = len(event.get("Records") or [])
    metrics.add_metric(name="StreamRecords", unit=MetricUnit.Count, value=records)
    b = backend()
    failures: list[dict[str, str]] = []
    plans = plan_batch(list(event.get("Records") or []))
    for game_id, plan in plans.items():
        if not run_plan(b, game_id, plan):
            failures.extend({"itemIdentifier": s} for s in plan.records)
    return {"batchItemFailures": failures}
