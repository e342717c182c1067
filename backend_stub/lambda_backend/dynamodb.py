"""DynamoDB for the local Lambda mode: moto's server in a process of its own, with two changes.

- **DynamoDB's per-partition throughput is enforced.** A partition key gets at most
  ``--write-units`` (1,000) write units and ``--read-units`` (3,000) read units a second, as on
  AWS whatever the table's capacity; beyond that the request fails exactly as DynamoDB fails it
  (HTTP 400 ``ProvisionedThroughputExceededException``; a transaction is cancelled with
  ``ThrottlingError`` reasons; a batch write comes back as ``UnprocessedItems``), so the real
  clients' retries and the backend's own handling are what is exercised.
- **Transactions cost what they cost on DynamoDB.** moto copies every table a transaction
  touches to be able to roll back (O(table) per answer); here conditions are checked first and
  the writes made after, which is DynamoDB's all-or-nothing without the copy.
- **A query reads its partition, not the table.** moto sorts every item of the table on every
  query before it picks the partition's (O(table log table): with 2,000 players and their
  answers a query cost tens of milliseconds and joins queued behind them); here a table query
  starts from its partition and an index query from the items with the index key's value.
- **Kept connections, one request at a time.** moto's own server (werkzeug's) closes every
  connection and runs each request in a thread of its own; here aiohttp serves moto
  (:mod:`~backend_stub.lambda_backend.wsgi_host`): connections are kept, as DynamoDB keeps them,
  and requests are served in turn, so each write and each transaction is atomic (moto in
  threads could interleave a transaction's checks and writes with another request).

``python -m backend_stub.lambda_backend.dynamodb --port N --ready FILE`` serves until killed;
``GET /_quizwire/throughput`` reports the throttling it did.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from backend_stub.lambda_backend.capacity import (
    READ_UNITS_PER_S,
    WRITE_UNITS_PER_S,
    PartitionMeter,
    merge,
    read_key,
    read_units,
    write_units,
)

STATS_PATH = "/_quizwire/throughput"
_DDB = "DynamoDB_20120810."
_ERROR = "com.amazonaws.dynamodb.v20120810#"
_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
_READS = ("GetItem", "Query")
_THROTTLED = (
    "The level of configured provisioned throughput for the table was exceeded. "
    "Consider increasing your provisioning level with the UpdateTable API."
)

StartResponse = Callable[..., Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class Throttle:
    """WSGI middleware in front of moto: DynamoDB's per-partition limits."""

    def __init__(self, app: Wsgi, write_units_per_s: int, read_units_per_s: int) -> None:
        self.app = app  # moto, served one request at a time (see wsgi_host)
        self.writes = PartitionMeter(write_units_per_s)
        self.reads = PartitionMeter(read_units_per_s)
        self.calls: Counter[str] = Counter()  # requests per operation (where moto's time goes)

    def __call__(self, environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == STATS_PATH:
            return _reply(start, 200, self.stats())
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if not target.startswith(_DDB):
            return self.app(environ, start)
        operation = target[len(_DDB) :]
        self.calls[operation] += 1
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return self.app(environ, start)
        if operation in _WRITES:
            units = merge(write_units(operation, request))
            if not self.writes.take(units):
                return self._refuse(start, operation, request)
            return self.app(environ, start)
        if operation in _READS:
            return self._read(environ, start, operation, request)
        return self.app(environ, start)

    def _read(
        self, environ: dict[str, Any], start: StartResponse, operation: str, request: Any
    ) -> Iterable[bytes]:
        """Serve the read, then charge its partition what it returned."""
        captured: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], *exc: Any) -> None:
            captured["status"], captured["headers"] = status, headers

        data = b"".join(self.app(environ, keep))
        key = read_key(operation, request)
        if key is not None and captured.get("status", "").startswith("200"):
            try:
                units = read_units(request, json.loads(data))
            except ValueError:
                units = 1
            if not self.reads.take({key: units}):
                return _error(start, "ProvisionedThroughputExceededException", _THROTTLED)
        start(captured["status"], captured["headers"])
        return [data]

    def _refuse(self, start: StartResponse, operation: str, request: Any) -> Iterable[bytes]:
        if operation == "BatchWriteItem":  # DynamoDB hands throttled batch items back
            return _reply(start, 200, {"UnprocessedItems": request.get("RequestItems") or {}})
        if operation == "TransactWriteItems":
            items = request.get("TransactItems") or []
            over = self.writes.over(merge(write_units(operation, request)))
            reasons = [
                {"Code": "ThrottlingError", "Message": "Throughput exceeds the current capacity"}
                if set(merge(write_units(operation, {"TransactItems": [item]}))) & over
                else {"Code": "None"}
                for item in items
            ]
            return _reply(
                start,
                400,
                {
                    "__type": _ERROR + "TransactionCanceledException",
                    "Message": "Transaction cancelled, please refer cancellation reasons for "
                    f"specific reasons [{', '.join(r['Code'] for r in reasons)}]",
                    "CancellationReasons": reasons,
                },
            )
        return _error(start, "ProvisionedThroughputExceededException", _THROTTLED)

    def stats(self) -> dict[str, Any]:
        return {
            "write_units_per_s": self.writes.limit,
            "read_units_per_s": self.reads.limit,
            "writes_throttled": self.writes.throttled,
            "reads_throttled": self.reads.throttled,
            "peak_write_units": _top(self.writes.peak),
            "peak_read_units": _top(self.reads.peak),
            "calls": dict(self.calls.most_common()),
        }


