"""The GameStore on DynamoDB: one on-demand table, written in shards so no key runs hot.

DynamoDB serves at most 1,000 write units and 3,000 read units a second per partition key. A
burst of 10,000 answers in a few seconds needs many times that, so everything a player writes
lives under one of ``SHARDS`` keys per game (``<gameId>#<nn>``, ``nn`` a stable hash of the
player id), and only what is written once per command lives under the game id itself::

    pk = <gameId>
      GAME                 the game row: JSON ``state``, numeric ``seq`` (optimistic lock) and the
                           flat attributes API Gateway's direct GetItem entry check maps to JSON
                           (title, phase, questionCount, acceptingPlayers, playerCount)
      X#<key>              small per-game documents (last reveal, last leaderboard)
    pk = <gameId>#<nn>
      OPEN                 the answer gate: ``question`` = index of the open question, -1 if none
      N#<name key>         a nickname claim (``nn`` from the name key): the unique constraint
      P#<player id>        a player row: ``state``, ``seq``, ``secret_hash``; active players also
                           carry ``rank_pk`` (= this pk) and ``rank_key`` for the Rank index
      A#<00003>#<player>   an accepted answer (conditional put: the first answer only)

An answer is one transaction inside its player's shard: the answer item, the player row (on its
``seq``) and a check that the shard's gate still has the question open. Opening a question opens
the gates before the game row says so; closing one shuts them before the tally is taken, so the
tally is exactly the answers stored and none can be stored after it. The Rank index is sharded
the same way; the top-10 is the merge of each shard's top-10.

Game rows also carry ``kind = "game"`` for the sparse ByKind index (list games by creation).
``playerCount`` is maintained by the stream consumer in batches, not per join.

Throttling and transaction conflicts are retried here with jittered backoff, then raised
(:class:`StoreBusy`): only a failed condition is a lost race.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from backend.retry import Backoff
from quizwire.leaderboard import ranking_key, sort_key
from quizwire.names import name_key
from quizwire.state import AnswerRecord, GameState, Phase, PlayerState
from quizwire.store import NameTaken

T = TypeVar("T")

GAME_SK = "GAME"
GATE_SK = "OPEN"
RANK_INDEX = "Rank"
KIND_INDEX = "ByKind"
#: write shards per game: 10,000 answers x 3 items x 2 units (transactional) within ~2 s stay
#: under 1,000 write units a second per key
SHARDS = 32
#: parallel queries when reading every shard (boto3 clients are thread-safe)
SHARD_READERS = 8
#: transaction cancellation reasons DynamoDB asks to be retried (anything else is a bug)
RETRYABLE_REASONS = frozenset(
    {"ThrottlingError", "TransactionConflict", "ProvisionedThroughputExceeded"}
)
RETRYABLE_ERRORS = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "InternalServerError",
    }
)

#: The table definition, shared by tests (moto) and checked against template.yaml by a test.
TABLE_SCHEMA: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
        {"AttributeName": "rank_pk", "AttributeType": "S"},
        {"AttributeName": "rank_key", "AttributeType": "S"},
        {"AttributeName": "kind", "AttributeType": "S"},
        {"AttributeName": "created_at", "AttributeType": "N"},
    ],
    "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": RANK_INDEX,
            "KeySchema": [
                {"AttributeName": "rank_pk", "KeyType": "HASH"},
                {"AttributeName": "rank_key", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
        {
            "IndexName": KIND_INDEX,
            "KeySchema": [
                {"AttributeName": "kind", "KeyType": "HASH"},
                {"AttributeName": "created_at", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
    ],
    "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
}


class StoreBusy(Exception):
    """DynamoDB kept throttling (or conflicting) after the retries: fail the invocation."""


class AnswersClosed(Exception):
    """The question an answer was judged for is no longer open (its gate is shut)."""


def create_table(client: Any, name: str) -> None:
    """Create the table (tests and local tooling; the stack creates it from template.yaml)."""
    client.create_table(TableName=name, **TABLE_SCHEMA)


def _dump(value: Mapping[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def shard_of(key: str) -> int:
    """A stable shard for a player id or name key (crc32: the same in every process)."""
    return zlib.crc32(key.encode()) % SHARDS


def shard_pk(game_id: str, shard: int) -> str:
    return f"{game_id}#{shard:02d}"


def player_pk(game_id: str, player_id: str) -> str:
    return shard_pk(game_id, shard_of(player_id))


def game_of(pk: str) -> str:
    """The game id of any item's partition key (the game row's or a shard's)."""
    return pk.split("#", 1)[0]


