"""Ingest: originals, dispatches, headers, texts, custody, audit, dedup, variants, series."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.errors import UsageError
from leakdesk.intake import assign_series, create_series, ingest_message_bytes, ingest_paths, list_dispatches
from leakdesk.store import tables as t
from leakdesk.store.fsck import fsck
from leakdesk.store.records import dispatches
from tests.intake.conftest import EN_TEXT, RU_TEXT, raw_message, with_attachment

SIGNED = raw_message(
    RU_TEXT.encode("koi8_r"),
    content_type="text/plain; charset=windows-1251",
    headers={
        "Received": "from mx.example.org by desk.example.org; Tue, 03 Aug 2021 14:06:00 +0300",
        "X-Extra": None,
        "Subject": "=?koi8-r?b?8NLJ18XU?=",
        "DKIM-Signature": "v=1; a=rsa-sha256; d=example.org; s=s1; b=AbCd",
        "Authentication-Results": "desk.example.org; dkim=pass header.d=example.org",
        "In-Reply-To": "<prev@example.org>",
        "References": "<first@example.org> <prev@example.org>",
    },
)


def _rows(case: Case, table: sa.Table) -> list[sa.Row]:
    with case.connect() as conn:
        return conn.execute(sa.select(table)).all()


def test_email_headers_texts_and_metadata(case: Case, inbox: Path) -> None:
    (inbox / "a.eml").write_bytes(SIGNED)
    result = ingest_paths(case, [inbox], progress=False)
    [row] = list_dispatches(case)
    assert row["subject"] == "Привет" and row["message_id"] == "<t1@example.org>"
    assert row["date"] == "2021-08-03T14:05:00+03:00" and row["date_utc"] == "2021-08-03T11:05:00+00:00"
    assert row["language"] == "ru"
    # the mislabelled charset was repaired and the text is readable Russian: a warning the desk sees, not an error
    assert row["status"] == "warning" and row["error"] is None
    assert row["warning"].startswith("charset repaired in the body (part 1): declared cp1251, but the text")
    assert result.problems == [] and [p.line() for p in result.warnings] == [f"{inbox / 'a.eml'}: {row['warning']}"]
    [text] = _rows(case, t.text)
    assert text.content.strip() == RU_TEXT and text.charset == "koi8-r" and "koi8-r" in text.charset_reason
    with case.connect() as conn:
        stored = dispatches.headers(conn, row["id"])
    headers = {h.name: h for h in stored}
    assert headers["Subject"].raw == "=?koi8-r?b?8NLJ18XU?=" and headers["Subject"].decoded == "Привет"
    for name in ("Received", "DKIM-Signature", "Authentication-Results", "In-Reply-To", "References"):
        assert headers[name].raw == dict(h.split(": ", 1) for h in SIGNED.decode("ascii", "replace")
                                         .split("\n\n")[0].split("\n"))[name]
    assert [h.position for h in stored] == list(range(len(headers)))
    assert case.originals.read_bytes(row["sha256"]) == SIGNED


def test_same_bytes_twice_one_dispatch_two_custody_entries(case: Case, inbox: Path) -> None:
    (inbox / "a.eml").write_bytes(raw_message())
    (inbox / "copy.eml").write_bytes(raw_message())
    first = ingest_paths(case, [inbox / "a.eml"], progress=False)
    second = ingest_paths(case, [inbox / "copy.eml"], progress=False)
    assert len(first.created) == 1 and second.created == [] and second.re_received == first.created
    assert len(_rows(case, t.dispatch)) == 1 and len(_rows(case, t.original)) == 1
    assert [c.event for c in _rows(case, t.custody)] == ["received", "re-received"]
    assert [c.source for c in _rows(case, t.custody)] == [str(inbox / "a.eml"), str(inbox / "copy.eml")]
    actions = [a.action for a in _rows(case, t.audit)]
    assert actions == ["case.init", "intake.ingest", "intake.re-receive"]


def test_same_message_id_different_bytes_is_a_variant(case: Case, inbox: Path) -> None:
    (inbox / "1.eml").write_bytes(raw_message(b"The payment was sent on Monday.\n"))
    (inbox / "2.eml").write_bytes(raw_message(b"The payment was never sent.\n"))
    result = ingest_paths(case, [inbox], progress=False)
    assert result.variants == [{"dispatch_id": 2, "variant_of": 1, "message_id": "<t1@example.org>"}]
    assert [r["id"] for r in list_dispatches(case, variants_only=True)] == [1, 2]
    assert [r["variant_of"] for r in list_dispatches(case)] == [None, 1]


def test_attachments_are_children_with_their_own_originals(case: Case, inbox: Path) -> None:
    (inbox / "a.eml").write_bytes(with_attachment(RU_TEXT.encode("utf-8"), "notes.txt", "text", "plain"))
    result = ingest_paths(case, [inbox], progress=False)
    assert result.ok and result.children == 1
    parent, child = list_dispatches(case)
    assert child["parent_id"] == parent["id"] and child["filename"] == "notes.txt" and child["language"] == "ru"
    assert parent["language"] == "en"
    with case.connect() as conn:
        keys = conn.execute(sa.select(t.dispatch.c.dedup_key).order_by(t.dispatch.c.id)).scalars().all()
        custody = conn.execute(sa.select(t.custody).order_by(t.custody.c.id)).all()
    assert keys == [parent["sha256"], f"{parent['id']}/2"]
    assert [(c.event, c.location) for c in custody] == [("received", None), ("extracted", "part 2")]
    assert case.originals.read_bytes(child["sha256"]) == RU_TEXT.encode("utf-8")


def test_series_from_ingest_and_by_hand(case: Case, inbox: Path) -> None:
    (inbox / "a.eml").write_bytes(raw_message())
    (inbox / "b.eml").write_bytes(raw_message(EN_TEXT.encode(), message_id="<b@x>"))
    ingest_paths(case, [inbox / "a.eml"], series="Dispatches of Mole", progress=False)
    ingest_paths(case, [inbox / "b.eml"], progress=False)
    assert [r["series"] for r in list_dispatches(case)] == ["Dispatches of Mole", None]
    made = create_series(case, "Impostor", "Mole")
    assert made == {"id": 2, "name": "Impostor", "source": "Mole"}
    assign_series(case, "Impostor", [2])
    assert [r["series"] for r in list_dispatches(case)] == ["Dispatches of Mole", "Impostor"]
    with pytest.raises(UsageError, match="^A series called 'Impostor' already exists.$"):
        create_series(case, "Impostor", "Mole")
    with pytest.raises(UsageError, match="^No such dispatch 7 in this case.$"):
        assign_series(case, "Impostor", [1, 7])
    actions = [a.action for a in _rows(case, t.audit)]
    assert "intake.series-create" in actions and "intake.source-create" in actions
    assert actions[-1] == "intake.series-assign"


def test_ingest_message_bytes_is_idempotent(case: Case) -> None:
    raw = raw_message(message_id="<imap1@x>")
    first = ingest_message_bytes(case, raw, channel="imap", source="imap://u@h/INBOX;UIDVALIDITY=1;UID=7")
    again = ingest_message_bytes(case, raw, channel="imap", source="imap://u@h/INBOX;UIDVALIDITY=1;UID=7")
    assert first.created and not again.created and first.dispatch_id == again.dispatch_id
    assert first.status == "ok" and first.error is None
    [row] = list_dispatches(case)
    assert row["channel"] == "imap"
    assert [c.event for c in _rows(case, t.custody)] == ["received", "re-received"]


def test_fsck_is_clean_after_ingest(case: Case, inbox: Path) -> None:
    (inbox / "a.eml").write_bytes(with_attachment(b"%PDF-1.4 broken", "x.pdf", "application", "pdf"))
    ingest_paths(case, [inbox], progress=False)
    with case.connect() as conn:
        assert fsck(conn, case.originals).ok


def test_pgp_hook_plaintext_becomes_decrypted_text(case: Case, inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader's side of the PGP hook, with a stand-in for process_pgp (the real one is tested in test_pgp)."""
    import leakdesk.intake.pgp as pgp

    seen = []

    def fake(gnupg_home: Path, message, raw: bytes):  # type: ignore[no-untyped-def]
        seen.append((gnupg_home, raw))
        if b"BEGIN PGP" not in raw:
            return None
        plain = b"Content-Type: text/plain; charset=koi8-r\n\n" + RU_TEXT.encode("koi8_r")
        return pgp.PgpResult("decrypted", "pgp/mime", key_id="ABCD1234", signature="good", plaintext=plain,
                             plaintext_is_mime=True)

    monkeypatch.setattr(pgp, "process_pgp", fake)
    (inbox / "secret.eml").write_bytes(raw_message(b"-----BEGIN PGP MESSAGE-----\nxyz\n-----END PGP MESSAGE-----\n"))
    (inbox / "plain.eml").write_bytes(raw_message(message_id="<plain@x>"))
    result = ingest_paths(case, [inbox], progress=False)
    assert result.ok
    assert {home for home, _ in seen} == {case.root / "gnupg"}
    rows = {r["message_id"]: r for r in list_dispatches(case)}
    assert rows["<t1@example.org>"]["pgp_status"] == "decrypted" and rows["<plain@x>"]["pgp_status"] is None
    with case.connect() as conn:
        texts = conn.execute(sa.select(t.text.c.role, t.text.c.content, t.text.c.language)
                             .where(t.text.c.dispatch_id == rows["<t1@example.org>"]["id"])).all()
        details = conn.execute(sa.select(t.dispatch.c.pgp_details)
                               .where(t.dispatch.c.id == rows["<t1@example.org>"]["id"])).scalar()
    assert ("decrypted", RU_TEXT, "ru") in [tuple(x) for x in texts]
    assert details["key_id"] == "ABCD1234" and "plaintext" not in details


def test_a_pipe_in_a_folder_is_skipped_with_a_reason(case: Case, inbox: Path) -> None:
    import os

    os.mkfifo(inbox / "pipe")
    (inbox / "a.eml").write_bytes(raw_message())
    result = ingest_paths(case, [inbox], progress=False)
    assert [p.line() for p in result.problems] == [
        f"{inbox / 'pipe'}: not a regular file (a pipe, socket or device); skipped"
    ]
    assert len(result.created) == 1
