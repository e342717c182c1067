"""``python -m bench``: the suite's structure, its checks and its unhappy paths (never timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import console_scenario, suite
from bench.held import run_held
from bench.join_storm import max_in_window, run_storm
from bench.loadgen import raise_fd_limit

ROOT = Path(__file__).resolve().parents[2]
FAKE = "tests.bench.fake_console_load"


@pytest.fixture(autouse=True)
def _fds() -> None:
    raise_fd_limit()


@pytest.mark.timeout(240)
def test_quick_burst_runs_end_to_end_and_reports_every_row(tmp_path: Path) -> None:
    out = tmp_path / "suite.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "burst", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=200,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["passed"] is True
    assert [s["name"] for s in data["scenarios"]] == ["burst"]
    burst = data["scenarios"][0]
    assert burst["status"] == "ok"
    rows = {r["metric"]: r for r in burst["rows"]}
    players = suite.Sizes.quick().burst_players
    assert rows["answers sent"]["value"] == players
    assert rows["lost (no receipt, or no result after reveal)"]["value"] == 0
    assert rows["refused"]["value"] == 0
    assert rows["receipts leaking a result before reveal"]["value"] == 0
    assert rows["results after the reveal"]["value"] == players
    assert rows["accepted answers in the results export"]["value"] == players
    assert rows["answer->receipt p99 ms"]["reference"] is not None  # the echo burst ran too
    assert all(r["ok"] is not False for r in burst["rows"])
    # one table on stdout, with the scenario's rows and the ratio column
    table = done.stdout[done.stdout.index("scenario  metric") :]
    assert "burst     answers sent" in table and "ratio" in table.splitlines()[0]
    assert "all checks passed" in done.stdout


def test_unknown_scenario_is_refused() -> None:
    with pytest.raises(SystemExit) as exc:
        suite.parse_args(["--only", "burst,warp"])
    assert exc.value.code == 2


def test_only_keeps_the_suite_order() -> None:
    assert suite.parse_only("console, join,burst") == ["join", "burst", "console"]


def test_quick_sizes_are_small_and_bounded() -> None:
    quick, full = suite.Sizes.quick(), suite.Sizes()
    assert quick.held == 1000 and quick.hold_s == 10
    assert full.held == 15_000 and full.hold_s == 120 and full.join_players == 10_000
    assert max(quick.join_players, quick.fanout_subscribers, quick.burst_players) <= 1000


def test_a_failed_check_fails_the_suite_and_shows_in_the_table() -> None:
    good = suite.must_equal("burst", "lost", 0, 0)
    bad = suite.must_equal("burst", "lost", 3, 0)
    outcome = suite.ScenarioOutcome("burst", "ok", 1.0, [good, bad])
    assert not suite.passed([outcome])
    assert "FAIL (= 0)" in suite.table([outcome])
    assert suite.passed([suite.ScenarioOutcome("burst", "ok", 1.0, [good])])


def test_missing_console_is_reported_not_failed() -> None:
    outcomes = [
        suite.ScenarioOutcome("console", "not available", 0.0, [], "no module"),
        suite.ScenarioOutcome("join", "failed", 0.0, [], "RuntimeError: boom"),
    ]
    text = suite.table(outcomes)
    assert "not available" in text and "FAILED" in text and "RuntimeError: boom" in text
    assert not suite.passed(outcomes)
    assert suite.passed(outcomes[:1])


async def test_a_scenario_that_raises_is_reported_and_the_suite_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(_sizes: suite.Sizes) -> tuple[list[suite.Row], object]:
        raise RuntimeError("server would not start")

    monkeypatch.setattr(suite, "burst_rows", broken)
    outcome = await suite.run_one("burst", suite.Sizes.quick(), True)
    assert outcome.status == "failed" and "server would not start" in outcome.detail


def test_ratio_and_missing_values_render() -> None:
    row = suite.Row("fanout", "p99 ms", 30.0, 20.0, "{:,.1f}", True)
    assert row.cells()[2:5] == ["30.0", "20.0", "1.50x"]
    empty = suite.Row("burst", "reveal p99", float("nan"), None, "{:,.1f}", True)
    assert empty.cells()[2:5] == ["-", "-", ""]


def test_max_in_window() -> None:
    assert max_in_window([]) == 0
    assert max_in_window([0.0, 0.5, 0.99, 1.0, 1.2, 5.0]) == 4  # 0.5 .. 1.2
    assert max_in_window([0.0, 2.0, 4.0]) == 1


# -- the console scenario ------------------------------------------------------------------


async def test_console_not_available(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console_scenario, "MODULE", "bench.no_such_console_module")
    outcome = await console_scenario.run_console(True, 5000, 30)
    assert outcome.status == "not available" and outcome.figures == []


async def test_console_figures_come_from_its_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(console_scenario, "MODULE", FAKE)
    monkeypatch.setenv("FAKE_CONSOLE_MODE", "ok")
    outcome = await console_scenario.run_console(True, 4321, 60)
    assert outcome.status == "ok", outcome.detail
    assert ("ui loop lag p99 ms", 12.5, 2.5) in outcome.figures
    assert ("answers/s offered", 4321.0, None) in outcome.figures  # our --rate went through
    assert ("quick", 1.0, None) in outcome.figures


@pytest.mark.parametrize(
    ("mode", "why"), [("fail", "exit 3"), ("no-json", "no JSON"), ("hang", "timed out")]
)
async def test_console_failures_are_reported(
    monkeypatch: pytest.MonkeyPatch, mode: str, why: str
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(console_scenario, "MODULE", FAKE)
    monkeypatch.setenv("FAKE_CONSOLE_MODE", mode)
    outcome = await console_scenario.run_console(False, 5000, 5)
    assert outcome.status == "failed" and why in outcome.detail


async def test_console_that_measured_but_failed_its_check_shows_its_figures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(console_scenario, "MODULE", FAKE)
    monkeypatch.setenv("FAKE_CONSOLE_MODE", "miscount")
    rows, _raw, status, detail = await suite.console_rows(suite.Sizes.quick(), True)
    assert status == "failed" and "exit 1" in detail
    check = {r.metric: r for r in rows}["answers counted - published"]
    assert check.value == -1 and check.ok is False
    outcome = suite.ScenarioOutcome("console", status, 1.0, rows, detail)
    assert "ui loop lag p99 ms" in suite.table([outcome]) and not suite.passed([outcome])


def test_console_json_without_rows_is_flattened() -> None:
    data = {"lag": {"p99_ms": 4.0, "ok": True}, "cpu": {"value": 30.0, "reference": 10.0}}
    assert console_scenario.figures_of(data) == [("lag.p99_ms", 4.0, None), ("cpu", 30.0, 10.0)]


# -- scenarios at toy size: behaviour, not speed -----------------------------------------------


async def test_join_storm_past_the_rate_limit_still_subscribes_everyone() -> None:
    # 60 players against 20 joins/s: most are refused with 429 at first and must retry.
    result = await run_storm("stub", 60, 1, entry_rate=20, timeout_s=90)
    assert result.http_429 > 0
    assert result.subscribed == 60 and result.failures == 0, result.failure_kinds
    assert result.recorded == 60 and result.connected == 60


async def test_join_storm_reference_needs_no_join() -> None:
    result = await run_storm("reference", 40, 2, entry_rate=2000, timeout_s=60)
    assert result.subscribed == 40 and result.failures == 0 and result.http_429 == 0
    assert result.recorded is None


async def test_held_connections_survive_the_hold() -> None:
    result = await run_held("stub", 40, 1, hold_s=1.0)
    assert result.subscribed == 40 and result.dropped == 0 and result.failed == 0
    assert result.rss_per_conn_kib > 0


def test_the_join_reference_is_never_faster_than_the_entry_limit_allows() -> None:
    # the bucket starts full (a burst of one second's worth), then admits `rate` a second
    assert suite.limit_floor_s(10_000, 2000) == 4.0
    assert suite.limit_floor_s(10_000, 500) == 19.0
    assert suite.limit_floor_s(500, 2000) == 0.0
