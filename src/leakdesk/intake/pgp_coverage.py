"""What a PGP signature (or encryption) actually covers in a message, and how a verdict is shown.

A good signature on one part says nothing about the parts around it: anyone can wrap a genuine signed letter in
a multipart/mixed with a forged text part before it, or type text above a clear-signed block. So a message counts
as signed only when the signed entity *is* the message body: the root, or the root of single-part wrappers.
Otherwise it is "partly signed", and every part and every piece of text outside the signed entity is listed.
Part numbers follow the intake reader's ("1", "2.1"; "d.1" inside a decrypted message).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

MESSAGE_TYPES = ("message/rfc822", "message/global")
_NAME_CHARS = 80


@dataclass
class Coverage:
    """`whole`, or `part` with the covered entity named and what lies outside it listed."""

    coverage: str = "whole"
    covered: str | None = None
    uncovered: list[str] = field(default_factory=list)

    def add_outside_text(self, where: str) -> None:
        self.uncovered.append(where)
        self.coverage = "part"
        self.covered = self.covered or "the armoured PGP block"


def _children(part: Message) -> list[Message]:
    if part.get_content_type() in MESSAGE_TYPES or not part.is_multipart():
        return []
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def numbered_parts(message: Message, prefix: str = "") -> Iterator[tuple[str, Message]]:
    """Every entity of the MIME tree with its part number, the root first (numbered "" or `prefix`)."""

    def walk(part: Message, path: str) -> Iterator[tuple[str, Message]]:
        yield path, part
        for i, sub in enumerate(_children(part), 1):
            yield from walk(sub, f"{path}.{i}" if path else str(i))

    yield from walk(message, prefix)


def _is_blank(part: Message) -> bool:
    if part.get_content_maintype() != "text" or part.get_filename():
        return False
    data = part.get_payload(decode=True)
    return isinstance(data, bytes) and not data.strip()


def describe(path: str, part: Message) -> str:
    """"part 1 (text/plain)" or "part 2 (application/pdf, 'report.pdf')"; names cut short."""
    what = part.get_content_type()
    name = part.get_filename()
    if name:
        what += f", '{str(name)[:_NAME_CHARS]}'"
    return f"part {path or '1'} ({what})"


def coverage_of(message: Message, target: Message, prefix: str = "") -> Coverage:
    """What `target` (a multipart/signed or multipart/encrypted entity, or an armoured text part) covers."""
    node = message
    while node is not target:
        children = _children(node)
        if len(children) != 1:
            break
        node = children[0]
    if node is target:
        return Coverage()
    inside = {id(p) for p in target.walk()}
    path = next((p for p, part in numbered_parts(message, prefix) if part is target), "")
    outside = [
        describe(p, part)
        for p, part in numbered_parts(message, prefix)
        if id(part) not in inside and not _children(part) and not _is_blank(part)
    ]
    if not outside:
        return Coverage()
    return Coverage("part", describe(path, target), outside)


_LABELS = {
    "signed-good": "signed (good signature)",
    "partly-signed": "PARTLY signed",
    "signed-bad": "BAD signature (changed after signing)",
    "signed-unknown-key": "signed by a key the case does not have (not checked)",
    "signed-expired-key": "signature by an EXPIRED key (not valid)",
    "signed-revoked-key": "signature by a REVOKED key (not valid)",
    "signed-expired-signature": "EXPIRED signature (not valid)",
    "signed-error": "signature could not be checked",
    "decrypted": "decrypted",
    "not-decrypted": "not decrypted",
    "error": "PGP processing failed",
}


def pgp_is_good(status: str | None, details: dict[str, Any] | None = None) -> bool:
    """Whether a verdict may be shown as good (green): signed-good, or decrypted with nothing outside the
    encryption and no signature that failed."""
    details = details if isinstance(details, dict) else {}
    if status == "signed-good":
        return True
    return status == "decrypted" and details.get("coverage", "whole") == "whole" and details.get("signature") in (
        None, "good")


def pgp_label(status: str | None, details: dict[str, Any] | None = None) -> str:
    """A short, honest line for a dispatch's PGP verdict: what is signed, and what is not."""
    if not status:
        return ""
    details = details if isinstance(details, dict) else {}
    label = _LABELS.get(status, status)
    signature = details.get("signature")
    if status == "decrypted" and signature:
        label += "; " + _LABELS.get(f"signed-{signature}", str(signature))
    if details.get("coverage") == "part":
        uncovered = [str(u) for u in details.get("uncovered") or []]
        label += f": only {details.get('covered')} is {'signed' if signature else 'encrypted'}"
        if uncovered:
            more = f" and {len(uncovered) - 3} more" if len(uncovered) > 3 else ""
            label += "; NOT signed: " + ", ".join(uncovered[:3]) + more
    return label
