"""Stand-in for ``bench.console_load`` in the suite's tests: behaves as FAKE_CONSOLE_MODE says."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rate", type=int, default=5000)
    args = parser.parse_args()
    mode = os.environ.get("FAKE_CONSOLE_MODE", "ok")
    if mode == "fail":
        print("console exploded", file=sys.stderr)
        return 3
    if mode == "hang":
        time.sleep(600)
    if mode == "no-json":
        return 0
    rows = [
        {"metric": "ui loop lag p99 ms", "value": 12.5, "reference": 2.5},
        {"metric": "answers/s offered", "value": float(args.rate), "reference": None},
        {"metric": "quick", "value": 1.0 if args.quick else 0.0},
    ]
    if mode == "miscount":  # measured, but the console lost an answer: its own check fails
        rows.append({"metric": "answers_published", "value": 100.0, "reference": None})
        rows.append({"metric": "answers_counted", "value": 99.0, "reference": None})
    assert args.json is not None
    args.json.write_text(json.dumps({"rows": rows}))
    return 1 if mode == "miscount" else 0


if __name__ == "__main__":
    sys.exit(main())
