"""The hostile batch on a real PostgreSQL server gives the same dispatches as on SQLite (NUL bytes, JSON, lengths)."""

from __future__ import annotations

from pathlib import Path

import pytest

from leakdesk.case import Case
from leakdesk.intake import ingest_paths, list_dispatches
from leakdesk.store.fsck import fsck
from tests.intake.conftest import RU_TEXT, mbox_bytes, raw_message, with_attachment, zip_bytes
from tests.intake.test_bad_input import BAD


def _batch(folder: Path) -> Path:
    folder.mkdir()
    for name, (data, _) in BAD.items():
        if name not in ("long-header.eml",):  # 1 MB: covered on SQLite; keeps this test quick
            (folder / name).write_bytes(data)
    (folder / "passwd.eml").write_bytes(with_attachment(b"root:x:0:0", "../../etc/passwd", "text", "plain"))
    (folder / "box.mbox").write_bytes(mbox_bytes([raw_message(RU_TEXT.encode(), message_id=f"<p{i}@x>")
                                                  for i in range(3)]))
    (folder / "a.zip").write_bytes(zip_bytes({"in/letter.eml": raw_message(message_id="<z@x>")}))
    (folder / "nul-body.txt").write_bytes(b"text with a \x00 NUL byte in it")
    return folder


def _shape(case: Case) -> list[tuple]:
    return [(r["parent_id"] is None, r["filename"], r["status"], (r["error"] or "")[:60], r["message_id"],
             r["language"]) for r in list_dispatches(case)]


@pytest.mark.slow
def test_hostile_batch_on_postgresql_matches_sqlite(tmp_path: Path, fresh_postgres_url: str) -> None:
    folder = _batch(tmp_path / "in")
    lite = Case.init(tmp_path / "lite")
    pg = Case.init(tmp_path / "pg", db_url=fresh_postgres_url)
    try:
        assert pg.engine.dialect.name == "postgresql"
        r_lite = ingest_paths(lite, [folder], progress=False)
        r_pg = ingest_paths(pg, [folder], progress=False)
        assert [p.line() for p in r_pg.problems] == [p.line() for p in r_lite.problems]
        assert _shape(pg) == _shape(lite)
        again = ingest_paths(pg, [folder], progress=False)
        assert again.created == [] and len(again.re_received) == len(r_pg.created)
        with pg.connect() as conn:
            assert fsck(conn, pg.originals).ok
    finally:
        lite.close()
        pg.close()
