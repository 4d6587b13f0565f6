"""A small case written straight into the store, so report tests do not depend on intake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.store import tables as t

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@dataclass
class SmallCase:
    case: Case
    ids: dict[str, int]


def _original(case: Case, conn: sa.Connection, data: bytes, media_type: str) -> str:
    digests = case.originals.put_bytes(data)
    if conn.execute(sa.select(t.original.c.sha256).where(t.original.c.sha256 == digests.sha256)).first() is None:
        conn.execute(
            t.original.insert().values(
                sha256=digests.sha256,
                sha1=digests.sha1,
                md5=digests.md5,
                size=digests.size,
                media_type=media_type,
                first_seen=NOW,
            )
        )
    return digests.sha256


def add_dispatch(
    case: Case,
    conn: sa.Connection,
    data: bytes,
    *,
    source: str,
    charset: tuple[str, str] | None = None,
    **values: object,
) -> int:
    sha = _original(case, conn, data, str(values.get("media_type", "message/rfc822")))
    row = {
        "dedup_key": f"{values.get('parent_id') or ''}/{sha}",
        "original_sha256": sha,
        "kind": "email",
        "channel": "eml",
        "status": "ok",
        "ingested": NOW,
        **values,
    }
    dispatch_id = conn.execute(t.dispatch.insert().values(**row)).inserted_primary_key[0]
    conn.execute(
        t.custody.insert().values(
            time=NOW,
            sha256=sha,
            dispatch_id=dispatch_id,
            event="received",
            channel=row["channel"],
            source=source,
            actor="tester",
        )
    )
    if charset:
        conn.execute(
            t.text.insert().values(
                dispatch_id=dispatch_id,
                role="body",
                language=values.get("language"),
                content=data.decode("utf-8", "replace"),
                charset=charset[0],
                charset_reason=charset[1],
                extractor="test",
                extractor_version="1",
            )
        )
    return int(dispatch_id)


@pytest.fixture
def small_case(case: Case) -> SmallCase:
    """Four letters of series "Wind": a plain one, its tampered variant, an encrypted one with an attachment
    and a broken one; subjects include markup that must come out escaped."""
    ids: dict[str, int] = {}
    with case.transaction() as conn:
        series_id = conn.execute(t.series.insert().values(name="Wind", created=NOW)).inserted_primary_key[0]
        common = {"series_id": series_id, "language": "ru"}
        ids["plain"] = add_dispatch(
            case,
            conn,
            b"letter one",
            source="/inbox/one.eml",
            subject="Письмо <b>первое</b>",
            message_id="<one@example.org>",
            date="2022-03-17T23:05:00+03:00",
            date_utc=datetime(2022, 3, 17, 20, 5, tzinfo=UTC),
            sender="Ветер <veter@example.org>",
            charset=(
                "cp1251",
                "declared koi8_r, but the text decoded with it looks garbled; charset-normalizer "
                "detected cp1251 (mess 0.00)",
            ),
            **common,
        )
        ids["variant"] = add_dispatch(
            case,
            conn,
            b"letter one, altered",
            source="/inbox/one-copy.eml",
            subject="Письмо <b>первое</b>",
            message_id="<one@example.org>",
            date="2022-03-17T23:05:00+03:00",
            date_utc=datetime(2022, 3, 17, 20, 5, tzinfo=UTC),
            variant_of=ids["plain"],
            **common,
        )
        ids["encrypted"] = add_dispatch(
            case,
            conn,
            b"-----BEGIN PGP MESSAGE-----",
            source="/inbox/two.eml",
            subject="...",
            date="2022-06-07T23:18:00+03:00",
            date_utc=datetime(2022, 6, 7, 20, 18, tzinfo=UTC),
            pgp_status="decrypted",
            pgp_details={"key_id": "ABCDEF0123456789", "reason": None},
            **common,
        )
        ids["attachment"] = add_dispatch(
            case,
            conn,
            b"%PDF-1.4 fake",
            source="/inbox/two.eml",
            kind="attachment",
            parent_id=ids["encrypted"],
            filename="справка.pdf",
            media_type="application/pdf",
            language="ru",
            series_id=series_id,
        )
        ids["broken"] = add_dispatch(
            case,
            conn,
            b"\x00\x01garbage",
            source="/inbox/three.eml",
            status="error",
            error="three.eml: the MIME structure is broken (no closing boundary); the bytes are kept.",
            pgp_status="not-decrypted",
            pgp_details={"reason": "no secret key for 0x1234"},
            series_id=series_id,
        )
    return SmallCase(case, ids)
