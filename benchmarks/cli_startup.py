"""Start-up cost of the `leakdesk` command: CPU seconds (user + system) of whole processes, median of N runs.

    python benchmarks/cli_startup.py [--runs 15] [--src OTHER_CHECKOUT/src]

Each command is started as a fresh `python -m leakdesk.cli.main …` process; its CPU time is the operating system's
accounting of the finished child (os.wait4), so a loaded machine slows the wall clock more than this figure.
Target: `leakdesk --help` and light commands (no case opened) under 0.3 s. `--src DIR` times another checkout's
`src/` (e.g. the commit before a change) in alternation with this one, so both see the same load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = [
    ["--help"],
    ["dispatch", "--help"],
    ["dispatch", "list", "--help"],
    ["show", "--help"],
    ["series", "verify", "--help"],
    ["dispatches", "--help"],  # an old form, rewritten with its note
    ["model", "list"],
]


def seconds(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one fresh `leakdesk ARGS` process."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "leakdesk.cli.main", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"`leakdesk {' '.join(args)}` failed")
    return usage.ru_utime + usage.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--src", type=Path, help="Another checkout's src/ to time in alternation (A = it, B = this).")
    options = parser.parse_args()
    here = str(Path(__file__).resolve().parents[1] / "src")
    with tempfile.TemporaryDirectory() as home:
        envs = {"this": {**os.environ, "LEAKDESK_HOME": home, "PYTHONPATH": here}}
        if options.src:
            envs = {"other": {**envs["this"], "PYTHONPATH": str(options.src)}, **envs}
        print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; {options.runs} runs each; "
              "median (min-max) CPU s, median wall s")
        for args in COMMANDS:
            label = "leakdesk " + " ".join(args)
            cells = []
            for env in envs.values():
                seconds(args, env)  # warm the file cache
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name in envs}
            for _ in range(options.runs):
                for name, env in envs.items():  # alternate, so both see the same load
                    samples[name].append(seconds(args, env))
            for name, got in samples.items():
                cpu = [c for c, _ in got]
                wall = statistics.median(w for _, w in got)
                cells.append(f"{name} {statistics.median(cpu):.3f} ({min(cpu):.3f}-{max(cpu):.3f}) wall {wall:.3f}")
            print(f"{label:<34} " + "   ".join(cells))


if __name__ == "__main__":
    main()
