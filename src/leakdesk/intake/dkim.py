"""DKIM and ARC verdicts for the emails of a case (dkimpy), one per signature, with where the key came from.

Cases are usually worked offline, and a domain's keys change or vanish over the years, so the public keys come
from a zone-file fragment the desk supplies (`--dns-file`, one `NAME [TTL] IN TXT "…"` record a line) and, for
names it does not hold, from a live DNS lookup when allowed. Every verdict records which of the two gave the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import dkim

from leakdesk.case import Case
from leakdesk.errors import IntakeError, UsageError
from leakdesk.store.records import dispatches
from leakdesk.store.records import dkim as dkim_records
from leakdesk.store.records.common import no_such_dispatch

ENGINE = f"dkimpy {version('dkimpy')}"
DNS_TIMEOUT = 5.0
MAX_DNS_FILE = 16 * 1024**2
_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"()]+)|([()]))')
_CLASSES = {"IN", "CH", "HS"}


class DkimError(IntakeError):
    """DKIM could not be checked as asked (a bad key file, a dispatch that is not an email)."""


# ---------------------------------------------------------------------- zone-file fragments
def _unescape(value: str) -> bytes:
    """A quoted zone-file string: \\" and \\\\ stand for themselves, \\DDD for a byte."""
    out = bytearray()
    i = 0
    raw = value.encode("utf-8")
    while i < len(raw):
        if raw[i] == 0x5C and i + 1 < len(raw):
            if raw[i + 1 : i + 4].isdigit() and len(raw[i + 1 : i + 4]) == 3:
                out.append(int(raw[i + 1 : i + 4]) & 0xFF)
                i += 4
                continue
            out.append(raw[i + 1])
            i += 2
            continue
        out.append(raw[i])
        i += 1
    return bytes(out)


def parse_dns_records(text: str, where: str) -> dict[str, list[bytes]]:
    """TXT records of a zone-file fragment, by lower-case name without the final dot.

    Accepts `NAME [TTL] [IN] TXT "part" "part"…`, long values split in several quoted strings (joined without a
    space, as DNS does), `;` comments, blank lines, `$ORIGIN` and `$TTL`, and a record wrapped in parentheses.
    """
    records: dict[str, list[bytes]] = {}
    origin = ""
    lines = text.splitlines()
    n = 0
    while n < len(lines):
        start = n + 1
        line = _strip_comment(lines[n])
        n += 1
        while line.count("(") > line.count(")") and n < len(lines):  # a record wrapped over several lines
            line += " " + _strip_comment(lines[n])
            n += 1
        if not line.strip():
            continue
        tokens = _tokens(line, where, start)
        words = [w for kind, w in tokens if kind != "paren"]
        if words[0].upper() == "$ORIGIN" and len(words) == 2:
            origin = words[1].rstrip(".").lower()
            continue
        if words[0].startswith("$"):
            continue
        name = words[0]
        rest = tokens[1:]
        rest = [(k, w) for k, w in rest if k != "paren"]
        while rest and rest[0][0] == "word" and (rest[0][1].isdigit() or rest[0][1].upper() in _CLASSES):
            rest = rest[1:]
        if not rest or rest[0][1].upper() != "TXT" or rest[0][0] != "word":
            raise DkimError(f"{where}, line {start}: not a TXT record (expected NAME [TTL] IN TXT \"…\").")
        parts = rest[1:]
        if not parts or any(k != "quoted" and not w for k, w in parts):
            raise DkimError(f"{where}, line {start}: the TXT record for {name} has no value.")
        value = b"".join(_unescape(w) if k == "quoted" else w.encode("utf-8") for k, w in parts)
        records.setdefault(_absolute(name, origin), []).append(value)
    return records


def _strip_comment(line: str) -> str:
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"' and (i == 0 or line[i - 1] != "\\"):
            quoted = not quoted
        elif ch == ";" and not quoted:
            return line[:i]
    return line