def player_sk(player_id: str) -> str:
    return f"P#{player_id}"


def answer_sk(question_index: int, player_id: str) -> str:
    return f"A#{question_index:05d}#{player_id}"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _game_attrs(game: GameState) -> dict[str, dict[str, Any]]:
    """Everything of the game row but the key and the player counter."""
    return {
        "state": _s(_dump(game.to_dict())),
        "seq": _n(game.seq),
        "phase": _s(game.phase.value),
        "title": _s(game.quiz.title),
        "questionCount": _n(game.total_questions),
        "acceptingPlayers": {"BOOL": game.accepting_players},  # the entry check reads it
        "teams": {"L": [_s(t) for t in game.teams]},  # the join screen offers them
    }


def _cancel_reasons(exc: Exception) -> list[str]:
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    return [str(r.get("Code", "")) for r in reasons]


def _error_code(exc: BaseException) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


class _Retryable(Exception):
    """A cancelled transaction worth another attempt."""


class DynamoStore:
    """:class:`quizwire.store.GameStore` on one DynamoDB table (low-level boto3 client)."""

    def __init__(self, table_name: str, client: Any, backoff: Backoff | None = None) -> None:
        self.table = table_name
        self.client = client
        self.backoff = backoff or Backoff()

    def close(self) -> None:
        """Nothing to release: boto3 clients pool their own connections."""

    # -- helpers -----------------------------------------------------------------------------------

    def _transact(self, items: list[dict[str, Any]]) -> list[str] | None:
        """One TransactWriteItems, retried while DynamoDB cancels it for throttling or a
        conflict. None if written; the cancellation reasons if a condition failed."""

        def attempt() -> list[str] | None:
            try:
                self.client.transact_write_items(TransactItems=items)
            except self.client.exceptions.TransactionCanceledException as exc:
                reasons = _cancel_reasons(exc)
                if "ConditionalCheckFailed" in reasons:
                    return reasons
                if reasons and all(r in RETRYABLE_REASONS or r in ("None", "") for r in reasons):
                    raise _Retryable(", ".join(reasons)) from exc
                raise
            return None

        try:
            return self._retrying(attempt)
        except _Retryable as exc:
            raise StoreBusy(f"transaction still cancelled after retries: {exc}") from exc

    def _retrying(self, fn: Callable[[], T]) -> T:
        """``fn`` with the backoff for throttling botocore did not absorb itself."""
        try:
            return self.backoff.call(
                fn,
                lambda e: isinstance(e, _Retryable) or _error_code(e) in RETRYABLE_ERRORS,
            )
        except Exception as exc:
            if _error_code(exc) in RETRYABLE_ERRORS:
                raise StoreBusy(f"DynamoDB still throttling after retries: {exc}") from exc
            raise

    def _query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        kwargs.setdefault("TableName", self.table)
        while True:
            page = self.client.query(**kwargs)
            yield from page.get("Items", [])
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            kwargs["ExclusiveStartKey"] = last

    def _prefix(self, pk: str, prefix: str) -> Iterator[dict[str, Any]]:
        return self._query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues={":pk": _s(pk), ":p": _s(prefix)},
            ConsistentRead=True,
        )

    def _each_shard(self, game_id: str, read: Callable[[str], T]) -> list[T]:
        """``read(shard pk)`` for every shard of a game, a few at a time."""
        keys = [shard_pk(game_id, s) for s in range(SHARDS)]
        with ThreadPoolExecutor(max_workers=SHARD_READERS) as pool:
            return list(pool.map(read, keys))

    def _shard_items(self, game_id: str, prefix: str) -> list[dict[str, Any]]:
        pages = self._each_shard(game_id, lambda pk: list(self._prefix(pk, prefix)))
        return [item for page in pages for item in page]

    # -- games ------------------------------------------------------------------------------------

    def create_game(self, game: GameState) -> None:
        item = {
            "pk": _s(game.game_id),
            "sk": _s(GAME_SK),
            "kind": _s("game"),
            "created_at": _n(game.created_at),
            "playerCount": _n(0),
            **_game_attrs(game),
        }
        try:
            self.client.put_item(
                TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            raise KeyError(game.game_id) from exc

    def load_game(self, game_id: str) -> GameState | None:
        item = self.client.get_item(
            TableName=self.table,
            Key={"pk": _s(game_id), "sk": _s(GAME_SK)},
            ConsistentRead=True,
        ).get("Item")
        return GameState.from_dict(json.loads(item["state"]["S"])) if item else None

    def list_games(self) -> Sequence[GameState]:
        items = self._query(
            IndexName=KIND_INDEX,
            KeyConditionExpression="kind = :k",
            ExpressionAttributeValues={":k": _s("game")},
        )
        return [GameState.from_dict(json.loads(i["state"]["S"])) for i in items]

    def save_game(self, game: GameState, expected_seq: int) -> bool:
        """Conditional on ``seq``. A game saved with a question open opens the answer gates
        first: harmless if the save then fails, as answers are judged on the saved game."""
        if game.phase is Phase.QUESTION_OPEN:
            self.set_gates(game.game_id, game.question_index)
        attrs = _game_attrs(game)
        names = {f"#a{i}": key for i, key in enumerate(attrs)}
        values = {f":v{i}": value for i, value in enumerate(attrs.values())}
        sets = ", ".join(f"#a{i} = :v{i}" for i in range(len(attrs)))
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": _s(game.game_id), "sk": _s(GAME_SK)},
                UpdateExpression=f"SET {sets}",
                ConditionExpression="#seq = :expected",
                ExpressionAttributeNames={**names, "#seq": "seq"},
                ExpressionAttributeValues={**values, ":expected": _n(expected_seq)},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def set_gates(self, game_id: str, question_index: int) -> None:
        """Every shard's answer gate to ``question_index`` (-1: no answers taken)."""
        pending = [
            {
                "PutRequest": {
                    "Item": {
                        "pk": _s(shard_pk(game_id, s)),
                        "sk": _s(GATE_SK),
                        "question": _n(question_index),
                    }
                }
            }
            for s in range(SHARDS)
        ]
        while pending:
            batch, pending = pending[:25], pending[25:]

            def write(batch: list[dict[str, Any]] = batch) -> None:
                answer = self.client.batch_write_item(RequestItems={self.table: batch})
                left = answer.get("UnprocessedItems", {}).get(self.table)
                if left:  # throttled items come back unprocessed: retry just those
                    batch[:] = left
                    raise _Retryable(f"{len(left)} gate writes unprocessed")

            try:
                self._retrying(write)
            except _Retryable as exc:
                raise StoreBusy(str(exc)) from exc

    def close_answers(self, game_id: str) -> None:
        """Shut the gates: from now on no answer to any question of this game is stored."""
        self.set_gates(game_id, -1)

    def add_to_player_count(self, game_id: str, delta: int) -> int:
        """The entry check's ``playerCount`` (batched by the stream consumer); the new count."""
        answer = self.client.update_item(
            TableName=self.table,
            Key={"pk": _s(game_id), "sk": _s(GAME_SK)},
            UpdateExpression="ADD playerCount :d",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":d": _n(delta)},
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["playerCount"]["N"])

    def note_answers(self, game_id: str, question_index: int, count: int) -> int:
        """Add ``count`` to the answers seen for a question (the stream consumer's hint of when
        to count them exactly); the new total."""
        answer = self.client.update_item(
            TableName=self.table,
            Key={"pk": _s(game_id), "sk": _s(GAME_SK)},
            UpdateExpression="ADD #seen :n",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#seen": f"answersSeen{question_index}"},
            ExpressionAttributeValues={":n": _n(count)},
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"][f"answersSeen{question_index}"]["N"])

    def player_count(self, game_id: str) -> int:
        """Active players, as last counted by the stream consumer."""
        item = self.client.get_item(
            TableName=self.table,
            Key={"pk": _s(game_id), "sk": _s(GAME_SK)},
            ProjectionExpression="playerCount",
            ConsistentRead=True,
        ).get("Item")
        return int(item["playerCount"]["N"]) if item and "playerCount" in item else 0

    # -- players ----------------------------------------------------------------------------------

    def _player_update(
        self, game_id: str, player: PlayerState, expected_seq: int
    ) -> dict[str, Any]:
        """The conditional update of a player row (used alone and inside transactions)."""
        pk = player_pk(game_id, player.player_id)
        values: dict[str, Any] = {
            ":state": _s(_dump(player.to_dict())),
            ":seq": _n(player.seq),
            ":rk": _s(ranking_key(player)),
            ":expected": _n(expected_seq),
        }
        update = "SET #state = :state, #seq = :seq, rank_key = :rk"
        if player.active:
            values[":rp"] = _s(pk)
            update += ", rank_pk = :rp"
        else:
            update += " REMOVE rank_pk"  # kicked/banned players leave the Rank index
        return {
            "TableName": self.table,
            "Key": {"pk": _s(pk), "sk": _s(player_sk(player.player_id))},
            "UpdateExpression": update,
            "ConditionExpression": "#seq = :expected",
            "ExpressionAttributeNames": {"#state": "state", "#seq": "seq"},
            "ExpressionAttributeValues": values,
        }

    def add_player(self, game_id: str, player: PlayerState, secret_hash: str) -> None:
        pk = player_pk(game_id, player.player_id)
        row: dict[str, Any] = {
            "pk": _s(pk),
            "sk": _s(player_sk(player.player_id)),
            "state": _s(_dump(player.to_dict())),
            "seq": _n(player.seq),
            "secret_hash": _s(secret_hash),
            "rank_key": _s(ranking_key(player)),
        }
        if player.active:
            row["rank_pk"] = _s(pk)
        key = name_key(player.name)
        claim = {
            "pk": _s(shard_pk(game_id, shard_of(key))),
            "sk": _s(f"N#{key}"),
            "player": _s(player.player_id),
        }
        reasons = self._transact(
            [
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": claim,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": row,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
        if reasons is None:
            return
        if reasons[0] == "ConditionalCheckFailed":
            raise NameTaken(player.name)
        raise KeyError(player.player_id)

    def load_players(self, game_id: str) -> Sequence[PlayerState]:
        players = [
            PlayerState.from_dict(json.loads(i["state"]["S"]))
            for i in self._shard_items(game_id, "P#")
        ]
        return sorted(players, key=lambda p: (p.join_order, p.joined_at, p.player_id))

    def load_player(self, game_id: str, player_id: str) -> tuple[PlayerState, str] | None:
        """One player row and its secret hash (the authorizer's and the answer handler's read)."""
        item = self.client.get_item(
            TableName=self.table,
            Key={"pk": _s(player_pk(game_id, player_id)), "sk": _s(player_sk(player_id))},
            ConsistentRead=True,
        ).get("Item")
        if not item:
            return None
        return PlayerState.from_dict(json.loads(item["state"]["S"])), item["secret_hash"]["S"]

    def secret_hash(self, game_id: str, player_id: str) -> str | None:
        found = self.load_player(game_id, player_id)
        return found[1] if found else None

    def save_player(self, game_id: str, player: PlayerState, expected_seq: int) -> bool:
        try:
            self._retrying(
                lambda: self.client.update_item(
                    **self._player_update(game_id, player, expected_seq)
                )
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def top_players(self, game_id: str, n: int) -> list[PlayerState]:
        """The first ``n`` active players in leaderboard order: each shard's first ``n`` from
        the Rank index, merged."""

        def top_of(pk: str) -> list[dict[str, Any]]:
            page = self.client.query(
                TableName=self.table,
                IndexName=RANK_INDEX,
                KeyConditionExpression="rank_pk = :g",
                ExpressionAttributeValues={":g": _s(pk)},
                Limit=n,
            )
            return list(page.get("Items", []))

        rows = [
            PlayerState.from_dict(json.loads(i["state"]["S"]))
            for page in self._each_shard(game_id, top_of)
            for i in page
        ]
        return sorted(rows, key=sort_key)[:n]

    def rank_of(self, game_id: str, player: PlayerState) -> int | None:
        """Competition rank: 1 + the active players strictly ahead (a better score, or the same
        score in less time), counted on each shard of the Rank index below the player's key."""
        if not player.active:
            return None
        ahead = ranking_key(player).split("#", 2)
        bound = f"{ahead[0]}#{ahead[1]}#"  # keys below it: strictly better (score, time)

        def count(pk: str) -> int:
            return self._count(
                IndexName=RANK_INDEX,
                KeyConditionExpression="rank_pk = :g AND rank_key < :k",
                ExpressionAttributeValues={":g": _s(pk), ":k": _s(bound)},
            )

        return 1 + sum(self._each_shard(game_id, count))

    # -- answers ----------------------------------------------------------------------------------

    def record_answer(
        self, game_id: str, player: PlayerState, expected_seq: int, record: AnswerRecord
    ) -> bool:
        """Store the answer and the player's new row in one transaction, if the player's shard
        still takes answers to this question. False if the player row moved or the answer
        exists (a lost race: judge again from the stored row); :class:`AnswersClosed` if the
        question was closed meanwhile; :class:`StoreBusy` if DynamoDB kept throttling."""
        pk = player_pk(game_id, player.player_id)
        answer = {
            "pk": _s(pk),
            "sk": _s(answer_sk(record.question_index, record.player_id)),
            "state": _s(_dump(record.to_dict())),
        }
        gate = {
            "TableName": self.table,
            "Key": {"pk": _s(pk), "sk": _s(GATE_SK)},
            "ConditionExpression": "#q = :q",
            "ExpressionAttributeNames": {"#q": "question"},
            "ExpressionAttributeValues": {":q": _n(record.question_index)},
        }
        reasons = self._transact(
            [
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": answer,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {"Update": self._player_update(game_id, player, expected_seq)},
                {"ConditionCheck": gate},
            ]
        )
        if reasons is None:
            return True
        if "ConditionalCheckFailed" in reasons[:2]:
            return False
        raise AnswersClosed(f"question {record.question_index + 1} of {game_id} is closed")

    def load_answers(
        self, game_id: str, question_index: int | None = None
    ) -> Sequence[AnswerRecord]:
        prefix = "A#" if question_index is None else f"A#{question_index:05d}#"
        records = [
            AnswerRecord.from_dict(json.loads(i["state"]["S"]))
            for i in self._shard_items(game_id, prefix)
        ]
        return sorted(records, key=lambda r: (r.question_index, r.received_at, r.player_id))

    def count_answers(self, game_id: str, question_index: int) -> int:
        def count(pk: str) -> int:
            return self._count(
                KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
                ExpressionAttributeValues={":pk": _s(pk), ":p": _s(f"A#{question_index:05d}#")},
                ConsistentRead=True,
            )

        return sum(self._each_shard(game_id, count))

    def _count(self, **query: Any) -> int:
        """The items a query matches, over all its pages (``Select: COUNT``)."""
        kwargs: dict[str, Any] = {"TableName": self.table, "Select": "COUNT", **query}
        total = 0
        while True:
            page = self.client.query(**kwargs)
            total += int(page.get("Count", 0))
            if not page.get("LastEvaluatedKey"):
                return total
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- extras -----------------------------------------------------------------------------------

    def save_extra(self, game_id: str, key: str, value: Mapping[str, Any]) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={"pk": _s(game_id), "sk": _s(f"X#{key}"), "value": _s(_dump(value))},
        )

    def load_extras(self, game_id: str) -> dict[str, dict[str, Any]]:
        return {i["sk"]["S"][2:]: json.loads(i["value"]["S"]) for i in self._prefix(game_id, "X#")}


__all__ = [
    "GAME_SK",
    "GATE_SK",
    "KIND_INDEX",
    "RANK_INDEX",
    "SHARDS",
    "TABLE_SCHEMA",
    "AnswersClosed",
    "DynamoStore",
    "StoreBusy",
    "answer_sk",
    "create_table",
    "game_of",
    "player_pk",
    "player_sk",
    "shard_of",
    "shard_pk",
]
