"""S/MIME verdicts (issue 9): a CA, signer certificates (valid, expired, from another CA) and signatures made here by
the real OpenSSL; verdicts recorded per dispatch, shown in `dispatch list --json` and the report."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from typer.testing import CliRunner

from leakdesk.case import Case
from leakdesk.intake import ingest_paths, list_dispatches
from leakdesk.intake.smime import SmimeError, check_case, latest_verdicts, load_ca_file
from leakdesk.publish.report import build_report
from leakdesk.store import tables as t
from tests.conftest import invoke
from tests.intake.conftest import mbox_bytes

NOW = dt.datetime.now(dt.UTC)
LETTER = b"Content-Type: text/plain; charset=utf-8\n\nThe figures are in the second ledger.\n"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key: ec.EllipticCurvePrivateKey, issuer: str, issuer_key: ec.EllipticCurvePrivateKey, *,
          ca: bool, days: tuple[int, int], email: str | None = None) -> x509.Certificate:
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(NOW + dt.timedelta(days=days[0])).not_valid_after(NOW + dt.timedelta(days=days[1]))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
    else:
        b = (b.add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
             .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
             .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email or "x@example.org")]),
                            critical=False))
    return b.sign(issuer_key, hashes.SHA256())


def _write(folder: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
    (folder / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / f"{name}.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A desk CA and another CA; signers: valid, expired (valid 400 to 30 days ago), and one from the other CA."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key, other_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    _write(folder, "ca", _cert("Desk Test CA", ca_key, "Desk Test CA", ca_key, ca=True, days=(-3650, 3650)), ca_key)
    _write(folder, "other", _cert("Other CA", other_key, "Other CA", other_key, ca=True, days=(-10, 10)), other_key)
    for name, issuer, issuer_key, days in (("insider", "Desk Test CA", ca_key, (-1, 30)),
                                           ("old-insider", "Desk Test CA", ca_key, (-400, -30)),
                                           ("stranger", "Other CA", other_key, (-1, 30))):
        key = ec.generate_private_key(ec.SECP256R1())
        _write(folder, name, _cert(name, key, issuer, issuer_key, ca=False, days=days,
                                   email=f"{name}@example.org"), key)
    return folder


def _signed(pki: Path, signer: str, *, opaque: bool = False, date: dt.datetime | None = None) -> bytes:
    letter = pki / "letter.txt"
    letter.write_bytes(LETTER)
    args = ["openssl", "cms", "-sign", "-in", str(letter), "-signer", str(pki / f"{signer}.pem"),
            "-inkey", str(pki / f"{signer}.key"), "-from", f"{signer}@example.org", "-to", "desk@example.org",
            "-subject", f"Ledger from {signer}"] + (["-nodetach"] if opaque else [])
    raw = subprocess.run(args, check=True, capture_output=True).stdout
    when = date or NOW
    return f"Date: {when:%a, %d %b %Y %H:%M:%S +0000}\nMessage-ID: <{signer}-{opaque}@example.org>\n".encode() + raw


def _ingest(case: Case, inbox: Path, letters: dict[str, bytes]) -> dict[str, int]:
    for name, raw in letters.items():
        (inbox / f"{name}.eml").write_bytes(raw)
    ingest_paths(case, [inbox / f"{name}.eml" for name in letters], progress=False)
    return {r["filename"].removesuffix(".eml"): r["id"] for r in list_dispatches(case) if r["parent_id"] is None}


def test_verdicts_good_bad_unknown_signer_expired(case: Case, inbox: Path, pki: Path) -> None:
    good = _signed(pki, "insider")
    assert b"The figures are in the second ledger." in good
    letters = {
        "good": good,
        "opaque": _signed(pki, "insider", opaque=True),
        "tampered": good.replace(b"second ledger", b"third ledger"),
        "stranger": _signed(pki, "stranger"),
        "expired": _signed(pki, "old-insider", date=NOW - dt.timedelta(days=200)),
        "expired-late": _signed(pki, "old-insider"),
    }
    ids = _ingest(case, inbox, letters)
    results = {r["dispatch_id"]: r for r in check_case(case, pki / "ca.pem")}
    got = {name: results[i]["result"] for name, i in ids.items()}
    assert got == {"good": "good", "opaque": "good", "tampered": "bad", "stranger": "unknown signer",
                   "expired": "expired", "expired-late": "expired"}
    first = results[ids["good"]]
    assert first["signer_subject"] == "CN=insider" and first["signer_issuer"] == "CN=Desk Test CA"
    assert first["signer_email"] == "insider@example.org" and first["ca_subject"] == "CN=Desk Test CA"
    assert first["ca_file"] == "ca.pem" and first["reason"] is None and first["engine"].startswith("OpenSSL 3")
    assert results[ids["tampered"]]["reason"] == (
        "the signed content was changed after it was signed (the signature does not match it)")
    assert results[ids["stranger"]]["ca_subject"] is None
    assert "no certificate of ca.pem vouches for the signer (issued by CN=Other CA)" in (
        results[ids["stranger"]]["reason"])
    assert "it was valid on the date the letter gives" in results[ids["expired"]]["reason"]
    assert "it was not valid on the date the letter gives either" in results[ids["expired-late"]]["reason"]
    listed = {r["id"]: r["smime"] for r in list_dispatches(case)}
    assert listed[ids["good"]]["result"] == "good" and listed[ids["tampered"]]["result"] == "bad"


def test_the_other_ca_file_makes_the_stranger_good_and_a_recheck_is_the_new_verdict(case: Case, inbox: Path,
                                                                                     pki: Path) -> None:
    ids = _ingest(case, inbox, {"stranger": _signed(pki, "stranger")})
    assert check_case(case, pki / "ca.pem")[0]["result"] == "unknown signer"
    both = pki / "both.pem"
    both.write_bytes((pki / "ca.pem").read_bytes() + (pki / "other.pem").read_bytes())
    [again] = check_case(case, both, [ids["stranger"]])
    assert again["result"] == "good" and again["ca_file"] == "both.pem" and again["ca_subject"] == "CN=Other CA"
    assert latest_verdicts(case)[ids["stranger"]]["ca_sha256"] == again["ca_sha256"]
    with case.connect() as conn:
        from leakdesk.store.records import smime as records

        assert records.latest(conn)[ids["stranger"]].result == "good"
    with case.connect() as conn:
        audited = conn.execute(sa.select(t.audit.c.details).where(t.audit.c.action == "intake.smime")
                               .order_by(t.audit.c.seq)).scalars().all()
    assert [json.loads(d)["result"] for d in audited] == ["unknown signer", "good"]


def test_ca_file_and_dispatch_errors_are_sentences(case: Case, inbox: Path, pki: Path, tmp_path: Path) -> None:
    with pytest.raises(SmimeError, match=r"^The CA file .*nope.pem does not exist\.$"):
        load_ca_file(tmp_path / "nope.pem")
    (tmp_path / "junk.pem").write_text("not a certificate\n")
    with pytest.raises(SmimeError, match=r"holds no certificate: it should hold one or more PEM certificates"):
        load_ca_file(tmp_path / "junk.pem")
    (inbox / "plain.eml").write_bytes(b"From: a@example.org\nSubject: plain\nMessage-ID: <p@x>\n\nHello.\n")
    ingest_paths(case, [inbox / "plain.eml"], progress=False)
    [row] = list_dispatches(case)
    with pytest.raises(Exception, match=rf"^Dispatch {row['id']} is not an S/MIME-signed email"):
        check_case(case, pki / "ca.pem", [row["id"]])
    assert check_case(case, pki / "ca.pem") == [] and row["smime"] is None


def test_cli_ingest_with_smime_ca_then_dispatch_smime_and_the_report(runner: CliRunner, tmp_path: Path,
                                                                     pki: Path) -> None:
    case_dir = tmp_path / "case"
    assert invoke(runner, "init", case_dir).exit_code == 0
    box = tmp_path / "box.mbox"
    box.write_bytes(mbox_bytes([_signed(pki, "insider"), _signed(pki, "stranger")]))
    done = invoke(runner, "dispatch", "ingest", case_dir, box, "--smime-ca", pki / "ca.pem", "--json")
    assert done.exit_code == 0, done.output
    verdicts = {v["signer_subject"]: v["result"] for v in json.loads(done.stdout)["smime"]}
    assert verdicts == {"CN=insider": "good", "CN=stranger": "unknown signer"}
    listed = json.loads(invoke(runner, "dispatch", "list", case_dir, "--json").stdout)
    assert sorted(r["smime"]["result"] for r in listed if r["smime"]) == ["good", "unknown signer"]
    table = invoke(runner, "dispatch", "smime", case_dir, "--ca", pki / "ca.pem")
    assert table.exit_code == 0 and "2 S/MIME signatures checked: 1 good, 1 unknown signer." in table.stdout
    bad = invoke(runner, "dispatch", "smime", case_dir, "--ca", tmp_path / "missing.pem")
    assert bad.exit_code != 0 and f"The CA file {tmp_path / 'missing.pem'} does not exist." in bad.output
    refused = invoke(runner, "dispatch", "ingest", case_dir, box, "--smime-ca", tmp_path / "missing.pem")
    assert refused.exit_code != 0 and "does not exist" in refused.output
    with Case.open(case_dir) as c:
        html = build_report(c).path.read_text("utf-8")
    assert "Email signatures (S/MIME)" in html and "unknown signer" in html and "CN=insider" in html


def test_the_letter_inside_an_opaque_signature_is_read(case: Case, inbox: Path, pki: Path) -> None:
    ids = _ingest(case, inbox, {"opaque": _signed(pki, "insider", opaque=True),
                                "damaged": _signed(pki, "insider", opaque=True).replace(b"MII", b"AAA", 1)})
    with case.connect() as conn:
        texts = {i: [r.content for r in conn.execute(sa.select(t.text.c.content, t.text.c.role)
                                                     .where(t.text.c.dispatch_id == i)) if r.role == "body"]
                 for i in ids.values()}
    assert ["The figures are in the second ledger." in x for x in texts[ids["opaque"]]] == [True]
    assert texts[ids["damaged"]] == []
    rows = {r["id"]: r for r in list_dispatches(case)}
    assert "the letter inside the opaque S/MIME signature could not be taken out" in rows[ids["damaged"]]["warning"]
