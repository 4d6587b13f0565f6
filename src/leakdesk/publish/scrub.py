"""Scrubbed and flattened derivatives of a dispatch's files; the original stays untouched in the store.

*Scrubbed*: metadata removed with `mat2` (Debian), text kept (`--lightweight` for PDFs), OOXML thumbnails dropped
(mat2 keeps them, and a thumbnail shows the first page as it was saved, possibly before edits). *Flattened* (PDFs):
every page rendered to pixels with poppler's `pdftoppm`, approved redactions burned in as black boxes (word boxes from
`pdftotext -bbox-layout`), and the PDF rebuilt from the pictures with an OCR text layer (`tesseract`), so hidden text,
layers, forms, scripts and attachments are gone, as DocumentCloud's burned-in redaction does.

Each derivative is re-read before it is kept: the metadata check (`publish.metadata`) must find nothing that names
anyone, and no redacted string may survive in its text; otherwise nothing is written.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leakdesk.errors import LeakdeskError
from leakdesk.publish.metadata import HIGH, MEDIUM, Finding, file_findings
from leakdesk.publish.redact import Redactor, series_dispatch_ids
from leakdesk.store.records import derivatives
from leakdesk.store.records import dispatches as dispatch_records

TIMEOUT = 120  # seconds for one external tool on one file
DPI = 150
OCR_LANGUAGES = "rus+eng"
EXTENSIONS = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "image/jpeg": "jpg", "image/png": "png", "image/tiff": "tiff", "image/webp": "webp",
}


class ScrubError(LeakdeskError):
    """A file could not be scrubbed or flattened; nothing was written."""


def _tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if not found:
        raise ScrubError(f"The program '{name}' is missing; install the Debian package {package} "
                         "(`make test` or `make demo` installs it).")
    return found


def _run(args: list[str], what: str) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(args, capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ScrubError(f"{what} took longer than {TIMEOUT} seconds and was stopped; nothing was written.") from exc
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no reason given"]
        raise ScrubError(f"{what} failed ({reason[0][:200]}); nothing was written.")
    return done


def extension_of(media_type: str | None, filename: str | None, data: bytes) -> str | None:
    """The extension mat2 needs, from the media type, the magic bytes or (last) the file name."""
    if data[:5] == b"%PDF-":
        return "pdf"
    if media_type in EXTENSIONS:
        return EXTENSIONS[media_type]
    suffix = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    return suffix if suffix in set(EXTENSIONS.values()) | {"jpeg", "tif"} else None


def tidy_ooxml(data: bytes) -> bytes:
    """An OOXML file without docProps/thumbnail.* and without relationships to parts that are not in the package
    (mat2 removes parts such as webSettings.xml but leaves their relationships, which Word and python-docx refuse)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = {n for n in src.namelist() if not n.lower().startswith("docprops/thumbnail")}

    def dangling(rels_name: str, match: re.Match[bytes]) -> bytes:
        rel = match.group(0)
        if b'TargetMode="External"' in rel:
            return rel
        target = re.search(rb'Target="([^"]*)"', rel)
        if target is None:
            return rel
        value = target.group(1).decode("utf-8", "replace")
        base = rels_name.rsplit("_rels/", 1)[0]
        path = value.lstrip("/") if value.startswith("/") else str(Path(base, value))
        path = str(Path(path)).replace("\\", "/")
        return rel if path in names else b""

    out = io.BytesIO()
    with src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename not in names:
                continue
            body = src.read(item.filename)
            if item.filename.endswith(".rels"):
                body = re.sub(rb"<Relationship\b[^>]*/>", functools.partial(dangling, item.filename), body)
            dst.writestr(item, body)
    return out.getvalue()


