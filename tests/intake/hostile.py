"""Hostile files built on the spot (never stored in the repository): deflate bombs, huge PDFs, huge HTML mail.

Also used by `benchmarks/hostile_files.py`, which builds them at the sizes of the issue's attack table.
"""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import psutil

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def docx_bomb(path: Path, expanded: int) -> Path:
    """A Word document whose word/document.xml expands to `expanded` bytes (about 1,000 times its packed size)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>'.encode())
            chunk = b"A" * (1 << 20)
            for _ in range(expanded // len(chunk)):
                member.write(chunk)
            member.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return path


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF from numbered objects (object 1 is the catalog), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


TEXT_OPERATORS = b"BT /F1 1 Tf (a) Tj ET\n"


def pdf_with_huge_streams(path: Path, streams: int, expanded: int, per_page: int = 1) -> Path:
    """`streams` pages, each drawn by `per_page` content streams that inflate to `expanded` bytes of text operators
    (about 1,000 times their packed size; pypdf needs seconds per megabyte of them)."""
    data = zlib.compress(TEXT_OPERATORS * (expanded // len(TEXT_OPERATORS)), 9)
    font = 3
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for _ in range(streams):
        page = len(objects) + 1
        contents = b" ".join(b"%d 0 R" % (page + 1 + i) for i in range(per_page))
        kids.append(b"%d 0 R" % page)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /Font << /F1 %d 0 R >> "
                       b">> /Contents [%s] >>" % (font, contents))
        for _ in range(per_page):
            objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % streams
    path.write_bytes(_pdf(objects))
    return path


def pdf_with_many_pages(path: Path, pages: int) -> Path:
    """A PDF of `pages` pages that all show one short line of text."""
    content = b"BT /F1 12 Tf 20 100 Td (page) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    first = len(objects) + 1
    kids = b" ".join(b"%d 0 R" % (first + i) for i in range(pages))
    objects[1] = b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /Font << /F1 3 0 R >> >> " \
           b"/Contents 4 0 R >>"
    objects.extend([page] * pages)
    path.write_bytes(_pdf(objects))
    return path


def html_mail(path: Path, size: int) -> Path:
    """An email whose text/html body is `size` bytes of paragraphs."""
    paragraph = b"<p>Payment schedule for the <b>northern</b> route, see the table below.</p>\n"
    head = (b"From: insider@example.org\nTo: desk@example.org\nSubject: big html\nMessage-ID: <big@example.org>\n"
            b"MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n")
    path.write_bytes(head + b"<html><body>" + paragraph * (size // len(paragraph)) + b"</body></html>\n")
    return path


@dataclass
class Run:
    """One `leakdesk ingest` in a child process: exit code, output, wall seconds, peak RSS of its process tree."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss: int


_INGEST = """
import json, sys
from pathlib import Path
from leakdesk.case import Case
from leakdesk.intake import ingest_paths
with Case.open(Path(sys.argv[1])) as case:
    print(json.dumps(ingest_paths(case, [Path(p) for p in sys.argv[2:]], progress=False).as_dict()))
"""


def ingest_measured(case: Path, *inputs: Path, timeout: float = 300) -> Run:
    """Ingest INPUTS into CASE in a child process (the Python API, as `leakdesk ingest` calls it) and sample the
    RSS of it and its reader worker every 20 ms. stdout is the IngestResult as JSON."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", _INGEST, str(case), *map(str, inputs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None and time.monotonic() - started < timeout:
        try:
            tree = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.02)
    if proc.poll() is None:
        proc.kill()
    out, err = proc.communicate()
    return Run(proc.returncode, out, err, time.monotonic() - started, peak)


def docx_huge(path: Path, paragraphs: int) -> Path:
    """A Word document of many short paragraphs: not a bomb (it packs only some 20 times), but heavy to parse."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>'.encode())
            for start in range(0, paragraphs, 10_000):
                member.write(b"".join(b"<w:p><w:r><w:t>line %d of the ledger</w:t></w:r></w:p>" % n
                                      for n in range(start, min(start + 10_000, paragraphs))))
            member.write(b"</w:body></w:document>")
    return path
