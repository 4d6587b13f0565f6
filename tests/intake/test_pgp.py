"""PGP with a real GnuPG: keys made for the test, messages built the way mail clients build them."""

from __future__ import annotations

import email
import email.policy
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.intake.pgp import PASSPHRASE_ENV, import_keys, list_keys, process_pgp, signed_part_bytes
from leakdesk.store import tables as t
from tests.conftest import invoke
from tests.servers import kill_gpg_agent

PASSPHRASE = "correct horse ✓ battery"
LETTER = "Здравствуйте! Отправляю документы по поставкам.\r\nС уважением, Фиалка\r\n"


def gpg(home: Path, *args: str, data: bytes = b"") -> bytes:
    done = subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--yes", "--trust-model", "always", *args],
        input=data,
        capture_output=True,
        check=True,
    )
    return done.stdout


@dataclass
class Keys:
    """A 'world' home holding every test key, and exported key files for the case to import."""

    world: Path
    fpr: dict[str, str]
    files: dict[str, Path]

    def encrypt(self, data: bytes, to: str, signer: str | None = None) -> bytes:
        sign = ["--sign", "--local-user", self.fpr[signer]] if signer else []
        return gpg(self.world, "--armor", "--encrypt", "--recipient", self.fpr[to], *sign, data=data)

    def detach_sign(self, data: bytes, signer: str) -> bytes:
        return gpg(self.world, "--armor", "--detach-sign", "--local-user", self.fpr[signer], data=data)

    def clearsign(self, data: bytes, signer: str) -> bytes:
        return gpg(self.world, "--clearsign", "--local-user", self.fpr[signer], data=data)


def _make_key(home: Path, uid: str, passphrase: str = "") -> str:
    gpg(home, "--pinentry-mode", "loopback", "--passphrase", passphrase, "--quick-gen-key", uid, "ed25519", "sign", "0")
    listing = gpg(home, "--with-colons", "--list-keys", uid).decode()
    fpr = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
    gpg(home, "--pinentry-mode", "loopback", "--passphrase", passphrase, "--quick-add-key", fpr, "cv25519", "encr", "0")
    return fpr


@pytest.fixture(scope="session")
def keys(gnupg_home_factory: Callable[[], Path], tmp_path_factory: pytest.TempPathFactory) -> Keys:
    """desk (the case's key), protected (a passphrase-protected case key), insider (a sender), stranger and
    unknown (keys the case never gets)."""
    world = gnupg_home_factory()
    out = tmp_path_factory.mktemp("keys")
    fpr = {
        "desk": _make_key(world, "Desk <desk@example.org>"),
        "protected": _make_key(world, "Protected Desk <vault@example.org>", PASSPHRASE),
        "insider": _make_key(world, "Fialka <fialka@example.net>"),
        "stranger": _make_key(world, "Stranger <stranger@example.com>"),
        "unknown": _make_key(world, "Unknown <unknown@example.com>"),
    }
    files = {}
    for name in ("desk", "protected"):
        files[f"{name}-secret"] = out / f"{name}-secret.asc"
        files[f"{name}-secret"].write_bytes(
            gpg(
                world,
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                PASSPHRASE if name == "protected" else "",
                "--armor",
                "--export-secret-keys",
                fpr[name],
            )
        )
    files["insider-public"] = out / "insider-public.asc"
    files["insider-public"].write_bytes(gpg(world, "--armor", "--export", fpr["insider"]))
    return Keys(world, fpr, files)


@pytest.fixture
def case_home(gnupg_home_factory: Callable[[], Path], keys: Keys) -> Path:
    """A case-like keyring: the desk's secret key and the insider's public key."""
    home = gnupg_home_factory()
    for name in ("desk-secret", "insider-public"):
        gpg(home, "--import", str(keys.files[name]))
    return home


def parse(raw: bytes) -> email.message.Message:
    return email.message_from_bytes(raw, policy=email.policy.default)


INNER = (
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + LETTER.encode() + b"\r\n"
)


