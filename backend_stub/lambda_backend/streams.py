"""The table's stream to its consumer function, as Lambda's event source mapping does it: poll
each shard, batch up to ``BatchSize`` records within ``MaximumBatchingWindowInSeconds``, invoke
the function; with ``ReportBatchItemFailures`` a batch is retried from its first failed record,
at most ``MaximumRetryAttempts`` times, then handed to the OnFailure destination (locally
``failed-events.jsonl``) and the shard moves on."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

from backend_stub.lambda_backend.lambdas import InvocationFailed, Lambdas

log = logging.getLogger("quizwire.stub.streams")


def _plain(value: Any) -> Any:
    """boto3's parse of a stream record -> the JSON Lambda delivers (dates as epoch seconds)."""
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class StreamPoller:
    def __init__(
        self,
        lambdas: Lambdas,
        function: str,
        settings: dict[str, Any],
        streams: Any,
        stream_arn: str,
        failed_path: Path,
    ) -> None:
        self.lambdas = lambdas
        self.function = function
        self.batch_size = int(settings.get("BatchSize", 100))
        self.window_s = float(settings.get("MaximumBatchingWindowInSeconds", 0) or 0.5)
        self.max_retries = int(settings.get("MaximumRetryAttempts", 3))
        self.partial = "ReportBatchItemFailures" in (settings.get("FunctionResponseTypes") or [])
        self.streams = streams  # a boto3 DynamoDB Streams client
        self.stream_arn = stream_arn
        self.failed_path = failed_path
        self.batches = 0
        self.records = 0
        self.dead_lettered = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._poll(), name="stream-poller")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _poll(self) -> None:
        iterators: dict[str, str] = {}
        pending: list[dict[str, Any]] = []
        while True:
            await asyncio.sleep(self.window_s)
            try:
                pending.extend(await asyncio.to_thread(self._read, iterators))
            except Exception:
                log.exception("reading the table's stream failed")
                continue
            while pending:
                batch, pending = pending[: self.batch_size], pending[self.batch_size :]
                await self._deliver(batch)

    def _read(self, iterators: dict[str, str]) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in shards["Shards"]:
            sid = shard["ShardId"]
            iterator = (
                iterators.get(sid)
                or self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            page = self.streams.get_records(ShardIterator=iterator, Limit=1000)
            iterators[sid] = page.get("NextShardIterator") or iterator
            for record in page.get("Records", []):
                records.append({**_plain(record), "eventSourceARN": self.stream_arn})
        return records

    async def _deliver(self, batch: list[dict[str, Any]]) -> None:
        for _attempt in range(self.max_retries + 1):
            self.batches += 1
            try:
                answer = await self.lambdas.invoke(self.function, {"Records": batch})
            except InvocationFailed:
                log.warning("stream batch failed; retrying it")
                continue
            failures = (answer or {}).get("batchItemFailures") or [] if self.partial else []
            if not failures:
                self.records += len(batch)
                return
            first = str(failures[0].get("itemIdentifier"))
            numbers = [str(r["dynamodb"].get("SequenceNumber")) for r in batch]
            start = numbers.index(first) if first in numbers else 0
            self.records += start
            batch = batch[start:]  # retried from the first failed record on
        self.dead_lettered += len(batch)
        with self.failed_path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"function": self.function, "records": batch}, default=str) + "\n")


__all__ = ["StreamPoller"]
