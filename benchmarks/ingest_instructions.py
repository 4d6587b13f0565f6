"""Instructions per message of the whole ingest and of its reader half, compiled reader modules against pure Python.

    PYTHONPATH=src .venv/bin/python benchmarks/ingest_instructions.py [--messages 1200] [--base 200] [--json]

Counts with valgrind (`cachegrind --cache-sim=no`: instructions, which a busy machine does not move, unlike CPU
seconds) a child process that (a) ingests `benchmarks/ingest.py`'s generated mbox into a fresh case
(`ingest_paths`, after `Case.init` and one warm-up of the language detector), or (b) runs the reader half alone:
split + read + languages as `benchmarks/ingest_reading.py` does it. Each is counted for MESSAGES and for BASE
messages of the same generator, and the difference divided by MESSAGES - BASE: the cost per message without the
imports, the case set-up and the detector. Both with the compiled reader modules (leakdesk/compiled.py: the build
must be up to date, or the figures are pure Python twice; `compiled_modules` says which) and with
LEAKDESK_PURE_PYTHON=1. Valgrind makes each child some 50 times slower: 1,200 messages take minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import generate  # noqa: E402  (the same generated mbox as benchmarks/ingest.py)

INGEST = """
import sys
from leakdesk.case import Case
from leakdesk.intake import ingest_paths
from leakdesk.language.langid import detect_languages
case = Case.init(sys.argv[1])
detect_languages(["warm up the detector"], case.settings.languages)
ingest_paths(case, [sys.argv[2]], progress=False)
"""

READING = """
import sys
from pathlib import Path
from leakdesk.intake.registry import default_registry
from leakdesk.intake.reading import Limits, ReadContext, Source
from leakdesk.language.langid import detect_languages
from leakdesk.store.originals import Digests
scratch, path = Path(sys.argv[1]), Path(sys.argv[2])
scratch.mkdir()
def store(chunks):
    data = b"".join(chunks)
    return Digests("0" * 64, "0" * 40, "0" * 32, len(data))
ctx = ReadContext(Limits(), store, lambda sha: Path("/nonexistent"), scratch, gnupg_home=scratch)
registry = default_registry()
detect_languages(["warm up the detector"], ["ru", "en"])
members = list(registry.by_name("mbox").read(Source(filename=path.name, path=path), ctx).children)
eml = registry.by_name("eml")
read = [eml.read(Source(data=m.data, media_type="message/rfc822"), ctx) for m in members]
detect_languages([tp.content for ex in read for tp in ex.texts], ["ru", "en"])
"""

STATUS = """
import importlib, json
from leakdesk import compiled
for name in compiled.MODULES: importlib.import_module(name)
print(json.dumps(compiled.status()["compiled"]))
"""


def _env(pure: bool) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "LEAKDESK_PURE_PYTHON"}
    if pure:
        env["LEAKDESK_PURE_PYTHON"] = "1"
    return env


def instructions(code: str, work: Path, mbox: Path, pure: bool) -> int:
    out = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                          sys.executable, "-c", code, str(work), str(mbox)], capture_output=True, text=True,
                         check=True, env=_env(pure))
    found = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{out.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1200)
    parser.add_argument("--base", type=int, default=200)
    parser.add_argument("--only", choices=["ingest", "reading"], help="count one of the two (default: both)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report: dict[str, object] = {"messages": args.messages, "base": args.base,
                                 "load_average_1min_at_start": round(os.getloadavg()[0], 1)}
    probe = subprocess.run([sys.executable, "-c", STATUS], capture_output=True, text=True, check=True, env=_env(False))
    report["compiled_modules"] = json.loads(probe.stdout.strip().splitlines()[-1])
    codes = {"ingest": INGEST, "reading": READING}
    with tempfile.TemporaryDirectory(prefix="leakdesk-instructions-") as tmp:
        boxes = {n: Path(tmp) / f"{n}.mbox" for n in (args.base, args.messages)}
        for n, path in boxes.items():
            generate(path, n)
        for part, code in codes.items():
            if args.only and part != args.only:
                continue
            for label, pure in (("compiled", False), ("pure", True)):
                counts = {n: instructions(code, Path(tmp) / f"{part}-{label}-{n}", path, pure)
                          for n, path in boxes.items()}
                per_message = (counts[args.messages] - counts[args.base]) / (args.messages - args.base)
                report[f"{part}_{label}"] = {"instructions": counts, "per_message": round(per_message)}
            compiled_cost = report[f"{part}_compiled"]["per_message"]  # type: ignore[index]
            pure_cost = report[f"{part}_pure"]["per_message"]  # type: ignore[index]
            report[f"{part}_change"] = f"{(compiled_cost - pure_cost) / pure_cost:+.1%}"
    report["load_average_1min_at_end"] = round(os.getloadavg()[0], 1)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:28} {value}")


if __name__ == "__main__":
    main()
