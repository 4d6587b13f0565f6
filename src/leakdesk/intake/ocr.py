"""Text from scans and photos: Tesseract (through pytesseract) on images and on PDF pages without a text layer.

PDF pages are rendered with poppler's `pdftoppm`, one page at a time, so memory stays bounded. Every result says
which engine, version and languages produced it, and whether OCR found text, found none, or could not run yet
("needs OCR"), so a desk never mistakes an unread scan for an empty letter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leakdesk.case import Case
from leakdesk.errors import IntakeError
from leakdesk.language.langid import detect_languages
from leakdesk.store.records import dispatches
from leakdesk.store.records.common import no_such_dispatch
from leakdesk.store.records.dispatches import Dispatch

if TYPE_CHECKING:  # Pillow is imported by the first OCR, not by every ingest (the intake report imports this module)
    from PIL import Image

ENGINE = "tesseract"
DEFAULT_LANGUAGES = "rus+eng"
INGEST_PAGES = 30  # pages read while ingesting; `leakdesk dispatch ocr` reads the rest
MAX_PAGES = 2000
MAX_PIXELS = 60_000_000  # a page or image larger than this is refused (a decompression bomb, or absurd DPI)
RENDER_DPI = 300
PAGE_TIMEOUT = 300  # seconds per page
_ISO = {"ru": "rus", "en": "eng", "uk": "ukr", "de": "deu", "fr": "fra", "be": "bel", "kk": "kaz", "es": "spa"}

# Status words, as `dispatches --json` and the report show them.
TEXT_FOUND = "text found"
NO_TEXT = "OCR found no text"
OCR_READERS = ("image", "pypdf")  # the readers whose dispatches OCR can read (scans and images)
NEEDS_OCR = "needs OCR"


@dataclass
class OcrResult:
    """What OCR made of one document."""

    text: str = ""
    status: str = NEEDS_OCR
    version: str | None = None
    languages: str = DEFAULT_LANGUAGES
    pages: int = 0  # pages (or image frames) read
    total_pages: int = 0
    reason: str | None = None  # why OCR could not run, or why it stopped
    page_texts: list[str] = field(default_factory=list)

    @property
    def extractor_version(self) -> str:
        return f"{self.version} ({self.languages})"[:40]

    def details(self) -> dict[str, Any]:
        out: dict[str, Any] = {"engine": ENGINE, "version": self.version, "languages": self.languages,
                               "status": self.status, "pages": self.pages, "characters": len(self.text)}
        if self.total_pages and self.total_pages != self.pages:
            out["total_pages"] = self.total_pages
        if self.reason:
            out["reason"] = self.reason
        return out


def tesseract_version() -> str | None:
    """The installed Tesseract's version, or None when it is not installed."""
    import pytesseract

    try:
        return str(pytesseract.get_tesseract_version()).split()[0]
    except (pytesseract.TesseractNotFoundError, OSError):
        return None


def choose_languages(requested: str | Iterable[str] | None = None) -> tuple[str, str | None]:
    """Tesseract's language string for the request (ISO codes or Tesseract names), and what is missing, if any."""
    import pytesseract

    if requested is None:
        wanted = DEFAULT_LANGUAGES.split("+")
    elif isinstance(requested, str):
        wanted = [x for x in requested.replace(",", "+").split("+") if x]
    else:
        wanted = list(requested)
    wanted = list(dict.fromkeys(_ISO.get(w.lower(), w.lower()) for w in wanted))
    try:
        installed = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError):
        return "+".join(wanted), None
    have = [w for w in wanted if w in installed]
    missing = [w for w in wanted if w not in installed]
    note = f"Tesseract has no {'+'.join(missing)} language data installed" if missing else None
    return "+".join(have or ["eng"]), note


def _read_page(image: Image.Image, languages: str) -> str:
    import pytesseract

    # Tesseract's OpenMP threads cost ~4× the CPU per page on a busy machine (measured: benchmarks/ocr.py);
    # one thread per page unless the desk sets OMP_THREAD_LIMIT itself.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    if image.width * image.height > MAX_PIXELS:
        raise IntakeError(f"a page of {image.width}×{image.height} pixels is too large to read by OCR")
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    text = pytesseract.image_to_string(image, lang=languages, timeout=PAGE_TIMEOUT)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _finish(result: OcrResult) -> OcrResult:
    result.text = "\n\n".join(p for p in result.page_texts if p.strip()).strip()
    if result.reason and result.pages < result.total_pages:
        result.status = NEEDS_OCR if result.pages == 0 else TEXT_FOUND if result.text else NEEDS_OCR
    else:
        result.status = TEXT_FOUND if result.text else NO_TEXT
    return result


def _start(languages: str | None) -> OcrResult | tuple[OcrResult, str]:
    version = tesseract_version()
    langs, missing = choose_languages(languages)
    result = OcrResult(version=version, languages=langs)
    if version is None:
        result.reason = "Tesseract is not installed (Debian packages tesseract-ocr, tesseract-ocr-rus)"
        return result
    if missing:
        result.reason = missing
    return result, langs


