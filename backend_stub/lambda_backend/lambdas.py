"""The Lambda functions of the template, run locally: each function gets its own pool of worker
processes (its warm "execution environments"), forked from a server that has the handler
modules imported, with the function's environment from the template. A process serves one
invocation at a time, as Lambda does, so module-level state behaves as on AWS.

- :meth:`Lambdas.invoke`: ``RequestResponse`` (the authorizer, API Gateway's proxy routes, the
  stream consumer, the deadline state machine's task).
- :meth:`Lambdas.invoke_async`: ``Event``. Queued; a failed invocation is retried
  ``MaximumRetryAttempts`` times (Lambda waits about a minute, then two: here a second, then
  two), then handed to the OnFailure destination - locally ``failed-events.jsonl`` in the data
  dir, and counted.

Handler output (Powertools' JSON logs and EMF metrics) goes to ``lambda.log`` in the data dir.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import multiprocessing as mp
import os
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend_stub.lambda_backend.template import Function

log = logging.getLogger("quizwire.stub.lambda")

#: handler modules the fork server imports once, so every worker starts warm
PRELOAD = [
    "boto3",
    "aws_lambda_powertools",
    "backend.functions.admin",
    "backend.functions.answers",
    "backend.functions.authorizer",
    "backend.functions.deadline",
    "backend.functions.entry",
    "backend.functions.results",
    "backend.functions.stream",
]
#: Lambda retries a failed asynchronous invocation after about 1 and 2 minutes; locally the
#: same shape, in seconds
RETRY_DELAYS_S = (1.0, 2.0)
QUEUE_LIMIT = 100_000  # asynchronous invocations waiting (Lambda's queue is unbounded; ours not)


STOP_GRACE_S = 5.0


def _end_workers(pools: list[ProcessPoolExecutor], grace_s: float) -> None:
    """Join every worker process, terminating those still busy after ``grace_s``."""
    deadline = time.monotonic() + grace_s
    workers = [p for pool in pools for p in (getattr(pool, "_processes", None) or {}).values()]
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.is_alive():
            worker.terminate()
            worker.join(2.0)


class InvocationFailed(Exception):
    """The handler raised (``errorType``/``errorMessage`` as Lambda reports them)."""


@dataclass
class _Context:
    """What handlers read of Lambda's context object."""

    function_name: str
    timeout_s: float
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    log_group_name: str = ""
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_s - (time.monotonic() - self._started)) * 1000))


def _worker_init(env: Mapping[str, str], log_path: str, stub_pid: int) -> None:
    """A new execution environment: the function's environment; its output to the log file;
    gone with the stub (a pool's workers never notice their parent's death by themselves)."""
    os.environ.update(env)
    threading.Thread(target=_exit_with, args=(stub_pid,), name="stub-watch", daemon=True).start()
    out = open(log_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - lives with the process
    sys.stdout = sys.stderr = out
    os.dup2(out.fileno(), 1)
    os.dup2(out.fileno(), 2)


def _exit_with(pid: int) -> None:
    while True:
        time.sleep(1.0)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(0)


def _run(handler: str, event: Any, name: str, timeout_s: float) -> dict[str, Any]:
    """One invocation inside a worker: the handler's result, or the error Lambda would report."""
    module_name, _, attribute = handler.rpartition(".")
    try:
        fn = getattr(importlib.import_module(module_name), attribute)
        return {"result": fn(event, _Context(name, timeout_s))}
    except Exception as exc:
        print(json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)[:500]}))
        return {"errorType": type(exc).__name__, "errorMessage": str(exc)[:500]}


@dataclass
class Stats:
    invocations: int = 0
    errors: int = 0
    async_queued: int = 0
    async_retried: int = 0
    async_failed: int = 0  # handed to the OnFailure destination


