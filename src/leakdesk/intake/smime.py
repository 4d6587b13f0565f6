"""S/MIME signature verdicts for the emails of a case, checked with OpenSSL against a CA file the desk supplies.

Every S/MIME-signed email (multipart/signed with an application/pkcs7-signature, or opaque application/pkcs7-mime
signed-data) gets one verdict per check:

- good: the signed content is unchanged and the signer's certificate chains to a certificate of the CA file;
- bad: the content was changed after signing, or the signature cannot be read, or the certificate is unusable;
- unknown signer: the content is unchanged, but no certificate of the CA file vouches for the signer;
- expired: the content is unchanged and the chain is the desk's, but the signer's certificate has expired (the
  reason says whether it was still valid on the date the letter gives, which its sender wrote).

Two OpenSSL runs (`openssl cms -verify`) tell these apart: one without the chain (is the content as signed? which
certificate signed it?) and one against the CA file. Messages go to OpenSSL on stdin and the signer's certificate
comes back on stdout, so nothing of a letter is written to disk (an encrypted case stays encrypted).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leakdesk.case import Case
from leakdesk.errors import IntakeError, UsageError
from leakdesk.store.records import dispatches
from leakdesk.store.records import smime as smime_records
from leakdesk.store.records.common import no_such_dispatch

if TYPE_CHECKING:  # cryptography is imported when a signature is checked, not when verdicts are listed
    from cryptography import x509

TIMEOUT = 60.0
MAX_CA_FILE = 16 * 1024**2
MAX_MESSAGE = 512 * 1024**2
RESULTS = ("good", "bad", "unknown signer", "expired")
UNTRUSTED = ("unable to get local issuer certificate", "self-signed certificate", "self signed certificate",
             "unable to get issuer certificate", "unable to verify the first certificate")
EXPIRED = "certificate has expired"


class SmimeError(IntakeError):
    """S/MIME could not be checked as asked (no OpenSSL, a bad CA file, a dispatch that is not S/MIME-signed)."""


@lru_cache(maxsize=1)
def engine() -> str:
    """"OpenSSL 3.0.19" — the OpenSSL that checks the signatures."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SmimeError("OpenSSL is not installed, so S/MIME signatures cannot be checked (Debian package openssl).")
    done = subprocess.run([openssl, "version"], capture_output=True, text=True, timeout=TIMEOUT, check=False)
    return " ".join(done.stdout.split()[:2])[:60] or "OpenSSL"


# ---------------------------------------------------------------------- the CA file
@dataclass(frozen=True)
class CaFile:
    path: Path
    name: str
    sha256: str
    certificates: list[x509.Certificate]


def load_ca_file(path: Path) -> CaFile:
    """The desk's CA certificates (PEM); a clear error naming the file when it is not one."""
    from cryptography import x509

    try:
        size = path.stat().st_size
        if size > MAX_CA_FILE:
            raise SmimeError(f"The CA file {path} is {size:,} bytes; a file of CA certificates is far smaller "
                             f"(limit {MAX_CA_FILE:,}).")
        data = path.read_bytes()
    except FileNotFoundError:
        raise SmimeError(f"The CA file {path} does not exist.") from None
    except IsADirectoryError:
        raise SmimeError(f"The CA file {path} is a folder; give the file of CA certificates (PEM).") from None
    except OSError as exc:
        raise SmimeError(f"The CA file {path} cannot be read ({exc.strerror}).") from None
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        certificates = []
    if not certificates:
        raise SmimeError(f"The CA file {path} holds no certificate: it should hold one or more PEM certificates "
                         "(lines '-----BEGIN CERTIFICATE-----' … '-----END CERTIFICATE-----').")
    return CaFile(path, path.name, hashlib.sha256(data).hexdigest(), certificates)


# ---------------------------------------------------------------------- one message
@dataclass
class SmimeVerdict:
    result: str  # one of RESULTS
    reason: str | None = None
    signer_subject: str | None = None
    signer_email: str | None = None
    signer_issuer: str | None = None
    signer_serial: str | None = None
    signer_not_after: datetime | None = None
    ca_file: str = ""
    ca_sha256: str = ""
    ca_subject: str | None = None
    engine: str = ""


