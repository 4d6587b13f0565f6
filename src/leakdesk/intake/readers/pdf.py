"""PDF documents: text of every page (pypdf), and the document's own metadata."""

from __future__ import annotations

import pypdf

from leakdesk.errors import IntakeError
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
        else:
            ex.details["note"] = "no text layer (a scanned PDF needs OCR)"
        return ex