class Lambdas:
    """The template's functions, ready to invoke by logical id (or by the name ``!Ref`` gives,
    which locally is the logical id)."""

    def __init__(
        self,
        functions: Mapping[str, Function],
        data_dir: Path,
        *,
        concurrency: Mapping[str, int] | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.functions = dict(functions)
        self.data_dir = data_dir
        # Lambda scales a function out to as many environments as its queue needs; here a
        # fixed few. An answer spends most of its time waiting on DynamoDB and the Event API,
        # so answers get the most: with 3, a 2,000-player question's answers queued for
        # seconds past the deadline's grace and were refused as late.
        self.concurrency = {
            "AnswersFunction": 4,
            "AuthorizerFunction": 2,
            "EntryFunction": 3,
            **(concurrency or {}),
        }
        self.extra_env = dict(extra_env or {})
        self.stats = Stats()
        self._pools: dict[str, ProcessPoolExecutor] = {}
        self._ctx = mp.get_context("forkserver")
        self._ctx.set_forkserver_preload(PRELOAD)
        self._queue: asyncio.Queue[tuple[str, Any, int]] = asyncio.Queue(QUEUE_LIMIT)
        self._async_workers: list[asyncio.Task[None]] = []
        self._retries: set[asyncio.Task[None]] = set()
        self.log_path = data_dir / "lambda.log"
        self.failed_path = data_dir / "failed-events.jsonl"

    async def start(self) -> None:
        lanes = sum(self.concurrency.get(f, 1) for f in self.functions)
        self._async_workers = [
            asyncio.create_task(self._drain(), name=f"lambda-async-{i}") for i in range(lanes)
        ]

    async def stop(self) -> None:
        for task in (*self._async_workers, *self._retries):
            task.cancel()
        for task in (*self._async_workers, *self._retries):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        pools = list(self._pools.values())
        self._pools.clear()
        for pool in pools:  # what was queued is dropped; what runs gets a moment to finish
            pool.shutdown(wait=False, cancel_futures=True)
        await asyncio.to_thread(_end_workers, pools, STOP_GRACE_S)

    def warm(self, *names: str) -> None:
        """Start these functions' environments now (no cold start in the first request)."""
        for name in names:
            self._pool(name)

    def _pool(self, name: str) -> ProcessPoolExecutor:
        pool = self._pools.get(name)
        if pool is None:
            fn = self.functions[name]
            env = {
                **fn.environment,
                **self.extra_env,
                "AWS_LAMBDA_FUNCTION_NAME": name,
                "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here
            }
            pool = self._pools[name] = ProcessPoolExecutor(
                max_workers=self.concurrency.get(name, 1),
                mp_context=self._ctx,
                initializer=_worker_init,
                initargs=(env, str(self.log_path), os.getpid()),
            )
        return pool

    def resolve_name(self, name: str) -> str:
        """A function name or ARN as a caller passes it -> the logical id."""
        short = name.rsplit(":function:", 1)[-1].split(":")[0]
        if short not in self.functions:
            raise KeyError(f"no function {name!r}")
        return short

    async def invoke(self, name: str, event: Any) -> Any:
        """``RequestResponse``: the handler's result; :class:`InvocationFailed` if it raised."""
        fn = self.functions[name]
        self.stats.invocations += 1
        loop = asyncio.get_running_loop()
        outcome = await loop.run_in_executor(
            self._pool(name), _run, fn.handler, event, name, fn.timeout_s
        )
        if "errorType" in outcome:
            self.stats.errors += 1
            raise InvocationFailed(f"{name}: {outcome['errorType']}: {outcome['errorMessage']}")
        return outcome["result"]

    def invoke_async(self, name: str, event: Any) -> None:
        """``Event``: accepted at once (Lambda answers 202); run, retried, or dead-lettered."""
        self.stats.async_queued += 1
        self._queue.put_nowait((name, event, 0))

    async def _drain(self) -> None:
        while True:
            name, event, attempt = await self._queue.get()
            try:
                await self.invoke(name, event)
            except InvocationFailed as exc:
                self._failed(name, event, attempt, str(exc))
            except Exception:  # the pool itself broke: log, keep serving
                log.exception("asynchronous invocation of %s could not run", name)

    def _failed(self, name: str, event: Any, attempt: int, error: str) -> None:
        if attempt < min(self.functions[name].max_retries, len(RETRY_DELAYS_S)):
            self.stats.async_retried += 1
            task = asyncio.create_task(self._retry(name, event, attempt + 1))
            self._retries.add(task)
            task.add_done_callback(self._retries.discard)
            return
        self.stats.async_failed += 1
        log.warning("asynchronous invocation of %s failed every retry: %s", name, error)
        record = {"function": name, "error": error, "attempts": attempt + 1, "event": event}
        with self.failed_path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, default=str) + "\n")

    async def _retry(self, name: str, event: Any, attempt: int) -> None:
        await asyncio.sleep(RETRY_DELAYS_S[attempt - 1])
        self._queue.put_nowait((name, event, attempt))


__all__ = ["InvocationFailed", "Lambdas"]
