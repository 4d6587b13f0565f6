"""PDF documents: text of every page (pypdf), OCR for pages without a text layer, and the document's metadata."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pypdf
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from leakdesk.errors import IntakeError
from leakdesk.intake import ocr
from leakdesk.intake.readers.text import text_role
from leakdesk.intake.readers.unknown import looks_binary
from leakdesk.intake.registry import Extracted, ReadContext, Reader, Source, TextPart


_BLANK = "_pages_without_text"  # handed from `parse` to `finish`, never stored
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_MAX_TREE_DEPTH = 64


def _pages(pdf: pypdf.PdfReader) -> Iterator[pypdf.PageObject]:
    """The pages in order, read lazily from the page tree: pypdf's `pdf.pages` first flattens the whole tree,
    which takes minutes for a crafted 100,000-page file. Cycles and shared nodes are visited once."""
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
    def images(resources: object, depth: int) -> bool:
        resources = resources.get_object() if hasattr(resources, "get_object") else resources
        xobjects = resources.get("/XObject") if isinstance(resources, DictionaryObject) else None
        xobjects = xobjects.get_object() if hasattr(xobjects, "get_object") else xobjects
        if not isinstance(xobjects, DictionaryObject):
            return False
        for value in list(xobjects.values())[:200]:
            xobject = value.get_object() if hasattr(value, "get_object") else value
            if not isinstance(xobject, DictionaryObject):
                continue
            if xobject.get("/Subtype") == "/Image":
                return True
            if xobject.get("/Subtype") == "/Form" and depth < 3 and images(xobject.get("/Resources"), depth + 1):
                return True
        return False

    return images(page.get("/Resources"), 0)


def _page_texts(pdf: pypdf.PdfReader, ctx: ReadContext) -> tuple[list[str], str | None, list[int]]:
    """Text page by page, stopping early (with the reason) at the page, text or half-time limit of the budget;
    and the 1-based numbers of the pages that may be scans (no text layer, but an image)."""
    limits = ctx.limits
    scans: list[int] = []
    deadline = time.monotonic() + limits.max_reader_seconds / 2 if limits.max_reader_seconds else None
    texts: list[str] = []
    chars = 0
    for number, page in enumerate(_pages(pdf)):
        if number >= limits.max_pages:
            return texts, f"the limit is {limits.max_pages:,} pages per document", scans
        if deadline is not None and time.monotonic() > deadline:
            return texts, f"half of the time limit of {limits.max_reader_seconds:g} s per file was used", scans
        if chars > limits.max_text_chars:
            return texts, f"the limit is {limits.max_text_chars:,} characters of text per document", scans
        text = page.extract_text() or ""
        texts.append(text)
        chars += len(text)
        if not text.strip() and _draws_an_image(page):
            scans.append(number + 1)
    return texts, None, scans


class PdfReader(Reader):
    name = "pypdf"
    version = pypdf.__version__
    isolated = True
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
        ex = Extracted(kind="file", media_type="application/pdf")
        try:
            with source.open() as fh:
                pdf = pypdf.PdfReader(fh, strict=False)
                if pdf.is_encrypted and not pdf.decrypt(""):
                    raise IntakeError("the PDF is password-protected; its text cannot be read")
                pages, cut, scans = _page_texts(pdf, ctx)
                meta: dict[str, object] = dict(pdf.metadata or {})
                ex.details["pages"] = _declared_pages(pdf) if cut else len(pages)
                if cut:
                    ex.details["truncated"] = f"only the first {len(pages):,} pages were read ({cut})"
                ex.details["metadata"] = {k.lstrip("/"): str(v) for k, v in meta.items()}
        except IntakeError:
            raise
        except Exception as exc:  # pypdf raises many kinds on damaged files
            raise IntakeError(f"the PDF is damaged and its text cannot be read ({type(exc).__name__}: {exc})") from exc
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
        """Pages without a text layer (scans) are read by OCR; the rest waits for `leakdesk ocr`."""
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
