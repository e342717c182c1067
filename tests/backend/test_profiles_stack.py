"""``quizwire profile import`` and ``quizwire profile from-stack``: a deployed stack's outputs
become a profile the clients use. CloudFormation is moto's; files and the profile store are real."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from commands.cli import main
from quizwire.profiles import get_profile, load_profiles

OUTPUTS = {
    "Region": "eu-west-1",
    "EventApiHttpEndpoint": "https://abc123.appsync-api.eu-west-1.amazonaws.com/event",
    "EventApiRealtimeEndpoint": "wss://abc123.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime",
    "EventApiKey": "da2-" + "k" * 26,
    "GameApiUrl": "https://xyz789.execute-api.eu-west-1.amazonaws.com/prod/",
    "GameTableName": "quizwire-GameTable-1",
}


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config"
    monkeypatch.setenv("QUIZWIRE_CONFIG_DIR", str(path))
    return path


def describe_stacks_json(name: str = "quizwire-prod") -> dict[str, Any]:
    return {
        "Stacks": [
            {
                "StackName": name,
                "StackStatus": "CREATE_COMPLETE",
                "Outputs": [
                    {"OutputKey": k, "OutputValue": v, "Description": "…"}
                    for k, v in OUTPUTS.items()
                ],
            }
        ]
    }


def write(tmp_path: Path, data: Any, name: str = "outputs.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def assert_deployed_profile(name: str, source_prefix: str) -> None:
    p = get_profile(name)
    assert p.http_endpoint == OUTPUTS["EventApiHttpEndpoint"]
    assert p.realtime_endpoint == OUTPUTS["EventApiRealtimeEndpoint"]
    assert p.api_key == OUTPUTS["EventApiKey"]
    assert p.region == "eu-west-1"
    assert p.game_api == "https://xyz789.execute-api.eu-west-1.amazonaws.com/prod"
    assert p.access_key_id is None and p.secret_access_key is None  # presenter: AWS chain
    assert p.source.startswith(source_prefix)


def test_import_describe_stacks_output_names_the_profile_after_the_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config_dir: Path
) -> None:
    assert main(["profile", "import", str(write(tmp_path, describe_stacks_json()))]) == 0
    assert_deployed_profile("quizwire-prod", "import:")
    out = capsys.readouterr().out
    assert OUTPUTS["EventApiKey"] not in out  # printed redacted
    assert (config_dir / "profiles.json").stat().st_mode & 0o077 == 0


def test_import_a_flat_map_or_an_outputs_list_with_a_name(tmp_path: Path) -> None:
    assert main(["profile", "import", str(write(tmp_path, OUTPUTS)), "--name", "flat"]) == 0
    assert_deployed_profile("flat", "import:")
    as_list = [{"OutputKey": k, "OutputValue": v} for k, v in OUTPUTS.items()]
    assert main(["profile", "import", str(write(tmp_path, as_list, "l.json"))]) == 0
    assert_deployed_profile("aws", "import:")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"Region": "eu-west-1"}, "EventApiHttpEndpoint, EventApiRealtimeEndpoint"),
        ({**OUTPUTS, "GameApiUrl": "http://plain/prod"}, "GameApiUrl is not a https:// URL"),
        ({**OUTPUTS, "EventApiRealtimeEndpoint": "wss://x\x1b[2J"}, "not a wss:// URL"),
        ({"Stacks": []}, "lists no stack"),
        ("just a string", "expected stack outputs"),
    ],
)
def test_import_refuses_what_is_not_a_quizwire_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, message: str
) -> None:
    assert main(["profile", "import", str(write(tmp_path, content))]) == 1
    err = capsys.readouterr().err
    assert message in err and "\x1b" not in err
    assert load_profiles() == {}


def test_import_unreadable_or_not_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "import", str(tmp_path / "missing.json")]) == 1
    assert "cannot read" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["profile", "import", str(bad)]) == 1
    assert "not JSON" in capsys.readouterr().err


@pytest.fixture
def cloudformation(monkeypatch: pytest.MonkeyPatch) -> Any:
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with moto.mock_aws():
        client = boto3.client("cloudformation", region_name="eu-west-1")
        template = {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {k: {"Value": v} for k, v in OUTPUTS.items()},
        }
        client.create_stack(StackName="quizwire-prod", TemplateBody=json.dumps(template))
        yield client


def test_from_stack_reads_the_outputs_with_cloudformation(cloudformation: Any) -> None:
    argv = ["profile", "from-stack", "quizwire-prod", "--region", "eu-west-1"]
    assert main(argv) == 0
    assert_deployed_profile("quizwire-prod", "stack:quizwire-prod")
    assert main([*argv, "--name", "talk"]) == 0
    assert_deployed_profile("talk", "stack:")


def test_from_stack_unknown_stack_is_a_clear_error(
    cloudformation: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["profile", "from-stack", "nope", "--region", "eu-west-1"]) == 1
    assert "cannot describe stack 'nope'" in capsys.readouterr().err
    assert load_profiles() == {}


def test_an_imported_profile_drives_the_admin_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from commands.game import admin_client_for

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDPRESENTER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "presenter-secret")
    assert main(["profile", "import", str(write(tmp_path, OUTPUTS)), "--name", "talk"]) == 0
    admin = admin_client_for("talk")
    try:
        assert admin.base_url == "https://xyz789.execute-api.eu-west-1.amazonaws.com/prod"
        assert admin.auth.region == "eu-west-1"  # signs for the stack's region
    finally:
        import asyncio

        asyncio.run(admin.close())
