"""Logins, identities and the join-points file the console reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gateway.identity import Login, credentials_root, new_rejoin_code, parse_login
from gateway.request import client_env
from quizwire.join_points import (
    JoinPoints,
    read_join_points,
    remove_join_points,
    ssh_command,
    write_join_points,
)


def test_logins() -> None:
    assert parse_login("K7QX2M") == Login("K7QX2M")
    assert parse_login("k7qx2m") == Login("K7QX2M")
    code = new_rejoin_code()
    assert parse_login(f"K7QX2M-{code.lower()}") == Login("K7QX2M", code)
    for plain in ("quiz", "root", "", "K7QX2", "K7QX2M-SHORT", "../../etc", "K7QX2M-" + "A" * 11):
        assert parse_login(plain) == Login()


def test_identities_are_folders_named_by_digests(tmp_path: Path) -> None:
    code = new_rejoin_code()
    by_key = credentials_root(tmp_path, key_fingerprint="SHA256:abc")
    by_code = credentials_root(tmp_path, rejoin_code=code)
    by_cookie = credentials_root(tmp_path, cookie="x" * 32)
    assert len({by_key, by_code, by_cookie}) == 3
    assert all(p.parent == tmp_path and code not in p.name for p in (by_key, by_code, by_cookie))
    assert credentials_root(tmp_path, rejoin_code=code) == by_code  # stable: it is the identity
    with pytest.raises(ValueError):
        credentials_root(tmp_path, rejoin_code="../etc")
    with pytest.raises(ValueError):
        credentials_root(tmp_path, cookie="short")
    with pytest.raises(ValueError):
        credentials_root(tmp_path)


def test_a_client_cannot_set_the_environment() -> None:
    env = client_env("xterm-kitty", {"LANG": "de_DE.UTF-8", "LD_PRELOAD": "/tmp/x.so"})
    assert env == {"TERM": "xterm-kitty", "COLORTERM": "truecolor", "LANG": "de_DE.UTF-8"}
    assert client_env("\x1b]0;pwn\x07")["TERM"] == "xterm-256color"
    assert client_env("a" * 100)["TERM"] == "xterm-256color"


def test_ssh_commands() -> None:
    assert ssh_command("10.0.0.5", 2222, "K7QX2M") == "ssh -p 2222 K7QX2M@10.0.0.5"
    assert ssh_command("quiz.lan", 22, "K7QX2M") == "ssh K7QX2M@quiz.lan"
    assert ssh_command("fd00::5", 2222, "K7QX2M") == "ssh -p 2222 K7QX2M@[fd00::5]"


def test_join_points_only_while_the_gateway_runs(tmp_path: Path) -> None:
    endpoint = "http://10.0.0.5:8787/event"
    assert read_join_points(endpoint, tmp_path) is None
    mine = JoinPoints("10.0.0.5", 2222, "http://10.0.0.5:8788", pid=__import__("os").getpid())
    write_join_points(endpoint, mine, tmp_path)
    assert read_join_points(endpoint, tmp_path) == mine
    assert read_join_points("http://elsewhere:8787/event", tmp_path) is None
    assert mine.url_for("K7QX2M") == "http://10.0.0.5:8788/play/K7QX2M"
    assert mine.ssh_for("K7QX2M") == "ssh -p 2222 K7QX2M@10.0.0.5"
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    dead = JoinPoints("10.0.0.5", 2222, None, pid=int(gone.stdout))
    write_join_points(endpoint, dead, tmp_path)
    assert read_join_points(endpoint, tmp_path) is None  # a gateway killed -9 left it behind
    remove_join_points(endpoint, tmp_path)
    assert read_join_points(endpoint, tmp_path) is None
