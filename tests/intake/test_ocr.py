"""OCR with the real Tesseract on images and scanned PDFs the tests render from text (PIL, DejaVu fonts)."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein
from typer.testing import CliRunner

from leakdesk.case import Case
from leakdesk.intake import ingest_paths, list_dispatches, ocr
from leakdesk.publish.report import build_report
from leakdesk.store import tables as t
from tests.conftest import invoke

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # Debian fonts-dejavu-core
EN = "The second payment left Limassol on 14 August."
RU = "Второй платёж ушёл из Лимассола 14 августа."


def render(lines: list[str], size: int = 28) -> Image.Image:
    """A white page with black text, like a clean scan at about 150 dpi."""
    font = ImageFont.truetype(FONT, size)
    width = max(int(font.getlength(line)) for line in lines) + 80
    page = Image.new("L", (width, (size + 16) * len(lines) + 60), 255)
    draw = ImageDraw.Draw(page)
    for n, line in enumerate(lines):
        draw.text((40, 30 + n * (size + 16)), line, font=font, fill=0)
    return page


def encoded(image: Image.Image, fmt: str, **kw: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kw)
    return out.getvalue()


def accuracy(expected: str, found: str) -> float:
    return 1 - Levenshtein.distance(" ".join(expected.split()), " ".join(found.split())) / len(expected)


def _ingest(case: Case, folder: Path, files: dict[str, bytes]) -> list[dict[str, object]]:
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    ingest_paths(case, [folder / n for n in files], progress=False)
    return list_dispatches(case)


def _texts(case: Case, dispatch_id: int) -> list[tuple[str, str, str, str | None]]:
    with case.connect() as conn:
        return [tuple(r) for r in conn.execute(
            sa.select(t.text.c.role, t.text.c.content, t.text.c.extractor_version, t.text.c.language)
            .where(t.text.c.dispatch_id == dispatch_id).order_by(t.text.c.id))]


def _details(case: Case, dispatch_id: int) -> dict[str, object]:
    with case.connect() as conn:
        return conn.execute(sa.select(t.dispatch.c.details).where(t.dispatch.c.id == dispatch_id)).scalar_one()


def test_png_and_jpeg_in_english_and_russian(case: Case, tmp_path: Path) -> None:
    listed = _ingest(case, tmp_path / "in", {
        "scan.png": encoded(render([EN]), "PNG"),
        "photo": encoded(render([RU]).convert("RGB"), "JPEG", quality=90),  # no extension: chosen by content
    })
    version = ocr.tesseract_version()
    assert version is not None and version.startswith(("4.", "5."))
    [(role, content, extractor_version, language)] = _texts(case, 1)
    assert (role, extractor_version, language) == ("body", f"{version} (rus+eng)", "en")
    assert accuracy(EN, content) >= 0.95, content
    [(_, content, _, language)] = _texts(case, 2)
    assert language == "ru" and accuracy(RU, content) >= 0.9, content
    assert [(d["reader"] if "reader" in d else None, d["media_type"], d["status"]) for d in listed] == [
        (None, "image/png", "ok"), (None, "image/jpeg", "ok")]
    info = _details(case, 1)["ocr"]
    assert info == {"engine": "tesseract", "version": version, "languages": "rus+eng", "status": "text found",
                    "pages": 1, "characters": len(_texts(case, 1)[0][1])}


def test_multipage_tiff_reads_every_page(case: Case, tmp_path: Path) -> None:
    first, second = render(["Page one: the contract."]), render(["Page two: the signatures."])
    tiff = encoded(first, "TIFF", save_all=True, append_images=[second], compression="tiff_lzw")
    _ingest(case, tmp_path / "in", {"letter.tif": tiff})
    [(_, content, _, _)] = _texts(case, 1)
    assert "contract" in content and "signatures" in content and content.index("contract") < content.index("sign")
    assert _details(case, 1)["ocr"]["pages"] == 2


def test_blank_and_tiny_images_say_so(case: Case, tmp_path: Path) -> None:
    _ingest(case, tmp_path / "in", {
        "blank.png": encoded(Image.new("L", (600, 300), 255), "PNG"),
        "pixel.gif": encoded(Image.new("L", (1, 1), 0), "GIF"),
    })
    assert _texts(case, 1) == [] and _texts(case, 2) == []
    listed = list_dispatches(case)
    assert [(d["status"], d["error"]) for d in listed] == [("warning", None), ("ok", None)]
    assert _details(case, 1)["ocr"]["status"] == "OCR found no text"
    assert _details(case, 1)["note"] == "OCR found no text"
    assert _details(case, 2)["note"] == "an image of 1×1 pixels, too small to hold text; not read by OCR"


def test_scanned_pdf_pages_are_read_by_ocr(case: Case, tmp_path: Path) -> None:
    pdf = encoded(render([EN, "Signed: the chief accountant."]).convert("RGB"), "PDF", resolution=150)
    listed = _ingest(case, tmp_path / "in", {"scan.pdf": pdf})
    [(role, content, extractor_version, _)] = _texts(case, 1)
    assert role == "body" and extractor_version.endswith("(rus+eng)")
    assert accuracy(EN, content.splitlines()[0]) >= 0.95, content
    details = _details(case, 1)
    assert details["ocr"]["status"] == "text found" and details["ocr"]["page_numbers"] == [1]
    assert listed[0]["status"] == "ok" and listed[0]["ocr"]["status"] == "text found"
    report = build_report(case).path.read_text("utf-8")
    assert "Text read by OCR" in report and "scan.pdf" in report


def test_decompression_bomb_is_refused(case: Case, tmp_path: Path) -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    # A PNG header claiming 40,000 × 40,000 pixels: what a decompression bomb declares.
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 40000, 40000, 1, 0, 0, 0, 0))
    bomb = b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    listed = _ingest(case, tmp_path / "in", {"bomb.png": bomb})
    assert listed[0]["status"] == "error"
    assert listed[0]["error"] == "the image is too large to open safely (it looks like a decompression bomb)"


@pytest.mark.slow
def test_needs_ocr_without_tesseract_then_ocr_command(runner: CliRunner, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    Case.init(tmp_path / "case").close()
    with monkeypatch.context() as m, Case.open(tmp_path / "case") as c:
        m.setattr(ocr, "tesseract_version", lambda: None)
        _ingest(c, tmp_path / "in", {"scan.png": encoded(render([EN]), "PNG")})
        assert _details(c, 1)["ocr"]["status"] == "needs OCR"
        assert _details(c, 1)["note"] == (
            "needs OCR: Tesseract is not installed (Debian packages tesseract-ocr, tesseract-ocr-rus)")
    result = invoke(runner, "ocr", tmp_path / "case")
    assert result.exit_code == 0, result.output
    version = ocr.tesseract_version()
    assert result.stdout.startswith("Dispatch 1: text found (1 pages, ")
    assert result.stdout.endswith(f"characters, tesseract {version}, rus+eng).\n")
    with Case.open(tmp_path / "case") as c:
        [(role, content, _, language)] = _texts(c, 1)
        assert role == "body" and language == "en" and accuracy(EN, content) >= 0.95
        with c.connect() as conn:
            assert conn.execute(sa.select(t.audit.c.actor).where(t.audit.c.action == "intake.ocr")).scalars().all() \
                == ["tester"]
    again = invoke(runner, "ocr", tmp_path / "case", "--json")
    assert json.loads(again.stdout) == []  # nothing left that needs OCR
    missing = invoke(runner, "ocr", tmp_path / "case", "7")
    assert (missing.exit_code, missing.stderr) == (1, "Error: No such dispatch 7 in this case.\n")


def test_ocr_refuses_what_is_not_a_scan(runner: CliRunner, tmp_path: Path) -> None:
    Case.init(tmp_path / "case").close()
    (tmp_path / "note.txt").write_text("a note\n")
    invoke(runner, "ingest", tmp_path / "case", tmp_path / "note.txt")
    result = invoke(runner, "ocr", tmp_path / "case", "1")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: Dispatch 1 is not a scan or an image (text/plain); only PDFs and images are read by OCR.\n")