def _tokens(line: str, where: str, number: int) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    line = line.rstrip()
    while pos < len(line):
        m = _TOKEN.match(line, pos)
        if m is None or m.end() == pos:
            raise DkimError(f"{where}, line {number}: a quoted string is not closed.")
        if m.group(1) is not None:
            tokens.append(("quoted", m.group(1)))
        elif m.group(2) is not None:
            tokens.append(("word", m.group(2)))
        elif m.group(3) is not None:
            tokens.append(("paren", m.group(3)))
        pos = m.end()
    return tokens


def _absolute(name: str, origin: str) -> str:
    if name == "@":
        return origin
    if name.endswith(".") or not origin:
        return name.rstrip(".").lower()
    return f"{name}.{origin}".lower()


def load_dns_file(path: Path) -> dict[str, list[bytes]]:
    """Read a desk-supplied zone-file fragment; errors name the file and the line."""
    try:
        if path.stat().st_size > MAX_DNS_FILE:
            raise DkimError(f"{path}: the DNS file is larger than 16 MB; give only the TXT records needed.")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UsageError(f"The DNS file {path} does not exist.") from exc
    except UnicodeDecodeError as exc:
        raise DkimError(f"{path}: the DNS file is not UTF-8 text.") from exc
    except OSError as exc:
        raise DkimError(f"{path}: the DNS file cannot be read ({exc.strerror or exc}).") from exc
    return parse_dns_records(text, str(path))


# ---------------------------------------------------------------------- keys
@dataclass
class KeyFinder:
    """Public keys by DNS name: the desk's file first, then (if allowed) a live DNS lookup."""

    records: dict[str, list[bytes]] = field(default_factory=dict)
    file_label: str | None = None
    use_dns: bool = True
    timeout: float = DNS_TIMEOUT
    resolve: Callable[[str, float], bytes | None] | None = None  # a live lookup; dnspython by default
    found: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # name -> (source, why missing)
    _values: dict[str, bytes | None] = field(default_factory=dict)  # each name is looked up once per run

    def lookup(self, name: bytes | str, timeout: float = DNS_TIMEOUT) -> bytes | None:
        key = (name.decode("ascii", "replace") if isinstance(name, bytes) else name).rstrip(".").lower()
        if key not in self._values:
            self._values[key] = self._lookup(key)
        return self._values[key]

    def _lookup(self, key: str) -> bytes | None:
        values = self.records.get(key)
        if values:
            self.found[key] = (f"dns-file {self.file_label}", None)
            return _pick_key(values)
        if not self.use_dns:
            where = f"in {self.file_label}" if self.file_label else "(no DNS file given)"
            self.found[key] = (None, f"no key for {key} {where}, and DNS lookups are off")
            return None
        try:
            value = (self.resolve or _dns_txt)(key, self.timeout)
        except Exception as exc:  # no network, no resolver, timeout: say so, never crash the run
            self.found[key] = (None, f"the DNS lookup of {key} failed ({type(exc).__name__})")
            return None
        if value is None:
            self.found[key] = (None, f"the DNS has no key at {key}")
            return None
        self.found[key] = ("dns", None)
        return value


def _pick_key(values: list[bytes]) -> bytes:
    for value in values:
        if b"p=" in value.replace(b" ", b""):
            return value
    return values[0]


def _dns_txt(name: str, timeout: float) -> bytes | None:
    import dns.resolver

    try:
        answer = dns.resolver.resolve(name, "TXT", lifetime=timeout)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return None
    values = [b"".join(r.strings) for r in answer]
    return _pick_key(values) if values else None


# ---------------------------------------------------------------------- one message
@dataclass
class SignatureVerdict:
    kind: str  # dkim | arc-ams | arc-seal
    position: int
    domain: str | None
    selector: str | None
    algorithm: str | None
    result: str  # pass | fail | no key
    reason: str | None = None
    key_source: str | None = None


@dataclass
class MessageVerdict:
    signatures: list[SignatureVerdict] = field(default_factory=list)
    arc_result: str = "none"
    arc_reason: str | None = None

    @property
    def dkim_count(self) -> int:
        return sum(1 for s in self.signatures if s.kind == "dkim")


