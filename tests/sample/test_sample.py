"""The bundled sample case: manifest and files agree, the emails parse, each special case is really in the bytes."""

from __future__ import annotations

import email
import email.policy
import io
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from leakdesk.sample import SERIES_NAME, demo_key, letters_with, load_manifest, mail_files, sample_dir
from tests.reaper import session_marker

SAMPLE = sample_dir()
MANIFEST = load_manifest()
LETTERS = [entry for entry in MANIFEST["letters"] if "message-id-variant" not in entry["special"]]
INSIDER = [entry for entry in LETTERS if entry["hand"] == "insider"]
IMPOSTOR = [entry for entry in LETTERS if entry["hand"] == "impostor"]
REPO = Path(__file__).resolve().parents[2]


def text_of(entry: dict, key: str = "text") -> str:
    return (SAMPLE / entry[key]).read_text("utf-8")


def parse(entry: dict) -> email.message.EmailMessage:
    return email.message_from_bytes((SAMPLE / entry["mail"]).read_bytes(), policy=email.policy.default)


def plain_body(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


# --------------------------------------------------------------------------- manifest and files


def test_manifest_names_only_existing_files_and_every_shipped_file() -> None:
    named: set[Path] = {
        SAMPLE / "README.md",
        SAMPLE / "manifest.json",
        SAMPLE / MANIFEST["keys"]["secret"],
        SAMPLE / MANIFEST["keys"]["public"],
        SAMPLE / MANIFEST["keys"]["dkim_zone"],
        SAMPLE / MANIFEST["keys"]["dkim_private"],
    }
    for entry in MANIFEST["letters"]:
        for key in ("mail", "text", "translation"):
            if entry.get(key):
                named.add(SAMPLE / entry[key])
        for attachment in entry["attachments"]:
            named.update({SAMPLE / attachment["file"], SAMPLE / attachment["text"]})
    named.update(SAMPLE / ref["file"] for ref in MANIFEST["reference"])
    named.update(SAMPLE / stream["file"] for stream in MANIFEST["streams"])
    missing = sorted(str(p) for p in named if not p.is_file())
    assert missing == []
    shipped = {p for p in SAMPLE.rglob("*") if p.is_file() and p.suffix not in {".py", ".pyc"}}
    assert sorted(str(p.relative_to(SAMPLE)) for p in shipped - named) == []


def test_series_has_thirteen_insider_and_two_impostor_letters_in_date_order() -> None:
    assert MANIFEST["series"] == SERIES_NAME
    assert [entry["number"] for entry in LETTERS] == list(range(1, 16))
    assert len(INSIDER) == 13 and len(IMPOSTOR) == 2
    dates = [entry["date"] for entry in LETTERS]
    assert dates == sorted(dates) and all(d.startswith("2022-") and d.endswith("+03:00") for d in dates)
    assert [p.name for p in mail_files()] == [Path(e["mail"]).name for e in MANIFEST["letters"]]


def test_every_special_case_is_present_once() -> None:
    wanted = [
        "mislabelled-charset",
        "pdf-attachment",
        "docx-attachment",
        "pgp-encrypted",
        "message-id-shared",
        "message-id-variant",
        "odd-header",
        "scanned-attachment",
        "dkim-signed",
    ]
    assert {s: len(letters_with(s)) for s in wanted} == {s: 1 for s in wanted}


@pytest.mark.parametrize("entry", LETTERS, ids=lambda e: f"letter{e['number']:02d}")
def test_letter_length_and_translation_paragraphs(entry: dict) -> None:
    original, translation = text_of(entry), text_of(entry, "translation")
    assert 150 <= len(original.split()) <= 350
    assert len(original.strip().split("\n\n")) == len(translation.strip().split("\n\n"))
    assert not re.search("[А-Яа-яЁё]", translation), "the translation still holds Cyrillic"


@pytest.mark.parametrize("entry", INSIDER, ids=lambda e: f"letter{e['number']:02d}")
def test_insider_hand_is_consistent(entry: dict) -> None:
    body = text_of(entry)
    assert "«" in body and " — " in body
    assert '"' not in body and "..." not in body and " - " not in body
    assert body.rstrip().endswith("Берегите себя.\nВаш Ветер")
    assert not re.search(r"\b(вы|вам|вас|ваш\w*)\b", body), "the insider always writes a capitalised Вы"
    assert not re.search(r"\b(еще|ее)\b", body), "the insider always writes ё"


@pytest.mark.parametrize("entry", IMPOSTOR, ids=lambda e: f"letter{e['number']:02d}")
def test_impostor_hand_differs(entry: dict) -> None:
    body = text_of(entry)
    assert "«" not in body and "—" not in body and "ё" not in body and "…" not in body
    assert '"' in body and "..." in body and " - " in body
    assert "С уважением, Ветер" in body and "Берегите себя" not in body
    assert re.search(r"\b(вы|вам|вас)\b", body)


def test_the_japan_letter_carries_the_claims_the_other_capabilities_look_for() -> None:
    letter = next(e for e in LETTERS if e["date"].startswith("2022-03-17"))
    body = text_of(letter)
    for phrase in ("в августе прошлого года", "итуруп", "вертолётов", "«нацистами»", "так и не случилось"):
        assert phrase in body.lower()


def test_glossary_term_is_rendered_inconsistently_in_exactly_one_translation() -> None:
    (rule,) = MANIFEST["glossary"]
    inconsistent = []
    for entry in LETTERS:
        if re.search(r"\bконтор", text_of(entry), re.I):
            english = text_of(entry, "translation")
            if "the office" not in english.lower():
                inconsistent.append(entry["number"])
                assert rule["found"] in english
    assert inconsistent == rule["inconsistent_in"] == [6]


def test_reference_pool_is_by_other_writers() -> None:
    writers = [ref["writer"] for ref in MANIFEST["reference"]]
    assert len(set(writers)) == len(writers) == 9
    assert sorted({ref["language"] for ref in MANIFEST["reference"]}) == ["en", "ru"]
    for ref in MANIFEST["reference"]:
        assert "Ветер" not in (SAMPLE / ref["file"]).read_text("utf-8")


def test_demo_key_is_labelled_and_unprotected() -> None:
    secret = demo_key().read_text("ascii")
    assert secret.startswith("DEMO ONLY") and "BEGIN PGP PRIVATE KEY BLOCK" in secret
    assert MANIFEST["keys"]["passphrase"] is None


# --------------------------------------------------------------------------- the emails


@pytest.mark.parametrize("entry", MANIFEST["letters"], ids=lambda e: Path(e["mail"]).stem)
def test_email_parses_with_the_manifest_headers(entry: dict) -> None:
    msg = parse(entry)
    assert msg.defects == []
    assert msg["Message-ID"] == entry["message_id"]
    assert msg["Subject"] == entry["subject"]
    assert msg["From"].addresses[0].addr_spec == entry["from"]
    assert msg["Date"].datetime.isoformat() == entry["date"]
    assert len(msg.get_all("Received")) >= 3


@pytest.mark.parametrize(
    "entry",
    [e for e in LETTERS if not {"mislabelled-charset", "pgp-encrypted"} & set(e["special"])],
    ids=lambda e: f"letter{e['number']:02d}",
)
def test_plain_body_is_the_authored_letter(entry: dict) -> None:
    assert plain_body(parse(entry)) == text_of(entry)


def test_mislabelled_charset_letter_is_windows_1251_declared_koi8_r() -> None:
    (entry,) = letters_with("mislabelled-charset")
    msg = email.message_from_bytes((SAMPLE / entry["mail"]).read_bytes())
    assert msg.get_content_charset() == entry["charset"]["declared"] == "koi8-r"
    raw = msg.get_payload(decode=True)
    assert raw.decode("cp1251") == text_of(entry)
    assert raw.decode("koi8-r") != text_of(entry)


def _attachment(entry: dict) -> tuple[str, bytes]:
    msg = parse(entry)
    (part,) = list(msg.iter_attachments())
    return part.get_filename(), part.get_content()


def test_pdf_attachment_has_a_text_layer() -> None:
    import pypdf

    (entry,) = letters_with("pdf-attachment")
    filename, data = _attachment(entry)
    assert filename == entry["attachments"][0]["filename"] == "справка-итуруп.pdf"
    assert data == (SAMPLE / entry["attachments"][0]["file"]).read_bytes()
    text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    for phrase in ("Буревестник", "сентябрь 2021 года", "полковник К. А. Тюрин"):
        assert phrase in text


def test_docx_attachment_text_and_revealing_metadata() -> None:
    import docx

    (entry,) = letters_with("docx-attachment")
    filename, data = _attachment(entry)
    assert filename == "tezisy.docx"
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "наследниками нацистских преступников" in text
    assert document.core_properties.last_modified_by == entry["attachments"][0]["metadata"]["last_modified_by"]


def test_variant_shares_message_id_and_differs_exactly_by_its_alterations() -> None:
    (variant,) = letters_with("message-id-variant")
    original = next(e for e in MANIFEST["letters"] if e["mail"] == variant["variant_of"])
    assert parse(variant)["Message-ID"] == parse(original)["Message-ID"]
    altered = text_of(original)
    for change in variant["alterations"]:
        altered = altered.replace(change["original"], change["altered"])
    assert plain_body(parse(variant)) == altered != text_of(original)


def test_odd_header_contradicts_the_received_chain() -> None:
    (entry,) = letters_with("odd-header")
    msg = parse(entry)
    assert "Outlook" in msg["X-Mailer"]
    assert any("Roundcube" in r and "with HTTP" in r for r in msg.get_all("Received"))


def test_pgp_letter_decrypts_with_the_demo_key_to_the_authored_text() -> None:
    if not shutil.which("gpg"):
        pytest.skip("GnuPG (`gpg`) is not installed; `make test` installs the Debian package gnupg")
    (entry,) = letters_with("pgp-encrypted")
    msg = parse(entry)
    assert msg.get_content_type() == "multipart/encrypted"
    assert plain_text_absent(msg, text_of(entry))
    armored = msg.get_payload()[1].get_payload(decode=True)
    home = Path(tempfile.mkdtemp(prefix=Path(session_marker()).name + "sample-gpg-", dir="/tmp"))  # reaped if killed
    try:
        home.chmod(0o700)
        gpg = ["gpg", "--homedir", str(home), "--batch", "--no-tty"]
        subprocess.run([*gpg, "--import", str(demo_key())], check=True, capture_output=True)
        run = subprocess.run([*gpg, "--decrypt"], input=armored, check=True, capture_output=True)
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)
    inner = email.message_from_bytes(run.stdout, policy=email.policy.default)
    assert inner.get_content() == text_of(entry)


def plain_text_absent(msg: email.message.EmailMessage, text: str) -> bool:
    return text.split("\n")[2][:40] not in msg.as_string()


@pytest.mark.slow
def test_build_sample_reproduces_the_shipped_bytes() -> None:
    if not shutil.which("gpg"):
        pytest.skip("GnuPG (`gpg`) is not installed; `make test` installs the Debian package gnupg")
    run = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build-sample"), "--check"], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
