"""Ingest speed and memory on a generated 10,000-message mbox, against a bare parse of the same file.

    .venv/bin/python benchmarks/ingest.py [--messages 10000] [--rounds 3] [--keep DIR] [--json] [--compare-with SRC]

The mbox is generated in a temporary folder (mixed charsets: UTF-8, KOI8-R, windows-1251, cp866; 10% of messages
with a text or binary attachment; 1% broken: invalid base64 or a missing MIME boundary). The same run measures
  * bare parse: `mailbox.mbox` + `email.message_from_bytes` over every message, and
  * full ingest: `leakdesk.intake.ingest_paths` into a fresh case (the mbox kept as an original, each message
    hashed and kept as a slice of it — or, with an older leakdesk, written as a file of its own — attachments
    written and made durable by group commit, then one transaction per batch: headers, texts, charset checks,
    language detection, custody, audit entries with their dispatch digests),
and reports messages/s, MB/s, the ratio ingest / bare parse (wall clock, and CPU time, which a busy shared machine
distorts less), each the median of `--rounds` rounds (a bare parse, then an ingest into a fresh case; every round's
CPU ratio is listed too: a load spike on a shared machine moves one round, not the median), the peak RSS of the ingest
(a child process) and how many files its originals folder holds. The child has Python's bytecode cache written before
it starts, as an installed leakdesk has (PYTHONDONTWRITEBYTECODE is dropped for it).

`--compare-with SRC` also ingests the same mbox with another version of leakdesk (SRC: its `src` folder, e.g. from
`git archive COMMIT src | tar -x -C /tmp/before`) into a case of its own, right before this version, in the same
run: a before/after comparison on a busy machine, where figures from separate runs cannot be compared.
`--compare-pure` does the same with this leakdesk in pure Python (LEAKDESK_PURE_PYTHON=1: no compiled reader
modules, leakdesk/compiled.py); `compiled_modules` says how many of them the ingest ran compiled.
"""

from __future__ import annotations

import argparse
import base64
import email
import json
import mailbox
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RU = ("Добрый день. Посылаю вам отчёт о встрече в Москве: деньги переведены через банк в августе, подписи "
      "стоят на всех документах. Не звоните мне на рабочий телефон, я сам выйду на связь.")
EN = ("Good afternoon. I am sending you the report of the meeting in Moscow; the money went through the bank in "
      "August and every document is signed. Do not call my office phone; I will get in touch.")
CHARSETS = ["utf-8", "koi8-r", "windows-1251", "cp866"]


