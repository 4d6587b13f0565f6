"""DKIM and ARC verdicts on messages signed here with keys the tests generate; keys from a zone-file fragment."""

from __future__ import annotations

import base64
import json
from functools import cache
from pathlib import Path

import dkim
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from leakdesk.case import Case
from leakdesk.intake import ingest_paths, list_dispatches
from leakdesk.intake.dkim import DkimError, KeyFinder, check_case, check_message, parse_dns_records
from leakdesk.publish.report import build_report
from leakdesk.store import tables as t
from tests.conftest import invoke
from tests.intake.conftest import raw_message


@cache
def _key(n: int) -> tuple[bytes, str]:
    """A 1024-bit RSA key: the PEM private key and the base64 public key a DKIM TXT record publishes."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(der).decode()


def _signed(body: bytes = b"The minutes of the meeting are attached.\n", selector: bytes = b"mail2021",
            domain: bytes = b"example.org", n: int = 0) -> bytes:
    msg = raw_message(body, headers={"From": "Insider <insider@example.org>"})
    sig = dkim.sign(msg, selector, domain, _key(n)[0], include_headers=[b"from", b"to", b"subject", b"date"])
    return sig.replace(b"\r\n", b"\n") + msg


def _zone(selector: str = "mail2021", domain: str = "example.org", n: int = 0) -> str:
    """One TXT record with its long value split in quoted strings of 60 characters, as zone files do."""
    value = f"v=DKIM1; k=rsa; p={_key(n)[1]}"
    parts = " ".join(f'"{value[i:i + 60]}"' for i in range(0, len(value), 60))
    return f"{selector}._domainkey.{domain}. 3600 IN TXT {parts}\n"


def _records(text: str) -> KeyFinder:
    return KeyFinder(parse_dns_records(text, "keys.zone"), "keys.zone", use_dns=False)


def test_zone_fragment_joins_split_strings_and_skips_comments() -> None:
    text = ("; keys the desk collected\n$TTL 300\n" + _zone()
            + 'Other._domainkey.Example.NET IN TXT ( "v=DKIM1; " "p=AB\\"C" ) ; note\n')
    records = parse_dns_records(text, "keys.zone")
    assert records["mail2021._domainkey.example.org"] == [f"v=DKIM1; k=rsa; p={_key(0)[1]}".encode()]
    assert records["other._domainkey.example.net"] == [b'v=DKIM1; p=AB"C']


@pytest.mark.parametrize(("line", "message"), [
    ("s._domainkey.example.org IN A 192.0.2.1",
     'keys.zone, line 2: not a TXT record (expected NAME [TTL] IN TXT "…").'),
    ('s._domainkey.example.org IN TXT "v=DKIM1', "keys.zone, line 2: a quoted string is not closed."),
    ("s._domainkey.example.org IN TXT", "keys.zone, line 2: the TXT record for s._domainkey.example.org has no value."),
])
def test_zone_fragment_errors_name_file_and_line(line: str, message: str) -> None:
    with pytest.raises(DkimError) as err:
        parse_dns_records("; first line\n" + line + "\n", "keys.zone")
    assert str(err.value) == message


def test_pass_fail_and_no_key_per_signature() -> None:
    good = _signed()
    verdict = check_message(good, _records(_zone()))
    [sig] = verdict.signatures
    assert (sig.kind, sig.domain, sig.selector, sig.algorithm, sig.result, sig.key_source) == (
        "dkim", "example.org", "mail2021", "rsa-sha256", "pass", "dns-file keys.zone")
    assert verdict.arc_result == "none" and verdict.arc_reason is None

    tampered = good.replace(b"minutes", b"figures")
    [sig] = check_message(tampered, _records(_zone())).signatures
    assert (sig.result, sig.reason) == ("fail", "the body was changed after signing (body hash mismatch)")

    other_key = check_message(good, _records(_zone(n=1))).signatures[0]
    assert (other_key.result, other_key.reason) == ("fail", "the signature does not match the signed headers")

    [missing] = check_message(good, _records("")).signatures
    assert (missing.result, missing.key_source, missing.reason) == (
        "no key", None, "no key for mail2021._domainkey.example.org in keys.zone, and DNS lookups are off")


def test_two_signatures_are_judged_separately() -> None:
    once = _signed()
    second = dkim.sign(once, b"relay", b"example.net", _key(1)[0], include_headers=[b"from", b"subject"])
    twice = second.replace(b"\r\n", b"\n") + once
    verdict = check_message(twice, _records(_zone(n=0)))
    assert [(s.position, s.domain, s.result) for s in verdict.signatures] == [
        (0, "example.net", "no key"), (1, "example.org", "pass")]


def test_key_from_a_dns_lookup_says_so() -> None:
    calls = []

    def resolve(name: str, timeout: float) -> bytes | None:
        calls.append(name)
        return f"v=DKIM1; p={_key(0)[1]}".encode() if name == "mail2021._domainkey.example.org" else None

    keys = KeyFinder({}, None, use_dns=True, resolve=resolve)
    [sig] = check_message(_signed(), keys).signatures
    assert (sig.result, sig.key_source) == ("pass", "dns") and calls == ["mail2021._domainkey.example.org"]

    def offline(name: str, timeout: float) -> bytes | None:
        raise OSError("network unreachable")

    [sig] = check_message(_signed(), KeyFinder({}, None, use_dns=True, resolve=offline)).signatures
    assert (sig.result, sig.reason) == ("no key", "the DNS lookup of mail2021._domainkey.example.org failed (OSError)")


def _arc_sealed(body_change: bytes | None = None) -> bytes:
    msg = b"Authentication-Results: mx.example.net; dkim=pass header.d=example.org\n" + _signed()
    seal = dkim.arc_sign(msg, b"arc1", b"example.net", _key(1)[0], b"mx.example.net")
    sealed = b"".join(seal).replace(b"\r\n", b"\n") + msg
    return sealed.replace(b"minutes", body_change) if body_change else sealed


def test_arc_chain_pass_and_fail() -> None:
    keys = _zone() + _zone("arc1", "example.net", n=1)
    verdict = check_message(_arc_sealed(), _records(keys))
    assert verdict.arc_result == "pass"
    assert [(s.kind, s.position, s.domain, s.result) for s in verdict.signatures] == [
        ("dkim", 0, "example.org", "pass"), ("arc-ams", 1, "example.net", "pass"),
        ("arc-seal", 1, "example.net", "pass")]
    broken = check_message(_arc_sealed(b"figures"), _records(keys))
    assert broken.arc_result == "fail"
    assert broken.arc_reason == "Most recent ARC-Message-Signature did not validate"


def _ingested(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "signed.eml").write_bytes(_signed())
    (tmp_path / "in" / "plain.eml").write_bytes(raw_message(message_id="<plain@example.org>"))
    (tmp_path / "in" / "notes.txt").write_text("desk notes\n")
    (tmp_path / "keys.zone").write_text(_zone())
    Case.init(tmp_path / "case").close()
    with Case.open(tmp_path / "case") as c:
        assert ingest_paths(c, [tmp_path / "in"], progress=False).ok
    return tmp_path / "case"


def test_check_case_records_verdicts_and_audits(tmp_path: Path) -> None:
    case = _ingested(tmp_path)
    with Case.open(case) as c:
        assert list_dispatches(c)[0]["dkim"] is None  # never checked
        results = check_case(c, dns_file=tmp_path / "keys.zone", use_dns=False)
        assert [(r["dispatch_id"], r["result"]) for r in results] == [(2, "unsigned"), (3, "pass")]
        listed = {d["filename"]: d["dkim"] for d in list_dispatches(c)}
        assert listed["notes.txt"] is None and listed["plain.eml"]["result"] == "unsigned"
        assert listed["signed.eml"]["signatures"] == [{
            "kind": "dkim", "position": 0, "domain": "example.org", "selector": "mail2021",
            "algorithm": "rsa-sha256", "result": "pass", "reason": None, "key_source": "dns-file keys.zone"}]
        with c.connect() as conn:
            audits = conn.execute(sa.select(t.audit.c.actor, t.audit.c.object)
                                  .where(t.audit.c.action == "intake.dkim")).all()
            assert [tuple(a) for a in audits] == [("tester", "dispatch 2"), ("tester", "dispatch 3")]
        check_case(c, [3], use_dns=False)  # again without keys: the newest check is what is shown
        assert {d["id"]: d["dkim"] for d in list_dispatches(c)}[3]["result"] == "no key"
        with pytest.raises(DkimError) as err:
            check_case(c, [1], use_dns=False)
        assert str(err.value) == "Dispatch 1 is not an email (file); DKIM applies to emails only."
        report = build_report(c).path.read_text("utf-8")
        assert "Email signatures (DKIM and ARC)" in report and "mail2021" in report


def test_cli_dkim_output_json_and_errors(runner: CliRunner, tmp_path: Path) -> None:
    case = _ingested(tmp_path)
    result = invoke(runner, "dkim", case, "--dns-file", tmp_path / "keys.zone", "--no-dns")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "2 emails checked: 1 pass, 1 unsigned."
    data = json.loads(invoke(runner, "dkim", case, "3", "--no-dns", "--json").stdout)
    assert data[0]["dispatch_id"] == 3 and data[0]["signatures"][0]["result"] == "no key"
    listed = json.loads(invoke(runner, "dispatches", case, "--json").stdout)
    assert listed[2]["dkim"]["result"] == "no key"
    missing = invoke(runner, "dkim", case, "--dns-file", tmp_path / "nope.zone")
    assert missing.exit_code == 2
    assert missing.stderr == f"Error: The DNS file {tmp_path / 'nope.zone'} does not exist.\n"
    (tmp_path / "bad.zone").write_text("x IN MX mail\n")
    bad = invoke(runner, "dkim", case, "--dns-file", tmp_path / "bad.zone")
    assert bad.exit_code == 1
    assert bad.stderr == f'Error: {tmp_path / "bad.zone"}, line 1: not a TXT record (expected NAME [TTL] IN TXT "…").\n'
    nothing = invoke(runner, "dkim", case, "9", "--no-dns")
    assert (nothing.exit_code, nothing.stderr) == (1, "Error: No such dispatch 9 in this case.\n")


def test_emlx_wrapper_is_checked_on_the_message_inside(tmp_path: Path) -> None:
    signed = _signed()
    plist = b'<plist version="1.0"><dict/></plist>\n'
    (tmp_path / "1.emlx").write_bytes(f"{len(signed)}\n".encode() + signed + plist)
    (tmp_path / "keys.zone").write_text(_zone())
    with Case.init(tmp_path / "case") as c:
        assert ingest_paths(c, [tmp_path / "1.emlx"], progress=False).ok
        [result] = check_case(c, dns_file=tmp_path / "keys.zone", use_dns=False)
        assert result["result"] == "pass"
