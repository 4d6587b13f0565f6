"""Facts intake records about an email beyond its text: header anomalies (warnings, not errors), PGP parts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.intake.anomalies import header_warnings
from leakdesk.intake.ingest import ingest_paths
from leakdesk.store import tables as t

WEBMAIL_HOP = (
    "from webmail.example (webmail.example [203.0.113.80]) by smtp.example (Postfix) with HTTP; "
    "Tue, 28 Jun 2022 22:09:04 +0300"
)


def h(name: str, value: str) -> tuple[str, str, str]:
    return (name, value, value)


def test_desktop_mailer_submitted_through_webmail_is_flagged() -> None:
    warnings = header_warnings([h("Received", WEBMAIL_HOP), h("X-Mailer", "Microsoft Outlook 16.0")], None)
    assert warnings == [
        "the mail program named in the headers (Microsoft Outlook 16.0) is a desktop client, but the first "
        "Received hop says the message was submitted through webmail"
    ]


def test_consistent_headers_give_no_warning() -> None:
    date = datetime(2022, 6, 28, 19, 9, tzinfo=UTC)
    assert header_warnings([h("Received", WEBMAIL_HOP), h("User-Agent", "Roundcube Webmail")], date) == []


def test_date_far_from_first_hop_and_duplicate_headers() -> None:
    date = datetime(2022, 6, 20, 12, 0, tzinfo=UTC)
    headers = [h("Received", WEBMAIL_HOP), h("Message-ID", "<a@x>"), h("Message-ID", "<b@x>"), h("Date", "x"),
               h("Date", "y")]
    warnings = header_warnings(headers, date)
    assert warnings[0].startswith("the Date header is 199 hours away from the time the first server received")
    assert "the message has more than one Message-ID header" in warnings
    assert "the message has more than one Date header" in warnings


def test_sample_letter_with_the_odd_header_is_flagged(case: Case) -> None:
    mail = Path(__file__).resolve().parents[2] / "src" / "leakdesk" / "sample" / "mail"
    odd = sorted(mail.glob("13*.eml"))
    assert odd, "the sample case's letter 13 carries the odd header"
    ingest_paths(case, odd, progress=False)
    with case.connect() as conn:
        row = conn.execute(sa.select(t.dispatch.c.status, t.dispatch.c.details)).one()
    assert row.status == "ok"
    assert any("desktop client" in w for w in row.details["header_warnings"])


def test_pgp_parts_get_no_language(case: Case) -> None:
    """The armoured block and the PGP/MIME control part are kept, but they are not writing in any language."""
    mail = Path(__file__).resolve().parents[2] / "src" / "leakdesk" / "sample" / "mail"
    encrypted = [p for p in sorted(mail.glob("*.eml")) if b"multipart/encrypted" in p.read_bytes()]
    assert encrypted, "the sample case has a PGP/MIME letter"
    ingest_paths(case, encrypted[:1], progress=False)
    with case.connect() as conn:
        children = conn.execute(sa.select(t.dispatch.c.media_type, t.dispatch.c.language)
                                .where(t.dispatch.c.parent_id.is_not(None))).all()
    assert children and all(language is None for _media, language in children)
