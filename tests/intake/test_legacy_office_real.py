"""Real Word 97 and PowerPoint 97 files, written by LibreOffice (Debian's `soffice`, installed by the Makefile) from
documents written here, read by the legacy-office reader: the text comes out, the converter is named, and a
presentation with no text is a warning, not a silent "ok".

LibreOffice keeps a presentation's text in the slides' drawings, where catppt finds nothing: before the reader also
read the text records, such a .ppt was stored "ok" with no text at all."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from leakdesk.case import Case
from leakdesk.intake import ingest_paths, list_dispatches
from leakdesk.intake.readers.office import powerpoint_text
from tests.intake.test_formats import _texts

pytestmark = pytest.mark.slow  # LibreOffice takes seconds to start

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" office:version="1.2"')

LETTER = (f'<?xml version="1.0" encoding="UTF-8"?><office:document {NS} '
          'office:mimetype="application/vnd.oasis.opendocument.text"><office:body><office:text>'
          "<text:p>Уважаемый коллега, совещание перенесли на четверг.</text:p>"
          "<text:p>Переброска техники на Итуруп — в августе.</text:p></office:text></office:body></office:document>")


def _slides(*texts: str) -> str:
    pages = "".join(
        f'<draw:page draw:name="p{i}"><draw:frame presentation:class="title" svg:width="20cm" svg:height="3cm" '
        f'svg:x="2cm" svg:y="2cm"><draw:text-box><text:p>{text}</text:p></draw:text-box></draw:frame></draw:page>'
        for i, text in enumerate(texts))
    return (f'<?xml version="1.0" encoding="UTF-8"?><office:document {NS} '
            'office:mimetype="application/vnd.oasis.opendocument.presentation"><office:body><office:presentation>'
            f"{pages}</office:presentation></office:body></office:document>")


def _convert(tmp_path: Path, target: str, *sources: Path) -> list[Path]:
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (Debian libreoffice-writer-nogui, libreoffice-impress-nogui) is not installed"
    out = tmp_path / "converted"
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", target,
                    "--outdir", str(out), *map(str, sources)], check=True, capture_output=True, timeout=300)
    made = [out / f"{s.stem}.{target}" for s in sources]
    assert all(p.is_file() for p in made)
    return made


@pytest.fixture(scope="module")
def office_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("office")
    (folder / "letter.fodt").write_text(LETTER, "utf-8")
    (folder / "plan.fodp").write_text(_slides("Курилы: план на август", "Переброска техники на Итуруп"), "utf-8")
    (folder / "blank.fodp").write_text(_slides(""), "utf-8")
    (doc,) = _convert(folder, "doc", folder / "letter.fodt")
    ppt, blank = _convert(folder, "ppt", folder / "plan.fodp", folder / "blank.fodp")
    return {"doc": doc, "ppt": ppt, "blank": blank}


def test_powerpoint_text_records_hold_the_slides_but_not_the_masters(office_files: dict[str, Path]) -> None:
    catppt = subprocess.run(["catppt", "-d", "utf-8", str(office_files["ppt"])], capture_output=True, check=False)
    assert "Итуруп" not in catppt.stdout.decode("utf-8", "replace")  # what the reader met before
    assert powerpoint_text(office_files["ppt"]) == "Курилы: план на август\n\nПереброска техники на Итуруп"
    assert powerpoint_text(office_files["blank"]) == ""
    assert powerpoint_text(office_files["doc"]) == ""  # not a presentation: no such stream


def test_real_doc_and_ppt_are_read_with_their_converter_named(case: Case, tmp_path: Path,
                                                             office_files: dict[str, Path]) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, path in office_files.items():
        shutil.copy(path, inbox / f"{name}{path.suffix}")
    result = ingest_paths(case, [inbox], progress=False)
    rows = {d["filename"]: d for d in list_dispatches(case)}
    assert {n: (d["status"], d["media_type"]) for n, d in rows.items()} == {
        "doc.doc": ("ok", "application/msword"),
        "ppt.ppt": ("ok", "application/vnd.ms-powerpoint"),
        "blank.ppt": ("warning", "application/vnd.ms-powerpoint"),
    }
    [(extractor, content)] = _texts(case, rows["doc.doc"]["id"])
    # antiword refuses LibreOffice's Word 97 files ("text stream too small"); catdoc, the fallback, reads them.
    assert extractor == "catdoc" and "совещание перенесли на четверг" in content and "Итуруп" in content
    [(extractor, content)] = _texts(case, rows["ppt.ppt"]["id"])
    assert extractor == "olefile" and "Курилы: план на август" in content and "Итуруп" in content
    assert _texts(case, rows["blank.ppt"]["id"]) == []
    assert rows["blank.ppt"]["warning"] == "the PowerPoint presentation holds no text that could be read"
    assert result.problems == []  # a warning is not a problem: the exit code stays 0
