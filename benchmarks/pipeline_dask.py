"""Pipeline speed on a generated case: the same stages in-process, on a local Dask cluster of 1 worker and of 2.

    .venv/bin/python benchmarks/pipeline_dask.py --pg postgresql://USER@HOST:PORT [--letters 1000] [--json]

The letters are generated here (Russian, each with a date, names of people and places, a relative date and a short
attachment-free body; no corpus text). They are ingested once into a PostgreSQL database, which is then copied
(`CREATE DATABASE … TEMPLATE …`) so that every runner starts from the same, unprocessed case. Each runner runs the
stages language-id, entities, dates and claims; the figures are wall seconds (and the coordinator's CPU seconds),
letters per second, the cost per 1,000 letters, and the speed-up of 2 workers over 1 (whole run, and the stages
alone without starting the cluster and loading the libraries on its workers). A final run on the 2-worker copy
checks that nothing is redone.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

STAGES = ["language-id", "entities", "dates", "claims"]
PEOPLE = ["Сергей Иванов", "Анна Петрова", "Олег Смирнов", "Игорь Кузнецов", "Мария Волкова", "Павел Соколов"]
PLACES = ["Москве", "Киеве", "Новосибирске", "Казани", "Владивостоке", "Самаре"]
DEEDS = ["подписал приказ о переброске техники", "перевёл деньги через банк", "встретился с представителями штаба",
         "получил новые документы", "отменил совещание", "приказал уничтожить архив"]
WHEN = ["Вчера", "На прошлой неделе", "В августе прошлого года", "Позавчера", "Три дня назад", "В начале месяца"]


def letter(i: int, rng: random.Random) -> bytes:
    sentences = [f"{rng.choice(WHEN)} {rng.choice(PEOPLE)} в {rng.choice(PLACES)} {rng.choice(DEEDS)}."
                 for _ in range(rng.randint(3, 8))]
    day = 1 + i % 28
    body = " ".join(sentences) + " Не звоните мне, я сам выйду на связь."
    return (f"From: Veter <veter@example.org>\nTo: desk@example.org\nSubject: Письмо {i}\n"
            f"Message-ID: <bench-{i}@example.org>\nDate: Mon, {day:02d} Feb 2021 09:00:00 +0300\n"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
            f"{body}\n").encode()


def admin(pg: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(pg.replace("postgresql+psycopg://", "postgresql://").rstrip("/") + "/postgres",
                           autocommit=True)


def copy_database(pg: str, source: str, name: str) -> str:
    with admin(pg) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return f"{pg.rstrip('/')}/{name}"


def timed(root: Path, url: str, workers: int | None) -> dict[str, object]:
    from leakdesk import pipeline
    from leakdesk.case import Case

    with Case.open(root, url) as case:
        cpu, wall = time.process_time(), time.perf_counter()
        report = pipeline.run(case, STAGES, workers=workers)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"workers": workers, "wall_s": round(wall, 1), "coordinator_cpu_s": round(cpu, 1),
            "load_average_after": [round(x, 2) for x in os.getloadavg()], "nice": os.nice(0),
            "stages_wall_s": round(sum(s.seconds for s in report.stages), 1),
            "stages": report.as_json()["stages"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", required=True, help="PostgreSQL server URL, without a database name")
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--runners", default="in-process,dask-1,dask-2",
                        help="which runners to time, comma-separated (dask-1 and dask-2 are needed for the speed-up)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    chosen = [r.strip() for r in args.runners.split(",") if r.strip()]
    known = {"in-process": None, "dask-1": 1, "dask-2": 2}
    if unknown := [r for r in chosen if r not in known]:
        parser.error(f"unknown runner(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    pg = args.pg.replace("postgresql://", "postgresql+psycopg://").rstrip("/")
    from leakdesk.case import Case
    from leakdesk.intake import ingest_paths

    work = Path(tempfile.mkdtemp(prefix="leakdesk-bench-pipeline-"))
    os.environ.setdefault("LEAKDESK_HOME", str(work / "home"))
    rng = random.Random(10)
    mail = work / "mail"
    mail.mkdir()
    for i in range(args.letters):
        (mail / f"{i:05d}.eml").write_bytes(letter(i, rng))
    base = f"bench_base_{os.getpid()}"
    with admin(pg) as conn:
        conn.execute(f'CREATE DATABASE "{base}"')
    root = work / "case"
    started = time.perf_counter()
    with Case.init(root, f"{pg}/{base}") as case:
        ingest_paths(case, [mail], series="Veter", progress=False)
    ingest_s = time.perf_counter() - started
    results = {"letters": args.letters, "ingest_s": round(ingest_s, 1), "runs": []}
    for name in chosen:
        workers = known[name]
        url = copy_database(pg, base, f"{base}_{name.replace('-', '_')}")
        results["runs"].append({"runner": name, **timed(root, url, workers)})  # type: ignore[union-attr]
    last = chosen[-1]
    again = timed(root, f"{pg}/{base}_{last.replace('-', '_')}", known[last])
    results["second_run_done"] = sum(s["done"] for s in again["stages"])  # type: ignore[index,union-attr]
    runs = {r["runner"]: r for r in results["runs"]}  # type: ignore[union-attr]
    if "dask-1" in runs and "dask-2" in runs:
        results["speedup_2_vs_1"] = round(runs["dask-1"]["wall_s"] / runs["dask-2"]["wall_s"], 2)
        results["speedup_2_vs_1_stages_only"] = round(
            runs["dask-1"]["stages_wall_s"] / runs["dask-2"]["stages_wall_s"], 2)
    for r in results["runs"]:  # type: ignore[union-attr]
        r["letters_per_s"] = round(args.letters / r["wall_s"], 1)
        r["wall_s_per_1000_letters"] = round(r["wall_s"] * 1000 / args.letters, 1)
    with admin(pg) as conn:
        for suffix in ("", "_in_process", "_dask_1", "_dask_2"):
            conn.execute(f'DROP DATABASE IF EXISTS "{base}{suffix}" WITH (FORCE)')
    shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{args.letters} generated letters, ingested in {results['ingest_s']} s; stages {', '.join(STAGES)}")
    for r in results["runs"]:  # type: ignore[union-attr]
        print(f"  {r['runner']:>10}: {r['wall_s']:7.1f} s wall, {r['stages_wall_s']:7.1f} s in the stages "
              f"({r['letters_per_s']} letters/s, {r['wall_s_per_1000_letters']} s per 1,000 letters)")
    if "speedup_2_vs_1" in results:
        print(f"  speed-up 2 workers vs 1: {results['speedup_2_vs_1']}x ({results['speedup_2_vs_1_stages_only']}x in "
              "the stages, without cluster start)")
    print(f"  second run ({last}) redid {results['second_run_done']} items")


if __name__ == "__main__":
    sys.exit(main())