def pgp_mime_encrypted(armored: bytes) -> bytes:
    return (
        b"From: fialka@example.net\r\nTo: desk@example.org\r\nSubject: ...\r\n"
        b"Message-ID: <enc-1@example.net>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="enc-b"\r\n\r\n'
        b"This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n"
        b"--enc-b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n"
        b'--enc-b\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\n\r\n'
        + armored
        + b"\r\n--enc-b--\r\n"
    )


def pgp_mime_signed(inner: bytes, signature: bytes, boundary: bytes = b"sig-b") -> bytes:
    return (
        b"From: fialka@example.net\r\nTo: desk@example.org\r\nSubject: signed\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; '
        b'boundary="' + boundary + b'"\r\n\r\n'
        b"--" + boundary + b"\r\n" + inner + b"\r\n--" + boundary + b"\r\n"
        b'Content-Type: application/pgp-signature; name="signature.asc"\r\n\r\n'
        + signature
        + b"\r\n--"
        + boundary
        + b"--\r\n"
    )


def plain_mail(body: bytes) -> bytes:
    return b"From: fialka@example.net\r\nSubject: inline\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body


# --------------------------------------------------------------------------- PGP/MIME


def test_encrypted_and_signed_to_the_case_key_is_decrypted_with_a_good_signature(keys: Keys, case_home: Path) -> None:
    raw = pgp_mime_encrypted(keys.encrypt(INNER, to="desk", signer="insider"))
    result = process_pgp(case_home, parse(raw), raw)
    assert result is not None
    assert (result.status, result.format, result.signature) == ("decrypted", "pgp/mime", "good")
    assert result.signer_fingerprint == keys.fpr["insider"]
    assert result.plaintext_is_mime and result.plaintext == INNER
    assert "Фиалка" in parse(result.plaintext).get_content()
    assert result.key_id and len(result.key_id) == 16  # the encryption subkey's id
    assert result.dispatch_status == "decrypted"
    assert "plaintext" not in result.details() and json.dumps(result.details())


def test_encrypted_to_a_key_the_case_lacks_is_kept_with_the_reason(keys: Keys, case_home: Path) -> None:
    raw = pgp_mime_encrypted(keys.encrypt(INNER, to="stranger"))
    result = process_pgp(case_home, parse(raw), raw)
    assert result is not None and result.status == "not-decrypted" and result.plaintext is None
    assert result.reason == (
        f"it is encrypted to key {result.recipients[0]}, and the case has no secret key for it "
        "(add one with `leakdesk key import`)"
    )
    assert len(result.recipients) == 1 and result.key_id == result.recipients[0]


def test_signed_then_encrypted_in_two_mime_layers(keys: Keys, case_home: Path) -> None:
    signed = pgp_mime_signed(INNER, keys.detach_sign(INNER, "insider"))
    entity = signed.split(b"MIME-Version: 1.0\r\n", 1)[1]  # the multipart/signed entity, headers and body
    raw = pgp_mime_encrypted(keys.encrypt(entity, to="desk"))
    result = process_pgp(case_home, parse(raw), raw)
    assert result is not None and (result.status, result.signature) == ("decrypted", "good")
    assert result.signer_fingerprint == keys.fpr["insider"]


def test_detached_signature_good_and_tampered_bad(keys: Keys, case_home: Path) -> None:
    raw = pgp_mime_signed(INNER, keys.detach_sign(INNER, "insider"))
    good = process_pgp(case_home, parse(raw), raw)
    assert good is not None and (good.status, good.signature) == ("signed", "good")
    assert good.signer_fingerprint == keys.fpr["insider"] and good.dispatch_status == "signed-good"

    tampered = raw.replace("поставкам".encode(), "поставщикам".encode())
    bad = process_pgp(case_home, parse(tampered), tampered)
    assert bad is not None and (bad.status, bad.signature) == ("signed", "bad")
    assert bad.reason == "the signature does not match the text: it was changed after signing"
    assert bad.dispatch_status == "signed-bad"


def test_signature_holds_when_the_mail_was_stored_with_bare_newlines(keys: Keys, case_home: Path) -> None:
    """mbox and Maildir files often have LF line ends; RFC 3156 signs the CRLF form."""
    raw = pgp_mime_signed(INNER, keys.detach_sign(INNER, "insider")).replace(b"\r\n", b"\n")
    result = process_pgp(case_home, parse(raw), raw)
    assert result is not None and result.signature == "good"


