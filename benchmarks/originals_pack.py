"""The storage of a container's attachments alone: one file each (before packs) against one pack per batch.

    PYTHONPATH=src .venv/bin/python benchmarks/originals_pack.py --compare-with SRC [--rounds 5] [--json] [--slices]

Stores the attachments `benchmarks/ingest.py` puts in its 10,000 letters (1,050: every 10th letter, half a short
text, half 20,000 random bytes) as ingest does in a group commit: in batches of 1,000 letters, each attachment
stored with `put_chunks(defer=True)` and read back once as its reader gets it (from memory when the store holds it
there, else from the path `readable_path` gives), then `commit_pending`. Each version (this one, and SRC: another
`src` folder, e.g. `git archive COMMIT src | tar -x -C /tmp/before`) runs in a child process of its own, the two
alternating for `--rounds` rounds, so a loaded machine slows both alike; CPU is the child's user + system time.

`--slices`: instead, the mbox of `benchmarks/ingest.py` stored and each of its messages handed to `put_slice` in one
piece at its offset, as the mbox reader does (hashing and comparing with the stored mbox, no file per message).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

EN = "The meeting was moved to Friday; the documents are with the lawyer. "
CHILD = r"""
import os, random, sys, tempfile, time
from pathlib import Path
from leakdesk.store.originals import Originals
messages, seed = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
attachments = [(f"Attached notes {i}: " + sys.argv[3] * 5).encode() if i % 20 == 3 else rng.randbytes(20_000)
               for i in range(messages) if i % 10 == 3]
root = Path(tempfile.mkdtemp(dir=sys.argv[4])) / "originals"
try:
    store = Originals(root, recorded=lambda shas: set())
except TypeError:  # a version without packs
    store = Originals(root)
pending = getattr(store, "pending_bytes", lambda sha: None)
start = os.times()
per_batch = 100  # attachments of 1,000 letters
for first in range(0, len(attachments), per_batch):
    for data in attachments[first:first + per_batch]:
        sha = store.put_chunks(iter((data,)), defer=True).sha256
        held = pending(sha)
        if held is None:
            with open(store.readable_path(sha), "rb") as fh:
                held = fh.read()
        assert len(held) == len(data)
    store.commit_pending()
end = os.times()
files = sum(1 for p in root.rglob("*") if p.is_file())
print(end.user - start.user + end.system - start.system, end.user - start.user, end.system - start.system, files,
      len(attachments))
"""


SLICES = r"""
import mailbox, os, sys, tempfile
from pathlib import Path
from leakdesk.store.originals import Originals
box = Path(sys.argv[4]) / "bench.mbox"
data = box.read_bytes()
offsets, ends, at = [], [], 0
for line in data.splitlines(keepends=True):  # a message: from after its "From " line to the blank line before the next
    if line.startswith(b"From "):
        if offsets:
            ends.append(at - 1)
        offsets.append(at + len(line))
    at += len(line)
ends.append(len(data))
root = Path(tempfile.mkdtemp(dir=sys.argv[4])) / "originals"
store = Originals(root)
container = store.put_bytes(data).sha256
members = [data[a:b] for a, b in zip(offsets, ends)]
start = os.times()
sliced = sum(1 for a, m in zip(offsets, members) if store.put_slice(iter((m,)), container, a).slice is not None)
end = os.times()
print(end.user - start.user + end.system - start.system, end.user - start.user, end.system - start.system,
      sum(1 for p in root.rglob("*") if p.is_file()), sliced)
"""


def _child(src: Path, work: Path, messages: int, code: str = CHILD) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", code, str(messages), "7", EN, str(work)], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    cpu, user, system, files, stored = (float(x) for x in out)
    return {"cpu_s": round(cpu, 3), "user_s": round(user, 3), "sys_s": round(system, 3), "files": int(files),
            "attachments": int(stored)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare-with", type=Path, required=True, metavar="SRC")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--slices", action="store_true", help="time put_slice over the mbox's messages instead")
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1] / "src"
    rows = []
    with tempfile.TemporaryDirectory() as work:
        if args.slices:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from ingest import generate

            generate(Path(work) / "bench.mbox", args.messages)
        order = [(args.compare_with, "before"), (here, "after")]
        for r in range(args.rounds):
            random.Random(r).shuffle(order)
            row = {name: _child(src, Path(work), args.messages, SLICES if args.slices else CHILD)
                   for src, name in order}
            row["first"] = order[0][1]
            rows.append(row)
    if args.json:
        print(json.dumps({"rounds": rows, "load_average_1min": round(os.getloadavg()[0], 1)}, indent=2))
        return
    for i, row in enumerate(rows, 1):
        b, a = row["before"], row["after"]
        print(f"round {i} ({row['first']} first): before {b['cpu_s']:.3f} s CPU ({b['user_s']:.3f} user / "
              f"{b['sys_s']:.3f} sys, {b['files']} files) -> after {a['cpu_s']:.3f} s ({a['user_s']:.3f} / "
              f"{a['sys_s']:.3f}, {a['files']} files; {a['attachments']} {'slices' if args.slices else 'stored'})")
    print(f"load average (1 min): {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
