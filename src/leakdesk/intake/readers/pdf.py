"""PDF documents: text of every page (pypdf), OCR for pages without a text layer, and the document's metadata."""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import version as package_version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pypdf is imported where a PDF is read (in the reader worker): ingesting mail never loads it
    import pypdf

from leakdesk.errors import IntakeError
from leakdesk.intake import ocr
from leakdesk.intake.readers.text import text_role
from leakdesk.intake.readers.unknown import looks_binary
from leakdesk.intake.reading import Extracted, ReadContext, Reader, Source, TextPart

_BLANK = "_pages_without_text"  # handed from `parse` to `finish`, never stored
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_MAX_TREE_DEPTH = 64
MAX_LIBRARY_NOTES = 5  # of pypdf's log records and warnings about one file, the first ones kept (300 characters each)


class _LogNotes(logging.Handler):
    """pypdf's log records while one PDF is read (pypdf reports what it repairs by logging, not by warnings)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.said: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):  # a record that cannot be formatted is not worth a failed read
            self.said.append(record.getMessage())


@contextlib.contextmanager
def _library_notes() -> Iterator[list[str]]:
    """What pypdf logs and warns while a PDF is read, for the file's record: without this its log records reach
    Python's last-resort handler and are printed on stderr ("EOF marker not found"), attached to no file.
    The list is filled when the block ends, bounded and in words for the desk."""
    log, handler, notes = logging.getLogger("pypdf"), _LogNotes(), list[str]()
    propagate, log.propagate = log.propagate, False
    log.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield notes
    finally:
        log.removeHandler(handler)
        log.propagate = propagate
        said = list(dict.fromkeys(" ".join(text.split())[:300] for text in
                                  handler.said + [str(w.message) for w in caught]))
        notes.extend(f"the pdf reader's library warned: {text}" for text in said[:MAX_LIBRARY_NOTES])
        if len(said) > MAX_LIBRARY_NOTES:
            notes.append(f"and {len(said) - MAX_LIBRARY_NOTES} more library warnings")


def _pages(pdf: pypdf.PdfReader) -> Iterator[pypdf.PageObject]:
    """The pages in order, read lazily from the page tree: pypdf's `pdf.pages` first flattens the whole tree,
    which takes minutes for a crafted 100,000-page file. Cycles and shared nodes are visited once."""
    import pypdf
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen: set[object] = set()
    stack: list[tuple[Iterator[object], dict[str, object]]] = [(iter([pdf.root_object.raw_get("/Pages")]), {})]
    while stack:
        kids, inherit = stack[-1]
        ref = next(kids, None)
        if ref is None:
            stack.pop()
            continue
        node = ref.get_object() if hasattr(ref, "get_object") else ref
        if not isinstance(node, DictionaryObject):
            continue
        key = (ref.idnum, ref.generation) if isinstance(ref, IndirectObject) else id(node)
        if key in seen:
            continue
        seen.add(key)
        if node.get("/Type") == "/Pages" or "/Kids" in node:
            children = node.get("/Kids")
            if isinstance(children, ArrayObject) and len(stack) < _MAX_TREE_DEPTH:
                stack.append((iter(children), {**inherit, **{a: node[a] for a in _INHERITED if a in node}}))
            continue
        page = pypdf.PageObject(pdf, ref if isinstance(ref, IndirectObject) else None)
        if not isinstance(ref, IndirectObject):
            page.update(node)
        for name, value in inherit.items():
            if name not in page:
                page[NameObject(name)] = value
        yield page


def _declared_pages(pdf: pypdf.PdfReader) -> int | None:
    count = pdf.root_object.get("/Pages", {}).get("/Count")  # type: ignore[union-attr]
    return int(count) if isinstance(count, int) else None


def _draws_an_image(page: pypdf.PageObject) -> bool:
    """Whether the page shows an image (directly or in a form): only such a page can be a scan worth OCR.

    A page without text *and* without images (e.g. megabytes of drawing operators) has nothing to read; rendering
    it for OCR could take minutes."""
    from pypdf.generic import DictionaryObject

    def resolved(value: Any) -> Any:
        return value.get_object() if hasattr(value, "get_object") else value

    def images(resources: object, depth: int) -> bool:
        resources = resolved(resources)
        xobjects = resolved(resources.get("/XObject")) if isinstance(resources, DictionaryObject) else None
        if not isinstance(xobjects, DictionaryObject):
            return False
        for value in list(xobjects.values())[:200]:
            xobject = resolved(value)
            if not isinstance(xobject, DictionaryObject):
                continue
            if xobject.get("/Subtype") == "/Image":
                return True
            if xobject.get("/Subtype") == "/Form" and depth < 3 and images(xobject.get("/Resources"), depth + 1):
                return True
        return False

    return images(page.get("/Resources"), 0)


def _content_size(page: pypdf.PageObject, limit: int) -> int:
    """Bytes of the page's decoded drawing instructions, counted up to just past `limit`.

    Flate streams are inflated here with a bound and thrown away: pypdf's own decoding keeps every decoded stream
    in memory (10 pages of 70 MB each would hold 700 MB)."""
    from pypdf.generic import ArrayObject, StreamObject

    contents: Any = page.get("/Contents")
    contents = contents.get_object() if hasattr(contents, "get_object") else contents
    streams: list[Any] = list(contents) if isinstance(contents, ArrayObject) else [contents]
    total = 0
    for stream in streams[:1000]:
        stream = stream.get_object() if hasattr(stream, "get_object") else stream
        if not isinstance(stream, StreamObject):
            continue
        raw = getattr(stream, "_data", None)
        filters = stream.get("/Filter")
        if isinstance(raw, bytes) and filters in (None, "/FlateDecode", ["/FlateDecode"]):
            if filters is None:
                total += len(raw)
            else:
                try:
                    total += len(zlib.decompressobj().decompress(raw, limit + 1 - total))
                except zlib.error:
                    continue  # damaged: pypdf will say so when it reads the page
        else:
            total += len(stream.get_data())
        if total > limit:
            break
    return total


@dataclass
class _PageTexts:
    texts: list[str] = field(default_factory=list)
    cut: str | None = None  # why reading stopped before the last page
    scans: list[int] = field(default_factory=list)  # 1-based: no text layer, but an image (worth OCR)
    oversized: list[int] = field(default_factory=list)  # 1-based: drawing instructions over the page limit


def _page_texts(pdf: pypdf.PdfReader, ctx: ReadContext) -> _PageTexts:
    """Text page by page, within the budget: a page drawn by megabytes of instructions is skipped, and reading
    stops early (saying why) at the page limit, the text limit or half the time limit."""
    limits = ctx.limits
    deadline = time.monotonic() + limits.max_reader_seconds / 2 if limits.max_reader_seconds else None
    out = _PageTexts()
    chars = 0
    for number, page in enumerate(_pages(pdf), 1):
        if number > limits.max_pages:
            out.cut = f"the limit is {limits.max_pages:,} pages per document"
        elif deadline is not None and time.monotonic() > deadline:
            out.cut = f"half of the time limit of {limits.max_reader_seconds:g} s per file was used"
        elif chars > limits.max_text_chars:
            out.cut = f"the limit is {limits.max_text_chars:,} characters of text per document"
        if out.cut:
            return out
        if _content_size(page, limits.max_page_content) > limits.max_page_content:
            out.oversized.append(number)
            out.texts.append("")
            continue
        text = page.extract_text() or ""
        out.texts.append(text)
        chars += len(text)
        if not text.strip() and _draws_an_image(page):
            out.scans.append(number)
    return out


class PdfReader(Reader):
    name = "pypdf"
    version = package_version("pypdf")
    isolated = True
    libraries = ("pypdf",)
    media_types = ("application/pdf", "application/x-pdf")
    extensions = ("pdf",)
    magic = (b"%PDF-",)

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        return self.finish(source, ctx, self.parse(source, ctx))

    def parse(self, source: Source, ctx: ReadContext) -> Extracted:
        """The text layer (in the budgeted worker); pages without one are left for `finish`."""
        head = source.head(1024)
        if b"%PDF-" not in head:
            kind = "binary data" if looks_binary(head) else "text"
            raise IntakeError(f"not a PDF although it is named or labelled as one (it starts like {kind}, not '%PDF-')")
        import pypdf

        ex = Extracted(kind="file", media_type="application/pdf")
        try:
            with _library_notes() as notes, source.open() as fh:
                pdf = pypdf.PdfReader(fh, strict=False)
                if pdf.is_encrypted and not pdf.decrypt(""):
                    raise IntakeError("the PDF is password-protected; its text cannot be read")
                found = _page_texts(pdf, ctx)
                pages, scans = found.texts, found.scans
                meta: dict[str, object] = dict(pdf.metadata or {})
                ex.details["pages"] = _declared_pages(pdf) if found.cut else len(pages)
                if found.cut:
                    ex.details["truncated"] = f"only the first {len(pages):,} pages were read ({found.cut})"
                if found.oversized:
                    listed = ", ".join(map(str, found.oversized[:20])) + (" …" if len(found.oversized) > 20 else "")
                    ex.warnings.append(
                        f"{len(found.oversized):,} pages are drawn by more than "
                        f"{ctx.limits.max_page_content // 1024**2} MB of instructions each (normal pages need "
                        f"kilobytes); their text was not extracted: page {listed}"
                    )
                ex.details["metadata"] = {k.lstrip("/"): str(v) for k, v in meta.items()}
        except IntakeError:
            raise
        except Exception as exc:  # pypdf raises many kinds on damaged files
            raise IntakeError(f"the PDF is damaged and its text cannot be read ({type(exc).__name__}: {exc})"
                              + "".join(f"; {note}" for note in notes)) from exc
        ex.warnings.extend(notes)
        text = "\n\n".join(p.strip() for p in pages).strip()
        if text:
            ex.texts.append(TextPart(text_role(ctx), text, self.name, self.version))
        ex.details[_BLANK] = scans
        if not text and not scans:
            ex.details["note"] = "no text layer and no images: the pages hold nothing to read"
        return ex

    def finish(self, source: Source, ctx: ReadContext, ex: Extracted) -> Extracted:
        """OCR of the pages without a text layer: Tesseract runs as its own process, with its own time limits."""
        self._ocr(source, ctx, ex, ex.details.pop(_BLANK, []))
        return ex

    @staticmethod
    def _ocr(source: Source, ctx: ReadContext, ex: Extracted, blank: list[int]) -> None:
        """Pages without a text layer (scans) are read by OCR; the rest waits for `leakdesk dispatch ocr`."""
        if not blank:
            return
        path = source.path or ctx.originals_path(ctx.store_bytes(source.read_bytes()).sha256)
        result = ocr.ocr_pdf(path, blank, max_pages=ocr.INGEST_PAGES)
        ex.details["ocr"] = {**result.details(), "page_numbers": blank}
        if result.text:
            ex.texts.append(TextPart(text_role(ctx), result.text, ocr.ENGINE, result.extractor_version))
        elif not ex.texts:
            ex.details["note"] = f"no text layer; {result.status}" + (f" ({result.reason})" if result.reason else "")
            ex.warnings.append(ex.details["note"])