def test_signature_by_a_key_the_case_does_not_have(keys: Keys, case_home: Path) -> None:
    raw = pgp_mime_signed(INNER, keys.detach_sign(INNER, "unknown"))
    result = process_pgp(case_home, parse(raw), raw)
    assert result is not None and (result.status, result.signature) == ("signed", "unknown-key")
    assert result.signer_key_id and keys.fpr["unknown"].endswith(result.signer_key_id)
    assert result.reason == (
        f"signed with key {result.signer_key_id}, which the case does not have (import it to check)"
    )


def test_signed_part_bytes_finds_the_part_wherever_it_is_nested() -> None:
    raw = b"Content-Type: multipart/mixed; boundary=out\r\n\r\n--out\r\n" + pgp_mime_signed(b"A: b\r\n\r\nx\r\n", b"S")
    assert signed_part_bytes(raw, "sig-b") == b"A: b\r\n\r\nx\r\n"
    assert signed_part_bytes(raw, "absent") is None


# --------------------------------------------------------------------------- inline PGP


def test_inline_encrypted_text_is_decrypted(keys: Keys, case_home: Path) -> None:
    armored = keys.encrypt(LETTER.encode(), to="desk", signer="insider")
    raw = plain_mail(b"Read this:\r\n\r\n" + armored + b"\r\n-- \r\nsent from a phone\r\n")
    result = process_pgp(case_home, parse(raw), raw)
    assert result is not None and (result.status, result.format) == ("decrypted", "inline")
    assert result.plaintext == LETTER.encode() and not result.plaintext_is_mime
    assert result.signature == "good" and result.signer_fingerprint == keys.fpr["insider"]


def test_inline_clearsigned_text_good_and_altered(keys: Keys, case_home: Path) -> None:
    signed = keys.clearsign(LETTER.encode(), "insider")
    raw = plain_mail(signed)
    result = process_pgp(case_home, parse(raw), raw)
    assert result is not None and (result.status, result.format, result.signature) == ("signed", "inline", "good")
    assert result.plaintext is None and result.signer_fingerprint == keys.fpr["insider"]
    altered = plain_mail(signed.replace("Фиалка".encode(), "Роза".encode()))
    bad = process_pgp(case_home, parse(altered), altered)
    assert bad is not None and bad.signature == "bad"


def test_a_message_without_pgp_gives_none(case_home: Path) -> None:
    raw = plain_mail("Обычное письмо без шифрования.\r\n".encode())
    assert process_pgp(case_home, parse(raw), raw) is None


def test_damaged_armor_is_not_decrypted_with_a_reason(case_home: Path) -> None:
    raw = plain_mail(b"-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA+++garbage\r\n-----END PGP MESSAGE-----\r\n")
    result = process_pgp(case_home, parse(raw), raw)
    assert result is not None and result.status == "not-decrypted"
    assert result.reason and "damaged" in result.reason


# --------------------------------------------------------------------------- passphrase-protected case key


@pytest.fixture
def protected_home(gnupg_home_factory: Callable[[], Path], keys: Keys) -> Path:
    home = gnupg_home_factory()
    gpg(home, "--import", str(keys.files["protected-secret"]))
    return home


def test_protected_key_without_passphrase_file(keys: Keys, protected_home: Path) -> None:
    raw = pgp_mime_encrypted(keys.encrypt(INNER, to="protected"))
    result = process_pgp(protected_home, parse(raw), raw)
    assert result is not None and result.status == "not-decrypted"
    assert result.reason == (
        f"the case key is protected by a passphrase; put it in a file and set {PASSPHRASE_ENV} to that file"
    )