class _Log:
    """Collects what dkimpy reports, so a failure says why; nothing is printed."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, msg: str, *args: Any) -> None:
        self.errors.append(str(msg) % args if args else str(msg))

    def debug(self, *args: Any) -> None:
        pass

    info = warning = debug


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)


def _dns_name(selector: str | None, domain: str | None) -> str:
    return f"{selector}._domainkey.{domain}".lower()


def _failure(errors: list[str], exc: Exception | None = None) -> str:
    said = " ".join(errors + ([str(exc)] if exc else []))
    if "body hash mismatch" in said:
        return "the body was changed after signing (body hash mismatch)"
    if "missing public key" in said or "could not parse" in said or "incomplete RSA" in said:
        return "the published key is empty (revoked) or malformed"
    if "public key too small" in said:
        return "the key is shorter than 1024 bits, too weak to trust"
    if said.strip():
        return f"the signature does not verify ({said.strip()[:300]})"
    return "the signature does not match the signed headers"


def check_message(raw: bytes, keys: KeyFinder) -> MessageVerdict:
    """Verify every DKIM-Signature (topmost first) and the ARC chain of one message."""
    verdict = MessageVerdict()
    log = _Log()
    try:
        signer = dkim.DKIM(raw, logger=log)
    except dkim.DKIMException as exc:
        verdict.arc_reason = f"the headers cannot be parsed ({exc})"
        return verdict
    count = sum(1 for name, _ in signer.headers if name.lower() == b"dkim-signature")
    for idx in range(count):
        verdict.signatures.append(_check_one(raw, idx, keys))
    _check_arc(raw, keys, verdict)
    return verdict


def _check_one(raw: bytes, idx: int, keys: KeyFinder) -> SignatureVerdict:
    log = _Log()
    d = dkim.DKIM(raw, logger=log)
    try:
        prep = d.verify_headerprep(idx)
    except dkim.DKIMException as exc:
        return SignatureVerdict("dkim", idx, None, None, None, "fail", f"the signature header is malformed ({exc})")
    sig = prep[0] if prep else {}
    domain, selector, algo = _text(sig.get(b"d")), _text(sig.get(b"s")), _text(sig.get(b"a"))
    name = _dns_name(selector, domain)
    if keys.lookup(name) is None:
        return SignatureVerdict("dkim", idx, domain, selector, algo, "no key", keys.found[name][1])
    source = keys.found[name][0]
    try:
        ok = d.verify(idx=idx, dnsfunc=keys.lookup)
    except dkim.DKIMException as exc:
        return SignatureVerdict("dkim", idx, domain, selector, algo, "fail", _failure(log.errors, exc), source)
    if ok:
        return SignatureVerdict("dkim", idx, domain, selector, algo, "pass", None, source)
    return SignatureVerdict("dkim", idx, domain, selector, algo, "fail", _failure(log.errors), source)


def _check_arc(raw: bytes, keys: KeyFinder, verdict: MessageVerdict) -> None:
    log = _Log()
    try:
        cv, results, comment = dkim.ARC(raw, logger=log).verify(dnsfunc=keys.lookup)
    except dkim.DKIMException as exc:
        cv, results, comment = dkim.CV_Fail, [], str(exc)
    for r in results:
        for kind, prefix in (("arc-ams", "ams"), ("arc-seal", "as")):
            domain, selector = _text(r.get(f"{prefix}-domain")), _text(r.get(f"{prefix}-selector"))
            name = _dns_name(selector, domain)
            source, missing = keys.found.get(name, (None, None))
            if r.get(f"{prefix}-valid"):
                result, reason = "pass", None
            elif missing:
                result, reason = "no key", missing
            else:
                result, reason = "fail", "the ARC signature does not verify"
            verdict.signatures.append(SignatureVerdict(kind, int(r["instance"]), domain, selector, None, result,
                                                       reason, source))
    verdict.arc_result = _text(cv) or "fail"
    if verdict.arc_result == "none" and not results and "not ARC signed" in str(comment):
        verdict.arc_reason = None
    elif verdict.arc_result != "pass":
        verdict.arc_reason = str(comment)[:500]


# ---------------------------------------------------------------------- the case
def check_case(case: Case, dispatch_ids: Iterable[int] | None = None, dns_file: Path | None = None,
               use_dns: bool = True, progress: Callable[[], None] | None = None,
               keys: KeyFinder | None = None) -> list[dict[str, Any]]:
    """Verify DKIM and ARC on the case's emails (or the dispatches named), recording one check per email."""
    if keys is None:
        records = load_dns_file(dns_file) if dns_file is not None else {}
        keys = KeyFinder(records, dns_file.name if dns_file is not None else None, use_dns)
    targets = _targets(case, list(dispatch_ids) if dispatch_ids is not None else None)
    out = []
    for dispatch_id, sha256, reader in targets:
        raw = case.originals.read_bytes(sha256)
        if reader == "emlx":  # Apple Mail's wrapper: check the message inside, byte for byte
            from leakdesk.intake.readers.emlx import emlx_message  # only for .emlx originals

            raw = emlx_message(raw) or raw
        verdict = check_message(raw, keys)
        out.append(_record(case, dispatch_id, verdict))
        if progress is not None:
            progress()
    return out


