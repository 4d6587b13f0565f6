"""OCR character accuracy and speed on pages rendered from known text (Russian and English).

    .venv/bin/python benchmarks/ocr.py [--json] [--page IMAGE TRUE_TEXT ...]

Pages are drawn with PIL (DejaVu Sans, fonts-dejavu-core) from letters written for this benchmark, at three text
sizes, clean and "scanned" (rotated 0.8°, blurred, speckled, saved as JPEG quality 60), and once as an image-only
PDF; each goes through leakdesk's own path (`leakdesk.intake.ocr.ocr_image` / `ocr_pdf`, Tesseract rus+eng).
Character accuracy = 1 − Levenshtein distance / length of the true text, whitespace collapsed.
`--page IMAGE TRUE_TEXT` adds a desk's own page (an image and a UTF-8 file of what it really says).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from rapidfuzz.distance import Levenshtein

from leakdesk.intake import ocr

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LETTERS = {
    "ru": [
        "Добрый день. Посылаю копию договора поставки № 17/3 от 12 марта,",
        "подписанного заместителем директора без согласования с советом.",
        "Оплата прошла двумя траншами через банк в Лимассоле: 4,5 млн евро",
        "и ещё 1,2 млн евро неделей позже. Акт приёмки датирован задним",
        "числом. Бухгалтерия получила указание не отражать эти суммы в",
        "отчёте за квартал. Прошу не звонить мне на рабочий телефон.",
    ],
    "en": [
        "Good afternoon. Enclosed is a copy of supply contract No. 17/3 of",
        "12 March, signed by the deputy director without the board's consent.",
        "Payment went in two tranches through a bank in Limassol: EUR 4.5m",
        "and another EUR 1.2m a week later. The acceptance certificate is",
        "backdated. Accounts were told not to show these sums in the",
        "quarterly report. Please do not call me on my office phone.",
    ],
}
SIZES = (20, 28, 40)  # pixel heights of the text: about 10 pt at 144, 200 and 288 dpi


def render(lines: list[str], size: int) -> Image.Image:
    font = ImageFont.truetype(FONT, size)
    width = max(int(font.getlength(line)) for line in lines) + 2 * size
    page = Image.new("L", (width, int(size * 1.5) * len(lines) + 2 * size), 255)
    draw = ImageDraw.Draw(page)
    for n, line in enumerate(lines):
        draw.text((size, size + n * int(size * 1.5)), line, font=font, fill=0)
    return page


def scanned(page: Image.Image, seed: int) -> Image.Image:
    rng = random.Random(seed)
    page = page.rotate(0.8, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    page = page.filter(ImageFilter.GaussianBlur(0.7))
    pixels = page.load()
    for _ in range(page.width * page.height // 400):  # speckle: 0.25% of pixels flipped
        x, y = rng.randrange(page.width), rng.randrange(page.height)
        pixels[x, y] = 0 if pixels[x, y] > 128 else 255  # type: ignore[index]
    return page


def accuracy(expected: str, found: str) -> float:
    truth, seen = " ".join(expected.split()), " ".join(found.split())
    return 1 - Levenshtein.distance(truth, seen) / len(truth)


def run() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for lang, lines in LETTERS.items():
            truth = "\n".join(lines)
            for size in SIZES:
                for condition in ("clean", "scanned"):
                    page = render(lines, size)
                    path = folder / f"{lang}-{size}-{condition}"
                    if condition == "clean":
                        path = path.with_suffix(".png")
                        page.save(path)
                    else:
                        path = path.with_suffix(".jpg")
                        scanned(page, size).save(path, quality=60)
                    start = time.perf_counter()
                    result = ocr.ocr_image(path)
                    rows.append(_row(lang, size, condition, truth, result, time.perf_counter() - start))
            pdf = folder / f"{lang}.pdf"
            render(lines, 28).convert("RGB").save(pdf, resolution=200)
            start = time.perf_counter()
            result = ocr.ocr_pdf(pdf, [1])
            rows.append(_row(lang, 28, "image-only PDF", truth, result, time.perf_counter() - start))
    return rows


def _row(lang: str, size: int, condition: str, truth: str, result: ocr.OcrResult, seconds: float) -> dict[str, object]:
    return {"language": lang, "text_px": size, "condition": condition,
            "accuracy": round(accuracy(truth, result.text), 4), "seconds": round(seconds, 2),
            "engine": f"{ocr.ENGINE} {result.version}", "languages": result.languages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--page", nargs=2, action="append", default=[], metavar=("IMAGE", "TRUE_TEXT"),
                        help="also measure this image against the text it really holds")
    args = parser.parse_args()
    if ocr.tesseract_version() is None:
        sys.exit("Tesseract is not installed (Debian tesseract-ocr, tesseract-ocr-rus, tesseract-ocr-eng).")
    rows = run()
    for image, truth in args.page:
        start = time.perf_counter()
        result = ocr.ocr_image(Path(image))
        rows.append(_row(Path(image).name, 0, "given page", Path(truth).read_text("utf-8"), result,
                         time.perf_counter() - start))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    print(f"engine: {rows[0]['engine']}, languages {rows[0]['languages']}")
    print("| language | text height (px) | condition | character accuracy | seconds |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['language']} | {r['text_px']} | {r['condition']} | {float(r['accuracy']):.1%} | {r['seconds']} |")


if __name__ == "__main__":
    main()