def test_protected_key_with_a_wrong_passphrase(
    keys: Keys, protected_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pass").write_text("not it\n", "utf-8")
    monkeypatch.setenv(PASSPHRASE_ENV, str(tmp_path / "pass"))
    raw = pgp_mime_encrypted(keys.encrypt(INNER, to="protected"))
    result = process_pgp(protected_home, parse(raw), raw)
    assert result is not None and result.status == "not-decrypted"
    assert result.reason == f"the passphrase in the file named by {PASSPHRASE_ENV} is wrong for the case key"


def test_protected_key_with_the_passphrase_file(
    keys: Keys, protected_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "pass").write_text(PASSPHRASE + "\n", "utf-8")
    monkeypatch.setenv(PASSPHRASE_ENV, str(tmp_path / "pass"))
    raw = pgp_mime_encrypted(keys.encrypt(INNER, to="protected", signer="insider"))
    caplog.set_level("DEBUG")
    result = process_pgp(protected_home, parse(raw), raw)
    assert result is not None and result.status == "decrypted" and result.plaintext == INNER
    assert PASSPHRASE not in caplog.text and PASSPHRASE not in json.dumps(result.details())


def test_unreadable_passphrase_file_is_named_as_the_reason(
    keys: Keys, protected_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, str(tmp_path / "missing"))
    raw = pgp_mime_encrypted(keys.encrypt(INNER, to="protected"))
    result = process_pgp(protected_home, parse(raw), raw)
    assert result is not None and result.reason == (
        f"the passphrase file named by {PASSPHRASE_ENV} cannot be read (FileNotFoundError)"
    )


# --------------------------------------------------------------------------- keys import / list


@pytest.fixture
def keyed_case(case: Case):  # type: ignore[no-untyped-def]
    yield case
    kill_gpg_agent(case.gnupg_home)


def test_import_keys_api_and_audit(keyed_case: Case, keys: Keys) -> None:
    fprs = import_keys(keyed_case, keys.files["desk-secret"])
    assert fprs == [keys.fpr["desk"]]
    listed = {k["fingerprint"]: k for k in list_keys(keyed_case)}
    assert listed[keys.fpr["desk"]]["secret"] is True
    assert listed[keys.fpr["desk"]]["user_ids"] == ["Desk <desk@example.org>"]
    with keyed_case.connect() as conn:
        row = conn.execute(sa.select(t.audit).where(t.audit.c.action == "keys.import")).one()
    details = json.loads(row.details)
    assert row.object == "desk-secret.asc" and details["fingerprints"] == [keys.fpr["desk"]]
    assert details["secret_keys"] == [keys.fpr["desk"]]
    assert "PRIVATE KEY" not in row.details


def test_import_of_a_passphrase_protected_secret_key_needs_no_passphrase(keyed_case: Case, keys: Keys) -> None:
    assert import_keys(keyed_case, keys.files["protected-secret"]) == [keys.fpr["protected"]]
    assert [k["secret"] for k in list_keys(keyed_case)] == [True]


def test_no_gpg_agent_outlives_the_command(keys: Keys, tmp_path: Path) -> None:
    """A leakdesk process that used the case keyring stops its gpg-agent when it exits."""
    import sys

    case = Case.init(tmp_path / "c")
    case.close()
    script = (
        "import sys; from pathlib import Path; from leakdesk.case import Case; "
        "from leakdesk.intake.pgp import import_keys; "
        "import_keys(Case.open(Path(sys.argv[1])), Path(sys.argv[2]))"
    )
    subprocess.run([sys.executable, "-c", script, str(case.root), str(keys.files["desk-secret"])], check=True)
    agents = subprocess.run(["pgrep", "-f", f"gpg-agent --homedir {case.gnupg_home}"], capture_output=True)
    assert agents.stdout == b"", "a gpg-agent is still running for the case"
    assert (case.gnupg_home / "pubring.kbx").exists()


def test_cli_keys_import_and_list(runner, keyed_case: Case, keys: Keys) -> None:  # type: ignore[no-untyped-def]
    res = invoke(runner, "keys", "import", keyed_case.root, keys.files["insider-public"])
    assert res.exit_code == 0, res.output
    assert f"Imported 1 key into the case keyring: {keys.fpr['insider']}" in res.output
    res = invoke(runner, "keys", "list", keyed_case.root, "--json")
    assert res.exit_code == 0, res.output
    listed = json.loads(res.stdout)
    assert [(k["fingerprint"], k["secret"]) for k in listed] == [(keys.fpr["insider"], False)]
    res = invoke(runner, "keys", "list", keyed_case.root)
    assert keys.fpr["insider"] in res.output and "Fialka <fialka@example.net>" in res.output


def test_cli_keys_import_of_a_file_without_keys(runner, keyed_case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    junk = tmp_path / "notes.txt"
    junk.write_text("not a key\n", "utf-8")
    res = invoke(runner, "keys", "import", keyed_case.root, junk)
    assert res.exit_code == 1
    assert f"Error: {junk}: the file holds no OpenPGP key that GnuPG could read." in " ".join(res.output.split())
    assert "Traceback" not in res.output


# --------------------------------------------------------------------------- end to end through `leakdesk ingest`


def test_keys_import_then_ingest_a_pgp_mime_letter(runner, keyed_case: Case, keys: Keys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for name in ("desk-secret", "insider-public"):
        assert invoke(runner, "keys", "import", keyed_case.root, keys.files[name]).exit_code == 0
    (tmp_path / "secret.eml").write_bytes(pgp_mime_encrypted(keys.encrypt(INNER, to="desk", signer="insider")))
    (tmp_path / "stranger.eml").write_bytes(
        pgp_mime_encrypted(keys.encrypt(INNER, to="stranger")).replace(b"<enc-1@", b"<enc-2@")
    )
    res = invoke(runner, "ingest", keyed_case.root, tmp_path / "secret.eml", tmp_path / "stranger.eml")
    assert res.exit_code == 0, res.output
    res = invoke(runner, "dispatches", keyed_case.root, "--json")
    assert res.exit_code == 0, res.output
    by_id = {d["message_id"]: d for d in json.loads(res.stdout) if d["parent_id"] is None}
    assert by_id["<enc-1@example.net>"]["status"] == "ok"
    with keyed_case.connect() as conn:
        rows = {r.message_id: r for r in conn.execute(sa.select(t.dispatch).where(t.dispatch.c.parent_id.is_(None)))}
        texts = conn.execute(sa.select(t.text.c.content, t.text.c.dispatch_id)).all()
    secret, stranger = rows["<enc-1@example.net>"], rows["<enc-2@example.net>"]
    assert secret.pgp_status == "decrypted" and secret.pgp_details["signature"] == "good"
    assert any("С уважением, Фиалка" in x.content for x in texts)
    assert stranger.pgp_status == "not-decrypted" and stranger.status == "ok"
    assert "has no secret key" in stranger.pgp_details["reason"]
    assert not any("Фиалка" in x.content for x in texts if x.dispatch_id == stranger.id)


def test_messages_parsed_with_the_compat32_policy(keys: Keys, case_home: Path) -> None:
    """The intake reader parses with `policy.compat32`; the results must not depend on the policy."""
    encrypted = pgp_mime_encrypted(keys.encrypt(INNER, to="desk", signer="insider"))
    signed = pgp_mime_signed(INNER, keys.detach_sign(INNER, "insider"))
    for raw, status in ((encrypted, "decrypted"), (signed, "signed")):
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        result = process_pgp(case_home, msg, raw)
        assert result is not None and (result.status, result.signature) == (status, "good")


def test_without_gnupg_the_message_is_kept_with_the_reason(
    keys: Keys, case_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leakdesk.intake import pgp

    monkeypatch.setattr(pgp, "_GPG", {})
    monkeypatch.setattr(pgp.shutil, "which", lambda name: None)  # as on a machine without GnuPG
    encrypted = pgp_mime_encrypted(keys.encrypt(INNER, to="desk"))
    signed = plain_mail(keys.clearsign(LETTER.encode(), "insider"))
    reason = "GnuPG (the `gpg` program) is not installed; install the Debian package `gnupg`."
    result = process_pgp(case_home, parse(encrypted), encrypted)
    assert result is not None and (result.status, result.reason) == ("not-decrypted", reason)
    result = process_pgp(case_home, parse(signed), signed)
    assert result is not None and (result.status, result.signature, result.reason) == ("signed", "error", reason)
    plain = plain_mail(b"no pgp here\r\n")
    assert process_pgp(case_home, parse(plain), plain) is None
