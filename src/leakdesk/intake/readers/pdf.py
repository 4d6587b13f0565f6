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


def _page_texts(pdf: pypdf.PdfReader, ctx: ReadContext) -> tuple[list[str], str | None]:
    """Text page by page, stopping early (with the reason) at the page, text or half-time limit of the budget."""
    limits = ctx.limits
    deadline = time.monotonic() + limits.max_reader_seconds / 2 if limits.max_reader_seconds else None
    texts: list[str] = []
    chars = 0
    for number, page in enumerate(_pages(pdf)):
        if number >= limits.max_pages:
            return texts, f"the limit is {limits.max_pages:,} pages per document"
        if deadline is not None and time.monotonic() > deadline:
            return texts, f"half of the time limit of {limits.max_reader_seconds:g} s per file was used"
        if chars > limits.max_text_chars:
            return texts, f"the limit is {limits.max_text_chars:,} characters of text per document"
        texts.append(page.extract_text() or "")
        chars += len(texts[-1])
    return texts, None


class PdfReader(Reader):
    name = "pypdf"
    version = pypdf.__version__
    isolated = True
    media_types = ("application/pdf", "application/x-pdf")
    extensions = ("pdf",)
    magic = (b"%PDF-",)

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
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
                pages, cut = _page_texts(pdf, ctx)
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
        self._ocr(source, ctx, ex, list(ocr.page_numbers(pages)))
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
