"""OpenDocument text, spreadsheets and presentations (.odt, .ods, .odp and their templates): the text of
content.xml (lxml, no entities, no network) and who made and last saved the document (meta.xml)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

from lxml import etree

from leakdesk.errors import IntakeError
from leakdesk.intake.readers.text import text_role
from leakdesk.intake.reading import Extracted, ReadContext, Reader, Source, TextPart

NS = {
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
}
_T = f"{{{NS['text']}}}"
_TABLE = f"{{{NS['table']}}}"
MAX_XML = 256 * 1024**2  # content.xml bytes read at most (it is decompressed while counted)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
_META = {"initial-creator": "meta:initial-creator", "creator": "dc:creator", "created": "meta:creation-date",
         "modified": "dc:date", "title": "dc:title", "generator": "meta:generator"}


def _odf_type(head: bytes) -> str | None:
    """The media type a package declares in its first, stored 'mimetype' member."""
    if head.startswith(b"PK\x03\x04") and head[30:38] == b"mimetype":
        declared = head[38:38 + 80].split(b"PK")[0]
        if declared.startswith(b"application/vnd.oasis.opendocument."):
            return declared.decode("ascii", "replace")
    return None


class OdfReader(Reader):
    name = "opendocument"
    version = "1"
    isolated = True  # parsed in the budgeted worker (intake/budget.py)
    media_types = ("application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
                   "application/vnd.oasis.opendocument.presentation", "application/vnd.oasis.opendocument.graphics")
    extensions = ("odt", "ods", "odp", "odg", "ott", "ots", "otp", "fodt")

    def sniff(self, source: Source, head: bytes) -> int:
        return 20 if _odf_type(head) else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        media = _odf_type(source.head(256))
        ex = Extracted(kind="file", media_type=media or source.media_type)
        try:
            with source.open() as fh, zipfile.ZipFile(fh) as package:
                names = set(package.namelist())
                if "content.xml" not in names:
                    raise IntakeError("not a readable OpenDocument file (it has no content.xml)")
                if "META-INF/manifest.xml" in names and b"encryption-data" in _member(package, "META-INF/manifest.xml"):
                    raise IntakeError("the OpenDocument file is password-protected; its text cannot be read")
                content = etree.fromstring(_member(package, "content.xml"), _PARSER)
                meta = etree.fromstring(_member(package, "meta.xml"), _PARSER) if "meta.xml" in names else None
                pictures = sum(1 for n in names if n.startswith("Pictures/"))
        except (zipfile.BadZipFile, OSError, ValueError, etree.XMLSyntaxError) as exc:
            raise IntakeError(f"not a readable OpenDocument file ({type(exc).__name__}: {exc})") from exc
        if meta is not None:
            found = {k: meta.findtext(f".//{path}", namespaces=NS) for k, path in _META.items()}
            ex.details["metadata"] = {k: v.strip() for k, v in found.items() if v and v.strip()}
        if pictures:
            ex.details["pictures"] = pictures
        text = "\n".join(_lines(content)).strip()
        if text:
            ex.texts.append(TextPart(text_role(ctx), text, self.name, self.version))
        return ex


def _member(package: zipfile.ZipFile, name: str) -> bytes:
    with package.open(name) as fh:
        data = fh.read(MAX_XML + 1)
    if len(data) > MAX_XML:
        raise IntakeError(f"the OpenDocument part {name} is larger than {MAX_XML // 1024**2} MB; not read")
    return data


def _lines(root: etree._Element) -> Iterator[str]:
    """Paragraphs and headings in document order; a table row is one line of tab-separated cells."""
    for el in root.iter(f"{_T}p", f"{_T}h", f"{_TABLE}table-row"):
        if el.tag == f"{_TABLE}table-row":
            cells = [" ".join(_para(p) for p in c.iter(f"{_T}p")) for c in el.iter(f"{_TABLE}table-cell")]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                yield "\t".join(cells)
        elif not any(a.tag == f"{_TABLE}table-cell" for a in el.iterancestors()):
            yield _para(el)


def _para(el: etree._Element) -> str:
    out = [el.text or ""]
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == f"{_T}s":
            count = child.get(f"{_T}c", "1")
            out.append(" " * (min(int(count), 100) if count.isdigit() else 1))
        elif tag == f"{_T}tab":
            out.append("\t")
        elif tag == f"{_T}line-break":
            out.append("\n")
        elif tag not in (f"{_T}note", f"{_T}p"):
            out.append(_para(child))
        out.append(child.tail or "")
    return "".join(out)