def _top(peaks: dict[str, int], n: int = 5) -> dict[str, int]:
    return dict(sorted(peaks.items(), key=lambda kv: -kv[1])[:n])


def _reply(start: StartResponse, status: int, body: Any) -> list[bytes]:
    data = json.dumps(body).encode()
    reason = {200: "OK", 400: "Bad Request"}[status]
    start(
        f"{status} {reason}",
        [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(data)))],
    )
    return [data]


def _error(start: StartResponse, code: str, message: str) -> list[bytes]:
    return _reply(start, 400, {"__type": _ERROR + code, "message": message})


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto's ``DynamoDBBackend.transact_write_items`` without its copy of every table it
    touches (moto rolls back from that copy: O(table) per answer): every condition is checked
    first, then everything is written, which is DynamoDB's all-or-nothing in O(items)."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen: set[tuple[str, str]] = set()
    planned: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    errors: list[tuple[str | None, str | None, Any]] = []
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        table_name = op["TableName"]
        table = self.get_table(table_name)
        if op_type == "Put":
            attrs = op["Item"]
            key = {table.hash_key_attr: attrs[table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = attrs[table.range_key_attr]
        else:
            key = op["Key"]
        unique = (str(table_name), str(dict(sorted(key.items()))))
        if unique in seen:
            raise MultipleTransactionsException()
        seen.add(unique)
        planned.append((op_type, op, key))
        condition = op.get("ConditionExpression")
        if condition is not None:
            current = self.get_item(table_name, key)
            check = get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            )
            if not check.expr(current):
                errors.append(("ConditionalCheckFailed", "The conditional request failed", None))
                continue
        errors.append((None, None, None))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)
    for op_type, op, key in planned:  # every condition held: write it all
        if op_type == "Put":
            self.put_item(op["TableName"], op["Item"])
        elif op_type == "Delete":
            self.delete_item(op["TableName"], key)
        elif op_type == "Update":
            self.update_item(
                op["TableName"],
                key,
                update_expression=op["UpdateExpression"],
                expression_attribute_names=op.get("ExpressionAttributeNames"),
                expression_attribute_values=op.get("ExpressionAttributeValues"),
            )


def patch_moto_transactions() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


_query_scope = threading.local()  # the candidates of the query being served, if narrowed
_INDEX_NAME_ARG = 7  # Table.query's positional index_name (moto passes it by position)


def _partition_items(hash_key: Any) -> Callable[[Any], list[Any]]:
    """A table query's candidates: the items under its partition key."""

    def items(table: Any) -> list[Any]:
        found = table.items.get(hash_key)
        if found is None:
            return []
        return list(found.values()) if table.range_key_attr else [found]

    return items


def _index_items(conditions: list[tuple[str, Any]]) -> Callable[[Any], list[Any]]:
    """An index query's candidates: the items whose index key attributes have the values
    asked (a string compares by its text; anything else as moto compares it)."""

    def matches(item: Any) -> bool:
        for name, wanted in conditions:
            value = item.attrs.get(name)
            if value is None or value.type != wanted.type:
                return False
            if value.value != wanted.value and (wanted.type == "S" or value != wanted):
                return False
        return True

    def items(table: Any) -> list[Any]:
        rows = table.items.values()
        every = (i for r in rows for i in r.values()) if table.range_key_attr else iter(rows)
        return [item for item in every if matches(item)]

    return items


