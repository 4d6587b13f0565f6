"""What the keyed audit log and the re-deriving fsck cost: sealed appends per second, fsck time per dispatch.

Builds a throw-away case (and desk home) in a temporary folder from letters it writes itself, so no corpus is
needed:  .venv/bin/python benchmarks/trust.py --dispatches 200 --entries 2000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dispatches", type=int, default=200, help="letters to ingest")
    parser.add_argument("--entries", type=int, default=2000, help="extra audit entries, one transaction each")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LEAKDESK_HOME"] = str(Path(tmp) / "home")
        from leakdesk.case import Case
        from leakdesk.intake.ingest import ingest_paths
        from leakdesk.store import audit

        case = Case.init(Path(tmp) / "case")
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        for n in range(args.dispatches):
            (inbox / f"{n}.eml").write_bytes(
                (f"From: a{n}@example.net\r\nTo: desk@example.org\r\nSubject: Letter {n}\r\n"
                 f"Message-ID: <b{n}@example.net>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                 f"Письмо номер {n}: платёж ушёл через Кипр.\r\n").encode()
            )
        ingest_paths(case, [inbox], progress=False)

        start = time.perf_counter()
        for n in range(args.entries):
            with case.transaction() as conn:
                case.audit(conn, "bench.note", f"note {n}", {"n": n})
        sealed = time.perf_counter() - start

        start = time.perf_counter()
        for n in range(args.entries):
            audit.row_hash(n, "t", "a", "b", "c", "{}", audit.GENESIS)
        hashing = time.perf_counter() - start
        key = audit.desk_key()
        assert key is not None
        start = time.perf_counter()
        for _n in range(args.entries):
            key.seal(audit.GENESIS)
        sealing = time.perf_counter() - start

        from leakdesk.store.digests import rows_digest, rows_digests

        with case.connect() as conn:
            tops = list(conn.exec_driver_sql("SELECT id FROM dispatch WHERE parent_id IS NULL").scalars())
            start = time.perf_counter()
            for i in tops:
                rows_digest(conn, i)
            one_by_one = time.perf_counter() - start
            start = time.perf_counter()
            rows_digests(conn, tops)
            bulk = time.perf_counter() - start

        start = time.perf_counter()
        report = case.fsck()
        fsck_s = time.perf_counter() - start
        assert report.ok, report.as_dict()
        case.close()
    print(f"sealed audit appends (own transaction each): {args.entries / sealed:,.0f}/s "
          f"({1000 * sealed / args.entries:.2f} ms each)")
    print(f"of which the seal (HMAC-SHA256): {1e6 * sealing / args.entries:.1f} µs; "
          f"the unkeyed row hash: {1e6 * hashing / args.entries:.1f} µs")
    print(f"re-deriving {args.dispatches} dispatch digests: one by one {1000 * one_by_one / args.dispatches:.2f} ms "
          f"each, in batches (as fsck does) {1000 * bulk / args.dispatches:.2f} ms each")
    print(f"fsck over {args.dispatches} dispatches and {report.audit_rows} entries: {fsck_s:.2f} s "
          f"({1000 * fsck_s / args.dispatches:.1f} ms per dispatch, everything included)")


if __name__ == "__main__":
    main()
