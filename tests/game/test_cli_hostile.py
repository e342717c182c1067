"""The ``quizwire game`` commands print what a server sends: names, titles, ids, messages. Against
a server that lets hostile nicknames through, nothing the terminal would interpret reaches
stdout or stderr. And a game made from a bundled pack is called practice. (The real command in
a subprocess, the stub in-process on a free port; the profile comes from QUIZWIRE_CONFIG_DIR.)"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from quizwire.client.game_api import EntryClient
from quizwire.profiles import Profile, save_profile
from tests.hostile_names import HOSTILE_NAMES, RAW_CONTROLS, lax_names

from .conftest import Closer, StubFactory
from .harness import KEY_ID, REGION, SECRET, Player, Presenter, Stub, make_quiz


async def quizwire(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "quizwire",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


def use_profile_of(stub: Stub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The ``local`` profile names ``stub``, for the commands run from now on."""
    monkeypatch.setenv("QUIZWIRE_CONFIG_DIR", str(tmp_path / "config"))
    save_profile(
        Profile(
            name="local",
            http_endpoint=stub.events.http_url,
            region=REGION,
            access_key_id=KEY_ID,
            secret_access_key=SECRET,
            game_api=stub.game_api,
        )
    )


def assert_clean(text: str) -> None:
    assert not [repr(c) for c in RAW_CONTROLS if c in text], text


async def test_game_commands_never_print_control_characters(
    make_stub: StubFactory,
    presenter_for: Callable[[Stub], Presenter],
    entry_for: Callable[[str], EntryClient],
    closer: Closer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    lax_names(monkeypatch)
    stub = await make_stub()
    created = await presenter_for(stub).admin.create_game(quiz=make_quiz([(2, 0, 1000)]))
    code = created["gameId"]
    entry = entry_for(stub.game_api)
    joined = {}
    for name in HOSTILE_NAMES:
        joined[name] = closer.add(Player(name, code, stub.events.http_url, entry))
        await joined[name].join()
    use_profile_of(stub, monkeypatch, tmp_path)

    rc, out, err = await quizwire("game", "show", code)
    assert rc == 0, err
    assert_clean(out + err)
    shown = json.loads(out)  # still JSON: the controls are escaped, the names intact
    assert {p["name"] for p in shown["players"]} == set(HOSTILE_NAMES)

    for name, literal in HOSTILE_NAMES.items():
        pid = joined[name].player_id
        rc, out, err = await quizwire("game", "kick", code, pid)
        assert rc == 0, err
        assert_clean(out + err)
        assert out.strip() == f"{literal} ({pid}): kicked"

    for fmt in ("csv", "json"):
        rc, out, err = await quizwire("game", "results", code, "--format", fmt)
        assert rc == 0, err
        assert_clean(out + err)

    rc, out, err = await quizwire("game", "list")
    assert rc == 0, err
    assert code in out
    assert_clean(out + err)


async def test_game_create_from_a_pack_says_it_is_for_practice(
    make_stub: StubFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stub = await make_stub()
    use_profile_of(stub, monkeypatch, tmp_path)
    rc, out, err = await quizwire("game", "create", "--quiz", "general")
    assert rc == 0, err
    assert len(out.strip()) == 6  # the code on stdout, the note on stderr
    assert "Bundled packs are for practice" in err
    quiz = tmp_path / "own.toml"
    quiz.write_text(
        'title = "Own"\n[[questions]]\ntext = "?"\nchoices = ["a", "b"]\nanswer = "A"\n'
    )
    rc, _out, err = await quizwire("game", "create", "--quiz", str(quiz))
    assert rc == 0, err
    assert "practice" not in err


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path: Path) -> None:
    """``quizwire game show CODE | head``: the pipe closes before the output is written. The
    command stops quietly (128 + SIGPIPE), as Unix tools do, instead of a BrokenPipeError
    traceback on the presenter's terminal."""
    import os
    import subprocess

    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: the first write fails
    try:
        done = subprocess.run(
            [sys.executable, "-m", "quizwire", "quiz", "list"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env={**os.environ, "QUIZWIRE_CONFIG_DIR": str(tmp_path)},
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141
    assert b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr, done.stderr


async def test_game_create_sets_the_get_ready_time(
    make_stub: StubFactory,
    presenter_for: Callable[[Stub], Presenter],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    stub = await make_stub()
    use_profile_of(stub, monkeypatch, tmp_path)
    rc, out, err = await quizwire("game", "create", "--quiz", "general", "--ready", "5")
    assert rc == 0, err
    view = await presenter_for(stub).admin.view(out.strip())
    assert view["options"]["readySeconds"] == 5
    rc, _out, err = await quizwire("game", "create", "--quiz", "general", "--ready", "11")
    assert rc != 0 and "readySeconds must be 0-10 seconds, got 11" in err
