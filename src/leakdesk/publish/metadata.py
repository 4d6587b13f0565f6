"""Metadata that names or locates someone: in attached files (DOCX/XLSX/PPTX properties and template paths, PDF
info and XMP, image EXIF) and in mail headers (originating IP, private addresses in `Received`, mailer, time zone,
sender address changes across a series).

Everything here reads the case's originals through the store (verified on read) and never changes them. Values come
from hostile files: they are bounded in length and returned as plain strings for the caller to escape.
"""

from __future__ import annotations

import io
import ipaddress
import re
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from email.utils import parseaddr
from typing import Any

from lxml import etree

from leakdesk.store.records import dispatches

MAX_VALUE = 300  # characters of a metadata value shown
MAX_XML = 2_000_000  # bytes of one metadata part read from an office file
HIGH, MEDIUM, LOW = "high", "medium", "low"

OFFICE_TYPES = ("officedocument", "ms-word", "ms-excel", "ms-powerpoint", "opendocument")
PRIVATE_NETS = [
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "fc00::/7",
              "fe80::/10")
]
IP = re.compile(r"\[?((?:\d{1,3}\.){3}\d{1,3}|[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7})\]?")
RECEIVED_FROM = re.compile(r"^\s*from\s+(\S+)(?:\s+\(([^)]*)\))?", re.I)
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


@dataclass
class Finding:
    """One piece of metadata that could name or locate the source, with what to do about it."""

    dispatch_id: int
    where: str  # "DOCX properties", "PDF info", "EXIF", "mail headers", "series"
    field: str
    value: str
    risk: str  # high | medium | low
    why: str
    advice: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def bounded(value: Any) -> str:
    """A metadata value as one line of at most MAX_VALUE characters (control characters dropped)."""
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", str(value)).strip()
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


# --------------------------------------------------------------------------- files


def _xml(zf: zipfile.ZipFile, name: str) -> Any | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_XML:
        return None
    try:
        return etree.fromstring(zf.read(name), _SAFE_XML)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


OFFICE_FIELDS = {
    # element (local name) -> (label, risk, why)
    "creator": ("author", HIGH, "the document's author as the writer's software recorded it"),
    "lastModifiedBy": ("last modified by", HIGH, "the account that last saved the document"),
    "Company": ("company", HIGH, "the organisation the writer's software is registered to"),
    "Manager": ("manager", MEDIUM, "a manager named in the document properties"),
    "Template": ("template", MEDIUM, "the template the document was made from (may be an internal path)"),
    "Application": ("application", LOW, "the program and platform that saved the document"),
    "created": ("created", MEDIUM, "when the document was first made"),
    "modified": ("modified", MEDIUM, "when the document was last saved"),
    "revision": ("revision", LOW, "how many times the document was saved"),
}
GENERIC_NAMES = {"", "user", "пользователь", "admin", "administrator", "администратор", "normal.dotm", "normal.dot",
                 "normal"}