def _message(i: int, rng: random.Random) -> bytes:
    charset = CHARSETS[i % len(CHARSETS)]
    lang_text = RU if i % 3 else EN
    body = ("\n".join(f"{lang_text} ({i}.{k})" for k in range(rng.randint(2, 12)))).encode(charset, "replace")
    head = (
        f"From: Sender {i % 50} <s{i % 50}@example.org>\nTo: desk@example.org\nSubject: Dispatch {i}\n"
        f"Date: Tue, 03 Aug 2021 {i % 24:02d}:{i % 60:02d}:00 +0300\nMessage-ID: <bench{i}@example.org>\n"
        f"Received: from mx{i % 7}.example.org by desk.example.org; Tue, 03 Aug 2021 14:06:00 +0300\n"
        "MIME-Version: 1.0\n"
    )
    if i % 100 == 42:  # 1% broken
        if i % 200 == 42:
            return (head + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
                    "SGVsbG8gd29ybGQ*&^%$#@!!!!=\n").encode()
        return (head + 'Content-Type: multipart/mixed; boundary="NOPE"\n\nno boundary at all\n').encode()
    if i % 10 == 3:  # 10% with an attachment
        attachment = (f"Attached notes {i}: " + EN * 5).encode() if i % 20 == 3 else rng.randbytes(20_000)
        name, ctype = ("notes.txt", "text/plain") if i % 20 == 3 else ("scan.bin", "application/octet-stream")
        return (
            head + 'Content-Type: multipart/mixed; boundary="BB"\n\n--BB\n'
            f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: 8bit\n\n"
        ).encode() + body + (
            f"\n--BB\nContent-Type: {ctype}\nContent-Disposition: attachment; filename=\"{name}\"\n"
            "Content-Transfer-Encoding: base64\n\n"
        ).encode() + base64.encodebytes(attachment) + b"--BB--\n"
    return (head + f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: 8bit\n\n").encode() + body


def generate(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open(path, "wb") as out:
        for i in range(n):
            out.write(f"From s{i}@example.org Tue Aug  3 14:05:00 2021\n".encode())
            out.write(_message(i, rng).rstrip(b"\n") + b"\n\n")


def bare_parse(path: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, messages) for mailbox.mbox + email.message_from_bytes over the whole file."""
    start, cpu = time.perf_counter(), time.process_time()
    box = mailbox.mbox(str(path))
    count = 0
    for key in box.keys():
        email.message_from_bytes(box.get_bytes(key))
        count += 1
    return time.perf_counter() - start, time.process_time() - cpu, count


def file_floor(path: Path, work: Path) -> float:
    """CPU seconds to write each message of the mbox as a file of its own (what write-once originals need at the
    least, before any hashing, parsing or database work): the floor of the ratio on this machine's file system."""
    box = mailbox.mbox(str(path))
    folder = work / "floor"
    folder.mkdir()
    messages = [box.get_bytes(key) for key in box.keys()]
    cpu = time.process_time()
    for i, data in enumerate(messages):
        fd = os.open(folder / str(i), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
        os.write(fd, data)
        os.close(fd)
    return time.process_time() - cpu


CHILD = """
import json, resource, sys, time
from leakdesk.case import Case
from leakdesk.intake import ingest_paths
from leakdesk.language.langid import detect_languages
case = Case.init(sys.argv[1])
detect_languages(["warm up the detector"], case.settings.languages)  # built once per process, not per message
start, cpu, usage = time.perf_counter(), time.process_time(), resource.getrusage(resource.RUSAGE_SELF)
result = ingest_paths(case, [sys.argv[2]], progress=False)
elapsed, cpu, after = time.perf_counter() - start, time.process_time() - cpu, resource.getrusage(resource.RUSAGE_SELF)
files = sum(1 for p in (case.root / "originals").rglob("*") if p.is_file())
try:
    from leakdesk import compiled
    compiled_modules = len(compiled.status()["compiled"])
except ImportError:  # a leakdesk from before the compiled reader modules
    compiled_modules = 0
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "created": len(result.created), "children": result.children,
                  "original_files": files, "compiled_modules": compiled_modules,
                  "user": after.ru_utime - usage.ru_utime, "sys": after.ru_stime - usage.ru_stime,
                  "problems": len(result.problems),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


WARM = "import leakdesk.intake.ingest; from leakdesk.intake.registry import default_registry; default_registry()"


def _ingest(case: Path, mbox: Path, src: Path | None = None, pure: bool = False) -> dict:
    """Ingest the mbox into a fresh case in a child process (with the leakdesk in `src`, if given; in pure Python
    if `pure`)."""
    env = dict(os.environ, PYTHONPATH=str(src.resolve())) if src else dict(os.environ)
    if pure:
        env["LEAKDESK_PURE_PYTHON"] = "1"
    # Python's bytecode cache, as an installed leakdesk has it: with PYTHONDONTWRITEBYTECODE (set on some machines)
    # every reader module the ingest loads would be compiled from source inside the timed part; written first here.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-c", WARM], check=True, env=env)
    child = subprocess.run([sys.executable, "-c", CHILD, str(case), str(mbox)], capture_output=True, text=True,
                           check=True, env=env)
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3,
                        help="bare parse + ingest pairs, one after the other; the ratios are their medians")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary folder)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--compare-with", type=Path, metavar="SRC",
                        help="also ingest with the leakdesk whose sources are in SRC (before/after, same mbox)")
    parser.add_argument("--compare-pure", action="store_true",
                        help="also ingest with this leakdesk in pure Python (LEAKDESK_PURE_PYTHON=1), same mbox")
    args = parser.parse_args()
    if args.compare_with and args.compare_pure:
        parser.error("--compare-with and --compare-pure: one at a time")
    with tempfile.TemporaryDirectory(prefix="leakdesk-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        mbox = work / "bench.mbox"
        generate(mbox, args.messages)
        size_mb = mbox.stat().st_size / 1e6
        floor_cpu = file_floor(mbox, work)
        other = (_ingest(work / "case-other", mbox, args.compare_with) if args.compare_with else
                 _ingest(work / "case-other", mbox, pure=True) if args.compare_pure else None)
        rounds = []
        for k in range(max(1, args.rounds)):
            bare_s, bare_cpu, count = bare_parse(mbox)
            rounds.append((bare_s, bare_cpu, _ingest(work / f"case-{k}", mbox)))
    ratios = [ingest["cpu_seconds"] / bare_cpu for _, bare_cpu, ingest in rounds]
    middle = sorted(range(len(rounds)), key=lambda k: ratios[k])[(len(rounds) - 1) // 2]  # the median round
    bare_s, bare_cpu, ingest = rounds[middle]
    wall_ratio = statistics.median(ingest_["seconds"] / bare_ for bare_, _, ingest_ in rounds)
    report = {
        "messages": count,
        "mbox_mb": round(size_mb, 1),
        "bare_parse_s": round(bare_s, 2),
        "ingest_s": round(ingest["seconds"], 2),
        "messages_per_s": round(count / ingest["seconds"], 1),
        "mb_per_s": round(size_mb / ingest["seconds"], 2),
        "ratio_ingest_to_bare_parse": round(wall_ratio, 2),
        "bare_parse_cpu_s": round(bare_cpu, 2),
        "ingest_cpu_s": round(ingest["cpu_seconds"], 2),
        "ratio_in_cpu_time": round(ratios[middle], 2),
        "ratio_in_cpu_time_rounds": [round(r, 2) for r in ratios],
        "ingest_user_sys_s": [round(ingest["user"], 2), round(ingest["sys"], 2)],
        "one_file_per_message_cpu_s": round(floor_cpu, 2),
        "ratio_file_floor_to_bare_parse": round(floor_cpu / bare_cpu, 2),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "peak_rss_mb": round(max(ingest_["peak_rss_mb"] for *_, ingest_ in rounds), 1),
        "dispatches_created": ingest["created"],
        "attachments": ingest["children"],
        "original_files": ingest["original_files"],
        "inputs_with_problems": ingest["problems"],
        "cpus": os.cpu_count(),
        "compiled_modules": ingest["compiled_modules"],
        **({"other_src": str(args.compare_with or "this, LEAKDESK_PURE_PYTHON=1"),
            "other_compiled_modules": other["compiled_modules"], "other_ingest_cpu_s": round(other["cpu_seconds"], 2),
            "other_ingest_user_sys_s": [round(other["user"], 2), round(other["sys"], 2)],
            "other_ratio_in_cpu_time": round(other["cpu_seconds"] / bare_cpu, 2),
            "other_peak_rss_mb": round(other["peak_rss_mb"], 1), "other_dispatches_created": other["created"],
            "other_attachments": other["children"], "other_inputs_with_problems": other["problems"],
            "other_original_files": other["original_files"]} if other else {}),
        "python": sys.version.split()[0],
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:28} {value}")


if __name__ == "__main__":
    main()