def scrub_bytes(data: bytes, extension: str) -> bytes:
    """The file with its metadata removed by mat2 (text kept in PDFs)."""
    mat2 = _tool("mat2", "mat2")
    with tempfile.TemporaryDirectory(prefix="leakdesk-scrub-") as tmp:
        source = Path(tmp) / f"input.{extension}"
        source.write_bytes(data)
        args = [mat2, "--lightweight", str(source)] if extension == "pdf" else [mat2, str(source)]
        _run(args, f"mat2 on a .{extension} file")
        cleaned = Path(tmp) / f"input.cleaned.{extension}"
        if not cleaned.exists():
            raise ScrubError(f"mat2 wrote no cleaned copy of the .{extension} file; nothing was written.")
        out = cleaned.read_bytes()
    if extension in ("docx", "xlsx", "pptx"):
        out = tidy_ooxml(out)
    return out


# --------------------------------------------------------------------------- flattening


@dataclass
class Box:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float


def redaction_boxes(pdf: Path, redactor: Redactor | None) -> list[Box]:
    """Boxes (in PDF points) of the words a redaction hides, line by line, so multi-word names are found too."""
    if redactor is None or not redactor.redactions:
        return []
    from lxml import etree

    done = _run([_tool("pdftotext", "poppler-utils"), "-bbox-layout", str(pdf), "-"], "pdftotext on the PDF")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    root = etree.fromstring(done.stdout, parser)
    boxes: list[Box] = []
    for number, page in enumerate(root.iter("{*}page")):
        for line in page.iter("{*}line"):
            words = list(line.iter("{*}word"))
            text, spans = "", []
            for w in words:
                start = len(text) + (1 if text else 0)
                text = f"{text} {w.text or ''}" if text else (w.text or "")
                spans.append((start, len(text), w))
            redacted, _ = redactor.apply(text)
            if redacted == text:
                continue
            for a, b in _hidden_ranges(text, redactor):
                for start, end, w in spans:
                    if start < b and a < end:
                        boxes.append(Box(number, float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")),
                                         float(w.get("yMax"))))
    return boxes


def _hidden_ranges(text: str, redactor: Redactor) -> list[tuple[int, int]]:
    from leakdesk.publish.redact import _matcher

    ranges: list[tuple[int, int]] = []
    for surface, _, inflect in redactor._terms():
        ranges.extend((m.start(), m.end()) for m in _matcher(surface, inflect).finditer(text))
    for part in redactor.name_parts():  # one misread word must not leave the rest of a name readable
        ranges.extend((m.start(), m.end()) for m in _matcher(part, True).finditer(text))
    return ranges


def flatten_pdf(data: bytes, redactor: Redactor | None = None, dpi: int = DPI, ocr: bool = True) -> bytes:
    """The PDF as pictures of its pages (redactions burned in), rebuilt with an OCR text layer."""
    from PIL import Image, ImageDraw

    pdftoppm = _tool("pdftoppm", "poppler-utils")
    with tempfile.TemporaryDirectory(prefix="leakdesk-flatten-") as tmp:
        source = Path(tmp) / "input.pdf"
        source.write_bytes(data)
        boxes = redaction_boxes(source, redactor)
        _run([pdftoppm, "-r", str(dpi), "-png", str(source), str(Path(tmp) / "page")], "pdftoppm on the PDF")
        pages = sorted(Path(tmp).glob("page*.png"), key=lambda p: int(re.sub(r"\D", "", p.stem) or 0))
        if not pages:
            raise ScrubError("The PDF has no page that could be rendered; nothing was written.")
        scale = dpi / 72
        for number, page in enumerate(pages):
            with Image.open(page) as im:
                image = im.convert("RGB")
            draw = ImageDraw.Draw(image)
            for box in boxes:
                if box.page == number:
                    draw.rectangle([box.x0 * scale - 2, box.y0 * scale - 2, box.x1 * scale + 2, box.y1 * scale + 2],
                                   fill="black")
            image.save(page)
        if ocr and shutil.which("tesseract"):
            return _ocr_pdf(pages, dpi, Path(tmp))
        images = [Image.open(p).convert("RGB") for p in pages]
        out = io.BytesIO()
        images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
        return out.getvalue()


IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "tiff", "tif", "webp")


