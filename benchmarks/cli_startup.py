"""Start-up cost of the `leakdesk` command: CPU seconds (user + system) of whole processes, median of N runs.

    python benchmarks/cli_startup.py [--runs 15]

Each command is started as a fresh `python -m leakdesk.cli.main …` process; its CPU time is the operating system's
accounting of the finished child (os.wait4), so a loaded machine slows the wall clock more than this figure.
Target: `leakdesk --help` and light commands (no case opened) under 0.3 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

COMMANDS = [
    ["--help"],
    ["dispatch", "--help"],
    ["series", "verify", "--help"],
    ["dispatches", "--help"],  # an old form, rewritten with its note
    ["model", "list"],
]


def cpu_seconds(args: list[str], env: dict[str, str]) -> float:
    proc = subprocess.Popen([sys.executable, "-m", "leakdesk.cli.main", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"`leakdesk {' '.join(args)}` failed")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "LEAKDESK_HOME": home}
        load = os.getloadavg()[0]
        print(f"{'command':<36} {'median CPU s':>12} {'min':>7} {'max':>7}   ({runs} runs, load {load:.1f})")
        for args in COMMANDS:
            cpu_seconds(args, env)  # warm the file cache
            times = [cpu_seconds(args, env) for _ in range(runs)]
            label = "leakdesk " + " ".join(args)
            print(f"{label:<36} {statistics.median(times):>12.3f} {min(times):>7.3f} {max(times):>7.3f}")


if __name__ == "__main__":
    main()
