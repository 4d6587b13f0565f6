"""The registry that picks one reader per input (the Aleph ingest-file pattern).

A reader is one small class per format, in its own module under intake/readers/. The registry scores every reader
against an input's magic bytes, declared media type and file extension, and hands the input to the best one.
Children a reader finds (attachments, messages of an mbox, zip members) come back through the same registry,
within the bounds of one `Limits`.

The readers are listed once, by name, in `READERS`; the registry imports them the first time it is asked for
(`default_registry()`), so importing intake does not load every parser, and no reader imports the registry back:
the types they share live in intake/reading.py (`.importlinter` forbids the circle).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from leakdesk.errors import IntakeError

# Re-exported: the reader contract is also used under these names by ingest, the budget worker and the tests.
from leakdesk.intake.reading import (
    HEAD,
    Child,
    Extracted,
    Limits,
    ReadContext,
    Reader,
    Source,
    TextPart,
)

__all__ = [
    "HEAD",
    "READERS",
    "Child",
    "Extracted",
    "Limits",
    "ReadContext",
    "Reader",
    "Registry",
    "Source",
    "TextPart",
    "default_registry",
]

# Every reader leakdesk ships, as (module under leakdesk.intake.readers, class). Adding a format: one new module in
# intake/readers/ and one line here. Order breaks exact ties between equally scored readers (first wins).
READERS: tuple[tuple[str, str], ...] = (
    ("eml", "EmlReader"),
    ("mbox", "MboxReader"),
    ("maildir", "MaildirReader"),
    ("msg", "MsgReader"),
    ("text", "TextReader"),
    ("html", "HtmlReader"),
    ("pdf", "PdfReader"),
    ("docx", "DocxReader"),
    ("zip", "ZipReader"),
    ("image", "ImageReader"),
    ("archive", "ArchiveReader"),
    ("odf", "OdfReader"),
    ("ooxml", "XlsxReader"),
    ("ooxml", "PptxReader"),
    ("office", "LegacyOfficeReader"),
    ("pst", "PstReader"),
    ("emlx", "EmlxReader"),
    ("tnef", "TnefReader"),
    ("calendar", "CalendarReader"),
    ("calendar", "VcardReader"),
)
FALLBACK: tuple[str, str] = ("unknown", "UnknownReader")  # anything no reader recognises: kept, not read


def load_reader(module: str, cls: str) -> Reader:
    """An instance of reader class `cls` from leakdesk.intake.readers.`module`."""
    reader: Reader = getattr(importlib.import_module(f"leakdesk.intake.readers.{module}"), cls)()
    return reader


class Registry:
    """Chooses the best reader for an input."""

    def __init__(self, readers: Iterable[Reader], fallback: Reader) -> None:
        self.readers = list(readers)
        self.fallback = fallback

    def choose(self, source: Source) -> Reader:
        head = source.head()
        best, best_points = self.fallback, 0
        for reader in self.readers:
            points = reader.match(source, head)
            if points > best_points:
                best, best_points = reader, points
        return best

    def by_name(self, name: str) -> Reader:
        for reader in self.readers:
            if reader.name == name:
                return reader
        raise IntakeError(f"No reader called '{name}'.")


_default: Registry | None = None


def default_registry() -> Registry:
    """The registry with every reader leakdesk ships (built once, on first use)."""
    global _default
    if _default is None:
        _default = Registry([load_reader(m, c) for m, c in READERS], load_reader(*FALLBACK))
    return _default
