"""PGP: the case's own keyring, and decryption / signature checks of PGP/MIME (RFC 3156) and inline PGP mail.

The case keeps its keys in its own GnuPG home (`case.gnupg_home`), never the user's. A passphrase for a protected
case key comes only from the file named by LEAKDESK_GPG_PASSPHRASE_FILE; it is handed to gpg on a pipe and never
logged, printed or stored. The intake reader calls `process_pgp` for every email and records the `PgpResult`.
"""

from __future__ import annotations

import atexit
import email.message
import email.utils
import logging
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from leakdesk.errors import IntakeError
from leakdesk.intake.pgp_coverage import Coverage, coverage_of, pgp_label

__all__ = ["PgpResult", "import_keys", "list_keys", "pgp_label", "process_pgp", "signed_part_bytes", "stop_agent"]

PASSPHRASE_ENV = "LEAKDESK_GPG_PASSPHRASE_FILE"

# python-gnupg logs the first bytes of imported key data at DEBUG level: never let that reach a log handler.
logging.getLogger("gnupg").setLevel(logging.WARNING)

_ARMOR_MESSAGE = re.compile(rb"-----BEGIN PGP MESSAGE-----.*?-----END PGP MESSAGE-----", re.S)
_ARMOR_SIGNED = re.compile(
    rb"-----BEGIN PGP SIGNED MESSAGE-----.*?-----BEGIN PGP SIGNATURE-----.*?-----END PGP SIGNATURE-----", re.S
)
_GPG_ERR_BAD_PASSPHRASE = 11
_GPG_ERR_NO_PASSPHRASE = 177
_GPG_ERR_NO_PUBKEY = 9
_GPG: dict[str, Any] = {}  # one GnuPG handle per home; each home's agent is stopped when the process ends


@dataclass
class PgpResult:
    """What PGP processing found out about one message. `plaintext` is never logged or put in details."""

    status: str  # decrypted | not-decrypted | signed
    format: str  # pgp/mime | inline
    key_id: str | None = None  # encrypted: the key it was decrypted with (or the first it was sent to); signed: signer
    # good | bad | unknown-key | expired-key | revoked-key | expired-signature | error | None (no signature).
    # Only "good" is good: it needs a valid, unexpired, unrevoked key the case holds.
    signature: str | None = None
    signer_fingerprint: str | None = None
    signer_key_id: str | None = None
    signer: str | None = None  # the signer's user id, when the case has the key
    reason: str | None = None  # plain words: why it was not decrypted, or why the signature is not good
    plaintext: bytes | None = None  # decrypted only. pgp/mime: a MIME entity; inline: the text, as bytes
    plaintext_is_mime: bool = False
    recipients: list[str] = field(default_factory=list)  # key ids the message was encrypted to
    # What the signature (or encryption) protects: "whole" only when it is the message body itself (the root, or
    # the root of single-part wrappers); otherwise "part", with `covered` naming it and `uncovered` listing the
    # parts and text outside it, which a forger could have added.
    coverage: str = "whole"
    covered: str | None = None
    uncovered: list[str] = field(default_factory=list)

    @property
    def dispatch_status(self) -> str:
        """One word for `dispatch.pgp_status`: decrypted, not-decrypted, signed-good, partly-signed, signed-bad, ...

        "signed-good" means: a good signature by a valid key, covering the whole message body.
        """
        if self.status == "signed":
            if self.signature == "good" and self.coverage != "whole":
                return "partly-signed"
            return f"signed-{self.signature or 'error'}"
        return self.status

    def cover(self, found: Coverage) -> None:
        """Record what the signature or encryption covers; a partial cover found later narrows an earlier one."""
        if found.coverage == "whole":
            return
        self.coverage = "part"
        self.covered = self.covered or found.covered
        self.uncovered.extend(found.uncovered)

    def details(self) -> dict[str, Any]:
        """Everything except the plaintext, for `dispatch.pgp_details` and the audit log."""
        out = asdict(self)
        out.pop("plaintext")
        return out


# --------------------------------------------------------------------------- keyring


