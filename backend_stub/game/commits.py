"""Group commit: the store writes of one event-loop turn go to SQLite in one transaction.

In a burst thousands of answers arrive a second; a transaction apiece (lock, WAL append,
unlock) made the commit the most expensive part of an answer. A write staged here waits for the
end of the loop turn, commits with every other write staged in that turn, and only then is its
``settle`` step run and its future resolved: nothing built on it — a receipt, a
``publish_success`` — leaves the process before COMMIT returned (the ``kill -9`` guarantee).

A turn that stages ``batch`` writes commits them at once instead of waiting for its end, so one
transaction (and the loop stall of committing it) stays bounded however big the turn.

If a write raises, the turn's transaction is rolled back and every write is retried in a
transaction of its own, so one bad write fails alone. Any other store write must call
:meth:`GroupCommit.flush` first, so the store sees writes in the order they were decided.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

log = logging.getLogger("quizwire.stub.store")

W = TypeVar("W")
T = TypeVar("T")


class Transactional(Protocol):
    def transaction(self) -> AbstractContextManager[None]: ...


def _unchanged(value: W) -> W:
    return value


class _Staged:
    __slots__ = ("future", "settle", "write")

    def __init__(
        self, write: Callable[[], Any], settle: Callable[[Any], Any], future: asyncio.Future[Any]
    ) -> None:
        self.write = write
        self.settle = settle
        self.future = future


BATCH = 256  # writes per transaction at most: what settles them (receipts) goes out this often


class GroupCommit:
    def __init__(self, store: Transactional, batch: int = BATCH) -> None:
        self._store = store
        self.batch = batch
        self._staged: list[_Staged] = []
        self._scheduled = False
        self.transactions = 0  # commits made (a turn's batch counts once)
        self.writes = 0

    def stage(self, write: Callable[[], W], settle: Callable[[W], T]) -> asyncio.Future[T]:
        """Run ``write`` in this turn's transaction; once it committed, ``settle(result)``
        runs (synchronously, in staging order) and the future resolves with what it returns."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._staged.append(_Staged(write, settle, future))
        if len(self._staged) >= self.batch:
            self.flush()
        elif not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._end_of_turn)
        return future

    def stage_write(self, write: Callable[[], W]) -> asyncio.Future[W]:
        """:meth:`stage` with nothing to settle: the future resolves with what ``write`` returned."""
        return self.stage(write, _unchanged)

    def _end_of_turn(self) -> None:
        self._scheduled = False
        self.flush()

    @property
    def pending(self) -> int:
        return len(self._staged)

    def flush(self) -> None:
        """Commit everything staged now (a no-op if nothing is)."""
        staged, self._staged = self._staged, []
        if not staged:
            return
        try:
            results = self._commit_together(staged)
        except Exception:
            log.warning("a group commit of %d writes failed; writing them one by one", len(staged))
            results = list(self._commit_one_by_one(staged))
        for item, (ok, value) in zip(staged, results, strict=True):
            if ok:
                try:
                    value = item.settle(value)
                except Exception as exc:
                    ok, value = False, exc
            if item.future.done():  # the waiter went away (its connection closed)
                continue
            if ok:
                item.future.set_result(value)
            else:
                item.future.set_exception(value)

    def _commit_together(self, staged: list[_Staged]) -> list[tuple[bool, Any]]:
        with self._store.transaction():
            results = [(True, item.write()) for item in staged]
        self.transactions += 1
        self.writes += len(staged)
        return results

    def _commit_one_by_one(self, staged: list[_Staged]) -> Iterator[tuple[bool, Any]]:
        for item in staged:
            try:
                with self._store.transaction():
                    value = item.write()
            except Exception as exc:
                yield False, exc
            else:
                self.transactions += 1
                self.writes += 1
                yield True, value
