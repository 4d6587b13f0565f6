"""Scrubbed and flattened derivatives with the real tools (mat2, pdftoppm, tesseract): each derivative is re-read to
prove that metadata, hidden text, active content and redacted names are gone, and that the original is untouched."""

from __future__ import annotations

import hashlib
import io
import json

import pypdf
import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.errors import LeakdeskError
from leakdesk.publish.metadata import file_findings
from leakdesk.publish.redact import add_term
from leakdesk.publish.scrub import make_derivative, text_of
from leakdesk.store import tables as t
from tests.conftest import invoke
from tests.publish.conftest import NOW, add_dispatch
from tests.publish.files import docx_bytes, jpeg_bytes, text_pdf_bytes

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def files_case(case: Case) -> tuple[Case, dict[str, int]]:
    ids: dict[str, int] = {}
    with case.transaction() as conn:
        series_id = conn.execute(t.series.insert().values(name="Буря", created=NOW)).inserted_primary_key[0]
        ids["letter"] = add_dispatch(case, conn, "Письмо с приложениями.".encode(), source="/in/1.eml",
                                     series_id=series_id, charset=("utf-8", "declared"))
        for name, data, media in (("order.pdf", text_pdf_bytes(), "application/pdf"),
                                  ("tezisy.docx", docx_bytes(), DOCX), ("photo.jpg", jpeg_bytes(), "image/jpeg")):
            ids[name] = add_dispatch(case, conn, data, source="/in/1.eml", kind="attachment", parent_id=ids["letter"],
                                     filename=name, media_type=media)
    return case, ids


def _bytes(case: Case, rel: str) -> bytes:
    return (case.root / rel).read_bytes()


def test_scrubbed_copies_keep_the_content_and_lose_the_metadata(files_case) -> None:  # type: ignore[no-untyped-def]
    case, ids = files_case
    for name in ("order.pdf", "tezisy.docx", "photo.jpg"):
        assert file_findings(ids[name], None, name, _bytes_of_original(case, ids[name]))  # something to remove
        made = make_derivative(case, ids[name])
        data = _bytes(case, made.path)
        assert hashlib.sha256(data).hexdigest() == made.sha256
        left = [(f.field, f.value) for f in file_findings(ids[name], None, name, data)]
        assert left == [], name
        assert b"a.orlov" not in data and b"i.petrov" not in data and b"SN-4711-0815" not in data
    pdf = _bytes(case, f"exports/scrubbed/{ids['order.pdf']}.scrubbed.pdf")
    assert "signed the order" in " ".join(text_of(pdf, "pdf").split())  # the text layer is kept
    docx = _bytes(case, f"exports/scrubbed/{ids['tezisy.docx']}.scrubbed.docx")
    assert "Тезисы к совещанию" in text_of(docx, "docx") and b"thumbnail" not in docx
    with case.connect() as conn:
        rows = conn.execute(sa.select(t.derivative).order_by(t.derivative.c.id)).all()
        actions = [r.action for r in conn.execute(sa.select(t.audit).order_by(t.audit.c.seq))]
        shas = dict(conn.execute(sa.select(t.dispatch.c.id, t.dispatch.c.original_sha256)).all())
    assert [r.kind for r in rows] == ["scrubbed"] * 3 and actions.count("scrub.scrubbed") == 3
    for r in rows:
        assert r.source_sha256 == shas[r.dispatch_id]
        assert hashlib.sha256(case.originals.path(r.source_sha256).read_bytes()).hexdigest() == r.source_sha256


def _bytes_of_original(case: Case, dispatch_id: int) -> bytes:
    with case.connect() as conn:
        sha = conn.execute(sa.select(t.dispatch.c.original_sha256).where(t.dispatch.c.id == dispatch_id)).scalar()
    return case.originals.read_bytes(sha)


