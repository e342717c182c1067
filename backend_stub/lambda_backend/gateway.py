"""API Gateway's side of the template, on the stub's HTTP server: every path of the game API's
OpenAPI body, with its integration.

- ``aws_proxy``: the route's function gets an API Gateway REST proxy event; its
  ``{statusCode, headers, body}`` is the response (a failed invocation: 502, as API Gateway).
- ``aws`` with a DynamoDB action (the entry check): the request template (Velocity) becomes the
  DynamoDB call, the integration response is chosen by DynamoDB's HTTP status
  (``selectionPattern``s, ``default`` otherwise) and its template renders the body.
- ``security: sigv4`` routes (``AWS_IAM``): the request must be SigV4-signed for
  ``execute-api`` with credentials the stub knows.
- Stage throttling: a token bucket per method at the stage's rate and burst.
Refusals use the template's gateway responses (``THROTTLED``, ``ACCESS_DENIED``, ...).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from backend_stub.config import StubConfig
from backend_stub.game.http_api import verify_presenter
from backend_stub.game.ratelimit import TokenBucket
from backend_stub.lambda_backend.lambdas import InvocationFailed, Lambdas
from backend_stub.lambda_backend.template import Route, Template, TemplateError
from backend_stub.lambda_backend.vtl import render
from eventapi import sigv4

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STAGE = "local"


class Gateway:
    def __init__(
        self,
        template: Template,
        lambdas: Lambdas,
        config: StubConfig,
        dynamodb: Callable[[], Any],
    ) -> None:
        self.template = template
        self.lambdas = lambdas
        self.config = config
        self.dynamodb = dynamodb  # a boto3 DynamoDB client (API Gateway's service role)
        self.routes_, self.gateway_responses = template.routes()
        self.rate, self.burst = template.stage_throttle()
        self.entry_requests = 0  # the names of the SQLite stub's counters
        self.entry_throttled = 0
        # the names this API answers to, from configuration (set once the server listens)
        self.expected_hosts: frozenset[str] | None = None

    def routes(self) -> list[web.RouteDef]:
        # literal segments before parameters, as API Gateway prefers the more specific path
        ordered = sorted(self.routes_, key=lambda r: (r.path.count("{"), -len(r.path)))
        return [web.route(r.method, r.path, self._handler(r)) for r in ordered]

    def _handler(self, route: Route) -> Handler:
        bucket = TokenBucket(self.rate, self.burst)
        integration = route.integration

        async def handle(request: web.Request) -> web.StreamResponse:
            self.entry_requests += 1
            if bucket.take() > 0:
                self.entry_throttled += 1
                return self._gateway_response("THROTTLED", 429)
            body = await request.read()
            if route.signed:
                refusal = self._check_signature(request, body)
                if refusal is not None:
                    return refusal
            if integration["type"] == "aws_proxy":
                return await self._proxy(route, request, body)
            if integration["type"] == "aws":
                return await self._service(route, request)
            raise TemplateError(f"{route.path}: integration type {integration['type']!r}")

        return handle

    # -- refusals ------------------------------------------------------------------------------

    def _gateway_response(self, kind: str, status: int) -> web.Response:
        spec = self.gateway_responses.get(kind) or self.gateway_responses.get("DEFAULT_4XX") or {}
        headers = {
            name.removeprefix("gatewayresponse.header."): str(value).strip("'")
            for name, value in (spec.get("responseParameters") or {}).items()
        }
        text = (spec.get("responseTemplates") or {}).get("application/json") or json.dumps(
            {"message": kind}
        )
        return web.Response(
            status=int(spec.get("statusCode", status)),
            text=str(text),
            content_type="application/json",
            headers=headers,
        )

    def _check_signature(self, request: web.Request, body: bytes) -> web.Response | None:
        if "Authorization" not in request.headers:
            return self._gateway_response("MISSING_AUTHENTICATION_TOKEN", 403)
        try:
            verify_presenter(request, body, self.config, self.expected_hosts)
        except sigv4.SignatureMismatch:
            return self._gateway_response("INVALID_SIGNATURE", 403)
        except sigv4.SignatureError:
            return self._gateway_response("ACCESS_DENIED", 403)
        return None

    # -- Lambda proxy integration ---------------------------------------------------------------

    async def _proxy(self, route: Route, request: web.Request, body: bytes) -> web.Response:
        uri = str(self.template.resolve(route.integration["uri"]))
        function = self.lambdas.resolve_name(uri.split("/functions/", 1)[1].split("/", 1)[0])
        event = proxy_event(route, request, body)
        try:
            answer = await self.lambdas.invoke(function, event)
        except InvocationFailed:
            return self._gateway_response("DEFAULT_5XX", 502)
        headers = dict(answer.get("headers") or {})
        for name, values in (answer.get("multiValueHeaders") or {}).items():
            headers[name] = ", ".join(str(v) for v in values)
        headers.pop("Content-Length", None)
        return web.Response(
            status=int(answer.get("statusCode", 200)),
            body=str(answer.get("body") or "").encode(),
            headers=headers,
        )

    # -- AWS service (DynamoDB) integration ------------------------------------------------------

    async def _service(self, route: Route, request: web.Request) -> web.Response:
        integration = route.integration
        uri = str(self.template.resolve(integration["uri"]))  # arn:…:apigateway:r:dynamodb:action/X
        if uri.split(":")[4] != "dynamodb" or "action/" not in uri:
            raise TemplateError(f"{route.path}: only DynamoDB actions are integrated: {uri}")
        action = uri.rsplit("action/", 1)[1]
        params = dict(request.match_info)
        source = self.template.resolve(integration["requestTemplates"]["application/json"])
        call, _ = render(str(source), params, {})
        status, reply = await asyncio.to_thread(self._call_dynamodb, action, json.loads(call))
        chosen = integration["responses"]["default"]
        for pattern, response in integration["responses"].items():
            if pattern != "default" and re.fullmatch(pattern, str(status)):
                chosen = response
                break
        template = (chosen.get("responseTemplates") or {}).get("application/json", "")
        text, context = render(str(template), params, reply)
        headers = {
            name.removeprefix("method.response.header."): str(value).strip("'")
            for name, value in (chosen.get("responseParameters") or {}).items()
        }
        final = context["responseOverride"].get("status", chosen.get("statusCode", 200))
        return web.Response(
            status=int(final), text=text, content_type="application/json", headers=headers
        )

    def _call_dynamodb(self, action: str, call: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        """The DynamoDB API call as API Gateway makes it: its HTTP status and JSON body."""
        method = re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()
        try:
            reply = dict(getattr(self.dynamodb(), method)(**call))
        except Exception as exc:
            response = getattr(exc, "response", None)
            if not isinstance(response, Mapping):
                raise
            status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500))
            error = response.get("Error", {})
            return status, {"__type": error.get("Code"), "message": error.get("Message")}
        reply.pop("ResponseMetadata", None)
        return 200, reply


def proxy_event(route: Route, request: web.Request, body: bytes) -> dict[str, Any]:
    """API Gateway's REST proxy event for a request on ``route``."""
    headers = dict(request.headers)
    query = {k: request.query.getone(k) for k in request.query}
    return {
        "resource": route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": {k: request.headers.getall(k) for k in request.headers},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: request.query.getall(k) for k in request.query}
        or None,
        "pathParameters": dict(request.match_info) or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.path,
            "httpMethod": request.method,
            "stage": STAGE,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "path": f"/{STAGE}{request.path}",
            "identity": {"sourceIp": request.remote or "127.0.0.1"},
        },
        "body": body.decode("utf-8", "replace") if body else None,
        "isBase64Encoded": False,
    }


__all__ = ["Gateway", "proxy_event"]
