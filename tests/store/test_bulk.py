"""`bulk.insert_rows` stores what SQLAlchemy's own insert stores (column processors applied, a value shared by many
rows converted once), and returns the new ids in the rows' order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.store import tables as t
from leakdesk.store.bulk import insert_rows


def _rows(prefix: str) -> list[dict[str, object]]:
    shared = datetime(2026, 12, 3, 10, 0, 0, 123456, tzinfo=UTC)  # one object in every row, like a batch's stamp
    zone = timezone(timedelta(hours=3))
    out: list[dict[str, object]] = []
    for i in range(7):
        details = {"n": i, "word": "ёж"} if i % 2 else None
        date_utc = None if i == 3 else datetime(2021, 8, 3, i, 5, tzinfo=UTC if i % 2 else zone)
        out.append(dict(dedup_key=f"{prefix}{i}", parent_id=None, original_sha256="a" * 64, series_id=None,
                        kind="email", channel="mbox", filename=None, media_type=None, reader="eml",
                        message_id=f"<{i}@x>", subject=f"Письмо {i}", sender=None, recipients=None, date=None,
                        date_utc=shared if i == 5 else date_utc, language="ru", status="ok", error=None,
                        variant_of=None, pgp_status=None, pgp_details={"k": [i]} if i == 4 else None,
                        details=details, ingested=shared))
    return out


def test_insert_rows_stores_what_sqlalchemy_stores(case: Case) -> None:
    with case.transaction() as conn:
        conn.execute(t.original.insert().values(sha256="a" * 64, sha1="b" * 40, md5="c" * 32, size=1,
                                                first_seen=datetime(2026, 1, 1, tzinfo=UTC)))
        conn.execute(t.dispatch.insert(), _rows("orm-"))
        ids = insert_rows(conn, t.dispatch, _rows("bulk-"), ids=True)
    with case.connect() as conn:
        stored = {r.dedup_key: r for r in conn.execute(sa.text("SELECT * FROM dispatch"))}
    assert ids == [stored[f"bulk-{i}"].id for i in range(7)]
    for i in range(7):
        mine, theirs = stored[f"bulk-{i}"]._asdict(), stored[f"orm-{i}"]._asdict()
        for key in ("id", "dedup_key"):
            mine.pop(key), theirs.pop(key)
        assert mine == theirs, i
