"""Peak memory and time of ingesting the hostile files of issue 8's attack table, each into a fresh case.

    .venv/bin/python benchmarks/hostile_files.py [--json] [--keep DIR]

Built in a temporary folder (never stored): a DOCX whose document.xml is a 380 MB deflate bomb (388 KB file), a PDF
with 10 pages each drawn by a 70 MB content stream of text operators (717 KB file), a PDF of 100,000 pages, and an
email with a 30 MB HTML body; plus, for scale, a plain 3-page PDF. Each is ingested in a child process through the
Python API (`leakdesk.intake.ingest_paths`, as `leakdesk ingest` calls it); the RSS of that process and of its reader
worker is sampled every 20 ms and summed (shared pages counted twice, so the figure errs high). Reports wall seconds,
peak RSS, and what the dispatch says (status, error or warning, truncation).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.intake.hostile import (  # noqa: E402
    docx_bomb,
    html_mail,
    ingest_measured,
    pdf_with_huge_streams,
    pdf_with_many_pages,
)

FILES = {
    "DOCX deflate bomb (document.xml → 380 MB)": lambda d: docx_bomb(d / "bomb.docx", 380 * 2**20),
    "PDF, 10 pages × 70 MB content streams": lambda d: pdf_with_huge_streams(d / "streams.pdf", 10, 70 * 2**20),
    "PDF, 100,000 pages": lambda d: pdf_with_many_pages(d / "pages.pdf", 100_000),
    "email with a 30 MB HTML body": lambda d: html_mail(d / "big.eml", 30 * 2**20),
    "plain PDF, 3 pages (for scale)": lambda d: pdf_with_many_pages(d / "plain.pdf", 3),
}


def run(folder: Path) -> list[dict[str, object]]:
    from leakdesk.case import Case

    rows = []
    for n, (label, make) in enumerate(FILES.items()):
        work = folder / f"f{n}"
        work.mkdir()
        hostile = make(work)
        Case.init(work / "case").close()
        measured = ingest_measured(work / "case", hostile, timeout=300)
        with sqlite3.connect(work / "case" / "case.db") as db:
            query = "SELECT status, error, details FROM dispatch ORDER BY id LIMIT 1"
            status, error, stored = db.execute(query).fetchone()
        details = (json.loads(stored) if stored else None) or {}
        rows.append({
            "file": label, "size_bytes": hostile.stat().st_size, "seconds": round(measured.seconds, 1),
            "peak_rss_mb": round(measured.peak_rss / 2**20), "status": status,
            "says": error or details.get("truncated") or details.get("note") or "",
        })
        print(f"{label}: {rows[-1]['seconds']} s, {rows[-1]['peak_rss_mb']} MB, {status}", file=sys.stderr)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, help="Build and keep the files and cases in this folder.")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        rows = run(args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="leakdesk-hostile-") as tmp:
            rows = run(Path(tmp))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    print("| file | size | seconds | peak RSS | dispatch |")
    print("|---|---|---|---|---|")
    for r in rows:
        size = f"{int(r['size_bytes']) / 1024:,.0f} KB"  # type: ignore[call-overload]
        print(f"| {r['file']} | {size} | {r['seconds']} | {r['peak_rss_mb']} MB | {r['status']}: {r['says']} |")


if __name__ == "__main__":
    main()