def office_findings(dispatch_id: int, data: bytes, kind: str = "DOCX") -> list[Finding]:
    """Author, last-modified-by, company, template and attached-template paths of an OOXML file."""
    out: list[Finding] = []
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return out
    with zf:
        for part in ("docProps/core.xml", "docProps/app.xml"):
            root = _xml(zf, part)
            if root is None:
                continue
            for el in root.iter():
                name = _local(el.tag)
                if name not in OFFICE_FIELDS or not (el.text or "").strip():
                    continue
                label, risk, why = OFFICE_FIELDS[name]
                value = bounded(el.text)
                if risk == HIGH and value.lower() in GENERIC_NAMES:
                    risk = LOW  # "Пользователь" names nobody
                if name == "Template" and value.lower() in GENERIC_NAMES:
                    continue
                out.append(Finding(dispatch_id, f"{kind} properties", label, value, risk, why,
                                   "Publish a scrubbed copy (`leakdesk dispatch scrub`), never the original file."))
        for name in zf.namelist():
            if name.endswith("settings.xml.rels") or name.endswith("document.xml.rels"):
                root = _xml(zf, name)
                if root is None:
                    continue
                for el in root.iter():
                    target = el.get("Target") or ""
                    if el.get("TargetMode") == "External" and ("attachedTemplate" in (el.get("Type") or "")
                                                                or re.match(r"^(file:|[A-Za-z]:\\|/|\\\\)", target)):
                        out.append(Finding(dispatch_id, f"{kind} properties", "template path", bounded(target), HIGH,
                                           "a path on the writer's computer or network (user and server names)",
                                           "Publish a scrubbed copy (`leakdesk dispatch scrub`), never the "
                                           "original file."))
        if any(n.lower().startswith("docprops/thumbnail") for n in zf.namelist()):
            out.append(Finding(dispatch_id, f"{kind} properties", "thumbnail", "docProps/thumbnail", MEDIUM,
                               "a picture of the first page as it was saved, possibly before edits",
                               "Publish a scrubbed copy (`leakdesk dispatch scrub`), never the original file."))
    return out


PDF_FIELDS = {
    "/Author": ("author", HIGH), "/Creator": ("creator", MEDIUM), "/Producer": ("producer", LOW),
    "/Company": ("company", HIGH), "/CreationDate": ("created", MEDIUM), "/ModDate": ("modified", MEDIUM),
}
XMP_NAME = re.compile(rb"<(?:xmp:CreatorTool|pdf:Producer|dc:creator|xmpMM:DocumentID|photoshop:AuthorsPosition)"
                      rb"[^>]*>(.*?)</", re.S)


def pdf_findings(dispatch_id: int, data: bytes) -> list[Finding]:
    """The PDF's document information and its XMP packet (creator tool, producer, author, document ids)."""
    import logging

    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    out: list[Finding] = []
    advice = "Publish a scrubbed or flattened copy (`leakdesk dispatch scrub --flatten`), never the original file."
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        info: Any = reader.metadata or {}
    except Exception:  # a damaged PDF: nothing more can be read here; intake recorded the problem
        return out
    for key, value in dict(info).items():
        label, risk = PDF_FIELDS.get(str(key), (str(key).lstrip("/").lower(), LOW))
        if str(key) == "/Title" or not str(value).strip():
            continue
        out.append(Finding(dispatch_id, "PDF info", label, bounded(value), risk,
                           "document information written by the writer's software", advice))
    for match in XMP_NAME.finditer(data[:5_000_000]):
        value = re.sub(rb"<[^>]+>", b" ", match.group(1)).decode("utf-8", "replace")
        if value.strip():
            out.append(Finding(dispatch_id, "PDF XMP", "XMP metadata", bounded(value), MEDIUM,
                               "metadata embedded in the PDF's XMP packet", advice))
    return out


EXIF_TAGS = {
    0x010F: ("camera make", LOW), 0x0110: ("camera model", MEDIUM), 0x013B: ("artist", HIGH),
    0x8298: ("copyright", HIGH), 0xA431: ("camera serial number", HIGH), 0xA435: ("lens serial number", HIGH),
    0xA430: ("camera owner", HIGH), 0x0131: ("software", LOW), 0x9003: ("taken", MEDIUM),
    0x9010: ("time zone", MEDIUM), 0x9011: ("time zone", MEDIUM), 0x0132: ("modified", LOW),
}


def image_findings(dispatch_id: int, data: bytes) -> list[Finding]:
    """EXIF that names or locates: camera serial, owner, GPS position, time and time zone."""
    from PIL import Image

    out: list[Finding] = []
    advice = "Publish a scrubbed copy (`leakdesk dispatch scrub`), never the original image."
    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            tags = {**dict(exif), **dict(exif.get_ifd(0x8769))}
            gps = dict(exif.get_ifd(0x8825))
    except Exception:  # not an image Pillow can read: no EXIF to report
        return out
    for tag, (label, risk) in EXIF_TAGS.items():
        if tag in tags and str(tags[tag]).strip():
            out.append(Finding(dispatch_id, "EXIF", label, bounded(tags[tag]), risk,
                               "recorded by the camera or phone that took the picture", advice))
    if gps.get(2) and gps.get(4):
        lat, lon = _degrees(gps[2], gps.get(1)), _degrees(gps[4], gps.get(3))
        out.append(Finding(dispatch_id, "EXIF", "GPS position", f"{lat:.5f}, {lon:.5f}", HIGH,
                           "where the picture was taken, to a few metres", advice))
    return out


