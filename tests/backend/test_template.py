"""Offline checks of backend/template.yaml: cfn-lint, `sam validate` (the SAM translator) and
`sam validate --lint`, and the properties the design depends on."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

cfnlint_api = pytest.importorskip("cfnlint.api")
from cfnlint.decode import cfn_yaml  # noqa: E402

from backend.dynamo_store import TABLE_SCHEMA  # noqa: E402

BACKEND = Path(__file__).resolve().parents[2] / "backend"
TEMPLATE = BACKEND / "template.yaml"

#: docs/architecture.md's channel table, as AppSync auth modes.
CHANNEL_AUTH = {
    "game": (["AWS_IAM"], ["API_KEY", "AWS_LAMBDA", "AWS_IAM"]),
    "question": (["AWS_IAM"], ["API_KEY", "AWS_LAMBDA", "AWS_IAM"]),
    "leaderboard": (["AWS_IAM"], ["API_KEY", "AWS_LAMBDA", "AWS_IAM"]),
    # players publish as themselves; the answers function adds the judged feed (IAM)
    "answer": (["AWS_LAMBDA", "AWS_IAM"], ["AWS_IAM"]),
    "scores": (["AWS_IAM"], ["AWS_LAMBDA"]),
    "default": (["API_KEY"], ["API_KEY"]),
}

#: Where each function may publish (what its code paths publish, nothing more). Results of a
#: reveal go out from the results function only, whoever closed the question.
PUBLISHES = {
    "AnswersFunction": {"scores", "answer"},
    "EntryFunction": {"game"},
    "AdminFunction": {"game", "question", "scores"},
    "DeadlineFunction": {"game"},
    "StreamFunction": {"game", "leaderboard"},
    "ResultsFunction": {"scores"},
    "AuthorizerFunction": set(),
}

#: The DynamoDB actions each function's code paths use. Closing a question shuts the answer
#: gates (BatchWriteItem); only an answer checks a gate (ConditionCheckItem).
TABLE_ACTIONS = {
    "AnswersFunction": {"GetItem", "PutItem", "UpdateItem", "ConditionCheckItem"},
    "EntryFunction": {"GetItem", "PutItem", "UpdateItem", "Query", "BatchWriteItem"},
    "AdminFunction": {"GetItem", "PutItem", "UpdateItem", "Query", "BatchWriteItem"},
    "DeadlineFunction": {"GetItem", "PutItem", "UpdateItem", "Query", "BatchWriteItem"},
    "StreamFunction": {"GetItem", "PutItem", "UpdateItem", "Query", "BatchWriteItem"},
    "ResultsFunction": {"GetItem", "Query"},
    "AuthorizerFunction": {"GetItem"},
}


@pytest.fixture(scope="module")
def template() -> Any:
    return cfn_yaml.load(str(TEMPLATE))


def resources(template: Any, kind: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def lint(path: Path) -> list[str]:
    return [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in cfnlint_api.lint_file(path)]


def test_cfn_lint_passes() -> None:
    assert lint(TEMPLATE) == []


def test_cfn_lint_would_catch_a_broken_handler_config(tmp_path: Path) -> None:
    broken = tmp_path / "template.yaml"
    broken.write_text(TEMPLATE.read_text().replace("Behavior: CODE", "Behavior: CODEX"))
    assert any(m.startswith("E3030") and "CODEX" in m for m in lint(broken))


def _sam() -> str | None:
    """The SAM CLI: $QUIZWIRE_SAM, else the one the test extras install next to this Python."""
    beside = Path(sys.executable).parent / "sam"
    return os.environ.get("QUIZWIRE_SAM") or (str(beside) if beside.exists() else None)


@pytest.mark.skipif(_sam() is None, reason="SAM CLI not installed (pip install -e '.[test]')")
def test_sam_validate_lint(tmp_path: Path) -> None:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "HOME": str(tmp_path)}
    # plain `sam validate` runs the SAM translator (a misspelt policy template fails only
    # there); `--lint` adds cfn-lint
    for extra in ([], ["--lint"]):
        result = subprocess.run(
            [_sam() or "sam", "validate", *extra, "--region", "us-east-1", "-t", str(TEMPLATE)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "is a valid SAM Template" in result.stdout + result.stderr


def test_namespaces_have_exactly_the_channel_table_auth(template: Any) -> None:
    found = {}
    for ns in resources(template, "AWS::AppSync::ChannelNamespace").values():
        p = ns["Properties"]
        found[p["Name"]] = (
            [m["AuthType"] for m in p["PublishAuthModes"]],
            [m["AuthType"] for m in p["SubscribeAuthModes"]],
        )
    assert found == CHANNEL_AUTH
    providers = template["Resources"]["EventApi"]["Properties"]["EventConfig"]["AuthProviders"]
    assert [p["AuthType"] for p in providers] == ["API_KEY", "AWS_IAM", "AWS_LAMBDA"]


def test_every_function_may_publish_where_its_role_lets_it(template: Any) -> None:
    """A function publishes with IAM: each namespace it publishes to must accept IAM publishes,
    or its events are refused at run time (and only a warning is logged)."""
    modes = {
        ns["Properties"]["Name"]: {m["AuthType"] for m in ns["Properties"]["PublishAuthModes"]}
        for ns in resources(template, "AWS::AppSync::ChannelNamespace").values()
    }
    for function, namespaces in PUBLISHES.items():
        for namespace in namespaces:
            assert "AWS_IAM" in modes[namespace], (function, namespace)


def test_answers_reach_the_lambda_through_the_stamping_code_handler(template: Any) -> None:
    """An answer is timed at the edge: the namespace's own onPublish (answer.js) stamps it and
    invokes the answers function asynchronously through the Lambda data source."""
    answer = template["Resources"]["AnswerNamespace"]["Properties"]
    on_publish = answer["HandlerConfigs"]["OnPublish"]
    assert on_publish["Behavior"] == "CODE"
    assert on_publish["Integration"] == {
        "DataSourceName": {"Fn::GetAtt": ["AnswersDataSource", "Name"]}
    }
    assert "invocationType: 'Event'" in answer["CodeHandlers"]
    assert "util.time.nowEpochMilliSeconds()" in answer["CodeHandlers"]
    source = template["Resources"]["AnswersDataSource"]["Properties"]
    assert source["Type"] == "AWS_LAMBDA"
    assert source["LambdaConfig"]["LambdaFunctionArn"] == {"Fn::GetAtt": ["AnswersFunction", "Arn"]}


@pytest.mark.parametrize(
    ("namespace", "source"),
    [
        ("GameNamespace", "public.js"),
        ("QuestionNamespace", "public.js"),
        ("LeaderboardNamespace", "public.js"),
        ("ScoresNamespace", "scores.js"),
        ("AnswerNamespace", "answer.js"),
    ],
)
def test_inline_handlers_are_the_tested_files(template: Any, namespace: str, source: str) -> None:
    inline = template["Resources"][namespace]["Properties"]["CodeHandlers"]
    assert inline.strip() == (BACKEND / "appsync" / source).read_text().strip()


def test_table_matches_the_store_schema(template: Any) -> None:
    table = template["Resources"]["GameTable"]["Properties"]
    for key in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode"):
        assert table[key] == TABLE_SCHEMA[key], key
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def _statements(fn: Any) -> list[Any]:
    return [
        s for policy in fn["Properties"].get("Policies", []) for s in policy.get("Statement", [])
    ]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def test_least_privilege_publish_and_table_access(template: Any) -> None:
    functions = resources(template, "AWS::Serverless::Function")
    assert set(functions) == set(PUBLISHES)
    for name, fn in functions.items():
        namespaces = set()
        for statement in _statements(fn):
            actions = _as_list(statement["Action"])
            assert not any(a.endswith("*") for a in actions), (name, actions)
            for resource in _as_list(statement["Resource"]):
                assert resource != "*", name
                if "appsync:EventPublish" in actions:
                    sub = resource["Fn::Sub"]
                    namespaces.add(
                        re.fullmatch(r"\$\{EventApi.ApiArn\}/channelNamespace/(\w+)", sub)[1]  # type: ignore[index]
                    )
                if any(a.startswith("dynamodb:") for a in actions):
                    assert "GameTable" in str(resource), (name, resource)
        assert namespaces == PUBLISHES[name], name


def test_every_function_has_powertools_config_and_a_retained_log_group(template: Any) -> None:
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert {
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_LOG_LEVEL",
    } <= set(env)
    groups = [
        g["Properties"]["LogGroupName"]["Fn::Sub"]
        for g in resources(template, "AWS::Logs::LogGroup").values()
    ]
    for name in resources(template, "AWS::Serverless::Function"):
        assert f"/aws/lambda/${{{name}}}" in groups, name


def test_entry_check_is_a_cached_direct_getitem_behind_a_2000_rps_throttle(template: Any) -> None:
    api = template["Resources"]["GameApi"]["Properties"]
    assert template["Parameters"]["EntryRateLimit"]["Default"] == 2000
    stage_wide = api["MethodSettings"][0]
    assert (stage_wide["ResourcePath"], stage_wide["HttpMethod"]) == ("/*", "*")
    assert stage_wide["ThrottlingRateLimit"] == {"Ref": "EntryRateLimit"}
    cached = api["MethodSettings"][1]
    assert cached["ResourcePath"] == "/~1games~1{code}"
    assert cached["CachingEnabled"] == {"Fn::If": ["EntryCacheOn", True, False]}
    assert api["CacheClusterEnabled"] == {"Fn::If": ["EntryCacheOn", True, False]}
    assert template["Parameters"]["EntryCacheEnabled"]["Default"] == "true"
    body = api["DefinitionBody"]
    get = body["paths"]["/games/{code}"]["get"]["x-amazon-apigateway-integration"]
    assert get["type"] == "aws" and get["uri"]["Fn::Sub"].endswith(":dynamodb:action/GetItem")
    assert get["cacheKeyParameters"] == ["method.request.path.code"]
    throttled = body["x-amazon-apigateway-gateway-responses"]["THROTTLED"]
    assert (
        throttled["statusCode"] == 429
        and "rate_limited" in throttled["responseTemplates"]["application/json"]
    )
    for path, ops in body["paths"].items():
        for op in ops.values():
            signed = op.get("security") == [{"sigv4": []}]
            assert signed == path.startswith("/admin/"), path


def test_outputs_carry_a_client_profile(template: Any) -> None:
    from quizwire.profiles_stack import OUTPUT_KEYS

    assert set(OUTPUT_KEYS) <= set(template["Outputs"])
    key = template["Resources"]["EventApiKey"]["Properties"]
    assert key["Expires"]["Fn::If"][0] == "HasApiKeyExpiry"


def test_dashboard_watches_connections_lambdas_table_and_throttling(template: Any) -> None:
    body = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    for metric in (
        "ConnectRequests",
        "ActiveConnections",
        "Invocations",
        "ConcurrentExecutions",
        "ConsumedWriteCapacityUnits",
        "4XXError",
        "AnswersAccepted",
    ):
        assert f'"{metric}"' in body, metric


def _dashboard(template: Any) -> dict[str, Any]:
    body = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    return dict(json.loads(re.sub(r"\$\{[^}]+\}", "X", body)))


def test_dashboard_is_valid_json_with_the_talks_metrics(template: Any) -> None:
    text = json.dumps(_dashboard(template))
    for metric in (
        "ConnectRequests",  # AppSync connection requests and active connections
        "ActiveConnections",
        "ConcurrentExecutions",  # Lambda invocations and concurrency
        "Invocations",
        "ConsumedWriteCapacityUnits",  # DynamoDB
        "4XXError",  # API Gateway 4xx/429
        "AnswersRefusedByReason",
    ):
        assert metric in text, metric


def test_dashboard_reads_realtime_metrics_under_their_namespace_dimension(template: Any) -> None:
    """AppSync publishes real-time metrics under EventAPIId *and* ChannelNamespaceName: a widget
    that asks for EventAPIId alone stays empty."""
    for widget in _dashboard(template)["widgets"]:
        for row in widget["properties"]["metrics"]:
            names = [cell for cell in row if isinstance(cell, str)]
            expressions = [
                c["expression"] for c in row if isinstance(c, dict) and "expression" in c
            ]
            for realtime in (
                "ConnectRequests",
                "ConnectSuccess",
                "ActiveConnections",
                "ActiveSubscriptions",
            ):
                assert realtime not in names, (widget["properties"]["title"], row)
                for expression in expressions:
                    if f'MetricName="{realtime}"' in expression:
                        assert "ChannelNamespaceName,EventAPIId" in expression


def test_each_function_has_exactly_the_table_actions_its_code_uses(template: Any) -> None:
    for name, fn in resources(template, "AWS::Serverless::Function").items():
        actions = {
            a.split(":", 1)[1]
            for statement in _statements(fn)
            for a in _as_list(statement["Action"])
            if a.startswith("dynamodb:")
        }
        assert actions == TABLE_ACTIONS[name], name


def test_failed_async_invocations_and_stream_records_are_kept_and_alarmed(
    template: Any,
) -> None:
    queue = {"Fn::GetAtt": ["FailedEventsQueue", "Arn"]}
    functions = template["Resources"]
    for name in ("AnswersFunction", "ResultsFunction"):
        config = functions[name]["Properties"]["EventInvokeConfig"]
        assert config["MaximumRetryAttempts"] >= 1, name
        assert config["DestinationConfig"]["OnFailure"] == {"Type": "SQS", "Destination": queue}
    stream = functions["StreamFunction"]["Properties"]["Events"]["TableStream"]["Properties"]
    assert stream["DestinationConfig"]["OnFailure"] == {"Type": "SQS", "Destination": queue}
    for name in ("AnswersFunction", "ResultsFunction", "StreamFunction"):
        sends = [
            s["Resource"]
            for s in _statements(functions[name])
            if "sqs:SendMessage" in _as_list(s["Action"])
        ]
        assert sends == [queue], name
    alarms = resources(template, "AWS::CloudWatch::Alarm").values()
    watched = {
        (a["Properties"]["MetricName"], str(a["Properties"]["Dimensions"][0]["Value"]))
        for a in alarms
    }
    assert (
        "ApproximateNumberOfMessagesVisible",
        str({"Fn::GetAtt": ["FailedEventsQueue", "QueueName"]}),
    ) in watched
    assert ("Errors", str({"Ref": "AnswersFunction"})) in watched


def test_functions_that_close_questions_hand_the_results_to_the_results_function(
    template: Any,
) -> None:
    results_arn = {"Fn::GetAtt": ["ResultsFunction", "Arn"]}
    for name in ("AdminFunction", "DeadlineFunction", "EntryFunction", "StreamFunction"):
        fn = template["Resources"][name]["Properties"]
        assert fn["Environment"]["Variables"]["RESULTS_FUNCTION"] == {"Ref": "ResultsFunction"}
        invokes = [
            s["Resource"]
            for s in _statements(template["Resources"][name])
            if "lambda:InvokeFunction" in _as_list(s["Action"])
        ]
        assert invokes == [results_arn], name


def test_no_hard_coded_partition(template: Any) -> None:
    """arn:aws is only the commercial partition (China and GovCloud are arn:aws-cn / -us-gov)."""
    text = TEMPLATE.read_text()
    assert not re.search(r"arn:aws[:\-]", text), re.findall(r".*arn:aws[:\-].*", text)


def test_the_open_default_namespace_is_for_debugging_only(template: Any) -> None:
    assert template["Parameters"]["DebugNamespace"]["Default"] == "false"
    default = template["Resources"]["DefaultNamespace"]
    assert default["Condition"] == "DebugNamespaceOn"
    assert template["Conditions"]["DebugNamespaceOn"] == {
        "Fn::Equals": [{"Ref": "DebugNamespace"}, "true"]
    }


def test_tracing_is_on_and_every_handler_is_traced(template: Any) -> None:
    """Tracing: Active without the Powertools Tracer gives X-Ray the invocation but none of the
    DynamoDB or Event API calls inside it."""
    import importlib
    import inspect

    assert template["Globals"]["Function"]["Tracing"] == "Active"
    for fn in resources(template, "AWS::Serverless::Function").values():
        module_name, _, attr = fn["Properties"]["Handler"].rpartition(".")
        source = inspect.getsource(importlib.import_module(module_name))
        decorators = source.split(f"def {attr}(")[0].rsplit("\n\n", 1)[-1]
        assert "@tracer.capture_lambda_handler" in decorators, module_name


def test_dashboard_rows_never_copy_from_an_expression_row(template: Any) -> None:
    """A "." cell repeats the cell above it; above an expression row there is nothing to repeat
    (CloudWatch then drops or mislabels the row)."""
    for widget in _dashboard(template)["widgets"]:
        rows = widget["properties"]["metrics"]
        for above, row in itertools.pairwise(rows):
            if any(cell in (".", "...") for cell in row if isinstance(cell, str)):
                assert all(isinstance(cell, str) for cell in above), (
                    widget["properties"]["title"],
                    row,
                )
