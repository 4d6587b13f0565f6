"""Re-processing: decrypting letters after their key arrives, desk-set dates and senders, neutral variants."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from leakdesk.case import Case
from leakdesk.store import tables as t
from leakdesk.store.fsck import fsck
from leakdesk.store.records.dates import anchor_date
from tests.conftest import invoke
from tests.intake.conftest import raw_message
from tests.intake.test_pgp import INNER, LETTER, Keys, keys, pgp_mime_encrypted  # noqa: F401  (fixture)

PROTECTED = (
    b'Content-Type: text/plain; charset=utf-8; protected-headers="v1"\r\n'
    b"Subject: =?utf-8?b?0J/QvtGB0YLQsNCy0LrQuCDQsiDQsNCy0LPRg9GB0YLQtQ==?=\r\n"
    b"From: Fialka <fialka@example.net>\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + LETTER.encode() + b"\r\n"
)


def _case(tmp_path: Path) -> Path:
    Case.init(tmp_path / "case").close()
    return tmp_path / "case"


def _row(case: Path, dispatch_id: int) -> sa.Row:
    with Case.open(case) as c, c.connect() as conn:
        return conn.execute(sa.select(t.dispatch).where(t.dispatch.c.id == dispatch_id)).one()


def test_decrypt_after_keys_import(runner: CliRunner, tmp_path: Path, keys: Keys) -> None:  # noqa: F811
    case = _case(tmp_path)
    (tmp_path / "plain.eml").write_bytes(pgp_mime_encrypted(keys.encrypt(INNER, to="desk")))
    (tmp_path / "protected.eml").write_bytes(
        pgp_mime_encrypted(keys.encrypt(PROTECTED, to="desk")).replace(b"<enc-1@", b"<enc-2@"))
    (tmp_path / "stranger.eml").write_bytes(
        pgp_mime_encrypted(keys.encrypt(INNER, to="stranger")).replace(b"<enc-1@", b"<enc-3@"))
    invoke(runner, "ingest", case, tmp_path / "plain.eml", tmp_path / "protected.eml", tmp_path / "stranger.eml")
    assert [_row(case, i).pgp_status for i in (1, 4, 7)] == ["not-decrypted"] * 3
    again = invoke(runner, "ingest", case, tmp_path / "plain.eml")
    assert "1 already in the case" in again.stdout

    assert invoke(runner, "keys", "import", case, keys.files["desk-secret"]).exit_code == 0
    result = invoke(runner, "decrypt", case)
    assert result.exit_code == 1, result.output  # the letter to a stranger's key is still encrypted
    assert result.stdout.splitlines()[-1] == "2 decrypted, 1 still encrypted, 0 skipped."
    assert "Dispatch 1 decrypted: 1 texts, 0 attachments." in result.stdout
    assert result.stderr.startswith("Error: dispatch 7 is still encrypted: it is encrypted to key ")

    plain = _row(case, 1)
    assert plain.pgp_status == "decrypted" and plain.subject == "..."
    protected = _row(case, 4)
    assert protected.subject == "Поставки в августе"
    assert protected.details["protected_headers"]["subject"] == {"outer": "...", "protected": "Поставки в августе"}
    with Case.open(case) as c:
        with c.connect() as conn:
            texts = conn.execute(sa.select(t.text.c.dispatch_id, t.text.c.role, t.text.c.content)
                                 .where(t.text.c.role == "decrypted")).all()
            audit = conn.execute(sa.select(t.audit.c.action, t.audit.c.actor)
                                 .where(t.audit.c.action == "intake.decrypt")).all()
            report = fsck(conn, c.originals)
        assert report.ok, report
    assert {(d, r) for d, r, _ in texts} == {(1, "decrypted"), (4, "decrypted")}
    assert all("Фиалка" in content for _, _, content in texts)
    assert audit == [("intake.decrypt", "tester"), ("intake.decrypt", "tester")]

    named = invoke(runner, "decrypt", case, "1", "--json")
    assert json.loads(named.stdout)["skipped"] == [{"dispatch_id": 1, "reason": "it is already decrypted"}]
    missing = invoke(runner, "decrypt", case, "99")
    assert missing.exit_code == 1 and missing.stderr == "Error: No such dispatch 99 in this case.\n"


def test_desk_sets_a_date_and_sender_on_a_letter_without_them(runner: CliRunner, tmp_path: Path) -> None:
    case = _case(tmp_path)
    (tmp_path / "pasted.txt").write_text("Меня зовут Фиалка. Вчера я отправила документы.\n", encoding="utf-8")
    (tmp_path / "dated.eml").write_bytes(raw_message())
    invoke(runner, "ingest", case, tmp_path / "pasted.txt", tmp_path / "dated.eml")
    result = invoke(runner, "dispatch", case, "1", "--date", "2021-08-03", "--sender", "Fialka",
                    "--note", "postmark on the envelope")
    assert result.exit_code == 0, result.output
    assert result.stdout == ("Dispatch 1: date 2021-08-03 set by the desk (tester).\n"
                             "Dispatch 1: sender Fialka set by the desk (tester).\n")
    row = _row(case, 1)
    assert row.date is None and row.sender is None  # the record of what the original says is untouched
    listed = json.loads(invoke(runner, "dispatches", case, "--json").stdout)
    assert listed[0]["set_by_desk"]["date"]["value"] == "2021-08-03"
    assert listed[0]["set_by_desk"]["sender"]["note"] == "postmark on the envelope"
    assert "desk)" in invoke(runner, "dispatches", case).stdout  # "(set by the desk)", wrapped in the table
    with Case.open(case) as c, c.connect() as conn:
        anchor = anchor_date(conn, 1)
        action = conn.execute(sa.select(t.audit.c.actor).where(t.audit.c.action == "intake.desk-fact")).scalar()
    assert (str(anchor.date), anchor.source, anchor.flags) == ("2021-08-03", "desk-date", ["anchor-set-by-desk"])
    assert action == "tester"

    refused = invoke(runner, "dispatch", case, "2", "--date", "2022-01-01")
    assert refused.exit_code == 2
    assert refused.stderr == ("Error: Dispatch 2 already has a date from its original (2021-08-03T14:05:00+03:00); "
                              "the desk cannot replace what the original says.\n")
    bad = invoke(runner, "dispatch", case, "1", "--date", "next tuesday")
    assert bad.exit_code == 2 and bad.stderr.startswith("Error: 'next tuesday' is not a date leakdesk can read")
    assert invoke(runner, "dispatch", case, "1").stderr == "Error: Give --date or --sender (or both) to set on the " \
                                                           "dispatch.\n"


def test_variants_are_compared_neutrally_with_a_diff(runner: CliRunner, tmp_path: Path) -> None:
    case = _case(tmp_path)
    (tmp_path / "1.eml").write_bytes(raw_message(b"The money moved on 3 August.\n"))
    (tmp_path / "2.eml").write_bytes(raw_message(b"The money moved on 5 August.\n"))
    invoke(runner, "ingest", case, tmp_path / "1.eml", tmp_path / "2.eml")
    result = invoke(runner, "variants", case, "1")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Two different copies share this Message-ID <t1@example.org>: dispatches 1 and 2."
    assert "-The money moved on 3 August." in lines and "+The money moved on 5 August." in lines
    assert "tampering" not in result.stdout and "original" not in result.stdout
    data = json.loads(invoke(runner, "variants", case, "--json").stdout)
    assert data[0]["summary"] == "two different copies share this Message-ID: dispatches 1 and 2"
    assert invoke(runner, "variants", case, "7").stderr == "Error: No such dispatch 7 in this case.\n"
