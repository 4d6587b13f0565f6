"""Excel workbooks (.xlsx, .xlsm: openpyxl) and PowerPoint presentations (.pptx: the slides' XML), chosen by the
parts inside the package, so a workbook never reaches the Word reader."""

from __future__ import annotations

import re
import zipfile
from importlib.metadata import version

from lxml import etree

from leakdesk.errors import IntakeError
from leakdesk.intake.readers.text import text_role
from leakdesk.intake.reading import Extracted, ReadContext, Reader, Source, TextPart

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
MAX_CELLS = 5_000_000
MAX_XML = 64 * 1024**2
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def package_parts(source: Source, head: bytes) -> set[str]:
    """Names inside a zip package (empty for anything else); reads only the central directory."""
    if not head.startswith(b"PK\x03\x04"):
        return set()
    try:
        with source.open() as fh, zipfile.ZipFile(fh) as package:
            return set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return set()


class XlsxReader(Reader):
    name = "openpyxl"
    version = version("openpyxl")
    isolated = True  # parsed in the budgeted worker (intake/budget.py)
    libraries = ("openpyxl",)
    media_types = (XLSX, "application/vnd.ms-excel.sheet.macroenabled.12")
    extensions = ("xlsx", "xlsm", "xltx")

    def sniff(self, source: Source, head: bytes) -> int:
        return 20 if "xl/workbook.xml" in package_parts(source, head) else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        import openpyxl

        try:
            with source.open() as fh:
                book = openpyxl.load_workbook(fh, read_only=True, data_only=True, keep_links=False)
                lines, cells, cut = [], 0, False
                for sheet in book.worksheets:
                    lines.append(f"# {sheet.title}")
                    for row in sheet.iter_rows(values_only=True):
                        values = ["" if v is None else str(v) for v in row]
                        while values and not values[-1]:
                            values.pop()
                        cells += len(values)
                        if cells > MAX_CELLS:
                            cut = True
                            break
                        if values:
                            lines.append("\t".join(values))
                    if cut:
                        break
                props = book.properties
                sheets = len(book.worksheets)
                book.close()
        except Exception as exc:  # openpyxl raises many kinds on damaged or foreign packages
            raise IntakeError(f"not a readable Excel workbook ({type(exc).__name__}: {exc})") from exc
        ex = Extracted(kind="file", media_type=XLSX)
        ex.details["sheets"] = sheets
        ex.details["metadata"] = {k: str(v) for k, v in {
            "creator": props.creator, "last_modified_by": props.lastModifiedBy, "created": props.created,
            "modified": props.modified, "title": props.title}.items() if v}
        if cut:
            ex.details["truncated"] = f"only the first {MAX_CELLS:,} cells were read"
        text = "\n".join(lines).strip()
        if text:
            ex.texts.append(TextPart(text_role(ctx), text, self.name, self.version))
        return ex


class PptxReader(Reader):
    name = "pptx"
    version = "1"
    isolated = True  # parsed in the budgeted worker (intake/budget.py)
    media_types = (PPTX,)
    extensions = ("pptx", "ppsx", "potx")

    def sniff(self, source: Source, head: bytes) -> int:
        return 20 if "ppt/presentation.xml" in package_parts(source, head) else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        slide = re.compile(r"ppt/(slides|notesSlides)/(?:slide|notesSlide)(\d+)\.xml$")
        try:
            with source.open() as fh, zipfile.ZipFile(fh) as package:
                parts = sorted(((m.group(1), int(m.group(2)), n) for n in package.namelist()
                                if (m := slide.match(n))), key=lambda x: (x[1], x[0] != "slides"))
                blocks = []
                for kind, number, name in parts:
                    with package.open(name) as member:
                        data = member.read(MAX_XML + 1)
                    if len(data) > MAX_XML:
                        raise IntakeError(f"the slide part {name} is larger than {MAX_XML // 1024**2} MB; not read")
                    root = etree.fromstring(data, _PARSER)
                    paras = ["".join(t.text or "" for t in p.iter(f"{_A}t")) for p in root.iter(f"{_A}p")]
                    body = "\n".join(p for p in paras if p.strip())
                    if body:
                        blocks.append(f"# {'Slide' if kind == 'slides' else 'Notes'} {number}\n{body}")
        except IntakeError:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, etree.XMLSyntaxError) as exc:
            raise IntakeError(f"not a readable PowerPoint presentation ({type(exc).__name__}: {exc})") from exc
        ex = Extracted(kind="file", media_type=PPTX)
        ex.details["slides"] = sum(1 for k, _, _ in parts if k == "slides")
        if blocks:
            ex.texts.append(TextPart(text_role(ctx), "\n\n".join(blocks), self.name, self.version))
        return ex