def redact_image(data: bytes, extension: str, redactor: Redactor) -> bytes:
    """A picture with the words a redaction hides painted over (word boxes from tesseract's TSV output)."""
    from PIL import Image, ImageDraw

    with tempfile.TemporaryDirectory(prefix="leakdesk-redact-image-") as tmp:
        source = Path(tmp) / f"image.{extension}"
        source.write_bytes(data)
        done = _run([_tool("tesseract", "tesseract-ocr"), str(source), "-", "-l", OCR_LANGUAGES, "tsv"],
                    "tesseract on the picture")
        lines: dict[tuple[str, ...], list[tuple[str, tuple[int, int, int, int]]]] = {}
        for row in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
            cols = row.split("\t")
            if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
                continue
            left, top, width, height = (int(c) for c in cols[6:10])
            lines.setdefault(tuple(cols[1:5]), []).append((cols[11], (left, top, left + width, top + height)))
        with Image.open(source) as im:
            image = im.convert("RGB")
        draw = ImageDraw.Draw(image)
        for words in lines.values():
            text, spans = "", []
            for word, box in words:
                start = len(text) + (1 if text else 0)
                text = f"{text} {word}" if text else word
                spans.append((start, len(text), box))
            for a, b in _hidden_ranges(text, redactor):
                for start, end, box in spans:
                    if start < b and a < end:
                        draw.rectangle([box[0] - 3, box[1] - 3, box[2] + 3, box[3] + 3], fill="black")
        out = io.BytesIO()
        image.save(out, "PNG" if extension == "png" else "JPEG", quality=92)  # no EXIF is carried over
        return out.getvalue()


def _ocr_pdf(pages: list[Path], dpi: int, tmp: Path) -> bytes:
    """One searchable PDF from page pictures: tesseract's picture-plus-text pages, joined with pypdf."""
    import pypdf

    writer = pypdf.PdfWriter()  # a fresh document: none of tesseract's or the original's metadata is carried over
    for page in pages:
        base = tmp / f"{page.stem}-ocr"
        _run(["tesseract", str(page), str(base), "-l", OCR_LANGUAGES, "--dpi", str(dpi), "pdf"],
             "tesseract on a page")
        for p in pypdf.PdfReader(str(base) + ".pdf").pages:
            writer.add_page(p)
    writer.metadata = None  # no document information at all (pypdf would name itself)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --------------------------------------------------------------------------- checking and the case


def text_of(data: bytes, extension: str) -> str:
    """The text a reader of the derivative would see (PDF text layer, OOXML XML text)."""
    if extension == "pdf":
        import logging

        import pypdf

        logging.getLogger("pypdf").setLevel(logging.ERROR)
        reader = pypdf.PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    if extension in ("docx", "xlsx", "pptx", "odt"):
        # Runs of one paragraph are joined without a space (a name split over two runs must still be seen) and
        # character references decoded (mat2 writes Cyrillic as &#1058;…).
        parts = []
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for name in zf.namelist():
                if name.endswith(".xml"):
                    xml = zf.read(name).decode("utf-8", "replace")
                    xml = re.sub(r"</(?:w|a|text):p>|<w:br/>|<w:tab/>", "\n", xml)
                    parts.append(html.unescape(re.sub(r"<[^>]+>", "", xml)))
        return "\n".join(parts)
    if extension in IMAGE_EXTENSIONS and shutil.which("tesseract"):
        # what a reader (or the partner's OCR) sees in the picture: a name in the pixels is a name published
        with tempfile.TemporaryDirectory(prefix="leakdesk-ocr-") as tmp:
            source = Path(tmp) / f"image.{extension}"
            source.write_bytes(data)
            done = _run(["tesseract", str(source), "-", "-l", OCR_LANGUAGES], "tesseract on the picture")
            return done.stdout.decode("utf-8", "replace")
    return ""


def remaining_findings(data: bytes, extension: str) -> list[Finding]:
    """What the metadata check still finds in a derivative (high and medium risk only)."""
    media = next((m for m, e in EXTENSIONS.items() if e == extension), None)
    found = file_findings(0, media, f"derivative.{extension}", data)
    return [f for f in found if f.risk in (HIGH, MEDIUM) and f.field not in ("producer",)]


