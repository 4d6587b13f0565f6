#!/usr/bin/env python3
"""Speed of the claims capability's pipeline stages (entities, entity-carry, dates, claims) on a built case.

Usage: PYTHONPATH=src .venv/bin/python benchmarks/claims_stages.py CASE [--rounds N] [--json]

CASE is a case where `leakdesk run` has already run (e.g. the demo case: `make demo` builds ./demo-case). The case
is copied to a temporary folder; each round forgets the four stages' run records and redoes them in-process, so
every text's entities, dates and claims are rebuilt. Round 1 includes loading the models; later rounds are warm.
CPU time is this process's (user + system), which a loaded machine disturbs less than wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

STAGES = ["entities", "entity-carry", "dates", "claims"]


def one_round(case: Any) -> dict[str, Any]:
    from leakdesk import pipeline
    from leakdesk.store.records.provenance import forget

    with case.transaction() as conn:
        for name in STAGES:
            forget(conn, name)
    cpu, wall = time.process_time(), time.perf_counter()
    report = pipeline.run(case, STAGES)
    return {"cpu_seconds": round(time.process_time() - cpu, 2), "wall_seconds": round(time.perf_counter() - wall, 2),
            "stages": {s.name: {"done": s.done, "failed": s.failed, "seconds": s.seconds} for s in report.stages}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from leakdesk.case import Case

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "case"
        shutil.copytree(args.case, copy, symlinks=True)
        case = Case.open(copy)
        rounds = [one_round(case) for _ in range(args.rounds)]
    result = {"case": str(args.case), "load_average": os.getloadavg()[0], "rounds": rounds,
              "warm_cpu_seconds_min": min(r["cpu_seconds"] for r in rounds[1:]) if len(rounds) > 1 else None}
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for n, r in enumerate(rounds, 1):
            print(f"round {n}: {r['cpu_seconds']} s CPU, {r['wall_seconds']} s wall  "
                  + ", ".join(f"{k} {v['done']} items {v['seconds']} s" for k, v in r["stages"].items()))
        print(f"warm CPU (min of rounds 2..): {result['warm_cpu_seconds_min']} s; "
              f"load average {result['load_average']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
