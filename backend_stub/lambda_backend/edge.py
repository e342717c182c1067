"""The Event API's side of the template: each channel namespace with its auth modes and
handlers, and the Lambda authorizer, as hooks of the stub's Event API.

- ``CodeHandlers`` (APPSYNC_JS) run in one Node process (``handler_host.mjs``); a handler with
  a Lambda data source returns an ``Invoke`` request, which is carried out here (``Event``:
  queued, ``RequestResponse``: awaited) before its ``response`` half runs.
- ``DIRECT`` handler configs invoke the function with the context itself.
- The ``AWS_LAMBDA`` provider's function authorizes tokens; like AppSync, a token that does not
  match ``IdentityValidationExpression`` is refused without invoking it, and a decision is
  cached per token for ``ttlOverride`` (or ``AuthorizerResultTtlInSeconds``) seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from backend_stub.config import Authorizer, Handler, NamespaceConfig
from backend_stub.hooks import HandlerError, Unauthorized
from backend_stub.lambda_backend.lambdas import InvocationFailed, Lambdas
from backend_stub.lambda_backend.template import Namespace, Template, TemplateError

log = logging.getLogger("quizwire.stub.edge")

HOST = Path(__file__).with_name("handler_host.mjs")
CALL_TIMEOUT_S = 10.0
LINE_LIMIT = 8 * 1024 * 1024  # a publish carries up to 5 events of 240 KB
AUTH_CACHE_MAX = 100_000


class NodeHandlers:
    """The APPSYNC_JS handlers of every namespace, in one Node process."""

    def __init__(self, sources: Mapping[str, str], workdir: Path) -> None:
        self.sources = dict(sources)
        self.workdir = workdir
        self.exports: dict[str, list[str]] = {}
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)

    async def start(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError(
                "the local Lambda mode runs the APPSYNC_JS handlers in Node: install node"
            )
        sources = self.workdir / "appsync-handlers.json"
        sources.write_text(json.dumps(self.sources), encoding="utf-8")
        self._proc = await asyncio.create_subprocess_exec(
            node,
            str(HOST),
            str(sources),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=(self.workdir / "appsync-handlers.log").open("ab"),
            limit=LINE_LIMIT,
        )
        assert self._proc.stdout is not None
        async with asyncio.timeout(CALL_TIMEOUT_S):
            ready = json.loads(await self._proc.stdout.readline() or b"{}")
        if "ready" not in ready:
            raise RuntimeError("the APPSYNC_JS handlers did not load (see appsync-handlers.log)")
        self.exports = ready["ready"]
        self._reader = asyncio.create_task(self._read(), name="appsync-js-reader")

    async def stop(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await self._proc.wait()
            if self._proc.returncode is None:
                self._proc.kill()
                await self._proc.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        while line := await self._proc.stdout.readline():
            try:
                answer = json.loads(line)
            except ValueError:
                continue
            future = self._pending.pop(answer.get("id"), None)
            if future is not None and not future.done():
                future.set_result(answer.get("result"))
        for future in self._pending.values():  # Node is gone: nobody will answer
            if not future.done():
                future.set_exception(RuntimeError("the APPSYNC_JS handler process exited"))
        self._pending.clear()

    async def call(
        self, namespace: str, fn: str, ctx: Mapping[str, Any], phase: str | None = None
    ) -> Any:
        assert self._proc is not None and self._proc.stdin is not None
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        line = {"id": request_id, "namespace": namespace, "fn": fn, "phase": phase, "ctx": ctx}
        self._proc.stdin.write(json.dumps(line, separators=(",", ":")).encode() + b"\n")
        try:
            async with asyncio.timeout(CALL_TIMEOUT_S):
                return await future
        finally:
            self._pending.pop(request_id, None)


def _verdict(result: Any) -> Any:
    """An evaluation's outcome as the stub's hooks report it (raise, or the value)."""
    if result == "unauthorized":
        raise Unauthorized()
    if isinstance(result, str) and result.startswith("error: "):
        raise HandlerError(result[len("error: ") :])
    if isinstance(result, str) and result.startswith("crash: "):
        raise RuntimeError(f"APPSYNC_JS handler failed: {result[len('crash: ') :]}")
    return result


class Edge:
    """Namespaces and the authorizer of the template, on the stub's Event API."""

    def __init__(self, template: Template, lambdas: Lambdas, node: NodeHandlers) -> None:
        self.template = template
        self.lambdas = lambdas
        self.node = node
        self._auth_cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._auth_pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.authorizer_calls = 0

    @staticmethod
    def sources(template: Template) -> dict[str, str]:
        return {ns.name: str(ns.code) for ns in template.namespaces() if ns.code}

    def namespaces(self) -> tuple[NamespaceConfig, ...]:
        return tuple(self._namespace(ns) for ns in self.template.namespaces())

    def _namespace(self, ns: Namespace) -> NamespaceConfig:
        exports = self.node.exports.get(ns.name, [])
        on_subscribe: Handler | None = None
        on_publish: Handler | None = None
        if ns.on_subscribe is not None:
            on_subscribe = self._configured(ns, ns.on_subscribe, "onSubscribe")
        elif "onSubscribe" in exports:
            on_subscribe = self._code_subscribe(ns.name)
        if ns.on_publish is not None:
            on_publish = self._configured(ns, ns.on_publish, "onPublish")
        elif "onPublish" in exports:
            on_publish = self._code_publish(ns.name, None)
        return NamespaceConfig(
            ns.name,
            ns.publish_auth,
            ns.subscribe_auth,
            on_publish=on_publish,
            on_subscribe=on_subscribe,
        )

    def _configured(self, ns: Namespace, config: Mapping[str, Any], fn: str) -> Handler:
        integration = config.get("Integration") or {}
        function = self.template.data_source_function(integration["DataSourceName"])
        if config["Behavior"] == "CODE":
            if fn == "onSubscribe":
                return self._code_subscribe(ns.name, function)
            return self._code_publish(ns.name, function)
        if config["Behavior"] == "DIRECT":
            invoke_type = (integration.get("LambdaConfig") or {}).get(
                "InvokeType", "REQUEST_RESPONSE"
            )
            return self._direct(function, invoke_type, fn)
        raise TemplateError(f"namespace {ns.name}: unknown behavior {config['Behavior']!r}")

    def _code_subscribe(self, namespace: str, function: str | None = None) -> Handler:
        async def on_subscribe(ctx: dict[str, Any]) -> None:
            result = _verdict(await self.node.call(namespace, "onSubscribe", ctx, "request"))
            if function is not None and isinstance(result, dict) and "request" in result:
                await self._carry_out(function, result["request"])

        return on_subscribe

    def _code_publish(self, namespace: str, function: str | None) -> Handler:
        async def on_publish(ctx: dict[str, Any]) -> Any:
            first = _verdict(await self.node.call(namespace, "onPublish", ctx, "request"))
            if isinstance(first, dict) and "earlyReturn" in first:
                return first["earlyReturn"]
            if isinstance(first, dict) and "returned" in first:  # a plain onPublish function
                return first["returned"]
            if function is None or not isinstance(first, dict) or "request" not in first:
                raise RuntimeError(f"namespace {namespace}: unexpected onPublish result {first!r}")
            result = await self._carry_out(function, first["request"])
            second = _verdict(
                await self.node.call(namespace, "onPublish", {**ctx, "result": result}, "response")
            )
            return second.get("returned") if isinstance(second, dict) else None

        return on_publish

    async def _carry_out(self, function: str, request: Mapping[str, Any]) -> Any:
        """A Lambda data source request: ``{operation: Invoke, invocationType?, payload}``."""
        if request.get("operation") != "Invoke":
            raise RuntimeError(f"unsupported data source operation {request.get('operation')!r}")
        if request.get("invocationType") == "Event":
            self.lambdas.invoke_async(function, request.get("payload"))
            return None
        try:
            return await self.lambdas.invoke(function, request.get("payload"))
        except InvocationFailed as exc:
            raise HandlerError(str(exc)) from exc

    def _direct(self, function: str, invoke_type: str, fn: str) -> Handler:
        async def direct(ctx: dict[str, Any]) -> Any:
            if invoke_type == "EVENT":  # AppSync does not wait; events broadcast as sent
                self.lambdas.invoke_async(function, ctx)
                return ctx.get("events") if fn == "onPublish" else None
            try:
                return await self.lambdas.invoke(function, ctx)
            except InvocationFailed as exc:
                raise HandlerError(str(exc)) from exc

        return direct

    # -- the Lambda authorizer -------------------------------------------------------------

    def authorizer(self) -> Authorizer | None:
        function = self.template.authorizer_function()
        if function is None:
            return None
        config = next(
            p["LambdaAuthorizerConfig"]
            for p in self.template.event_api()["AuthProviders"]
            if p["AuthType"] == "AWS_LAMBDA"
        )
        pattern = config.get("IdentityValidationExpression")
        valid = re.compile(pattern) if pattern else None
        default_ttl = float(self.template.resolve(config.get("AuthorizerResultTtlInSeconds", 0)))

        async def authorize(request: dict[str, Any]) -> dict[str, Any]:
            token = str(request.get("authorizationToken") or "")
            if valid is not None and not valid.fullmatch(token):
                return {"isAuthorized": False}
            now = time.monotonic()
            cached = self._auth_cache.get(token)
            if cached is not None and cached[0] > now:
                return cached[1]
            pending = self._auth_pending.get(token)
            if pending is not None:  # a connect and its subscribes arrive together: ask once
                return dict(await asyncio.shield(pending))
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self._auth_pending[token] = future
            try:
                decision = await self._ask(function, request)
                future.set_result(decision)
            finally:
                self._auth_pending.pop(token, None)
                if not future.done():
                    future.set_result({"isAuthorized": False})
            ttl = decision.get("ttlOverride", default_ttl)
            if isinstance(ttl, int | float) and ttl > 0:
                if len(self._auth_cache) >= AUTH_CACHE_MAX:
                    self._auth_cache.clear()
                self._auth_cache[token] = (now + float(ttl), decision)
            return decision

        return authorize

    async def _ask(self, function: str, request: dict[str, Any]) -> dict[str, Any]:
        self.authorizer_calls += 1
        try:
            return dict(await self.lambdas.invoke(function, request))
        except InvocationFailed:
            log.exception("the Lambda authorizer failed; denying")
            return {"isAuthorized": False}


__all__ = ["Edge", "NodeHandlers"]
