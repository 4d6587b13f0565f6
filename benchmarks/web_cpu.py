"""Web desk CPU per request, in-process: the pages of `web_load.py` through the ASGI app, in this thread.

    PYTHONPATH=src .venv/bin/python benchmarks/web_cpu.py --keep DIR [--requests 40] [--profile PAGE] [--json]

DIR is a case built by `benchmarks/web_load.py --keep DIR --build-only` (10,000 letters by default). The app is
called with a bare ASGI scope on an event loop in this thread (no HTTP client), with FastAPI's and the desk's own
hand-offs to worker threads as under uvicorn, so process time per request (all threads) is the desk's own work:
routing, session check, page cache, page, thread hand-offs. Process time rather than wall time,
because other programs on a loaded machine inflate it far less. Each page is requested once, then `--requests`
times (cache hits: a page is kept per session until the audit log moves on); then the costs a page pays when it is
not cached: a letter's first view, six word searches and six meaning searches never asked before, and the overview
right after a review is written (the review goes through the real form; it is kept in DIR's case).
At 50 closed-loop clients on 2 cores, p95 is roughly 50 × CPU per request / 2: a few ms per request is the goal.
`--profile NAME` (overview, letter, word, meaning) prints the cProfile top 30 of that page instead.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

PASSWORD = "benchmark passphrase 2026"


class Driver:
    """Calls the ASGI app in this thread with a bare scope and the session cookie."""

    def __init__(self, app: Any, cookie: str) -> None:
        self.app, self.cookie = app, cookie
        self.loop = asyncio.new_event_loop()

    def get(self, target: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        path, _, query = target.partition("?")
        raw = [(b"host", b"desk"), (b"cookie", f"leakdesk_session={self.cookie}".encode())]
        raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": unquote(path), "raw_path": path.encode(), "query_string": query.encode(),
                 "root_path": "", "headers": raw, "client": None, "server": ("desk", 80)}
        out: dict[str, Any] = {"body": b""}

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
                out["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
            elif message["type"] == "http.response.body":
                out["body"] += message.get("body", b"")

        self.loop.run_until_complete(self.app(scope, receive, send))
        return out["status"], out["headers"], out["body"]


def _login(client: Any) -> str:
    page = client.get("/login")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post("/login", data={"name": "bench", "password": PASSWORD, "csrf": csrf})
    assert r.status_code == 303, r.text
    return str(client.cookies["leakdesk_session"])


def _measure(driver: Driver, path: str, n: int, headers: dict[str, str] | None = None) -> dict[str, float]:
    status, _, body = driver.get(path, headers)
    assert status in (200, 304), (path, status, body[:300])
    cpu, wall = [], []
    for _ in range(n):
        c0, w0 = time.process_time(), time.perf_counter()
        status, _, body = driver.get(path, headers)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    cpu.sort()
    wall.sort()
    return {"status": status, "cpu_ms_median": round(cpu[len(cpu) // 2], 2),
            "cpu_ms_p90": round(cpu[int(len(cpu) * 0.9)], 2), "wall_ms_median": round(wall[len(wall) // 2], 2),
            "bytes": len(body)}


def _cpu(call: Any) -> float:
    c0 = time.process_time()
    call()
    return (time.process_time() - c0) * 1000


def _median(values: list[float]) -> dict[str, float]:
    return {"cpu_ms_median": round(sorted(values)[len(values) // 2], 2)}


WORDS = ["деньги", "bank", "сейф", "генерал", "погода", "Moskva"]
PHRASES = ["money transferred in August", "orders signed by the general", "documents in the safe",
           "the weather is cold", "new people in the department", "do not call my work phone"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, required=True, help="the case folder built by web_load.py")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--profile", help="one page (overview, letter, word, meaning) to profile")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from urllib.parse import quote_plus

    from fastapi.testclient import TestClient

    from leakdesk.case import Case
    from leakdesk.web.app import create_app
    from leakdesk.web.search_view import refresh, warm

    case = Case.open(args.keep, actor="benchmark")
    refresh(case)
    warm(case)
    app = create_app(case)
    with TestClient(app, follow_redirects=False) as client:
        cookie = _login(client)
        letters = client.get("/api/dispatches").json()
    driver = Driver(app, cookie)
    middle = letters[len(letters) // 2]["id"]
    pages = {
        "overview": "/",
        "letter": f"/dispatches/{middle}",
        "word": "/search?q=" + quote_plus("Итурупе"),
        "meaning": "/search?q=helicopters+Japan+war&meaning=1",
    }
    if args.profile:
        driver.get(pages[args.profile])
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            driver.get(pages[args.profile])
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return
    results: dict[str, dict[str, Any]] = {}
    results["floor: /api/me (session check only)"] = _measure(driver, "/api/me", args.requests)
    for name, path in pages.items():
        results[name] = _measure(driver, path, args.requests)
    etag = driver.get(pages["letter"])[1].get("etag")
    if etag:
        results["letter, If-None-Match (304)"] = _measure(driver, pages["letter"], args.requests,
                                                          {"If-None-Match": etag})
    results["letter, first view (20 letters)"] = _median(
        [_cpu(lambda i=x["id"]: driver.get(f"/dispatches/{i}")) for x in letters[:20]])
    results["word search, first time (6 queries)"] = _median(
        [_cpu(lambda w=w: driver.get("/search?q=" + quote_plus(w))) for w in WORDS])
    results["meaning search, first time (6 queries)"] = _median(
        [_cpu(lambda w=w: driver.get("/search?meaning=1&q=" + quote_plus(w))) for w in PHRASES])
    body = driver.get(pages["letter"])[2].decode()
    csrf = body.split('name="csrf" value="')[1].split('"')[0]
    after = []
    with TestClient(app, follow_redirects=False, cookies={"leakdesk_session": cookie}) as client:
        for _ in range(5):
            r = client.post(f"/dispatches/{middle}/reviews",
                            data={"csrf": csrf, "verdict": "genuine", "confidence": "0.5", "note": "benchmark"})
            assert r.status_code == 303, r.text
            after.append(_cpu(lambda: driver.get("/")))
    results["overview right after a review (5 reviews)"] = _median(after)
    case.close()
    report = {"letters": len(letters), "requests": args.requests, "load_average": os.getloadavg(), "pages": results}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{len(letters)} letters, {args.requests} requests per page, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("| page | CPU ms median | CPU ms p90 | wall ms median | bytes |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['cpu_ms_median']} | {r.get('cpu_ms_p90', '')} | {r.get('wall_ms_median', '')} | "
              f"{r.get('bytes', '')} |")


if __name__ == "__main__":
    main()
