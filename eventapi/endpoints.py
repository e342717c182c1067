"""Endpoints of an Event API: the HTTP URL, the realtime URL and the host that auth must name.

Reference §1: ``https://<id>.appsync-api.<region>.amazonaws.com/event`` has its realtime
endpoint at ``wss://<id>.appsync-realtime-api.<region>.amazonaws.com/event/realtime``; a custom
domain serves both on one host; the offline stub is ``http://host:port/event`` with
``ws://host:port/event/realtime``. The ``host`` in every authorization object (and the one
SigV4 signs) is always the *HTTP* host, with its port unless it is the scheme's default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import SplitResult, urlsplit, urlunsplit

from eventapi.protocol import HTTP_PATH, REALTIME_PATH

_AWS_HOST_RE: Final = re.compile(
    r"^(?P<api>[^.]+)\.(?P<kind>appsync-api|appsync-realtime-api)\."
    r"(?P<region>[a-z]{2}(?:-[a-z0-9]+)+-\d+)\.amazonaws\.com(?:\.cn)?$"
)
_DEFAULT_PORTS: Final = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_WS_SCHEME: Final = {"https": "wss", "http": "ws", "wss": "wss", "ws": "ws"}


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where to publish over HTTP, where to open the WebSocket, and the ``host`` auth names."""

    http_url: str
    realtime_url: str
    host: str
    region: str | None

    @property
    def is_aws(self) -> bool:
        """True for the default AppSync domains (not a custom domain, not the stub)."""
        return self.region is not None


def region_from_host(host: str) -> str | None:
    """``abc.appsync-api.eu-west-1.amazonaws.com`` → ``eu-west-1``; ``None`` for other hosts."""
    match = _AWS_HOST_RE.match(host.lower().split(":", 1)[0])
    return match.group("region") if match else None


def _split(url: str, what: str, schemes: tuple[str, ...]) -> SplitResult:
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    if parts.scheme.lower() not in schemes:
        raise ValueError(f"{what} must use one of {', '.join(schemes)}: {url!r}")
    if not parts.hostname:
        raise ValueError(f"{what} has no host: {url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"{what} must not have a query or fragment: {url!r}")
    return parts


def _netloc(parts: SplitResult) -> str:
    """``host[:port]`` with the port only when it is not the scheme's default."""
    hostname = parts.hostname or ""
    if ":" in hostname:  # IPv6 literal
        hostname = f"[{hostname}]"
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS[parts.scheme.lower()]:
        return f"{hostname}:{port}"
    return hostname


def resolve_endpoints(http_endpoint: str, realtime_endpoint: str | None = None) -> Endpoints:
    """Derive the realtime URL and the auth host from the HTTP endpoint.

    ``http_endpoint`` is ``https://…/event`` (the path defaults to ``/event`` when empty; a bare
    host means ``https``). ``realtime_endpoint`` overrides the derived WebSocket URL; an
    ``https``/``http`` one is turned into ``wss``/``ws`` and an empty path means
    ``/event/realtime``.
    """
    http = _split(http_endpoint, "HTTP endpoint", ("https", "http"))
    scheme = http.scheme.lower()
    path = http.path.rstrip("/") or HTTP_PATH
    host = _netloc(http)
    aws = _AWS_HOST_RE.match(host)
    if aws is not None and aws.group("kind") == "appsync-realtime-api":
        raise ValueError(
            f"{http_endpoint!r} is the realtime endpoint; pass the HTTP endpoint "
            "(…appsync-api…/event) and, if needed, realtime_endpoint="
        )
    http_url = urlunsplit((scheme, host, path, "", ""))

    if realtime_endpoint is not None:
        rt = _split(realtime_endpoint, "realtime endpoint", ("wss", "ws", "https", "http"))
        rt_path = rt.path.rstrip("/") or REALTIME_PATH
        realtime_url = urlunsplit((_WS_SCHEME[rt.scheme.lower()], rt.netloc, rt_path, "", ""))
        region = region_from_host(host) or region_from_host(rt.hostname or "")
        return Endpoints(http_url, realtime_url, host, region)

    region = region_from_host(host)
    rt_host = host
    if aws is not None:  # the default domain: <id>.appsync-api.… → <id>.appsync-realtime-api.…
        api = aws.group("api")
        rt_host = f"{api}.appsync-realtime-api." + host[len(api) + len(".appsync-api.") :]
    suffix = REALTIME_PATH[len(HTTP_PATH) :]  # "/realtime"
    rt_path = path + suffix if path.endswith(HTTP_PATH) else REALTIME_PATH
    realtime_url = urlunsplit((_WS_SCHEME[scheme], rt_host, rt_path, "", ""))
    return Endpoints(http_url, realtime_url, host, region)
