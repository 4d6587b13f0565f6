"""PDF documents: text of every page (pypdf), OCR for pages without a text layer, and the document's metadata."""

from __future__ import annotations

import pypdf

from leakdesk.errors import IntakeError
from leakdesk.intake import ocr
from leakdesk.intake.readers.text import text_role
from leakdesk.intake.readers.unknown import looks_binary
from leakdesk.intake.registry import Extracted, ReadContext, Reader, Source, TextPart


class PdfReader(Reader):
    name = "pypdf"
    version = pypdf.__version__
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
                pages = [page.extract_text() or "" for page in pdf.pages]
                meta: dict[str, object] = dict(pdf.metadata or {})
                ex.details["pages"] = len(pages)
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