def patch_moto_queries() -> None:
    """moto's ``Table.query`` starts from ``all_items()``: every item of the table, sorted.
    Narrow that to the query's partition (or the index key's items) for the call; moto then
    sorts, pages and filters exactly as before."""
    from moto.dynamodb.models.table import Table

    every_item = Table.all_items
    query = Table.query

    def all_items(self: Any) -> list[Any]:
        narrow = getattr(_query_scope, "narrow", None)
        return every_item(self) if narrow is None else narrow(self)

    def narrowed_query(self: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[_INDEX_NAME_ARG] if len(args) > _INDEX_NAME_ARG else None
        index_name = kwargs.get("index_name", index_name)
        conditions = kwargs.get("hash_key_conditions") or []
        if index_name is None:
            _query_scope.narrow = _partition_items(args[0] if args else kwargs["hash_key"])
        elif conditions:
            _query_scope.narrow = _index_items(list(conditions))
        try:
            return query(self, *args, **kwargs)
        finally:
            _query_scope.narrow = None

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = narrowed_query  # type: ignore[method-assign]


def _dynamodb_first(dispatcher: Any) -> Wsgi:
    """moto's dispatcher works out the service of every request from its headers (a tenth of
    this process's time); DynamoDB's requests, nearly all of them, go straight to its app."""
    dynamodb: list[Wsgi] = []

    def serve(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(_DDB):
            return dispatcher(environ, start)  # type: ignore[no-any-return]
        if not dynamodb:
            dynamodb.append(dispatcher.get_application(environ))
        return dynamodb[0](environ, start)

    return serve


def _exit_with(parent: int) -> None:
    """Never outlive the stub, even one killed with SIGKILL."""
    import os
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend_stub.lambda_backend.dynamodb")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ready", type=Path, required=True, help="write the port here")
    parser.add_argument("--write-units", type=int, default=WRITE_UNITS_PER_S)
    parser.add_argument("--read-units", type=int, default=READ_UNITS_PER_S)
    parser.add_argument("--parent", type=int, help="exit when this process is gone")
    args = parser.parse_args(argv)
    if args.parent:
        _exit_with(args.parent)
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from backend_stub.lambda_backend.wsgi_host import serve_forever

    patch_moto_transactions()
    patch_moto_queries()
    app = Throttle(
        _dynamodb_first(DomainDispatcherApplication(create_backend_app)),
        args.write_units,
        args.read_units,
    )
    serve_forever(app, args.host, args.port, args.ready)
    return 0


class DynamoServer:
    """The DynamoDB process, seen from the stub: start it on a free port, make the template's
    table, stop it."""

    def __init__(
        self,
        workdir: Path,
        *,
        write_units: int = WRITE_UNITS_PER_S,
        read_units: int = READ_UNITS_PER_S,
    ) -> None:
        self.workdir = workdir
        self.write_units = write_units
        self.read_units = read_units
        self.url = ""
        self._proc: Any = None

    def start(self, timeout_s: float = 30.0) -> str:
        import subprocess
        import time

        ready = self.workdir / "dynamodb.ready"
        ready.unlink(missing_ok=True)
        argv = [
            sys.executable,
            "-m",
            "backend_stub.lambda_backend.dynamodb",
            "--ready",
            str(ready),
            "--write-units",
            str(self.write_units),
            "--read-units",
            str(self.read_units),
            "--parent",
            str(os.getpid()),
        ]
        with (self.workdir / "dynamodb.log").open("ab") as log:
            self._proc = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # `-m` looks in the working directory first: run where this package lives,
                # not wherever the stub was started (another checkout has its own backend_stub)
                cwd=Path(__file__).resolve().parents[2],
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"DynamoDB (moto) exited with {self._proc.returncode}")
            if ready.exists():
                with contextlib.suppress(ValueError):
                    port = json.loads(ready.read_text())["port"]
                    self.url = f"http://127.0.0.1:{port}"
                    return self.url
            time.sleep(0.05)
        self.stop()
        raise TimeoutError("DynamoDB (moto) did not start")

    def stats(self) -> dict[str, Any]:
        import urllib.request

        with urllib.request.urlopen(self.url + STATS_PATH, timeout=5) as reply:
            return dict(json.loads(reply.read()))

    def stop(self) -> None:
        import subprocess

        if self._proc is None or self._proc.poll() is not None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(10)


if __name__ == "__main__":
    sys.exit(main())