def ocr_image(path: Path, languages: str | None = None, max_pages: int = MAX_PAGES,
              on_page: Callable[[int, int], None] | None = None) -> OcrResult:
    """OCR an image file (PNG, JPEG, TIFF; every frame of a multi-page TIFF)."""
    from PIL import Image

    started = _start(languages)
    if isinstance(started, OcrResult):
        return started
    result, langs = started
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                result.total_pages = getattr(image, "n_frames", 1)
                for n in range(min(result.total_pages, max_pages)):
                    image.seek(n)
                    result.page_texts.append(_read_page(image, langs))
                    result.pages += 1
                    if on_page is not None:
                        on_page(result.pages, min(result.total_pages, max_pages))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise IntakeError("the image is too large to read by OCR (it looks like a decompression bomb)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise IntakeError(f"the image is damaged and cannot be read ({exc})") from exc
    if result.pages < result.total_pages:
        result.reason = f"only the first {result.pages} of {result.total_pages} pages were read by OCR"
    return _finish(result)


def ocr_pdf(path: Path, pages: list[int], languages: str | None = None, max_pages: int = MAX_PAGES,
            on_page: Callable[[int, int], None] | None = None) -> OcrResult:
    """OCR the given pages (1-based) of a PDF, rendering each with pdftoppm."""
    from PIL import Image

    started = _start(languages)
    if isinstance(started, OcrResult):
        return started
    result, langs = started
    result.total_pages = len(pages)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        result.reason = "pdftoppm is not installed (Debian package poppler-utils), so PDF pages cannot be rendered"
        return result
    todo = pages[:max_pages]
    with tempfile.TemporaryDirectory(prefix="leakdesk-ocr-") as scratch:
        for page in todo:
            image_path = _render(pdftoppm, path, page, Path(scratch))
            if image_path is None:
                result.page_texts.append("")
            else:
                with Image.open(image_path) as image:
                    result.page_texts.append(_read_page(image, langs))
                image_path.unlink()
            result.pages += 1
            if on_page is not None:
                on_page(result.pages, len(todo))
    if result.pages < result.total_pages:
        result.reason = f"only {result.pages} of the {result.total_pages} pages without text were read by OCR"
    return _finish(result)


def _render(pdftoppm: str, path: Path, page: int, scratch: Path) -> Path | None:
    out = scratch / f"page-{page}"
    try:
        subprocess.run([pdftoppm, "-r", str(RENDER_DPI), "-gray", "-png", "-f", str(page), "-l", str(page),
                        "-singlefile", str(path), str(out)], check=True, capture_output=True, timeout=PAGE_TIMEOUT)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return None
    made = out.with_suffix(".png")
    return made if made.exists() else None


# ---------------------------------------------------------------------- `leakdesk dispatch ocr`
def _candidates(case: Case, ids: list[int] | None) -> list[Dispatch]:
    with case.connect() as conn:
        if ids is not None:
            found = {d.id: d for d in dispatches.find(conn, ids)}
            for i in ids:
                if i not in found:
                    raise no_such_dispatch(i)
                if found[i].reader not in OCR_READERS:
                    raise IntakeError(f"Dispatch {i} is not a scan or an image ({found[i].media_type or 'unknown'}); "
                                      "only PDFs and images are read by OCR.")
            return [found[i] for i in dict.fromkeys(ids)]
        every = [d for d in dispatches.find(conn) if d.reader in OCR_READERS]
    return [d for d in every if (d.details.get("ocr") or {}).get("status") == NEEDS_OCR]


def ocr_case(case: Case, dispatch_ids: Iterable[int] | None = None, languages: str | None = None,
             on_page: Callable[[int, int], None] | None = None) -> list[dict[str, Any]]:
    """OCR scans and images again (by default every one still marked 'needs OCR'); keeps the new text beside the
    old, records the engine, version and languages, and audits each."""
    rows = _candidates(case, list(dispatch_ids) if dispatch_ids is not None else None)
    if languages is None:
        languages = "+".join(_ISO.get(x, x) for x in case.settings.languages)
    out = []
    done = 0
    for row in rows:
        path = case.originals.verified_path(row.original_sha256)

        def tick(n: int, total: int, before: int = done) -> None:
            if on_page is not None:
                on_page(before + n, before + total)

        if row.reader == "image":
            result = ocr_image(path, languages, on_page=tick)
        else:
            result = ocr_pdf(path, _pages_without_text(row), languages, on_page=tick)
        done += result.pages
        out.append(_record(case, row, result))
    return out


def _pages_without_text(row: Dispatch) -> list[int]:
    info = row.details.get("ocr") or {}
    pages = info.get("page_numbers")
    if pages:
        return [int(p) for p in pages]
    return list(range(1, int(row.details.get("pages") or 0) + 1))


def _record(case: Case, row: Dispatch, result: OcrResult) -> dict[str, Any]:
    details = dict(row.details)
    info = {**(details.get("ocr") or {}), **result.details(), "read": datetime.now(UTC).isoformat()}
    details["ocr"] = info
    with case.transaction() as conn:
        if result.text:
            [language] = detect_languages([result.text], case.settings.languages)
            dispatches.add_text(conn, row.id, "body" if row.parent_id is None else "attachment",
                                result.text.replace("\x00", ""), ENGINE, result.extractor_version, language)
        dispatches.set_details(conn, row.id, details)
        case.record_dispatch_digest(conn, row.id, "intake.ocr", {k: v for k, v in info.items() if k != "read"})
    return {"dispatch_id": row.id, **result.details()}


def page_numbers(texts: list[str]) -> Iterator[int]:
    """1-based numbers of the pages whose text layer is empty (those a scan leaves blank)."""
    for n, text in enumerate(texts, 1):
        if not text.strip():
            yield n
