"""The GameStore on DynamoDB: one on-demand table, items keyed by game.

Layout (``pk`` = game id, ``sk`` = item kind)::

    GAME                 the game row: JSON ``state``, numeric ``seq`` (optimistic lock) and the
                         flat attributes API Gateway's direct GetItem entry check maps to JSON
                         (title, phase, questionCount, acceptingPlayers, playerCount)
    N#<name key>         a nickname claim: the unique constraint on names (conditional put)
    P#<player id>        a player row: ``state``, ``seq``, ``secret_hash``; active players also
                         carry ``rank_pk``/``rank_key`` for the sparse Rank index (top-10 query)
    A#<00003>#<player>   an accepted answer (conditional put: the first answer only)
    X#<key>              small per-game documents (last reveal, last leaderboard)

Game rows also carry ``kind = "game"`` for the sparse ByKind index (list games by creation).
``playerCount`` is maintained by the stream consumer in batches, not per join, so thousands of
joins a second never contend on the game item.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from quizwire.leaderboard import ranking_key
from quizwire.names import name_key
from quizwire.state import AnswerRecord, GameState, Phase, PlayerState
from quizwire.store import NameTaken

GAME_SK = "GAME"
RANK_INDEX = "Rank"
KIND_INDEX = "ByKind"

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


def create_table(client: Any, name: str) -> None:
    """Create the table (tests and local tooling; the stack creates it from template.yaml)."""
    client.create_table(TableName=name, **TABLE_SCHEMA)


def _dump(value: Mapping[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


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
        "acceptingPlayers": {"BOOL": game.phase is Phase.LOBBY or game.options.late_join},
    }


def _cancel_reasons(exc: Exception) -> list[str]:
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    return [str(r.get("Code", "")) for r in reasons]


class DynamoStore:
    """:class:`quizwire.store.GameStore` on one DynamoDB table (low-level boto3 client)."""

    def __init__(self, table_name: str, client: Any) -> None:
        self.table = table_name
        self.client = client

    def close(self) -> None:
        """Nothing to release: boto3 clients pool their own connections."""

    # -- helpers -----------------------------------------------------------------------------------

    def _query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        kwargs.setdefault("TableName", self.table)
        while True:
            page = self.client.query(**kwargs)
            yield from page.get("Items", [])
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            kwargs["ExclusiveStartKey"] = last

    def _prefix(self, game_id: str, prefix: str) -> Iterator[dict[str, Any]]:
        return self._query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues={":pk": _s(game_id), ":p": _s(prefix)},
            ConsistentRead=True,
        )

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
        values: dict[str, Any] = {
            ":state": _s(_dump(player.to_dict())),
            ":seq": _n(player.seq),
            ":rk": _s(ranking_key(player)),
            ":expected": _n(expected_seq),
        }
        update = "SET #state = :state, #seq = :seq, rank_key = :rk"
        if player.active:
            values[":rp"] = _s(game_id)
            update += ", rank_pk = :rp"
        else:
            update += " REMOVE rank_pk"  # kicked/banned players leave the Rank index
        return {
            "TableName": self.table,
            "Key": {"pk": _s(game_id), "sk": _s(player_sk(player.player_id))},
            "UpdateExpression": update,
            "ConditionExpression": "#seq = :expected",
            "ExpressionAttributeNames": {"#state": "state", "#seq": "seq"},
            "ExpressionAttributeValues": values,
        }

    def add_player(self, game_id: str, player: PlayerState, secret_hash: str) -> None:
        row: dict[str, Any] = {
            "pk": _s(game_id),
            "sk": _s(player_sk(player.player_id)),
            "state": _s(_dump(player.to_dict())),
            "seq": _n(player.seq),
            "secret_hash": _s(secret_hash),
            "rank_key": _s(ranking_key(player)),
        }
        if player.active:
            row["rank_pk"] = _s(game_id)
        claim = {
            "pk": _s(game_id),
            "sk": _s(f"N#{name_key(player.name)}"),
            "player": _s(player.player_id),
        }
        try:
            self.client.transact_write_items(
                TransactItems=[
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
        except self.client.exceptions.TransactionCanceledException as exc:
            reasons = _cancel_reasons(exc)
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise NameTaken(player.name) from exc
            raise KeyError(player.player_id) from exc

    def load_players(self, game_id: str) -> Sequence[PlayerState]:
        players = [
            PlayerState.from_dict(json.loads(i["state"]["S"])) for i in self._prefix(game_id, "P#")
        ]
        return sorted(players, key=lambda p: (p.join_order, p.joined_at, p.player_id))

    def load_player(self, game_id: str, player_id: str) -> tuple[PlayerState, str] | None:
        """One player row and its secret hash (the authorizer's and the answer handler's read)."""
        item = self.client.get_item(
            TableName=self.table,
            Key={"pk": _s(game_id), "sk": _s(player_sk(player_id))},
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
            self.client.update_item(**self._player_update(game_id, player, expected_seq))
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def top_players(self, game_id: str, n: int) -> list[PlayerState]:
        """The first ``n`` active players in leaderboard order (the Rank index, one page)."""
        page = self.client.query(
            TableName=self.table,
            IndexName=RANK_INDEX,
            KeyConditionExpression="rank_pk = :g",
            ExpressionAttributeValues={":g": _s(game_id)},
            Limit=n,
        )
        return [PlayerState.from_dict(json.loads(i["state"]["S"])) for i in page.get("Items", [])]

    # -- answers ----------------------------------------------------------------------------------

    def record_answer(
        self, game_id: str, player: PlayerState, expected_seq: int, record: AnswerRecord
    ) -> bool:
        answer = {
            "pk": _s(game_id),
            "sk": _s(answer_sk(record.question_index, record.player_id)),
            "state": _s(_dump(record.to_dict())),
        }
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": answer,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {"Update": self._player_update(game_id, player, expected_seq)},
                ]
            )
        except self.client.exceptions.TransactionCanceledException:
            return False
        return True

    def load_answers(
        self, game_id: str, question_index: int | None = None
    ) -> Sequence[AnswerRecord]:
        prefix = "A#" if question_index is None else f"A#{question_index:05d}#"
        records = [
            AnswerRecord.from_dict(json.loads(i["state"]["S"]))
            for i in self._prefix(game_id, prefix)
        ]
        return sorted(records, key=lambda r: (r.question_index, r.received_at, r.player_id))

    def count_answers(self, game_id: str, question_index: int) -> int:
        total = 0
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {
                ":pk": _s(game_id),
                ":p": _s(f"A#{question_index:05d}#"),
            },
            "Select": "COUNT",
            "ConsistentRead": True,
        }
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
    "KIND_INDEX",
    "RANK_INDEX",
    "TABLE_SCHEMA",
    "DynamoStore",
    "answer_sk",
    "create_table",
    "player_sk",
]
