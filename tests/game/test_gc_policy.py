"""The stub's garbage-collection policy (backend_stub/gcpolicy.py), in a child interpreter: the
policy changes process-wide collector state that must not leak into the test process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

SCRIPT = textwrap.dedent(
    """
    import gc, json
    from backend_stub import gcpolicy

    class Node:
        def __init__(self):
            self.me = self  # a reference cycle: only the cyclic collector frees it

    counters = {"open": 1000, "closed": 0}
    policy = gcpolicy.install(lambda: counters["open"], lambda: counters["closed"])
    out = {"thresholds": list(gc.get_threshold())}
    held = [Node() for _ in range(20_000)]  # long-lived, as the objects of open connections
    gc.collect()  # a full collection walks everything, then freezes what survived it
    out["frozen_after_full"] = gc.get_freeze_count()
    out["full_walks"] = policy.full_walks

    gc.collect()  # a later full collection walks only what is new
    out["frozen_after_second"] = gc.get_freeze_count()
    out["full_walks_after_second"] = policy.full_walks

    del held  # the "connections" close: their cycles hide among the frozen objects
    counters["closed"], counters["open"] = 20_000, 0
    gc.collect()  # churn past the limit: unfreeze, so that the next collection walks all
    out["frozen_after_churn"] = gc.get_freeze_count()
    out["freed_by_next_full_walk"] = gc.collect()
    out["full_walks_at_end"] = policy.full_walks

    gcpolicy.uninstall(policy)
    out["thresholds_restored"] = list(gc.get_threshold())
    out["frozen_after_uninstall"] = gc.get_freeze_count()
    print(json.dumps(out))
    """
)


def run_script() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_full_collections_freeze_survivors_until_connections_churn() -> None:
    out = run_script()
    assert out["thresholds"] == [50_000, 3, 10]
    assert out["full_walks"] == 1 and out["frozen_after_full"] >= 20_000
    # the second full collection did not walk the frozen survivors again
    assert out["full_walks_after_second"] == 1
    assert out["frozen_after_second"] >= out["frozen_after_full"]
    # after the churn the survivors are unfrozen; the next full walk frees the hidden cycles
    assert out["frozen_after_churn"] == 0
    assert out["freed_by_next_full_walk"] >= 20_000
    assert out["full_walks_at_end"] == 2
    assert out["thresholds_restored"] == [700, 10, 10] and out["frozen_after_uninstall"] == 0