def _gpg(home: Path) -> Any:
    import gnupg  # type: ignore[import-untyped]

    if str(home) in _GPG:
        return _GPG[str(home)]
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not shutil.which("gpg"):
        raise IntakeError("GnuPG (the `gpg` program) is not installed; install the Debian package `gnupg`.")
    _no_passphrase_cache(home)
    gpg = gnupg.GPG(gnupghome=str(home))
    gpg.encoding = "utf-8"  # passphrases and user ids are often not Latin-1 (python-gnupg's default)
    _GPG[str(home)] = gpg
    atexit.register(stop_agent, home)
    return gpg


# gpg-agent keeps no passphrase: each decryption gets it anew from the passphrase file, so an agent left behind
# by a crash (kill -9 skips atexit) holds nothing that decrypts the case's mail.
AGENT_CONF = "default-cache-ttl 0\nmax-cache-ttl 0\nno-allow-external-cache\n"


def _no_passphrase_cache(home: Path) -> None:
    conf = home / "gpg-agent.conf"
    try:
        if conf.read_text("utf-8") == AGENT_CONF:
            return
    except OSError:
        pass
    fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(AGENT_CONF)
    subprocess.run(  # an agent already running for this home must drop what it cached and reread the file
        ["gpgconf", "--homedir", str(home), "--reload", "gpg-agent"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10, check=False,
    )


def stop_agent(home: Path) -> None:
    """Stop the gpg-agent gpg started for this home: no daemon (or cached passphrase) outlives leakdesk."""
    try:
        subprocess.run(
            ["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        pass


def import_keys(case: Any, keyfile: Path) -> list[str]:
    """Add the OpenPGP keys in `keyfile` (public or secret, armored or binary) to the case's keyring.

    Returns the fingerprints of the keys the file held. Writes one audit entry; key material is never logged.
    """
    keyfile = Path(keyfile)
    try:
        data = keyfile.read_bytes()
    except OSError as exc:
        raise IntakeError(f"{keyfile}: cannot read the key file ({exc.strerror or exc}).") from None
    result = _gpg(case.gnupg_home).import_keys(data, extra_args=["--pinentry-mode", "loopback"])
    fingerprints = list(dict.fromkeys(f for f in result.fingerprints if f))
    if not fingerprints:
        raise IntakeError(f"{keyfile}: the file holds no OpenPGP key that GnuPG could read.")
    secret = sorted({r["fingerprint"] for r in result.results if int(r.get("ok") or 0) & 16})
    with case.transaction() as conn:
        case.audit(
            conn,
            "keys.import",
            keyfile.name,
            {
                "fingerprints": fingerprints,
                "secret_keys": secret,
                "new": int(result.imported or 0),
                "unchanged": int(result.unchanged or 0),
            },
        )
    return fingerprints


def list_keys(case: Any) -> list[dict[str, Any]]:
    """The keys in the case's keyring, with whether the case can decrypt with them (holds the secret key)."""
    gpg = _gpg(case.gnupg_home)
    secret = {k["fingerprint"] for k in gpg.list_keys(secret=True)}
    return [
        {
            "fingerprint": k["fingerprint"],
            "key_id": k["keyid"],
            "user_ids": list(k.get("uids") or []),
            "created": k.get("date"),
            "expires": k.get("expires") or None,
            "secret": k["fingerprint"] in secret,
            "subkeys": [s[0] for s in k.get("subkeys") or []],
        }
        for k in gpg.list_keys()
    ]


# --------------------------------------------------------------------------- gpg runs


def _read_passphrase() -> tuple[str | None, str | None]:
    """(passphrase, problem). The passphrase file holds one line; one trailing newline is not part of it."""
    path = os.environ.get(PASSPHRASE_ENV)
    if not path:
        return None, None
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"the passphrase file named by {PASSPHRASE_ENV} cannot be read ({type(exc).__name__})"
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):
        text = text[:-1]
    if "\n" in text or "\r" in text:
        return None, f"the passphrase file named by {PASSPHRASE_ENV} must hold one line"
    return text, None


@dataclass
class _Run:
    ok: bool
    data: bytes
    status: list[tuple[str, str]]

    def lines(self, key: str) -> list[str]:
        return [value for k, value in self.status if k == key]

    def has(self, key: str) -> bool:
        return any(k == key for k, _ in self.status)


def _status(stderr: str) -> list[tuple[str, str]]:
    out = []
    for line in stderr.splitlines():
        if line.startswith("[GNUPG:] "):
            key, _, value = line[9:].partition(" ")
            out.append((key, value))
    return out


def _decrypt(home: Path, data: bytes) -> tuple[_Run, str | None]:
    """Run `gpg --decrypt`; returns the run and, if the passphrase file was unusable, why."""
    passphrase, problem = _read_passphrase()
    gpg = _gpg(home)
    kwargs: dict[str, Any] = {"passphrase": passphrase} if passphrase else {}
    if not passphrase:  # never let gpg wait for a pinentry dialog
        kwargs["extra_args"] = ["--pinentry-mode", "loopback"]
    result = gpg.decrypt(data, **kwargs)
    return _Run(bool(result.ok), result.data or b"", _status(result.stderr or "")), problem


def _verify_detached(home: Path, data: bytes, signature: bytes) -> _Run:
    gpg = _gpg(home)
    fd, sig_path = tempfile.mkstemp(prefix="sig-", suffix=".asc")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(signature)
        result = gpg.verify_data(sig_path, data)
    finally:
        os.unlink(sig_path)
    return _Run(bool(result.valid), b"", _status(result.stderr or ""))


# The signature matches, but the key cannot vouch for it: never shown as a good signature.
_NOT_VALID = {
    "EXPKEYSIG": ("expired-key", "the text matches the signature, but the signing key has expired"),
    "REVKEYSIG": ("revoked-key", "the text matches the signature, but the signing key was revoked by its owner"),
    "EXPSIG": ("expired-signature", "the text matches the signature, but the signature itself has expired"),
}


@dataclass
class _Signature:
    verdict: str | None = None
    key_id: str | None = None
    fingerprint: str | None = None
    user: str | None = None
    reason: str | None = None


def _signature(run: _Run) -> _Signature:
    """The first signature's verdict from gpg's status lines."""
    sig = _Signature()
    for key, value in run.status:
        parts = value.split()
        if key == "GOODSIG" and sig.verdict is None:
            sig.verdict, sig.key_id, sig.user = "good", parts[0], value.partition(" ")[2] or None
        elif key in _NOT_VALID and sig.verdict is None:
            sig.verdict, sig.key_id, sig.user = _NOT_VALID[key][0], parts[0], value.partition(" ")[2] or None
            sig.reason = _NOT_VALID[key][1]
        elif key == "BADSIG" and sig.verdict is None:
            sig.verdict, sig.key_id, sig.user = "bad", parts[0], value.partition(" ")[2] or None
            sig.reason = "the signature does not match the text: it was changed after signing"
        elif key == "ERRSIG" and sig.verdict is None:
            sig.key_id = parts[0]
            sig.fingerprint = parts[6] if len(parts) > 6 and parts[6] != "-" else None
            if len(parts) > 5 and parts[5] == str(_GPG_ERR_NO_PUBKEY):
                sig.verdict = "unknown-key"
                sig.reason = f"signed with key {parts[0]}, which the case does not have (import it to check)"
            else:
                sig.verdict = "error"
                sig.reason = "the signature could not be checked (unsupported or damaged)"
        elif key == "VALIDSIG" and sig.verdict in ("good", *(v for v, _ in _NOT_VALID.values())):
            sig.fingerprint = parts[9] if len(parts) > 9 else parts[0]
    return sig


def _not_decrypted_reason(run: _Run, passphrase_problem: str | None) -> str:
    recipients = [v.split()[0] for v in run.lines("ENC_TO")]
    missing = [v.split()[0] for v in run.lines("NO_SECKEY")]
    errors = [v.split() for v in run.lines("ERROR")]
    codes = {int(e[1]) & 0xFFFF for e in errors if len(e) > 1 and e[1].isdigit()}
    if passphrase_problem:
        return passphrase_problem
    if _GPG_ERR_BAD_PASSPHRASE in codes or run.has("BAD_PASSPHRASE"):
        return f"the passphrase in the file named by {PASSPHRASE_ENV} is wrong for the case key"
    if run.has("NEED_PASSPHRASE_SYM"):
        return "it is encrypted with a password, not to a key; leakdesk cannot decrypt it"
    if run.has("NEED_PASSPHRASE") or _GPG_ERR_NO_PASSPHRASE in codes or run.has("MISSING_PASSPHRASE"):
        return f"the case key is protected by a passphrase; put it in a file and set {PASSPHRASE_ENV} to that file"
    if recipients and set(missing) >= set(recipients):
        return (
            f"it is encrypted to key {', '.join(recipients)}, and the case has no secret key for it "
            "(add one with `leakdesk key import`)"
        )
    if run.has("BADMDC") or any(e and e[0] == "decrypt.integrity" for e in errors):
        return "its integrity check failed: the encrypted data was damaged or altered"
    if run.has("NODATA") and not recipients:
        return "the PGP block is damaged or empty"
    return "GnuPG could not decrypt it (the encrypted data may be damaged)"


# --------------------------------------------------------------------------- message structure


def _protocol(part: email.message.Message) -> str:
    value = part.get_param("protocol")
    if isinstance(value, tuple):  # an RFC 2231-encoded parameter
        value = email.utils.collapse_rfc2231_value(value)
    return str(value or "").strip().lower()


def _is_pgp_encrypted(part: email.message.Message) -> bool:
    return part.get_content_type() == "multipart/encrypted" and _protocol(part) == "application/pgp-encrypted"


def _is_pgp_signed(part: email.message.Message) -> bool:
    return part.get_content_type() == "multipart/signed" and _protocol(part) == "application/pgp-signature"


def signed_part_bytes(raw: bytes, boundary: str) -> bytes | None:
    """The exact bytes of the first body part under `boundary`, line ends made CRLF (RFC 3156 §5).

    Boundaries are unique within a message, so the part is found in the raw bytes wherever it is nested.
    """
    b = re.escape(boundary.encode("ascii", "replace"))
    first = re.search(rb"(?:\A|\n)--" + b + rb"[ \t]*\r?\n", raw)
    if not first:
        return None
    rest = re.search(rb"\r?\n--" + b + rb"(?:--)?[ \t]*(?:\r?\n|\Z)", raw[first.end() :])
    if not rest:
        return None
    part = raw[first.end() : first.end() + rest.start()]
    return re.sub(rb"\r?\n", b"\r\n", part)


def _payload(part: Any) -> bytes:
    if not isinstance(part, email.message.Message):
        return b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _verify_pgp_mime(home: Path, part: email.message.Message, raw: bytes) -> PgpResult:
    subparts = part.get_payload()
    boundary = part.get_boundary()
    signed = signed_part_bytes(raw, boundary) if boundary else None
    signature = _payload(subparts[1]) if isinstance(subparts, list) and len(subparts) >= 2 else b""
    if signed is None or not signature:
        return PgpResult(
            "signed", "pgp/mime", signature="error", reason="the signed message is malformed (a part is missing)"
        )
    return _signed_result(_signature(_verify_detached(home, signed, signature)), "pgp/mime")


def _signed_result(sig: _Signature, fmt: str) -> PgpResult:
    """The result for a signed (not encrypted) message: no plaintext, the signed text is the message itself."""
    return PgpResult(
        "signed",
        fmt,
        key_id=sig.key_id,
        signature=sig.verdict or "error",
        signer_fingerprint=sig.fingerprint,
        signer_key_id=sig.key_id,
        signer=sig.user,
        reason=sig.reason or (None if sig.verdict else "GnuPG found no signature it could check"),
    )


def _decrypt_result(home: Path, ciphertext: bytes, fmt: str) -> PgpResult:
    run, problem = _decrypt(home, ciphertext)
    recipients = [v.split()[0] for v in run.lines("ENC_TO")]
    if not (run.ok and run.has("DECRYPTION_OKAY")):
        return PgpResult(
            "not-decrypted",
            fmt,
            key_id=recipients[0] if recipients else None,
            reason=_not_decrypted_reason(run, problem),
            recipients=recipients,
        )
    used = next((v.split()[0][-16:] for v in run.lines("DECRYPTION_KEY")), None)
    sig = _signature(run)
    result = PgpResult(
        "decrypted",
        fmt,
        key_id=used or (recipients[0] if recipients else None),
        signature=sig.verdict,
        signer_fingerprint=sig.fingerprint,
        signer_key_id=sig.key_id,
        signer=sig.user,
        reason=sig.reason,
        plaintext=run.data,
        plaintext_is_mime=fmt == "pgp/mime",
        recipients=recipients,
    )
    if fmt == "pgp/mime" and result.signature is None:
        _verify_inner_signature(home, result)
    return result


def _verify_inner_signature(home: Path, result: PgpResult) -> None:
    """Signed, then encrypted as two MIME layers (RFC 3156 §6.1): check the signature inside the plaintext."""
    import email.policy

    inner = email.message_from_bytes(result.plaintext or b"", policy=email.policy.compat32)
    signed = next((p for p in inner.walk() if _is_pgp_signed(p)), None)
    if signed is None:
        return
    found = _verify_pgp_mime(home, signed, result.plaintext or b"")
    result.signature, result.signer_fingerprint = found.signature, found.signer_fingerprint
    result.signer_key_id, result.signer, result.reason = found.signer_key_id, found.signer, found.reason
    result.cover(coverage_of(inner, signed, prefix="d"))  # anyone can encrypt a forged wrapper to the desk key


def _inline(home: Path, message: email.message.Message) -> PgpResult | None:
    for part in message.walk():
        if part.get_content_type() != "text/plain" or part.get_content_disposition() == "attachment":
            continue
        body = _payload(part)
        if block := _ARMOR_MESSAGE.search(body):
            result = _decrypt_result(home, block.group(0), "inline")
        elif block := _ARMOR_SIGNED.search(body):
            run, _ = _decrypt(home, block.group(0))  # on a clear-signed text, --decrypt checks the signature
            result = _signed_result(_signature(run), "inline")
        else:
            continue
        result.cover(coverage_of(message, part))
        outside = [("text before", body[: block.start()]), ("text after", body[block.end() :])]
        what = "signed" if block.re is _ARMOR_SIGNED else "PGP"
        found = Coverage()
        for label, text in outside:
            if text.strip():
                found.add_outside_text(f"{label} the {what} block ({len(text.strip()):,} bytes)")
        result.cover(found)
        return result
    return None


def process_pgp(gnupg_home: Path, message: email.message.Message, raw: bytes) -> PgpResult | None:
    """Decrypt and/or verify a PGP message with the case's keyring; None when the message uses no PGP.

    `raw` must be the message's bytes exactly as received: a PGP/MIME signature covers the signed part's bytes,
    which a re-serialised message would not reproduce.
    """
    gnupg_home = Path(gnupg_home)
    parts = list(message.walk())
    try:
        encrypted = next((p for p in parts if _is_pgp_encrypted(p)), None)
        if encrypted is not None:
            sub = encrypted.get_payload()
            ciphertext = _payload(sub[1]) if isinstance(sub, list) and len(sub) >= 2 else b""
            if not ciphertext:
                return PgpResult("not-decrypted", "pgp/mime", reason="the encrypted part is missing or empty")
            result = _decrypt_result(gnupg_home, ciphertext, "pgp/mime")
            result.cover(coverage_of(message, encrypted))
            return result
        signed = next((p for p in parts if _is_pgp_signed(p)), None)
        if signed is not None:
            result = _verify_pgp_mime(gnupg_home, signed, raw)
            result.cover(coverage_of(message, signed))
            return result
        return _inline(gnupg_home, message)
    except IntakeError as exc:  # gpg missing: the message is kept, the reason recorded
        if any(_is_pgp_encrypted(p) for p in parts):
            return PgpResult("not-decrypted", "pgp/mime", reason=str(exc))
        if any(_is_pgp_signed(p) for p in parts):
            return PgpResult("signed", "pgp/mime", signature="error", reason=str(exc))
        body = b"".join(_payload(p) for p in parts if p.get_content_type() == "text/plain")
        if _ARMOR_MESSAGE.search(body):
            return PgpResult("not-decrypted", "inline", reason=str(exc))
        if _ARMOR_SIGNED.search(body):
            return PgpResult("signed", "inline", signature="error", reason=str(exc))
        return None
