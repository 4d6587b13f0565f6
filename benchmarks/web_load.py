"""Web desk latency under load: a generated case, 50 concurrent clients (Debian `wrk`), p50/p95/p99 per page.

    .venv/bin/python benchmarks/web_load.py [--letters 10000] [--connections 50] [--duration 20] [--keep DIR] [--json]

The case is generated in a temporary folder: one mbox of N Russian letters (sentences drawn from a small bank, one
in twenty about the Kurils), ingested with `leakdesk.intake.ingest_paths` into series "Load", an authorship verdict
stored per letter (one in twenty by "another hand"), a desk user, and the search index (lemmas and multilingual
embeddings) built as `leakdesk serve` builds it. Then `leakdesk serve` runs on 127.0.0.1 and `wrk` drives it with
a logged-in session cookie: the overview (first page), one letter page, a Russian word search, an English
cross-lingual search. Reported: requests, errors (non-2xx/3xx, socket errors), p50/p95/p99 and max in ms, the
server's CPU time per request (its processes' user + system time over the run / requests: far less inflated by a
loaded machine than wall-clock latency) and the load average at the end of each run.
Pages are cached per session until the audit log moves on, so this measures what a desk of readers meets between
edits: each page is asked once before wrk starts (that first build's wall time is the "first view" column) and wrk's
figures are the kept page's; `benchmarks/web_cpu.py --keep DIR` measures CPU per request in-process, cached and not.
Build the case once, at low priority, and reuse it:
    nice -n 19 .venv/bin/python benchmarks/web_load.py --keep /tmp/web-load-case --build-only
    .venv/bin/python benchmarks/web_load.py --keep /tmp/web-load-case [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import httpx

SENTENCES = [
    "Добрый вечер, пишу Вам снова из конторы.", "Совещание наверху перенесли на четверг.",
    "По линии нашего департамента пришла новая справка.", "Деньги переведены через банк в августе.",
    "Я сам видел распоряжение, подписанное генералом.", "Погода в Москве холодная, снег ещё лежит.",
    "Не звоните мне на рабочий телефон, я сам выйду на связь.", "Берегите себя, обстановка тревожная.",
    "В отделе снова говорят о проверке и о новых людях.", "Документы лежат в сейфе у начальника управления.",
]
KURILS = "Вертолёты перебросили на Итуруп, контора готовилась к войне с Японией из-за Курил."
LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d\\n", summary.requests,
    e.status + e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, summary.duration))
end
"""
PASSWORD = "benchmark passphrase 2026"


def make_mbox(path: Path, letters: int, rng: random.Random) -> None:
    start = datetime(2022, 1, 1, tzinfo=UTC)
    with path.open("wb") as out:
        for i in range(letters):
            m = EmailMessage()
            m["From"] = "Ветер <veter@mail.example>" if i % 20 != 7 else "Ветер <veter.2022@post.example>"
            m["To"], m["Subject"] = "olga@desk.example", f"Письмо {i + 1}"
            m["Date"] = format_datetime(start + timedelta(hours=3 * i))
            m["Message-ID"] = f"<load{i}@mail.example>"
            body = [rng.choice(SENTENCES) for _ in range(rng.randint(4, 12))]
            if i % 20 == 3:
                body.insert(1, KURILS)
            m.set_content("\n\n".join(" ".join(body[k:k + 3]) for k in range(0, len(body), 3)))
            raw = m.as_bytes().replace(b"\nFrom ", b"\n>From ")
            out.write(b"From veter@mail.example Sat Jan  1 00:00:00 2022\n" + raw + b"\n")


