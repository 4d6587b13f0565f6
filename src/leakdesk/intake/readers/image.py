"""Images (PNG, JPEG, TIFF, GIF, BMP, WebP): their text by OCR (Tesseract), their size and camera metadata.

Camera metadata (maker, model, time, GPS) matters twice: as evidence of where a photo was taken, and as something
that could expose a source if published; it is recorded, never altered.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from leakdesk.errors import IntakeError
from leakdesk.intake import ocr
from leakdesk.intake.readers.text import text_role
from leakdesk.intake.reading import Extracted, ReadContext, Reader, Source, TextPart

if TYPE_CHECKING:  # Pillow is imported by the first image read, not by every ingest that loads the readers
    from PIL import Image

MIN_SIDE = 32  # smaller images (icons, tracking pixels) hold no readable text
_EXIF_KEPT = ("Make", "Model", "Software", "DateTime", "DateTimeOriginal", "Artist", "ImageDescription",
              "GPSInfo")
_MEDIA = {"PNG": "image/png", "JPEG": "image/jpeg", "TIFF": "image/tiff", "GIF": "image/gif", "BMP": "image/bmp",
          "WEBP": "image/webp", "MPO": "image/jpeg"}


class ImageReader(Reader):
    name = "image"
    version = "1"
    media_types = tuple(sorted(set(_MEDIA.values())))
    extensions = ("png", "jpg", "jpeg", "jpe", "tif", "tiff", "gif", "bmp", "webp")
    isolated = True  # the image is opened in the budgeted worker; OCR runs after, as its own process
    magic = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF87a", b"GIF89a", b"BM")

    def sniff(self, source: Source, head: bytes) -> int:
        return 10 if head[:4] == b"RIFF" and head[8:12] == b"WEBP" else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        return self.finish(source, ctx, self.parse(source, ctx))

    def parse(self, source: Source, ctx: ReadContext) -> Extracted:
        """Format, size and camera metadata (in the budgeted worker); OCR is left for `finish`."""
        from PIL import Image

        ex = Extracted(kind="file", media_type=source.media_type)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with source.open() as fh, Image.open(fh) as image:
                    fmt = image.format or "unknown"
                    ex.media_type = _MEDIA.get(fmt, source.media_type)
                    frames = getattr(image, "n_frames", 1)
                    ex.details["image"] = {"format": fmt, "width": image.width, "height": image.height,
                                           "frames": frames}
                    meta = _exif(image)
                    if meta:
                        ex.details["metadata"] = meta
                    small = image.width < MIN_SIDE or image.height < MIN_SIDE
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise IntakeError("the image is too large to open safely (it looks like a decompression bomb)") from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise IntakeError(f"not a readable image ({exc})") from exc
        if small:
            ex.details["note"] = f"an image of {ex.details['image']['width']}×{ex.details['image']['height']} " \
                                 "pixels, too small to hold text; not read by OCR"
        return ex

    def finish(self, source: Source, ctx: ReadContext, ex: Extracted) -> Extracted:
        """OCR (Tesseract runs as its own process, with its own time limit per page)."""
        if "image" not in ex.details or "note" in ex.details:
            return ex
        path = source.path  # OCR reads a file: bytes held in memory are stored as an original first
        if path is None:
            path = ctx.originals_path(ctx.store_bytes(source.read_bytes()).sha256)
        result = ocr.ocr_image(path, max_pages=ocr.INGEST_PAGES)
        ex.details["ocr"] = result.details()
        if result.text:
            ex.texts.append(TextPart(text_role(ctx), result.text, ocr.ENGINE, result.extractor_version))
        else:
            ex.details["note"] = result.status + (f": {result.reason}" if result.reason else "")
            if ctx.top_level:  # an attached logo without text is normal; a scan sent on its own is not
                ex.warnings.append(ex.details["note"])
        return ex


def _exif(image: Image.Image) -> dict[str, Any]:
    from PIL import ExifTags

    try:
        exif = image.getexif()
    except Exception:  # damaged EXIF must not lose the image
        return {}
    out: dict[str, Any] = {}
    for tag, value in exif.items():
        name = ExifTags.TAGS.get(tag, str(tag))
        if name == "GPSInfo":
            try:
                gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
            except Exception:
                continue
            if gps:
                out["GPSInfo"] = {ExifTags.GPSTAGS.get(k, str(k)): str(v)[:200] for k, v in gps.items()}
        elif name in _EXIF_KEPT:
            out[name] = str(value)[:500]
    return out