def _openssl(args: list[str], raw: bytes) -> subprocess.CompletedProcess[bytes]:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SmimeError("OpenSSL is not installed, so S/MIME signatures cannot be checked (Debian package openssl).")
    try:
        return subprocess.run([openssl, "cms", "-verify", "-inform", "SMIME", *args], input=raw,
                              capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise SmimeError(f"OpenSSL took more than {TIMEOUT:.0f} s to check one signature; stopped.") from None


def _openssl_reason(stderr: bytes) -> str:
    """OpenSSL's own words for a failure, without its error codes and source file names."""
    text = stderr.decode("utf-8", "replace")
    for line in text.splitlines():
        if "Verify error:" in line:
            return line.split("Verify error:", 1)[1].strip()[:300]
    reasons = [line.split(":")[5] if line.count(":") >= 6 else line for line in text.splitlines()
               if line.strip() and "Verification failure" not in line]
    return "; ".join(dict.fromkeys(r.strip() for r in reasons))[:300] or "OpenSSL gave no reason"


def _signer(pem: bytes) -> x509.Certificate | None:
    from cryptography import x509

    try:
        found = x509.load_pem_x509_certificates(pem)
    except ValueError:
        return None
    return found[0] if found else None


def _email(cert: x509.Certificate) -> str | None:
    from cryptography import x509
    from cryptography.x509.oid import ExtensionOID

    try:
        names = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    if not isinstance(names, x509.SubjectAlternativeName):
        return None
    emails = names.get_values_for_type(x509.RFC822Name)
    return emails[0][:320] if emails else None


def _letter_date(raw: bytes) -> datetime | None:
    """The Date header the sender wrote, if any (for 'was the certificate still valid then?')."""
    head = raw[:64 * 1024].replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    for line in head.split(b"\n"):
        if line[:5].lower() == b"date:":
            try:
                when = parsedate_to_datetime(line[5:].decode("ascii", "replace").strip())
            except (TypeError, ValueError, IndexError):
                return None
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    return None


def check_message(raw: bytes, ca: CaFile) -> SmimeVerdict:
    """The verdict on one S/MIME-signed message (its bytes as received) against the desk's CA file."""
    verdict = SmimeVerdict("bad", ca_file=ca.name, ca_sha256=ca.sha256, engine=engine())
    if len(raw) > MAX_MESSAGE:
        verdict.reason = f"the message is larger than {MAX_MESSAGE:,} bytes; its signature was not checked"
        return verdict
    content = _openssl(["-noverify", "-signer", "/dev/stdout", "-out", "/dev/null"], raw)
    signer = _signer(content.stdout) if content.returncode == 0 else None
    if content.returncode != 0 or signer is None:
        why = _openssl_reason(content.stderr)
        if "content verify error" in why or "verification failure" in why:
            verdict.reason = "the signed content was changed after it was signed (the signature does not match it)"
        else:
            verdict.reason = f"the signature cannot be read ({why})"
        return verdict
    verdict.signer_subject = signer.subject.rfc4514_string()[:2000]
    verdict.signer_issuer = signer.issuer.rfc4514_string()[:2000]
    verdict.signer_serial = format(signer.serial_number, "x")[:80]
    verdict.signer_not_after = signer.not_valid_after_utc
    verdict.signer_email = _email(signer)
    issuers = [c for c in ca.certificates if c.subject == signer.issuer]
    verdict.ca_subject = issuers[0].subject.rfc4514_string()[:2000] if issuers else None
    chained = _openssl(["-CAfile", str(ca.path), "-purpose", "smimesign", "-out", "/dev/null"], raw)
    if chained.returncode == 0:
        verdict.result = "good"
        return verdict
    why = _openssl_reason(chained.stderr)
    if EXPIRED in why:
        verdict.result = "expired"
        verdict.reason = _expired_reason(raw, ca, signer)
    elif any(u in why for u in UNTRUSTED):
        verdict.result = "unknown signer"
        verdict.reason = (f"no certificate of {ca.name} vouches for the signer (issued by "
                          f"{verdict.signer_issuer}); the content is unchanged since it was signed")
    else:
        verdict.reason = f"the signer's certificate is not valid for signing mail ({why})"
    return verdict


def _expired_reason(raw: bytes, ca: CaFile, signer: x509.Certificate) -> str:
    ended = signer.not_valid_after_utc
    said = f"the signer's certificate expired on {ended:%Y-%m-%d %H:%M} UTC; the content is unchanged since signing"
    dated = _letter_date(raw)
    if dated is None:
        return said + "; the letter gives no date to check it against"
    at = _openssl(["-CAfile", str(ca.path), "-purpose", "smimesign", "-attime", str(int(dated.timestamp())),
                   "-out", "/dev/null"], raw)
    if at.returncode == 0:
        return said + (f"; it was valid on the date the letter gives ({dated:%Y-%m-%d}), which its sender wrote "
                       "and nothing here confirms")
    return said + f"; it was not valid on the date the letter gives either ({dated:%Y-%m-%d})"


# ---------------------------------------------------------------------- the case
def check_case(case: Case, ca_file: Path, dispatch_ids: Iterable[int] | None = None,
               progress: Callable[[], None] | None = None) -> list[dict[str, Any]]:
    """Verify the S/MIME signatures of the case's signed emails (or the dispatches named), one check each."""
    ca = load_ca_file(ca_file)
    engine()  # no OpenSSL: say so before anything is checked
    out = []
    for dispatch_id, sha256 in _targets(case, list(dispatch_ids) if dispatch_ids is not None else None):
        verdict = check_message(case.originals.read_bytes(sha256), ca)
        out.append(_record(case, dispatch_id, verdict))
        if progress is not None:
            progress()
    return out


def signed_among(case: Case, dispatch_ids: Iterable[int]) -> list[int]:
    """The S/MIME-signed emails among `dispatch_ids` and the messages nested in them (for `ingest --smime-ca`)."""
    with case.connect() as conn:
        found = dispatches.find(conn)
    wanted = set(dispatch_ids)
    children: dict[int, list[int]] = {}
    for d in found:
        if d.parent_id is not None:
            children.setdefault(d.parent_id, []).append(d.id)
    stack = list(wanted)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in wanted:
                wanted.add(child)
                stack.append(child)
    return [d.id for d in found if d.id in wanted and _is_signed(d)]


def _is_signed(d: dispatches.Dispatch) -> bool:
    return d.kind == "email" and d.pgp_status == "smime-signed" and not d.details.get("rebuilt")


def _targets(case: Case, ids: list[int] | None) -> list[tuple[int, str]]:
    with case.connect() as conn:
        if ids is None:
            return [(d.id, d.original_sha256) for d in dispatches.find(conn) if _is_signed(d)]
        found = {d.id: d for d in dispatches.find(conn, list(ids))}
    for i in ids:
        if i not in found:
            raise no_such_dispatch(i)
        if not _is_signed(found[i]):
            raise UsageError(f"Dispatch {i} is not an S/MIME-signed email, so there is no S/MIME signature to check.")
    return [(i, found[i].original_sha256) for i in dict.fromkeys(ids)]


def _record(case: Case, dispatch_id: int, verdict: SmimeVerdict) -> dict[str, Any]:
    now = datetime.now(UTC)
    values = asdict(verdict)
    with case.transaction() as conn:
        check_id = smime_records.add(conn, dispatch_id, now, case.actor, **values)
        case.audit(conn, "intake.smime", f"dispatch {dispatch_id}", {
            "check": check_id, "engine": verdict.engine, "result": verdict.result, "signer": verdict.signer_subject,
            "ca_file": verdict.ca_file, "ca_sha256": verdict.ca_sha256,
        })
    return {"dispatch_id": dispatch_id, **_shape(now, values)}


def _shape(checked: datetime, values: dict[str, Any]) -> dict[str, Any]:
    when = checked if checked.tzinfo else checked.replace(tzinfo=UTC)
    ended = values.get("signer_not_after")
    return {"checked": when.isoformat(), **values,
            "signer_not_after": ended.isoformat() if isinstance(ended, datetime) else ended}


def latest_verdicts(case: Case) -> dict[int, dict[str, Any]]:
    """The newest S/MIME check of every email checked so far, by dispatch id."""
    with case.connect() as conn:
        checks = smime_records.latest(conn)
    return {i: _shape(c.checked, {k: getattr(c, k) for k in smime_records.FIELDS}) for i, c in checks.items()}