def _degrees(dms: Any, ref: Any) -> float:
    d, m, s = (float(x) for x in dms)
    value = d + m / 60 + s / 3600
    return -value if str(ref).upper() in ("S", "W") else value


def file_findings(dispatch_id: int, media_type: str | None, filename: str | None, data: bytes) -> list[Finding]:
    """Findings for one attached or ingested file, chosen by media type, name and magic bytes."""
    media = (media_type or "").lower()
    name = (filename or "").lower()
    if data[:5] == b"%PDF-" or media == "application/pdf":
        return pdf_findings(dispatch_id, data)
    if data[:2] == b"PK" and (any(k in media for k in OFFICE_TYPES) or name.endswith((".docx", ".xlsx", ".pptx"))):
        kind = name.rsplit(".", 1)[-1].upper() if "." in name else "office file"
        return office_findings(dispatch_id, data, kind if kind in ("DOCX", "XLSX", "PPTX") else "DOCX")
    if media.startswith("image/") or data[:3] == b"\xff\xd8\xff" or data[:4] in (b"II*\x00", b"MM\x00*"):
        return image_findings(dispatch_id, data)
    return []


# --------------------------------------------------------------------------- mail headers


def _private(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in PRIVATE_NETS if net.version == ip.version)


def _ips(text: str) -> list[str]:
    found = []
    for m in IP.finditer(text):
        try:
            found.append(str(ipaddress.ip_address(m.group(1))))
        except ValueError:
            continue
    return found


def header_findings(dispatch_id: int, headers: list[tuple[str, str]]) -> list[Finding]:
    """The originating IP, private addresses in `Received`, the mailer and the time-zone offset of one email."""
    out: list[Finding] = []
    advice = "Never publish or forward the raw email; quote from the text only."
    received = [value for name, value in headers if name.lower() == "received"]
    if received:
        first_hop = received[-1]  # the lowest Received header: the writer's own computer handing the mail over
        match = RECEIVED_FROM.match(first_hop)
        if match:
            helo, detail = match.group(1), match.group(2) or ""
            for ip in _ips(detail) or _ips(helo):
                out.append(Finding(dispatch_id, "mail headers", "sender's IP address", ip, HIGH,
                                   "the address of the computer or network the letter was sent from "
                                   "(first Received header)", advice))
    for value in received:
        for ip in _ips(value):
            if _private(ip):
                out.append(Finding(dispatch_id, "mail headers", "private address in Received", ip, HIGH,
                                   "an internal network address (office, VPN or home router) of the sender",
                                   advice))
    for name, value in headers:
        low = name.lower()
        if low in ("x-originating-ip", "x-sender-ip", "x-forwarded-for", "x-real-ip"):
            out.append(Finding(dispatch_id, "mail headers", name, bounded(value), HIGH,
                               "the sender's IP address as the webmail service recorded it", advice))
        elif low in ("x-mailer", "user-agent"):
            out.append(Finding(dispatch_id, "mail headers", "mailer", bounded(value), LOW,
                               "the program, version and operating system the letter was written with", advice))
    out = _dedupe(out)
    return out


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[tuple[int, str, str]] = set()
    out = []
    for f in findings:
        key = (f.dispatch_id, f.field, f.value)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


ZONE = re.compile(r"([+-])(\d\d):?(\d\d)$")


