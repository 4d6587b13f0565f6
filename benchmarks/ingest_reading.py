"""The reader half of ingest, alone: CPU time to split the generated mbox and read every message, against a bare
parse of the same file, for this leakdesk and (optionally) another version, in one run.

    PYTHONPATH=src .venv/bin/python benchmarks/ingest_reading.py [--messages 10000] [--compare-with SRC] [--json]

The mbox is `benchmarks/ingest.py`'s (same generator, same seed). Each version runs in a child process of its own,
measuring with `time.process_time()`:
  * bare parse: `mailbox.mbox` + `email.message_from_bytes` over every message (the ratio's denominator);
  * split: the mbox reader's members, each message's bytes handed to a store that only joins them (no hashing, no
    files: that is the storage side's work, not the reader's);
  * read: the email reader on each message in memory (headers raw and decoded, dates, header anomalies, MIME,
    charset checks, bodies, attachments handed to the same store);
  * languages: language identification of every text read (the detector is built before timing).
`--compare-with SRC` measures the leakdesk whose `src` folder is SRC (e.g. `git archive COMMIT src | tar -x -C
/tmp/before`) right before this one, so that both columns share one load: on a busy machine only a same-run
comparison means anything. The load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import generate  # noqa: E402  (the same generated mbox as benchmarks/ingest.py)

CHILD = """
import email, json, mailbox, sys, time
from pathlib import Path
from leakdesk.intake.registry import default_registry
from leakdesk.intake.reading import Limits, ReadContext, Source
from leakdesk.language.langid import detect_languages
from leakdesk.store.originals import Digests

path = Path(sys.argv[1])
def store(chunks):
    data = b"".join(chunks)
    return Digests("0" * 64, "0" * 40, "0" * 32, len(data))
ctx = ReadContext(Limits(), store, lambda sha: Path("/nonexistent"), Path(sys.argv[2]), gnupg_home=Path(sys.argv[2]))
registry = default_registry()
detect_languages(["warm up the detector"], ["ru", "en"])
out = {}
cpu = time.process_time()
box = mailbox.mbox(str(path))
for key in box.keys():
    email.message_from_bytes(box.get_bytes(key))
out["bare_parse"] = time.process_time() - cpu
cpu = time.process_time()
members = list(registry.by_name("mbox").read(Source(filename=path.name, path=path), ctx).children)
out["split"] = time.process_time() - cpu
eml = registry.by_name("eml")
cpu = time.process_time()
read = [eml.read(Source(data=m.data, media_type="message/rfc822"), ctx) for m in members]
out["read"] = time.process_time() - cpu
texts = [tp.content for ex in read for tp in ex.texts]
cpu = time.process_time()
detect_languages(texts, ["ru", "en"])
out["languages"] = time.process_time() - cpu
out["messages"] = len(members)
out["texts"] = len(texts)
out["attachments"] = sum(len(list(ex.children)) for ex in read)
out["with_errors"] = sum(1 for ex in read if ex.errors)
print(json.dumps(out))
"""


def _measure(mbox: Path, scratch: Path, src: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(src.resolve()))
    child = subprocess.run([sys.executable, "-c", CHILD, str(mbox), str(scratch)], capture_output=True, text=True,
                           check=True, env=env)
    return dict(json.loads(child.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--compare-with", type=Path, metavar="SRC", help="also measure the leakdesk in SRC, first")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1] / "src"
    with tempfile.TemporaryDirectory(prefix="leakdesk-reading-") as tmp:
        mbox = Path(tmp) / "bench.mbox"
        generate(mbox, args.messages)
        runs = {}
        if args.compare_with:
            runs["other"] = _measure(mbox, Path(tmp), args.compare_with)
        runs["this"] = _measure(mbox, Path(tmp), here)
    report: dict[str, object] = {"load_average_1min": round(os.getloadavg()[0], 1)}
    for label, run in runs.items():
        reader = run["split"] + run["read"] + run["languages"]
        report[label] = {**{k: round(v, 3) if isinstance(v, float) else v for k, v in run.items()},
                         "reader_half_cpu_s": round(reader, 3),
                         "reader_half_to_bare_parse": round(reader / run["bare_parse"], 2),
                         "us_per_message": round(reader / run["messages"] * 1e6, 1)}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:18} {value}")


if __name__ == "__main__":
    main()