def _targets(case: Case, ids: list[int] | None) -> list[tuple[int, str, str | None]]:
    with case.connect() as conn:
        if ids is None:
            return [(d.id, d.original_sha256, d.reader) for d in dispatches.find(conn)
                    if d.kind == "email" and not d.details.get("rebuilt")]
        found = {d.id: d for d in dispatches.find(conn, list(ids))}
    for i in ids:
        if i not in found:
            raise no_such_dispatch(i)
        if found[i].kind != "email":
            raise DkimError(f"Dispatch {i} is not an email ({found[i].kind}); DKIM applies to emails only.")
        if found[i].details.get("rebuilt"):
            raise DkimError(f"Dispatch {i} was rebuilt from an Outlook data file, not received as bytes; "
                            "its signatures cannot be checked.")
    return [(i, found[i].original_sha256, found[i].reader) for i in dict.fromkeys(ids)]


def _record(case: Case, dispatch_id: int, verdict: MessageVerdict) -> dict[str, Any]:
    now = datetime.now(UTC)
    with case.transaction() as conn:
        check_id = dkim_records.add(conn, dispatch_id, now, case.actor, verdict.dkim_count, verdict.arc_result,
                                    verdict.arc_reason, [asdict(s) for s in verdict.signatures])
        summary = summarise(verdict.signatures, verdict.arc_result)
        case.audit(conn, "intake.dkim", f"dispatch {dispatch_id}", {
            "check": check_id, "engine": ENGINE, "dkim": summary, "arc": verdict.arc_result,
            "signatures": [f"{s.kind} {s.domain}/{s.selector}: {s.result} ({s.key_source or 'no key'})"
                           for s in verdict.signatures],
        })
    return {"dispatch_id": dispatch_id, **_shape(now, verdict.arc_result, verdict.arc_reason,
                                                  [asdict(s) for s in verdict.signatures])}


def summarise(signatures: Iterable[SignatureVerdict | dict[str, Any]], arc_result: str) -> str:
    """One word for a list: pass (a DKIM signature passed), fail, no key, or unsigned."""
    results = [s.result if isinstance(s, SignatureVerdict) else s["result"] for s in signatures
               if (s.kind if isinstance(s, SignatureVerdict) else s["kind"]) == "dkim"]
    if "pass" in results:
        return "pass"
    if "fail" in results:
        return "fail"
    if results:
        return "no key"
    return "unsigned"


def _shape(checked: datetime, arc_result: str, arc_reason: str | None,
           signatures: list[dict[str, Any]]) -> dict[str, Any]:
    when = checked if checked.tzinfo else checked.replace(tzinfo=UTC)
    return {
        "result": summarise(signatures, arc_result),
        "checked": when.isoformat(),
        "engine": ENGINE,
        "arc": arc_result,
        "arc_reason": arc_reason,
        "signatures": signatures,
    }


def latest_verdicts(case: Case) -> dict[int, dict[str, Any]]:
    """The newest DKIM/ARC check of every email checked so far, by dispatch id."""
    with case.connect() as conn:
        checks = dkim_records.latest(conn)
    return {i: _shape(c.checked, c.arc_result, c.arc_reason, c.signatures) for i, c in checks.items()}