def series_findings(letters: list[dict[str, Any]]) -> list[Finding]:
    """Across a series: sender address changes, the time zone(s) the letters were written in, mailer changes.

    `letters` are dicts with `dispatch_id`, `sender`, `date` and `mailer`, in the order received.
    """
    out: list[Finding] = []
    addresses = [(x["dispatch_id"], parseaddr(x["sender"] or "")[1].lower()) for x in letters if x.get("sender")]
    usual = Counter(a for _, a in addresses if a).most_common(1)
    if usual:
        main = usual[0][0]
        for dispatch_id, address in addresses:
            if address and address != main:
                out.append(Finding(dispatch_id, "series", "sender address changed", bounded(address), HIGH,
                                   f"this letter comes from {address}; the series' other letters from {main} "
                                   "(a new account can be an impostor, or a trail to the writer)",
                                   "Check this letter's authorship; never publish either address."))
    zones: Counter[str] = Counter()
    for x in letters:
        match = ZONE.search(x.get("date") or "")
        if match:
            zones[f"UTC{match.group(1)}{match.group(2)}:{match.group(3)}"] += 1
    if zones:
        (zone, count), total = zones.most_common(1)[0], sum(zones.values())
        for x in letters:
            match = ZONE.search(x.get("date") or "")
            if not match:
                continue
            other = f"UTC{match.group(1)}{match.group(2)}:{match.group(3)}"
            if other == zone:
                out.append(Finding(x["dispatch_id"], "series", "time zone", zone, MEDIUM,
                                   f"{count} of {total} letters are dated in {zone}: where the writer's computer "
                                   "is set", "Do not publish the letters' dates with their time zone or exact times."))
            else:
                out.append(Finding(x["dispatch_id"], "series", "time zone changed", other, MEDIUM,
                                   f"this letter is dated in {other}, the others in {zone} (travel or another writer)",
                                   "Do not publish the letters' dates with their time zone or exact times."))
    mailers = [(x["dispatch_id"], x.get("mailer")) for x in letters if x.get("mailer")]
    usual_mailer = Counter(m for _, m in mailers).most_common(1)
    if usual_mailer and len({m for _, m in mailers}) > 1:
        for dispatch_id, mailer in mailers:
            if mailer != usual_mailer[0][0]:
                out.append(Finding(dispatch_id, "series", "mailer changed", bounded(mailer), MEDIUM,
                                   f"written with another program than the usual {bounded(usual_mailer[0][0])}",
                                   "Check this letter's headers and authorship."))
    return out


# --------------------------------------------------------------------------- the case


def case_metadata_findings(case: Any, dispatch_ids: list[int]) -> list[Finding]:
    """Every metadata finding for the given top-level dispatches, their attachments and the series they form."""
    wanted = set(dispatch_ids)
    with case.connect() as conn:
        rows = [d for d in dispatches.find(conn) if d.id in wanted or d.parent_id in wanted]
        headers: dict[int, list[tuple[str, str]]] = {
            i: [(h.name, h.decoded or h.raw) for h in dispatches.headers(conn, i)] for i in sorted(wanted)}
    out: list[Finding] = []
    letters: list[dict[str, Any]] = []
    for row in rows:
        if row.parent_id is None:
            hs = headers.get(row.id, [])
            out.extend(header_findings(row.id, hs))
            mailer = next((v for n, v in hs if n.lower() in ("x-mailer", "user-agent")), None)
            letters.append({"dispatch_id": row.id, "sender": row.sender, "date": row.date, "mailer": mailer,
                            "order": (row.date_utc is None, row.date_utc.isoformat() if row.date_utc else "", row.id)})
        if row.kind != "email":
            data = case.originals.read_bytes(row.original_sha256)
            out.extend(file_findings(row.id, row.media_type, row.filename, data))
    letters.sort(key=lambda x: x["order"])
    out.extend(series_findings(letters))
    order = {HIGH: 0, MEDIUM: 1, LOW: 2}
    return sorted(_dedupe(out), key=lambda f: (order[f.risk], f.dispatch_id))
