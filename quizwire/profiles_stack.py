"""Profiles for a deployed stack: from CloudFormation outputs (``quizwire profile from-stack``,
``quizwire profile import``).

The stack (``backend/template.yaml``) exports everything a client needs as outputs; this turns
them into a :class:`~quizwire.profiles.Profile`. Accepted JSON shapes for ``import``: what
``aws cloudformation describe-stacks`` prints (``{"Stacks": [{"Outputs": [...]}]}``), a list of
``{"OutputKey", "OutputValue"}`` (``--query 'Stacks[0].Outputs'``, ``sam list stack-outputs
--output json``), or a flat ``{OutputKey: value}`` object. boto3 is needed only for
``from-stack`` (the ``backend`` extra).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from quizwire.profiles import Profile, ProfileError

REGION = "Region"
HTTP = "EventApiHttpEndpoint"
REALTIME = "EventApiRealtimeEndpoint"
API_KEY = "EventApiKey"
GAME_API = "GameApiUrl"
OUTPUT_KEYS = (REGION, HTTP, REALTIME, API_KEY, GAME_API)
_MAX_FILE = 1_000_000


def _pairs(items: object, where: str) -> dict[str, str]:
    if not isinstance(items, list):
        raise ProfileError(f"{where}: expected a list of outputs")
    out: dict[str, str] = {}
    for item in items:
        if isinstance(item, Mapping) and isinstance(item.get("OutputKey"), str):
            value = item.get("OutputValue")
            if isinstance(value, str):
                out[item["OutputKey"]] = value
    return out


def parse_outputs(data: object, stack: str | None = None) -> tuple[dict[str, str], str | None]:
    """The ``{OutputKey: value}`` map in any accepted shape, and the stack name if it says."""
    if isinstance(data, Mapping) and "Stacks" in data:
        stacks = data["Stacks"]
        if not isinstance(stacks, list) or not stacks:
            raise ProfileError("the describe-stacks output lists no stack")
        chosen = stacks[0]
        if stack is not None:
            chosen = next(
                (s for s in stacks if isinstance(s, Mapping) and s.get("StackName") == stack),
                None,
            )
            if chosen is None:
                raise ProfileError(f"the describe-stacks output has no stack named {stack!r}")
        if not isinstance(chosen, Mapping):
            raise ProfileError("the describe-stacks output is not a list of stacks")
        name = chosen.get("StackName")
        return _pairs(chosen.get("Outputs", []), "Stacks[].Outputs"), (
            name if isinstance(name, str) else None
        )
    if isinstance(data, list):
        return _pairs(data, "outputs"), None
    if isinstance(data, Mapping):
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}, None
    raise ProfileError("expected stack outputs as a JSON object or list")


def _scheme(value: str, key: str, schemes: tuple[str, ...]) -> str:
    value = value.strip()
    if not value.startswith(schemes) or any(c.isspace() or ord(c) < 32 for c in value):
        raise ProfileError(f"output {key} is not a {' or '.join(schemes)} URL: {value[:80]!r}")
    return value


def profile_from_outputs(
    name: str,
    outputs: Mapping[str, str],
    *,
    source: str,
    aws_profile: str | None = None,
) -> Profile:
    """A profile for the stack whose outputs are ``outputs``; lists every missing output."""
    missing = [key for key in OUTPUT_KEYS if not outputs.get(key)]
    if missing:
        raise ProfileError(
            "these stack outputs are missing: "
            + ", ".join(missing)
            + " (is this a Quizwire stack from backend/template.yaml?)"
        )
    return Profile(
        name=name,
        http_endpoint=_scheme(outputs[HTTP], HTTP, ("https://",)),
        realtime_endpoint=_scheme(outputs[REALTIME], REALTIME, ("wss://",)),
        region=outputs[REGION].strip(),
        api_key=outputs[API_KEY].strip(),
        game_api=_scheme(outputs[GAME_API], GAME_API, ("https://",)).rstrip("/"),
        aws_profile=aws_profile,
        source=source,
    )


def profile_from_file(
    path: Path, name: str | None = None, *, aws_profile: str | None = None
) -> Profile:
    try:
        raw = path.read_bytes()[: _MAX_FILE + 1]
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if len(raw) > _MAX_FILE:
        raise ProfileError(f"{path}: too large for stack outputs")
    try:
        data: Any = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ProfileError(f"{path}: not JSON ({exc})") from exc
    outputs, stack = parse_outputs(data)
    return profile_from_outputs(
        name or stack or "aws", outputs, source=f"import:{path.name}", aws_profile=aws_profile
    )


def profile_from_stack(
    stack: str,
    *,
    region: str | None = None,
    name: str | None = None,
    aws_profile: str | None = None,
    client: Any = None,
) -> Profile:
    """Read the stack's outputs with CloudFormation ``DescribeStacks`` (your AWS credentials)."""
    if client is None:
        try:
            import boto3
        except ImportError:
            raise ProfileError(
                "from-stack needs boto3: pip install 'quizwire[backend]' (or use profile import)"
            ) from None
        session = boto3.Session(profile_name=aws_profile, region_name=region)
        client = session.client("cloudformation")
    try:
        answer = client.describe_stacks(StackName=stack)
    except Exception as exc:  # botocore's ClientError / NoCredentialsError / EndpointError
        raise ProfileError(f"cannot describe stack {stack!r}: {exc}") from exc
    outputs, _ = parse_outputs(answer, stack)
    return profile_from_outputs(
        name or stack, outputs, source=f"stack:{stack}", aws_profile=aws_profile
    )
