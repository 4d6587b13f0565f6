"""Word (.docx) documents: paragraphs and tables (python-docx), and who wrote and last saved them."""

from __future__ import annotations

from importlib.metadata import version

from leakdesk.errors import IntakeError
from leakdesk.intake.readers.text import text_role
from leakdesk.intake.reading import Extracted, ReadContext, Reader, Source, TextPart

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class DocxReader(Reader):
    name = "python-docx"
    version = version("python-docx")
    isolated = True
    libraries = ("docx",)
    media_types = (DOCX,)
    extensions = ("docx",)

    def sniff(self, source: Source, head: bytes) -> int:
        return 10 if head.startswith(b"PK\x03\x04") and (b"word/" in head or b"[Content_Types].xml" in head) else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        if not source.head(4).startswith(b"PK\x03\x04"):
            raise IntakeError("not a Word document although it is named or labelled as .docx (it is not a zip package)")
        import docx  # here, in the reader worker: ingesting mail never loads python-docx

        try:
            with source.open() as fh:
                document = docx.Document(fh)
        except Exception as exc:  # python-docx raises several kinds on damaged packages
            raise IntakeError(f"not a readable Word document ({type(exc).__name__}: {exc})") from exc
        lines = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                lines.append("\t".join(cell.text for cell in row.cells))
        ex = Extracted(kind="file", media_type=DOCX)
        props = document.core_properties
        ex.details["metadata"] = {
            k: str(v)
            for k, v in {
                "author": props.author,
                "last_modified_by": props.last_modified_by,
                "created": props.created,
                "modified": props.modified,
                "title": props.title,
            }.items()
            if v
        }
        text = "\n".join(lines).strip()
        if text:
            ex.texts.append(TextPart(text_role(ctx), text, self.name, self.version))
        return ex
