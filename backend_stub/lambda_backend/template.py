"""``backend/template.yaml`` read as CloudFormation would read it, for the local Lambda mode:
parameters (defaults, overridable), conditions, and the intrinsic functions the template uses
(``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::If``, ``Fn::Equals``, ``Fn::Not``, ``Fn::Join``),
resolved against the local stand-ins of the stack's resources (see :meth:`Template.bind`)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).resolve().parents[2] / "backend" / "template.yaml"
_SUB = re.compile(r"\$\{([^}!][^}]*)\}")
_NO_VALUE = object()


class TemplateError(Exception):
    """The template uses something the local mode cannot stand in for."""


@dataclass(frozen=True)
class Function:
    logical_id: str
    handler: str  # module.attribute
    environment: dict[str, str]
    timeout_s: float
    max_retries: int  # asynchronous invocations: EventInvokeConfig.MaximumRetryAttempts
    max_event_age_s: float


@dataclass(frozen=True)
class Namespace:
    name: str
    publish_auth: tuple[str, ...]
    subscribe_auth: tuple[str, ...]
    code: str | None  # APPSYNC_JS source (CodeHandlers)
    on_publish: dict[str, Any] | None  # HandlerConfig: Behavior, Integration{DataSource,...}
    on_subscribe: dict[str, Any] | None


@dataclass(frozen=True)
class Route:
    path: str  # OpenAPI form: /games/{code}
    method: str  # GET / POST
    integration: dict[str, Any]
    signed: bool  # security: sigv4 (API Gateway's AWS_IAM)


@dataclass
class Template:
    """The parsed template with its parameters; ``bind`` supplies what ``Ref``/``GetAtt``
    of each resource mean locally."""

    body: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    bindings: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = TEMPLATE, overrides: Mapping[str, Any] | None = None) -> Template:
        from cfnlint.decode import cfn_yaml

        body = json.loads(json.dumps(cfn_yaml.load(str(path))))  # plain types: they are pickled
        params = {k: v.get("Default") for k, v in (body.get("Parameters") or {}).items()}
        for key, value in (overrides or {}).items():
            if key not in params:
                raise TemplateError(f"the template has no parameter {key!r}")
            params[key] = value
        return cls(body, params)

    def bind(self, **values: Any) -> None:
        """``Logical`` (Ref) or ``Logical.Attribute`` (GetAtt) -> local value; ``AWS::*``."""
        self.bindings.update(values)

    # -- intrinsic functions --------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            if len(value) == 1:
                (key, arg), *_ = value.items()
                if key == "Ref":
                    return self._ref(str(arg))
                if key == "Fn::GetAtt":
                    logical, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
                    return self._lookup(f"{logical}.{attribute}")
                if key == "Fn::Sub":
                    return self._sub(arg)
                if key == "Fn::If":
                    name, yes, no = arg
                    return self.resolve(yes if self.condition(name) else no)
                if key == "Fn::Equals":
                    a, b = (self.resolve(v) for v in arg)
                    return str(a) == str(b)
                if key == "Fn::Not":
                    return not self.resolve(arg[0])
                if key == "Fn::Join":
                    sep, parts = arg
                    return str(sep).join(str(self.resolve(p)) for p in parts)
                if key == "Condition":
                    return self.condition(str(arg))
            resolved = {k: self.resolve(v) for k, v in value.items()}
            return {k: v for k, v in resolved.items() if v is not _NO_VALUE}
        if isinstance(value, list):
            return [v for v in (self.resolve(i) for i in value) if v is not _NO_VALUE]
        return value

    def condition(self, name: str) -> bool:
        conditions = self.body.get("Conditions") or {}
        if name not in conditions:
            raise TemplateError(f"no condition {name!r}")
        return bool(self.resolve(conditions[name]))

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.parameters:
            return self.parameters[name]
        return self._lookup(name)

    def _lookup(self, name: str) -> Any:
        if name not in self.bindings:
            raise TemplateError(f"nothing local stands in for {name!r}")
        return self.bindings[name]

    def _sub(self, arg: Any) -> str:
        text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        variables = {k: self.resolve(v) for k, v in local.items()}

        def one(match: re.Match[str]) -> str:
            name = match[1]
            if name in variables:
                return str(variables[name])
            return str(self._ref(name) if "." not in name else self._lookup(name))

        return _SUB.sub(one, str(text))

    # -- resources --------------------------------------------------------------------------

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        """Resources of one type whose Condition (if any) holds, by logical id."""
        return {
            logical: resource
            for logical, resource in self.body["Resources"].items()
            if resource["Type"] == kind
            and ("Condition" not in resource or self.condition(resource["Condition"]))
        }

    def function(self, logical_id: str) -> Function:
        resource = self.body["Resources"][logical_id]
        if resource["Type"] != "AWS::Serverless::Function":
            raise TemplateError(f"{logical_id} is not a function")
        props = resource["Properties"]
        globals_ = (self.body.get("Globals") or {}).get("Function") or {}
        env = {
            **((globals_.get("Environment") or {}).get("Variables") or {}),
            **((props.get("Environment") or {}).get("Variables") or {}),
        }
        invoke = props.get("EventInvokeConfig") or {}
        return Function(
            logical_id=logical_id,
            handler=str(props["Handler"]),
            environment={k: str(self.resolve(v)) for k, v in env.items()},
            timeout_s=float(props.get("Timeout", globals_.get("Timeout", 3))),
            max_retries=int(invoke.get("MaximumRetryAttempts", 2)),
            max_event_age_s=float(invoke.get("MaximumEventAgeInSeconds", 21600)),
        )

    def functions(self) -> dict[str, Function]:
        return {k: self.function(k) for k in self.resources("AWS::Serverless::Function")}

    def function_of_arn(self, value: Any) -> str:
        """The logical id behind ``!GetAtt Fn.Arn`` (or ``!Ref Fn``)."""
        if isinstance(value, Mapping) and "Fn::GetAtt" in value:
            arg = value["Fn::GetAtt"]
            return str(arg[0] if isinstance(arg, list) else str(arg).split(".")[0])
        if isinstance(value, Mapping) and "Ref" in value:
            return str(value["Ref"])
        raise TemplateError(f"not a function reference: {value!r}")

    def data_source_function(self, name_ref: Any) -> str:
        """The function behind a Lambda data source named by ``!GetAtt DS.Name``."""
        logical = self.function_of_arn(name_ref)
        props = self.body["Resources"][logical]["Properties"]
        if props["Type"] != "AWS_LAMBDA":
            raise TemplateError(f"data source {logical} is {props['Type']}, not AWS_LAMBDA")
        return self.function_of_arn(props["LambdaConfig"]["LambdaFunctionArn"])

    def namespaces(self) -> list[Namespace]:
        out = []
        for resource in self.resources("AWS::AppSync::ChannelNamespace").values():
            props = resource["Properties"]
            configs = props.get("HandlerConfigs") or {}
            out.append(
                Namespace(
                    name=str(props["Name"]),
                    publish_auth=tuple(m["AuthType"] for m in props.get("PublishAuthModes", [])),
                    subscribe_auth=tuple(
                        m["AuthType"] for m in props.get("SubscribeAuthModes", [])
                    ),
                    code=props.get("CodeHandlers"),
                    on_publish=configs.get("OnPublish"),
                    on_subscribe=configs.get("OnSubscribe"),
                )
            )
        return out

    def event_api(self) -> dict[str, Any]:
        (api,) = self.resources("AWS::AppSync::Api").values()
        return dict(api["Properties"]["EventConfig"])

    def authorizer_function(self) -> str | None:
        for provider in self.event_api()["AuthProviders"]:
            if provider["AuthType"] == "AWS_LAMBDA":
                config = provider["LambdaAuthorizerConfig"]
                return self.function_of_arn(config["AuthorizerUri"])
        return None

    def table(self) -> tuple[str, dict[str, Any]]:
        """The one DynamoDB table: logical id and CreateTable arguments."""
        ((logical, resource),) = self.resources("AWS::DynamoDB::Table").items()
        props = resource["Properties"]
        args = {
            k: self.resolve(props[k])
            for k in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
            if k in props
        }
        stream = props.get("StreamSpecification")
        if stream:
            args["StreamSpecification"] = {"StreamEnabled": True, **stream}
        return logical, args

    def stream_consumer(self) -> tuple[str, dict[str, Any]] | None:
        """The function reading the table's stream and its event source settings."""
        for logical, resource in self.resources("AWS::Serverless::Function").items():
            for event in (resource["Properties"].get("Events") or {}).values():
                if event["Type"] == "DynamoDB":
                    return logical, dict(event["Properties"])
        return None

    def routes(self) -> tuple[list[Route], dict[str, Any]]:
        """The REST API's routes and its ``x-amazon-apigateway-gateway-responses``."""
        ((_, api),) = self.resources("AWS::Serverless::Api").items()
        body = api["Properties"]["DefinitionBody"]
        routes = [
            Route(
                path=path,
                method=method.upper(),
                integration=dict(op["x-amazon-apigateway-integration"]),
                signed=op.get("security") == [{"sigv4": []}],
            )
            for path, ops in body["paths"].items()
            for method, op in ops.items()
        ]
        return routes, dict(body.get("x-amazon-apigateway-gateway-responses") or {})

    def stage_throttle(self) -> tuple[float, float]:
        """API Gateway's stage-wide per-method throttle: (rate per s, burst)."""
        ((_, api),) = self.resources("AWS::Serverless::Api").items()
        for setting in api["Properties"].get("MethodSettings") or []:
            if setting.get("ResourcePath") == "/*":
                return (
                    float(self.resolve(setting["ThrottlingRateLimit"])),
                    float(self.resolve(setting["ThrottlingBurstLimit"])),
                )
        return float("inf"), float("inf")

    def state_machine(self, logical_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """A state machine's definition and its DefinitionSubstitutions (unresolved)."""
        props = self.body["Resources"][logical_id]["Properties"]
        return dict(props["Definition"]), dict(props.get("DefinitionSubstitutions") or {})


__all__ = ["TEMPLATE", "Function", "Namespace", "Route", "Template", "TemplateError"]