def build_case(root: Path, letters: int) -> dict[str, float]:
    from leakdesk.case import Case
    from leakdesk.intake.ingest import ingest_paths
    from leakdesk.store.records import accounts, dispatches, verdicts
    from leakdesk.web.search_view import refresh

    rng = random.Random(11)
    timings: dict[str, float] = {}
    mbox = root.parent / "load.mbox"
    make_mbox(mbox, letters, rng)
    case = Case.init(root)
    t0 = time.perf_counter()
    ingest_paths(case, [mbox], series="Load", progress=False)
    timings["ingest_s"] = time.perf_counter() - t0
    with case.transaction() as conn:
        summaries = dispatches.overview(conn)
        series_id = summaries[0].dispatch.series_id
        for n, s in enumerate(summaries):
            other = n % 20 == 7
            verdicts.add(conn, s.dispatch.id, series_id, "fusion", "benchmark", -3.0 if other else 3.0,
                         0.03 if other else 0.95, "different" if other else "same", ["generated verdict"], [])
        case.audit(conn, "benchmark.verdicts", "series:Load", {"verdicts": len(summaries)})
    accounts.add_user(case, "bench", "editor", PASSWORD)
    t0 = time.perf_counter()
    refresh(case)
    timings["index_s"] = time.perf_counter() - t0
    timings["letters"] = len(summaries)
    case.close()
    return timings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(1200):
        if proc.poll() is not None:
            raise SystemExit("the desk server exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.25)
    raise SystemExit("the desk server did not start")


def _server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the server and its worker processes have used so far."""
    import psutil

    root = psutil.Process(pid)
    total = 0.0
    for p in [root, *root.children(recursive=True)]:
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def run_wrk(url: str, cookie: str, connections: int, duration: int, script: Path) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", f"-c{connections}", "-t2", f"-d{duration}s", "--timeout", "10s", "-s", str(script),
         "-H", f"Cookie: leakdesk_session={cookie}", url],
        capture_output=True, text=True, check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    requests, errors, p50, p95, p99, peak, micros = (int(x) for x in line.split()[1:])
    return {"requests": requests, "errors": errors, "rps": round(requests / (micros / 1e6), 1),
            "p50_ms": p50 / 1000, "p95_ms": p95 / 1000, "p99_ms": p99 / 1000, "max_ms": peak / 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="`leakdesk serve --workers`")
    parser.add_argument("--keep", type=Path, help="build the case here and keep it (reused when it exists)")
    parser.add_argument("--build-only", action="store_true", help="build the --keep case and stop (no server)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.build_only:
        if not args.keep:
            raise SystemExit("--build-only needs --keep DIR: the folder to build the case in.")
        if not (args.keep / "case.json").exists():
            print(json.dumps(build_case(args.keep, args.letters)))
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: install the Debian package `wrk` (make system-deps does).")
    work = Path(tempfile.mkdtemp(prefix="leakdesk-web-load-"))
    root = args.keep or work / "case"
    timings = {} if (root / "case.json").exists() else build_case(root, args.letters)
    port = _free_port()
    log = (work / "server.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "leakdesk.cli.main", "serve", str(root), "--port", str(port),
                             "--workers", str(args.workers)],
                            stdout=log, stderr=log, env={**os.environ})
    results: dict[str, dict[str, float]] = {}
    try:
        _wait(port, proc)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=300) as client:  # the first list of every letter is built cold
            page = client.get("/login")
            csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
            client.post("/login", data={"name": "bench", "password": PASSWORD, "csrf": csrf})
            cookie = client.cookies["leakdesk_session"]
            letters = client.get("/api/dispatches").json()
        middle = letters[len(letters) // 2]["id"]
        script = work / "report.lua"
        script.write_text(LUA, "utf-8")
        targets = {
            "overview (/)": "/",
            f"letter page (/dispatches/{middle})": f"/dispatches/{middle}",
            "word search (/search?q=Итурупе)": "/search?q=%D0%98%D1%82%D1%83%D1%80%D1%83%D0%BF%D0%B5",
            "cross-lingual search (/search?q=helicopters+Japan+war&meaning=1)":
                "/search?q=helicopters+Japan+war&meaning=1",
        }
        for name, path in targets.items():
            with httpx.Client(base_url=base, timeout=300, cookies={"leakdesk_session": cookie}) as client:
                t0 = time.perf_counter()
                client.get(path).raise_for_status()  # the page's first build, outside wrk's figures
                first_ms = round((time.perf_counter() - t0) * 1000)
            cpu_before = _server_cpu(proc.pid)
            results[name] = run_wrk(base + path, cookie, args.connections, args.duration, script)
            used = _server_cpu(proc.pid) - cpu_before
            results[name]["server_cpu_ms_per_request"] = round(1000 * used / max(results[name]["requests"], 1), 3)
            results[name]["load_average"] = round(os.getloadavg()[0], 1)
            results[name]["first_ms"] = first_ms
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        log.close()
    report = {"letters": len(letters), "connections": args.connections, "workers": args.workers,
              "duration_s": args.duration, "build": timings, "pages": results, "cpus": os.cpu_count()}
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    print(f"{len(letters)} letters, {args.connections} connections, {args.workers} worker(s), "
          f"{args.duration} s per page, {os.cpu_count()} CPUs")
    print("| page | first view ms | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms "
          "| server CPU ms/request | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['first_ms']} | {r['requests']} | {r['errors']} | {r['rps']} | {r['p50_ms']:.0f} | "
              f"{r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['max_ms']:.0f} | {r['server_cpu_ms_per_request']} | "
              f"{r['load_average']} |")
    if timings:
        print(f"build: ingest {timings['ingest_s']:.0f} s, search index {timings['index_s']:.0f} s")


if __name__ == "__main__":
    main()
