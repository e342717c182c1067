"""Endpoint derivation (docs/appsync-events-protocol.md §1)."""

from __future__ import annotations

import pytest

from eventapi.endpoints import Endpoints, region_from_host, resolve_endpoints

AWS_HTTP = "https://abcdefghijklmnopqrstuvwxyz.appsync-api.eu-west-1.amazonaws.com/event"


def test_aws_default_domain() -> None:
    e = resolve_endpoints(AWS_HTTP)
    assert e == Endpoints(
        http_url=AWS_HTTP,
        realtime_url="wss://abcdefghijklmnopqrstuvwxyz.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime",
        host="abcdefghijklmnopqrstuvwxyz.appsync-api.eu-west-1.amazonaws.com",
        region="eu-west-1",
    )
    assert e.is_aws


def test_aws_china_region_and_defaults() -> None:
    e = resolve_endpoints(
        "https://ABCDEFGHIJKLMNOPQRSTUVWXYZ.appsync-api.cn-north-1.amazonaws.com.cn"
    )
    assert (
        e.http_url
        == "https://abcdefghijklmnopqrstuvwxyz.appsync-api.cn-north-1.amazonaws.com.cn/event"
    )
    assert e.realtime_url == (
        "wss://abcdefghijklmnopqrstuvwxyz.appsync-realtime-api.cn-north-1.amazonaws.com.cn/event/realtime"
    )
    assert e.region == "cn-north-1"


def test_custom_domain_uses_the_same_host() -> None:
    e = resolve_endpoints("https://api.example.com/event")
    assert e.realtime_url == "wss://api.example.com/event/realtime"
    assert e.host == "api.example.com"
    assert e.region is None and not e.is_aws


def test_stub_http_keeps_its_port_everywhere() -> None:
    e = resolve_endpoints("http://127.0.0.1:8765/event")
    assert e.realtime_url == "ws://127.0.0.1:8765/event/realtime"
    assert e.host == "127.0.0.1:8765"
    assert e.http_url == "http://127.0.0.1:8765/event"


def test_default_ports_are_not_part_of_the_host() -> None:
    assert resolve_endpoints("https://api.example.com:443/event").host == "api.example.com"
    assert resolve_endpoints("http://localhost:80/event").host == "localhost"
    assert resolve_endpoints("https://api.example.com:8443/event").host == "api.example.com:8443"


def test_ipv6_host() -> None:
    e = resolve_endpoints("http://[::1]:9000/event")
    assert e.host == "[::1]:9000"
    assert e.realtime_url == "ws://[::1]:9000/event/realtime"


def test_bare_host_and_trailing_slash() -> None:
    assert resolve_endpoints("api.example.com").http_url == "https://api.example.com/event"
    assert (
        resolve_endpoints("https://api.example.com/event/").http_url
        == "https://api.example.com/event"
    )


def test_path_prefix_is_kept() -> None:
    e = resolve_endpoints("https://proxy.example.com/appsync/event")
    assert e.realtime_url == "wss://proxy.example.com/appsync/event/realtime"


def test_explicit_realtime_endpoint() -> None:
    e = resolve_endpoints(AWS_HTTP, "wss://rt.example.com/event/realtime")
    assert e.realtime_url == "wss://rt.example.com/event/realtime"
    assert e.host == "abcdefghijklmnopqrstuvwxyz.appsync-api.eu-west-1.amazonaws.com"
    assert e.region == "eu-west-1"
    assert resolve_endpoints(
        "https://api.example.com/event", "https://rt.example.com"
    ).realtime_url == ("wss://rt.example.com/event/realtime")
    custom = resolve_endpoints(
        "https://api.example.com/event",
        "wss://abcdefghijklmnopqrstuvwxyz.appsync-realtime-api.us-west-2.amazonaws.com/event/realtime",
    )
    assert custom.host == "api.example.com" and custom.region == "us-west-2"


@pytest.mark.parametrize(
    "bad",
    [
        "ftp://example.com/event",
        "wss://api.example.com/event",
        "https:///event",
        "https://api.example.com/event?x=1",
        "https://abcdefghijklmnopqrstuvwxyz.appsync-realtime-api.us-east-1.amazonaws.com/event",
    ],
)
def test_bad_http_endpoints(bad: str) -> None:
    with pytest.raises(ValueError):
        resolve_endpoints(bad)


def test_bad_realtime_endpoint() -> None:
    with pytest.raises(ValueError):
        resolve_endpoints("https://api.example.com/event", "ftp://x/event/realtime")


@pytest.mark.parametrize(
    ("host", "region"),
    [
        ("abc.appsync-api.us-east-1.amazonaws.com", "us-east-1"),
        ("abc.appsync-realtime-api.ap-southeast-2.amazonaws.com", "ap-southeast-2"),
        ("abc.appsync-api.us-gov-west-1.amazonaws.com", "us-gov-west-1"),
        ("abc.appsync-api.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1"),
        ("api.example.com", None),
        ("127.0.0.1:8000", None),
        ("abc.appsync-api.us-east-1.amazonaws.com.evil.com", None),
    ],
)
def test_region_from_host(host: str, region: str | None) -> None:
    assert region_from_host(host) == region