@dataclass
class Derivative:
    dispatch_id: int
    kind: str  # scrubbed | flattened
    path: str
    sha256: str
    remaining: list[str]  # fields the metadata check still saw (empty when clean)


def make_derivative(case: Any, dispatch_id: int, flatten: bool = False, redacted: bool = False,
                    series: str | None = None) -> Derivative:
    """Scrub (or flatten) one dispatch's file into CASE/exports/scrubbed/; checked, recorded and audited."""
    with case.connect() as conn:
        d = dispatch_records.get(conn, dispatch_id)
        series_name = series or d.series
    data = case.originals.read_bytes(d.original_sha256)
    extension = extension_of(d.media_type, d.filename, data)
    label = d.filename or f"dispatch {dispatch_id}"
    if extension is None:
        raise ScrubError(f"Dispatch {dispatch_id} ({label}) is not a PDF, office file or image; there is nothing to "
                         "scrub (its text is exported with `leakdesk redaction export CASE`).")
    if flatten and extension != "pdf":
        raise ScrubError(f"Dispatch {dispatch_id} ({label}) is not a PDF; only PDFs can be flattened.")
    redactor = Redactor.for_series(case, series_name) if redacted else None
    if redactor is not None:
        redactor.require_reviewed()
    if flatten:
        out = flatten_pdf(data, redactor)
    elif redactor is not None and extension in IMAGE_EXTENSIONS and redactor.redactions:
        out = data
        for _ in range(3):  # OCR reads differently once a word is painted over: look again
            out = redact_image(out, extension, redactor)
            if not redactor.leftovers_anywhere(text_of(out, extension)):
                break
        out = scrub_bytes(out, "png" if extension == "png" else "jpg")
    else:
        out = scrub_bytes(data, extension)
    remaining = remaining_findings(out, extension)
    if remaining:
        raise ScrubError(f"Dispatch {dispatch_id} ({label}): after scrubbing, {remaining[0].field} is still in the "
                         "file; nothing was written.")
    if redactor is not None:
        left = redactor.leftovers_anywhere(text_of(out, extension))
        if left:
            advice = "flatten it (--flatten) instead" if extension == "pdf" and not flatten else "leave it out"
            raise ScrubError(f"Dispatch {dispatch_id} ({label}): {len(left)} redacted name(s) are still readable in "
                             f"the file; {advice}. Nothing was written.")
    kind = "flattened" if flatten else "scrubbed"
    folder = case.exports / "scrubbed"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{dispatch_id}.{kind}{'.redacted' if redacted else ''}.{extension}"
    path.write_bytes(out)
    digest = hashlib.sha256(out).hexdigest()
    rel = str(path.relative_to(case.root))
    tool = "pdftoppm+tesseract+mat2" if flatten else "mat2"
    with case.transaction() as conn:
        derivatives.add(conn, dispatch_id, d.original_sha256, kind, rel, digest, tool,
                        {"redacted": redacted, "redactions": [x.id for x in redactor.redactions] if redactor else []},
                        case.actor)
        case.audit(conn, f"scrub.{kind}", f"dispatch:{dispatch_id}",
                   {"path": rel, "sha256": digest, "source": d.original_sha256, "redacted": redacted})
    return Derivative(dispatch_id, kind, rel, digest, [])


def scrubbable(case: Any, series: str | None = None) -> list[int]:
    """The dispatches of a series (or the case) that are PDFs, office files or images."""
    with case.connect() as conn:
        series_id = None
        if series:
            from leakdesk.store.records.series import by_name

            series_id = by_name(conn, series).id
        ids = series_dispatch_ids(conn, series_id)
        rows = dispatch_records.find(conn, ids)
    return [r.id for r in rows if (r.media_type in EXTENSIONS or
                                   (r.filename or "").lower().endswith(tuple(f".{e}" for e in EXTENSIONS.values())))]
