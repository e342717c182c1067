"""The two AWS APIs the functions call besides DynamoDB and the Event API, served by the stub
so the functions' own boto3 clients work unchanged (``AWS_ENDPOINT_URL_LAMBDA``,
``AWS_ENDPOINT_URL_SFN``):

- Lambda ``Invoke`` (``/2015-03-31/functions/{name}/invocations``): the results fan-out's
  asynchronous invocation (``X-Amz-Invocation-Type: Event`` -> 202) or a synchronous one.
- Step Functions ``StartExecution``: the template's state machines, run here. The interpreter
  knows what the deadline machine uses: ``Wait`` (``TimestampPath``/``Timestamp``/``Seconds``)
  and a ``Task`` on ``lambda:invoke`` with ``Retry``; an execution name is unique per machine
  (``ExecutionAlreadyExists``), as on AWS.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from backend_stub.lambda_backend.lambdas import InvocationFailed, Lambdas
from backend_stub.lambda_backend.template import Template, TemplateError

log = logging.getLogger("quizwire.stub.local-aws")

LAMBDA_PREFIX = "/_aws/lambda"
STATES_PREFIX = "/_aws/states"
ACCOUNT = "000000000000"
MAX_EXECUTIONS = 10_000  # remembered names per machine (a game has a few dozen)


def state_machine_arn(region: str, logical_id: str) -> str:
    return f"arn:aws:states:{region}:{ACCOUNT}:stateMachine:{logical_id}"


def _error(status: int, kind: str, message: str) -> web.Response:
    return web.json_response(
        {"__type": kind, "message": message},
        status=status,
        content_type="application/x-amz-json-1.0",
    )


class LocalAws:
    def __init__(self, template: Template, lambdas: Lambdas, region: str) -> None:
        self.template = template
        self.lambdas = lambdas
        self.region = region
        self.machines = {
            state_machine_arn(region, logical): logical
            for logical in template.resources("AWS::Serverless::StateMachine")
        }
        self._names: dict[str, set[str]] = {arn: set() for arn in self.machines}
        self._runs: set[asyncio.Task[None]] = set()
        self.executions = 0

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post(LAMBDA_PREFIX + "/2015-03-31/functions/{name}/invocations", self._invoke),
            web.post(STATES_PREFIX + "/", self._states),
            web.post(STATES_PREFIX, self._states),
        ]

    async def stop(self) -> None:
        for run in list(self._runs):
            run.cancel()
        for run in list(self._runs):
            with contextlib.suppress(asyncio.CancelledError):
                await run

    # -- Lambda Invoke -------------------------------------------------------------------------

    async def _invoke(self, request: web.Request) -> web.Response:
        try:
            name = self.lambdas.resolve_name(request.match_info["name"])
        except KeyError:
            return _error(404, "ResourceNotFoundException", "Function not found")
        raw = await request.read()
        try:
            payload = json.loads(raw) if raw else {}
        except ValueError:
            return _error(400, "InvalidRequestContentException", "Could not parse the payload")
        if request.headers.get("X-Amz-Invocation-Type", "RequestResponse") == "Event":
            self.lambdas.invoke_async(name, payload)
            return web.Response(status=202)
        try:
            result = await self.lambdas.invoke(name, payload)
        except InvocationFailed as exc:
            return web.json_response(
                {"errorMessage": str(exc)}, headers={"X-Amz-Function-Error": "Unhandled"}
            )
        return web.json_response(result)

    # -- Step Functions -------------------------------------------------------------------------

    async def _states(self, request: web.Request) -> web.Response:
        target = request.headers.get("X-Amz-Target", "")
        if target != "AWSStepFunctions.StartExecution":
            return _error(400, "UnknownOperationException", f"{target} is not served locally")
        call = json.loads(await request.read() or b"{}")
        arn = str(call.get("stateMachineArn"))
        if arn not in self.machines:
            return _error(400, "StateMachineDoesNotExist", f"State Machine Does Not Exist: {arn}")
        name = str(call.get("name"))
        names = self._names[arn]
        if name in names:
            return _error(400, "ExecutionAlreadyExists", f"Execution Already Exists: '{name}'")
        if len(names) >= MAX_EXECUTIONS:
            names.clear()
        names.add(name)
        state = json.loads(call.get("input") or "{}")
        run = asyncio.create_task(self._run(self.machines[arn], state), name=f"sfn {name}")
        self._runs.add(run)
        run.add_done_callback(self._runs.discard)
        self.executions += 1
        execution = arn.replace(":stateMachine:", ":execution:") + f":{name}"
        return web.json_response(
            {"executionArn": execution, "startDate": time.time()},
            content_type="application/x-amz-json-1.0",
        )

    async def _run(self, logical_id: str, state: Any) -> None:
        definition, substitutions = self.template.state_machine(logical_id)
        values = {k: self.template.resolve(v) for k, v in substitutions.items()}
        current = definition["StartAt"]
        try:
            while True:
                step = definition["States"][current]
                if step["Type"] == "Wait":
                    await asyncio.sleep(_wait_seconds(step, state))
                elif step["Type"] == "Task":
                    state = await self._task(step, state, values)
                else:
                    raise TemplateError(f"state type {step['Type']!r} is not run locally")
                if step.get("End"):
                    return
                current = step["Next"]
        except Exception:
            log.exception("execution of %s failed", logical_id)

    async def _task(self, step: Mapping[str, Any], state: Any, values: Mapping[str, Any]) -> Any:
        resource = _substitute(step["Resource"], values)
        if not str(resource).endswith(":states:::lambda:invoke"):
            raise TemplateError(f"task resource {resource!r} is not run locally")
        params = step.get("Parameters") or {}
        function = self.lambdas.resolve_name(_substitute(params["FunctionName"], values))
        payload = state if params.get("Payload.$") == "$" else params.get("Payload")
        retry = (step.get("Retry") or [{}])[0]
        attempts = int(retry.get("MaxAttempts", 0)) + 1
        wait, backoff = float(retry.get("IntervalSeconds", 1)), float(retry.get("BackoffRate", 2))
        for attempt in range(attempts):
            try:
                return {"Payload": await self.lambdas.invoke(function, payload)}
            except InvocationFailed:
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(wait * backoff**attempt)
        return state


def _substitute(text: str, values: Mapping[str, Any]) -> str:
    for key, value in values.items():
        text = text.replace("${" + key + "}", str(value))
    return text


def _wait_seconds(step: Mapping[str, Any], state: Any) -> float:
    if "Seconds" in step:
        return float(step["Seconds"])
    stamp = step.get("Timestamp")
    if "TimestampPath" in step:
        stamp = state
        for part in str(step["TimestampPath"]).removeprefix("$.").split("."):
            stamp = stamp[part]
    when = dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    return max(0.0, when.timestamp() - time.time())


__all__ = ["LAMBDA_PREFIX", "STATES_PREFIX", "LocalAws", "state_machine_arn"]
