"""Bundles for a partner newsroom with the real tools (bagit, GnuPG): a full bundle verifies and imports with the
custody carried over; tampering is caught; a redacted, scrubbed bundle encrypted to the partner's key verifies and
imports on another case with no trace of the redacted names or of the attachment's metadata."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.errors import LeakdeskError
from leakdesk.intake.ingest import ingest_paths
from leakdesk.intake.pgp import import_keys
from leakdesk.publish.bundle import export_bundle, import_bundle, verify_bundle
from leakdesk.publish.redact import add_term
from leakdesk.sample import sample_dir
from leakdesk.store import tables as t
from tests.conftest import invoke
from tests.publish.files import docx_bytes

KEYS = sample_dir() / "keys"
LETTERS = [
    "Здравствуйте! Генерал Гранатов вчера снова собирал отдел, и я пишу Вам об этом. Ваш Буря",
    "Гранатова боятся все; приказ лежит у него в сейфе. Посылаю тезисы. Ваш Буря",
]


def _eml(i: int, body: str, attachment: bytes | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Буря <burya@mail.example>"
    msg["To"] = "desk@news.example"
    msg["Subject"] = f"Письмо {i}"
    msg["Date"] = f"Mon, 0{i} Jan 2024 10:00:00 +1000"
    msg["Message-ID"] = f"<{i}.burya@mail.example>"
    msg.set_content(body)
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                           filename="tezisy.docx")
    return bytes(msg)


@pytest.fixture
def sender(tmp_path: Path) -> Case:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "1.eml").write_bytes(_eml(1, LETTERS[0]))
    (inbox / "2.eml").write_bytes(_eml(2, LETTERS[1], docx_bytes()))
    case = Case.init(tmp_path / "sender")
    ingest_paths(case, [inbox], series="Буря", progress=False)
    yield case
    case.close()


@pytest.fixture
def partner(tmp_path: Path) -> Case:
    case = Case.init(tmp_path / "partner")
    yield case
    case.close()


def _all_text(case: Case) -> str:
    with case.connect() as conn:
        texts = list(conn.execute(sa.select(t.text.c.content)).scalars())
    files = [p.read_bytes() for p in (case.root / "originals").rglob("*") if p.is_file()]
    return "\n".join(texts) + "\n".join(f.decode("utf-8", "replace") for f in files)


def test_full_bundle_verifies_and_imports_with_custody(sender: Case, partner: Case, tmp_path: Path) -> None:
    done = export_bundle(sender, tmp_path / "bundle", "Буря")
    assert done.dispatches == 3 and not done.redacted
    assert (tmp_path / "bundle" / "bagit.txt").exists() and (tmp_path / "bundle" / "manifest-sha256.txt").exists()
    check = verify_bundle(tmp_path / "bundle")
    assert check.ok and check.problems == [] and check.head["series"] == "Буря"
    result = import_bundle(partner, tmp_path / "bundle")
    assert len(result["created"]) == 2 and result["custody_carried"] == 2  # two letters; the DOCX comes back inside
    with partner.connect() as conn:
        rows = conn.execute(sa.select(t.custody).where(t.custody.c.event == "bundle-import")).all()
        subjects = sorted(conn.execute(sa.select(t.dispatch.c.subject).where(t.dispatch.c.parent_id.is_(None)))
                          .scalars())
        attachments = conn.execute(sa.select(sa.func.count()).select_from(t.dispatch)
                                   .where(t.dispatch.c.parent_id.is_not(None))).scalar()
    assert subjects == ["Письмо 1", "Письмо 2"] and attachments == 1
    assert all("custody there:" in r.location and "received via" in r.location for r in rows)
    assert all(str(sender.root.parent / "inbox") in r.location for r in rows)  # the sender's own chain
    report = partner.fsck()
    assert not report.changed_dispatches and not report.broken_audit_rows


def test_tampered_bundle_is_caught(sender: Case, partner: Case, tmp_path: Path) -> None:
    export_bundle(sender, tmp_path / "bundle", "Буря")
    text = next((tmp_path / "bundle" / "data" / "texts").glob("*.txt"))
    text.write_text("подмена", "utf-8")
    check = verify_bundle(tmp_path / "bundle")
    assert not check.ok
    assert any(p.startswith(f"manifest check failed for data/texts/{text.name}") for p in check.problems)
    with pytest.raises(LeakdeskError, match="does not verify .*nothing was imported"):
        import_bundle(partner, tmp_path / "bundle")
    signed = tmp_path / "bundle" / "data" / "checkpoint.json"
    data = json.loads(signed.read_text("utf-8"))
    data["statement"]["seq"] += 1
    signed.write_text(json.dumps(data), "utf-8")
    problems = verify_bundle(tmp_path / "bundle").problems
    assert "the checkpoint's signature does not hold" in problems
    assert "the bundle's audit head is not the one the checkpoint signs" in problems


def test_redacted_encrypted_bundle_leaves_no_trace(sender: Case, partner: Case, tmp_path: Path) -> None:
    add_term(sender, "Гранатов", "Officer 2", "Буря", label="person")
    add_term(sender, "Буря", "Source A", "Буря", label="source")
    out = tmp_path / "partner.bundle.gpg"
    done = export_bundle(sender, out, "Буря", redacted=True, to_key=KEYS / "demo-public.asc")
    assert done.redacted and done.encrypted_to and out.read_bytes()[:1] != b"{"
    with pytest.raises(LeakdeskError, match="could not be decrypted with this case's keys"):
        verify_bundle(out, partner.gnupg_home)
    import_keys(partner, KEYS / "demo-secret.asc")
    assert verify_bundle(out, partner.gnupg_home).ok
    result = import_bundle(partner, out)
    assert result["redacted"] and len(result["created"]) == 3  # two letters and the scrubbed DOCX
    everything = _all_text(partner)
    assert "Officer 2" in everything and "Source A" in everything
    for secret in ("Гранатов", "Буря", "burya@mail.example", "a.orlov", "i.petrov", "ФГКУ Восток", "fs01"):
        assert secret not in everything, secret
    with partner.connect() as conn:
        senders = set(conn.execute(sa.select(t.dispatch.c.sender)).scalars())
    assert senders == {None}


def test_redacted_bundle_needs_a_series_and_a_new_name(sender: Case, tmp_path: Path) -> None:
    with pytest.raises(LeakdeskError, match=r"^A redacted bundle is made for one series \(--series NAME\)"):
        export_bundle(sender, tmp_path / "b", redacted=True)
    (tmp_path / "b").mkdir()
    with pytest.raises(LeakdeskError, match="already exists; choose a new name for the bundle."):
        export_bundle(sender, tmp_path / "b", "Буря")


def test_cli_bundle(sender: Case, partner: Case, tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "bundle", "export", sender.root, tmp_path / "out", "--series", "Буря")
    assert result.exit_code == 0, result.output
    assert "3 dispatch(es), originals as received" in " ".join(result.output.split())
    result = invoke(runner, "bundle", "verify", tmp_path / "out")
    assert result.exit_code == 0 and "out verifies:" in result.output
    result = invoke(runner, "bundle", "import", partner.root, tmp_path / "out")
    assert result.exit_code == 0 and "Imported 2 dispatch(es) from out into series Буря" in result.output
    (tmp_path / "out" / "data" / "custody.json").write_text("[]", "utf-8")
    result = invoke(runner, "bundle", "verify", tmp_path / "out")
    assert result.exit_code == 1 and "Problem: manifest check failed for data/custody.json" in result.output
