"""Small files with identifying metadata, written for the publish tests (names and places are invented)."""

from __future__ import annotations

import io
import zipfile

APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Template>Служебная.dotx</Template><Company>ФГКУ Восток</Company><Application>Microsoft Office Word</Application>"
    "</Properties>"
)
SETTINGS_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"'
    ' Target="file:///\\\\fs01\\users\\a.orlov\\Шаблоны\\Служебная.dotx" TargetMode="External"/></Relationships>'
)


def docx_bytes(text: str = "Тезисы к совещанию. Иван Петров, тел. +7 914 555-12-34.", author: str = "i.petrov",
               last_modified_by: str = "a.orlov") -> bytes:
    """A DOCX whose properties name its author, last editor, company and a template on a file server."""
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    document.core_properties.author = author
    document.core_properties.last_modified_by = last_modified_by
    document.core_properties.comments = "черновик для a.orlov"
    raw = io.BytesIO()
    document.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename == "docProps/app.xml":
                dst.writestr(item, APP_XML)
            else:
                dst.writestr(item, src.read(item.filename))
        if "docProps/app.xml" not in src.namelist():
            dst.writestr("docProps/app.xml", APP_XML)
        dst.writestr("word/_rels/settings.xml.rels", SETTINGS_RELS)
    return out.getvalue()


def pdf_bytes(text: str = "Справка. Иван Петров", author: str = "Ivan Petrov") -> bytes:
    """A one-page PDF with text and an author in its document information."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(image).text((10, 40), text.encode("ascii", "replace").decode(), fill="black")
    raw = io.BytesIO()
    image.save(raw, "PDF")
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(raw.getvalue()))
    writer = pypdf.PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.add_metadata({"/Author": author, "/Creator": "Writer (Служба)", "/Producer": "LibreOffice 7.3"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg_bytes() -> bytes:
    """A tiny JPEG with a camera serial number, a time zone and a GPS position in its EXIF."""
    from PIL import Image

    image = Image.new("RGB", (16, 16), "grey")
    exif = Image.Exif()
    exif[0x010F] = "Google"
    exif[0x0110] = "Pixel 7"
    exif.get_ifd(0x8769)[0xA431] = "SN-4711-0815"
    exif.get_ifd(0x8769)[0x9010] = "+11:00"
    exif.get_ifd(0x8825).update({1: "N", 2: (45.0, 14.0, 24.0), 3: "E", 4: (147.0, 53.0, 6.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def text_pdf_bytes(visible: str = "Colonel Ivan Petrov signed the order on 9 August.",
                   hidden: str = "HIDDEN LINE UNDER THE PICTURE", author: str = "a.orlov") -> bytes:
    """A small hand-made PDF: one visible line (Helvetica), one invisible line (text render mode 3, as left by
    bad redactions or OCR), an author in its information dictionary and a JavaScript open action."""
    content = (f"BT /F1 14 Tf 20 100 Td ({visible}) Tj ET\nBT 3 Tr /F1 14 Tf 20 60 Td ({hidden}) Tj ET\n").encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 160] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /S /JavaScript /JS (app.alert('hello');) >>",
        b"<< /Author (%s) /Creator (Word for the Office) >>" % author.encode(),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
