"""``quizwire stub``: run the offline Event API until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import signal
import socket
import ssl
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from backend_stub import gcpolicy
from backend_stub.app import Stub
from backend_stub.config import NamespaceConfig, StubConfig
from backend_stub.stub_secrets import load_or_create
from quizwire.profiles import Profile, save_profile, write_private

if TYPE_CHECKING:
    from backend_stub.lambda_backend.app import LambdaStub

log = logging.getLogger("quizwire.stub")


@dataclass(frozen=True, slots=True)
class StubOptions:
    host: str = "127.0.0.1"
    port: int = 8787
    data_dir: Path = Path(".")
    api_key: str | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    keepalive_interval: float = 60.0
    namespaces: tuple[str, ...] = field(default_factory=tuple)
    write_profile: bool = True
    entry_rate: float = 2000.0
    max_connections_per_address: int = 500
    max_connections: int | None = None
    idle_timeout: float = 10.0
    default_namespace: str = "limited"
    public_hosts: tuple[str, ...] = ()
    backend: str = "sqlite"  # or "lambda": backend_stub.lambda_backend
    partition_write_units: int = 1000
    parameters: dict[str, str] = field(default_factory=dict)  # template parameters (lambda)
    log_format: str = "text"
    log_level: str = "info"


def _advertised_host(bind_host: str) -> str:
    if bind_host in ("0.0.0.0", "::", ""):
        try:
            return socket.gethostbyname(socket.gethostname())
        except OSError:
            return "127.0.0.1"
    return bind_host


def _ssl_context(options: StubOptions) -> ssl.SSLContext | None:
    if options.tls_cert is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(options.tls_cert, options.tls_key)
    return context


async def run_stub(options: StubOptions) -> None:
    secrets = load_or_create(options.data_dir, options.api_key)
    namespaces = tuple(NamespaceConfig.parse(spec) for spec in options.namespaces)
    config = StubConfig(
        host=options.host,
        port=options.port,
        api_keys=(secrets.api_key,),
        iam_credentials=(secrets.iam,),
        keepalive_interval=options.keepalive_interval,
        namespaces=namespaces,
        ssl_context=_ssl_context(options),
        max_connections_per_address=options.max_connections_per_address,
        max_connections=options.max_connections,
        http_idle_timeout=options.idle_timeout,
        init_timeout=options.idle_timeout,
        default_namespace=options.default_namespace,
        public_hosts=(_advertised_host(options.host), *options.public_hosts),
    )
    stub = _make_stub(options, config)
    try:
        await stub.start()
    except OSError as exc:
        raise SystemExit(
            f"quizwire stub: cannot listen on {options.host}:{options.port}: {exc.strerror}"
        ) from None
    server = stub.events
    metrics = server.metrics
    # Thousands of long-lived connections: full collections walk only what is new (gcpolicy).
    gc_policy = gcpolicy.install(
        lambda: metrics.connections_active,
        lambda: metrics.connection_requests - metrics.connections_active,
    )
    host = f"{_advertised_host(options.host)}:{server.port}"
    scheme = "https" if config.ssl_context else "http"
    info = {
        "http": f"{scheme}://{host}/event",
        "realtime": f"{'wss' if config.ssl_context else 'ws'}://{host}/event/realtime",
        "host": host,
        "api_key": secrets.api_key,
        "region": config.region,
        "access_key_id": secrets.iam.access_key_id,
        "secret_access_key": secrets.iam.secret_access_key,
        "game_api": f"{scheme}://{host}",
    }
    dynamo = getattr(stub, "dynamo", None)
    if dynamo is not None:  # the Lambda backend's DynamoDB, for tools that count what it stored
        info["dynamodb"] = dynamo.url
    write_private(options.data_dir / "stub.json", json.dumps(info, indent=2) + "\n")
    profile_path = None
    if options.write_profile:
        profile_path = save_profile(
            Profile(
                name="local",
                http_endpoint=info["http"],
                realtime_endpoint=info["realtime"],
                region=config.region,
                api_key=secrets.api_key,
                access_key_id=secrets.iam.access_key_id,
                secret_access_key=secrets.iam.secret_access_key,
                game_api=info["game_api"],
                source="quizwire stub",
            )
        )
    _print_banner(info, options.data_dir, profile_path, options.backend)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        print("quizwire stub: stopping…", flush=True)
        await stub.stop()
        gcpolicy.uninstall(gc_policy)
        print("quizwire stub: stopped", flush=True)


def _make_stub(options: StubOptions, config: StubConfig) -> Stub | LambdaStub:
    if options.backend != "lambda":
        return Stub(config, options.data_dir, entry_rate=options.entry_rate)
    missing = [
        m for m in ("moto", "aws_lambda_powertools", "airspeed", "cfnlint") if not find_spec(m)
    ]
    if missing or shutil.which("node") is None:
        raise SystemExit(
            "quizwire stub --backend lambda needs the test extras "
            "(pip install -e '.[test]') and node on the PATH"
            + (f"; missing: {', '.join(missing)}" if missing else "; node not found")
        )
    from backend_stub.lambda_backend.app import LambdaStub

    rate = str(int(options.entry_rate))
    return LambdaStub(
        config,
        options.data_dir,
        partition_write_units=options.partition_write_units,
        parameters={"EntryRateLimit": rate, "EntryBurstLimit": rate, **options.parameters},
    )


def _print_banner(
    info: dict[str, str], data_dir: Path, profile_path: Path | None, backend: str = "sqlite"
) -> None:
    lines = [
        "quizwire stub — offline AppSync Events API"
        + (
            " — game backend: backend/ on local Lambda + DynamoDB (moto)"
            if backend == "lambda"
            else ""
        ),
        f"  HTTP endpoint      {info['http']}",
        f"  Realtime endpoint  {info['realtime']}",
        f"  Region             {info['region']}",
        f"  API key            {info['api_key']}",
        f"  IAM access key id  {info['access_key_id']}",
        f"  IAM secret key     {info['secret_access_key']}",
        f"  Game API           {info['game_api']}",
        *([f"  Metrics            {info['game_api']}/metrics"] if backend != "lambda" else []),
        f"  Data dir           {data_dir}",
    ]
    if profile_path is not None:
        lines.append(f"  Profile 'local'    {profile_path}")
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), flush=True)


def main(options: StubOptions) -> int:
    from backend_stub.logs import configure

    configure(options.log_format, getattr(logging, options.log_level.upper(), logging.INFO))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_stub(options))
    return 0
