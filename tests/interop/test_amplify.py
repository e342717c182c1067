"""The official AWS Amplify Events client (JavaScript) against ``quizwire stub`` over TLS.

Amplify only speaks https/wss, so the stub runs with a throwaway self-signed certificate that
node trusts through NODE_EXTRA_CA_CERTS. Needs node; installs the pinned
client with `npm ci --prefix interop/amplify` on first use (skipped only if that cannot run here).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "interop" / "amplify"

pytestmark = [
    pytest.mark.timeout(90),
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed"),
]


@pytest.fixture(scope="module")
def amplify() -> Path:
    if not (PROBE / "node_modules" / "aws-amplify").is_dir():
        try:
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"],
                cwd=PROBE, check=True, capture_output=True, timeout=180,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError) as exc:
            pytest.skip(f"cannot install the Amplify client here: {exc}")
    return PROBE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_amplify_events_client_works_against_the_stub(amplify: Path, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    port = free_port()
    env = {**os.environ, "QUIZWIRE_CONFIG_DIR": str(tmp_path / "cfg")}
    stub = subprocess.Popen(
        [sys.executable, "-m", "quizwire", "stub", "--port", str(port), "--api-key", "da2-amplify",
         "--data-dir", str(tmp_path / "data"), "--tls-cert", str(cert), "--tls-key", str(key),
         "--no-profile"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    endpoint = f"https://127.0.0.1:{port}/event"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(
                    f"https://127.0.0.1:{port}/metrics",
                    verify=ssl.create_default_context(cafile=cert),
                    timeout=1,
                )
                break
            except httpx.HTTPError:
                assert stub.poll() is None, "the stub exited"
                assert time.monotonic() < deadline, "the stub did not start"
                time.sleep(0.2)
        probe = subprocess.run(
            ["node", "probe.mjs", endpoint, "da2-amplify"],
            cwd=amplify, env={**os.environ, "NODE_EXTRA_CA_CERTS": str(cert)},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        stub.terminate()
        stub.wait(timeout=10)
    checks = [json.loads(line) for line in probe.stdout.splitlines() if line.startswith("{")]
    assert [c["check"] for c in checks] == [
        "http publish delivered",
        "ws publish delivered (publisher receives its own event)",
        "batch of 2 delivered as 2 events",
        "trailing wildcard matches any depth",
        "wrong API key refused on HTTP publish",
    ], probe.stdout + probe.stderr
    failed = [c for c in checks if not c["ok"]]
    assert not failed and probe.returncode == 0, probe.stdout + probe.stderr
