"""The cost of encryption at rest: the same ingest and the same authorship run on a plain and an encrypted case.

    .venv/bin/python benchmarks/encryption.py [--messages 2000] [--letters DIR] [--repeat 2] [--json]

* ingest: the mbox of benchmarks/ingest.py (generated here, `--messages` of them) into a fresh case;
* authorship: the letters in `--letters` (default: the bundled sample case's mail) ingested as one series, then the
  stages `language-id`, `verify` and `series-analysis` (only those are timed);
* open: `Case.open` of the encrypted case with the default Argon2id parameters (paid by every command).
Each measure runs in a child process of its own (wall clock and that process's CPU time); plain and encrypted
alternate, the order flipping on each repeat, and the load average is printed beside the figures (a shared machine
slows wall-clock figures; CPU time is the steadier measure).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from ingest import generate  # noqa: E402  (the ingest benchmark's generated mbox, so both measure the same input)

CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
from leakdesk.case import Case
from leakdesk.intake import ingest_paths
from leakdesk.language.langid import detect_languages

what, mode, root, source = sys.argv[1:5]


def cpu_now():  # this process (all threads) and its finished children (the reader worker)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


passphrase = b"benchmark passphrase, not a secret"
encrypted = mode == "encrypted"
case = Case.init(root, encrypted=encrypted, passphrase=passphrase if encrypted else None)
detect_languages(["warm up the detector"], case.settings.languages)
out = {}
if what == "ingest":
    start, cpu = time.perf_counter(), cpu_now()
    result = ingest_paths(case, [Path(source)], progress=False)
    out = {"seconds": time.perf_counter() - start, "cpu": cpu_now() - cpu, "created": len(result.created)}
else:
    from leakdesk import pipeline
    result = ingest_paths(case, [Path(source)], series="Bench", progress=False)
    start, cpu = time.perf_counter(), cpu_now()
    report = pipeline.run(case, ["language-id", "verify", "series-analysis"])
    out = {"seconds": time.perf_counter() - start, "cpu": cpu_now() - cpu,
           "created": len(result.created), "failed": sum(s.failed for s in report.stages),
           "verified": next(s.done for s in report.stages if s.name == "verify")}
case.close()
if encrypted:
    start, cpu = time.perf_counter(), cpu_now()
    Case.open(root, passphrase=passphrase).close()
    out["open_seconds"], out["open_cpu"] = time.perf_counter() - start, cpu_now() - cpu
print(json.dumps(out))
"""


def _child(what: str, mode: str, root: Path, source: Path) -> dict[str, float]:
    env = dict(os.environ, LEAKDESK_HOME=str(root.parent / "home"))
    done = subprocess.run([sys.executable, "-c", CHILD, what, mode, str(root), str(source)],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"the {what} run on a {mode} case failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--letters", type=Path, help="folder of letters for the authorship run "
                        "(default: the bundled sample case's mail)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.letters is None:
        from leakdesk.sample import sample_dir

        args.letters = sample_dir() / "mail"
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="leakdesk-bench-crypt-") as tmp:
        work = Path(tmp)
        mbox = work / "bench.mbox"
        generate(mbox, args.messages)
        n = 0
        for r in range(args.repeat):
            modes = ["plain", "encrypted"] if r % 2 == 0 else ["encrypted", "plain"]
            for what, source in (("ingest", mbox), ("authorship", args.letters)):
                for mode in modes:
                    n += 1
                    runs.setdefault((what, mode), []).append(_child(what, mode, work / f"case{n}", source))
    load_after = _load()
    report: dict[str, object] = {"messages": args.messages, "letters": str(args.letters), "repeat": args.repeat,
                                 "load_average_before": load_before, "load_average_after": load_after}
    for what in ("ingest", "authorship"):
        for measure in ("seconds", "cpu"):
            plain = statistics.median(x[measure] for x in runs[(what, "plain")])
            enc = statistics.median(x[measure] for x in runs[(what, "encrypted")])
            report[f"{what}_{measure}"] = {"plain": round(plain, 2), "encrypted": round(enc, 2),
                                           "ratio": round(enc / plain, 3)}
    opens = runs[("ingest", "encrypted")] + runs[("authorship", "encrypted")]
    report["open_encrypted_seconds"] = round(statistics.median(x["open_seconds"] for x in opens), 3)
    report["open_encrypted_cpu"] = round(statistics.median(x["open_cpu"] for x in opens), 3)
    report["created"] = {f"{w}/{m}": [int(x["created"]) for x in v] for (w, m), v in runs.items()}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"Encryption at rest, median of {args.repeat} (load average {load_before} before, {load_after} after)")
    print("| measure | plain | encrypted | encrypted / plain |\n|---|---|---|---|")
    for key, label in (("ingest_seconds", f"ingest of {args.messages} messages, wall s"),
                       ("ingest_cpu", f"ingest of {args.messages} messages, CPU s"),
                       ("authorship_seconds", "authorship run (language-id, verify, series-analysis), wall s"),
                       ("authorship_cpu", "authorship run, CPU s")):
        row = report[key]
        assert isinstance(row, dict)
        print(f"| {label} | {row['plain']} | {row['encrypted']} | {row['ratio']} |")
    print(f"| opening the encrypted case (Argon2id t=3, 64 MiB, p=4, + migrations check), wall / CPU s | – | "
          f"{report['open_encrypted_seconds']} / {report['open_encrypted_cpu']} | – |")
    print("dispatches created:", report["created"])


if __name__ == "__main__":
    main()