def test_flattened_redacted_pdf_has_no_hidden_text_no_script_and_no_redacted_name(files_case) -> None:  # type: ignore[no-untyped-def]
    case, ids = files_case
    add_term(case, "Ivan Petrov", "Officer 2", "Буря", label="person")
    made = make_derivative(case, ids["order.pdf"], flatten=True, redacted=True)
    assert made.path.endswith(".flattened.redacted.pdf")
    data = _bytes(case, made.path)
    text = " ".join(text_of(data, "pdf").split())
    assert "signed the order" in text and "August" in text  # the OCR layer reads what is visible
    assert "Petrov" not in text and "Ivan" not in text  # burned in
    assert "HIDDEN" not in text  # invisible text is not in the picture
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert not reader.metadata and b"JavaScript" not in data and b"OpenAction" not in data
    assert b"Helvetica" not in data  # the original's text objects are gone; the page is a picture
    assert list(reader.pages[0]["/Resources"]["/XObject"].keys()) == ["/Im1"]


def test_redacted_pdf_that_is_not_flattened_is_refused(files_case) -> None:  # type: ignore[no-untyped-def]
    case, ids = files_case
    add_term(case, "Ivan Petrov", "Officer 2", "Буря")
    with pytest.raises(LeakdeskError) as err:
        make_derivative(case, ids["order.pdf"], redacted=True)
    assert str(err.value) == (f"Dispatch {ids['order.pdf']} (order.pdf): 3 redacted name(s) are still readable in the "
                              "file; flatten it (--flatten) instead. Nothing was written.")  # the name and its parts
    assert not list((case.exports / "scrubbed").glob("*"))


def test_what_cannot_be_scrubbed_or_flattened(files_case) -> None:  # type: ignore[no-untyped-def]
    case, ids = files_case
    with pytest.raises(LeakdeskError, match=r"^Dispatch \d+ \(tezisy.docx\) is not a PDF; only PDFs can be "
                                            r"flattened.$"):
        make_derivative(case, ids["tezisy.docx"], flatten=True)
    with pytest.raises(LeakdeskError, match=r"is not a PDF, office file or image; there is nothing to scrub"):
        make_derivative(case, ids["letter"])


def test_cli_scrub(files_case, runner) -> None:  # type: ignore[no-untyped-def]
    case, ids = files_case
    result = invoke(runner, "scrub", case.root, "--series", "Буря", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert sorted(d["dispatch_id"] for d in data["derivatives"]) == sorted(
        ids[n] for n in ("order.pdf", "tezisy.docx", "photo.jpg")) and data["failed"] == []
    result = invoke(runner, "scrub", case.root, ids["letter"], ids["photo.jpg"])
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert f"scrubbed: dispatch {ids['photo.jpg']} → exports/scrubbed/{ids['photo.jpg']}.scrubbed.jpg" in out
    assert f"Error: Dispatch {ids['letter']} (dispatch {ids['letter']}) is not a PDF, office file or image" in out


def test_redacted_picture_has_the_name_painted_over(case: Case) -> None:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 36)
    image = Image.new("RGB", (900, 200), "white")
    ImageDraw.Draw(image).text((20, 60), "Colonel Ivan Petrov signed the order", fill="black", font=font)
    raw = io.BytesIO()
    image.save(raw, "PNG")
    with case.transaction() as conn:
        series_id = conn.execute(t.series.insert().values(name="Буря", created=NOW)).inserted_primary_key[0]
        letter = add_dispatch(case, conn, b"letter", source="/in/1.eml", series_id=series_id)
        scan = add_dispatch(case, conn, raw.getvalue(), source="/in/1.eml", kind="attachment", parent_id=letter,
                            filename="scan.png", media_type="image/png")
    assert "Petrov" in text_of(raw.getvalue(), "png")
    add_term(case, "Ivan Petrov", "Officer 2", "Буря")
    made = make_derivative(case, scan, redacted=True)
    seen = " ".join(text_of(_bytes(case, made.path), "png").split())
    assert "signed the order" in seen and "Petrov" not in seen and "Ivan" not in seen
